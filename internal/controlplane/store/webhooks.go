// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// WebhookType is the Git host whose deliveries a webhook takes.
type WebhookType string

const (
	WebhookGitHub    WebhookType = "github"    // signs the body with the secret (X-Hub-Signature-256)
	WebhookGitLab    WebhookType = "gitlab"    // sends the secret (X-Gitlab-Token)
	WebhookBitbucket WebhookType = "bitbucket" // sends no secret: the URL token is the credential
)

// Delivery results, as a webhook's LastDeliveryResult shows them.
const (
	DeliveryAccepted  = "accepted"
	DeliveryIgnored   = "ignored"
	DeliveryDuplicate = "duplicate"
	DeliveryRejected  = "rejected"
)

// deliveryRetention is how long a delivery id is remembered for replay detection.
const deliveryRetention = 30 * 24 * time.Hour

// Webhook is the webhook of an application (and so of its repository), with its secret and
// URL token unsealed: callers answer them only to the webhook's users.
type Webhook struct {
	UUID             string
	ApplicationUUID  string
	RepositoryUUID   string // the application's repository
	OrganisationUUID string
	Type             WebhookType
	Secret           string // "" for bitbucket
	SecretChosen     bool   // the caller chose Secret (the API then never shows it)
	Token            string // the last path segment of the webhook's URL
	CreatedAt        time.Time
	RotatedAt        time.Time // when the current secret (bitbucket: token) was issued
	// LastDeliveryAt is zero before the first delivery.
	LastDeliveryAt     time.Time
	LastDeliveryResult string
}

// NewWebhook is what CreateWebhook stores.
type NewWebhook struct {
	ApplicationUUID string
	Type            WebhookType
	Secret          string // "" for bitbucket
	SecretChosen    bool
	Token           string
}

// WebhookFilter narrows a list of webhooks; empty fields filter nothing.
type WebhookFilter struct {
	ApplicationUUID string
}

// Delivery is a delivery that RecordDelivery stores.
type Delivery struct {
	WebhookUUID    string
	RepositoryUUID string
	ID             string // the host's delivery id
	Result         string // DeliveryAccepted or DeliveryIgnored
	// PushedHead is the head the payload says the branch now has ("" when
	// unknown, such as when the push deleted the branch); an accepted
	// delivery records it as the origin head as last seen.
	PushedHead string
	ReceivedAt time.Time
}

// TokenSHA256 is how a webhook's URL token is stored for lookup.
func TokenSHA256(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func webhookSecretData(webhookUUID string) []byte { return []byte(webhookUUID + "webhook-secret") }
func webhookTokenData(webhookUUID string) []byte  { return []byte(webhookUUID + "webhook-token") }

// anyWebhookQuery selects webhooks regardless of who asks: only for the
// control plane's own work (receiving deliveries).
func anyWebhookQuery() selectQuery {
	return selectQuery{
		columns: `w.uuid, w.application_uuid, COALESCE(a.repository_uuid, ''), a.organisation_uuid, w.type, w.secret_sealed, w.secret_chosen, w.token_sealed,
			w.created_at, w.rotated_at, w.last_delivery_at, w.last_delivery_result`,
		from:  "webhooks w JOIN applications a ON a.uuid = w.application_uuid",
		order: "w.id",
	}
}

func webhookQuery(userUUID string) selectQuery {
	q := anyWebhookQuery()
	q.where(applicationVisibleTo, userUUID)
	return q
}

// scanWebhook reads a webhook and unseals its secret and token.
func (s *Store) scanWebhook(row rowScanner) (Webhook, error) {
	var w Webhook
	var secretSealed, tokenSealed []byte
	var createdAt, rotatedAt string
	var lastAt, lastResult sql.NullString
	if err := row.Scan(&w.UUID, &w.ApplicationUUID, &w.RepositoryUUID, &w.OrganisationUUID, &w.Type, &secretSealed, &w.SecretChosen, &tokenSealed,
		&createdAt, &rotatedAt, &lastAt, &lastResult); err != nil {
		return w, err
	}
	if s.box == nil {
		return w, ErrNoKey
	}
	token, err := s.box.Open(tokenSealed, webhookTokenData(w.UUID))
	if err != nil {
		return w, fmt.Errorf("store: open webhook token: %w", err)
	}
	w.Token = string(token)
	if secretSealed != nil {
		secret, err := s.box.Open(secretSealed, webhookSecretData(w.UUID))
		if err != nil {
			return w, fmt.Errorf("store: open webhook secret: %w", err)
		}
		w.Secret = string(secret)
	}
	w.LastDeliveryResult = lastResult.String
	if lastAt.Valid {
		if w.LastDeliveryAt, err = parseTimestamp(lastAt.String); err != nil {
			return w, err
		}
	}
	if w.CreatedAt, err = parseTimestamp(createdAt); err != nil {
		return w, err
	}
	w.RotatedAt, err = parseTimestamp(rotatedAt)
	return w, err
}

// nullBlob stores a nil slice as NULL.
func nullBlob(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// sealWebhookSecret seals a secret; nil for "" (bitbucket).
func (s *Store) sealWebhookSecret(webhookUUID, secret string) ([]byte, error) {
	if secret == "" {
		return nil, nil
	}
	return s.box.Seal([]byte(secret), webhookSecretData(webhookUUID))
}

// CreateWebhook stores a webhook for an application with a repository.
// ErrConflict if the application already has one; ErrMissingReference if
// the application is gone. The caller checks that the user may use the
// application and that it has a repository.
func (s *Store) CreateWebhook(ctx context.Context, n NewWebhook) (Webhook, error) {
	if s.box == nil {
		return Webhook{}, ErrNoKey
	}
	id := uuid.NewString()
	secret, err := s.sealWebhookSecret(id, n.Secret)
	if err != nil {
		return Webhook{}, err
	}
	token, err := s.box.Seal([]byte(n.Token), webhookTokenData(id))
	if err != nil {
		return Webhook{}, err
	}
	now := timestamp(s.now())
	var claimed string
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if claimed, err = claimedObject(ctx, tx); err != nil || claimed != "" {
			return err // a repeat of a create that was carried out
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO webhooks
			(uuid, application_uuid, type, secret_sealed, secret_chosen, token_sha256, token_sealed, created_at, rotated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, n.ApplicationUUID, string(n.Type), nullBlob(secret), n.SecretChosen, TokenSHA256(n.Token), token, now, now)
		if err != nil {
			return err
		}
		return recordClaimedObject(ctx, tx, id)
	})
	if claimed != "" {
		id = claimed
	}
	switch {
	case isUniqueViolation(err):
		return Webhook{}, ErrConflict
	case isForeignKeyViolation(err):
		return Webhook{}, ErrMissingReference
	case err != nil:
		return Webhook{}, fmt.Errorf("store: create webhook: %w", err)
	}
	return s.loadWebhook(ctx, s.db, "w.uuid = ?", id)
}

func (s *Store) loadWebhook(ctx context.Context, db querier, clause string, arg any) (Webhook, error) {
	q := anyWebhookQuery()
	q.where(clause, arg)
	return queryOne(ctx, db, q, s.scanWebhook)
}

// GetWebhook returns a webhook of an application of the user's organisations.
func (s *Store) GetWebhook(ctx context.Context, userUUID, uuid string) (Webhook, error) {
	q := webhookQuery(userUUID)
	q.where("w.uuid = ?", uuid)
	return queryOne(ctx, s.db, q, s.scanWebhook)
}

// ApplicationWebhook returns the webhook of an application, for the
// control plane's own work (the caller has checked the application's
// visibility); ErrNotFound when it has none.
func (s *Store) ApplicationWebhook(ctx context.Context, applicationUUID string) (Webhook, error) {
	return s.loadWebhook(ctx, s.db, "w.application_uuid = ?", applicationUUID)
}

// ListWebhooks returns one page of the user's webhooks and their total count.
func (s *Store) ListWebhooks(ctx context.Context, userUUID string, filter WebhookFilter, page Page) ([]Webhook, int, error) {
	q := webhookQuery(userUUID)
	q.whereSet("w.application_uuid = ?", filter.ApplicationUUID)
	return queryPage(ctx, s.db, q, page, s.scanWebhook)
}

// WebhookByToken returns the webhook whose URL carries token, whoever it
// belongs to: deliveries authenticate with the token, not with a user.
func (s *Store) WebhookByToken(ctx context.Context, token string) (Webhook, error) {
	return s.loadWebhook(ctx, s.db, "w.token_sha256 = ?", TokenSHA256(token))
}

// RotateWebhook replaces a webhook's secret (when secret is not "") and
// its URL token (when token is not ""), at once. ErrNotFound if the
// webhook is not the user's.
func (s *Store) RotateWebhook(ctx context.Context, userUUID, uuid, secret string, secretChosen bool, token string) (Webhook, error) {
	if s.box == nil {
		return Webhook{}, ErrNoKey
	}
	var rotated Webhook
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		q := webhookQuery(userUUID)
		q.where("w.uuid = ?", uuid)
		current, err := queryOne(ctx, tx, q, s.scanWebhook)
		if err != nil {
			return err
		}
		if claimed, err := claimedObject(ctx, tx); err != nil || claimed == uuid {
			rotated = current // a repeat of a rotation that was carried out
			return err
		}
		if err := recordClaimedObject(ctx, tx, uuid); err != nil {
			return err
		}
		sealedSecret, err := s.sealWebhookSecret(uuid, secret)
		if err != nil {
			return err
		}
		var sealedToken []byte
		var tokenHash sql.NullString
		if token != "" {
			if sealedToken, err = s.box.Seal([]byte(token), webhookTokenData(uuid)); err != nil {
				return err
			}
			tokenHash = sql.NullString{String: TokenSHA256(token), Valid: true}
		}
		_, err = tx.ExecContext(ctx, `UPDATE webhooks SET
			secret_sealed = COALESCE(?, secret_sealed), secret_chosen = ?,
			token_sealed = COALESCE(?, token_sealed), token_sha256 = COALESCE(?, token_sha256),
			rotated_at = ? WHERE uuid = ?`,
			nullBlob(sealedSecret), secretChosen, nullBlob(sealedToken), tokenHash, timestamp(s.now()), current.UUID)
		if err != nil {
			return err
		}
		rotated, err = s.loadWebhook(ctx, tx, "w.uuid = ?", uuid)
		return err
	})
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrNoKey) {
		return Webhook{}, err
	}
	if err != nil {
		return Webhook{}, fmt.Errorf("store: rotate webhook: %w", err)
	}
	return rotated, nil
}

// DeleteWebhook deletes a webhook of the user's organisations, with its deliveries.
func (s *Store) DeleteWebhook(ctx context.Context, userUUID, uuid string) error {
	result, err := s.db.ExecContext(ctx, `DELETE FROM webhooks WHERE uuid = ?
		AND application_uuid IN (SELECT a.uuid FROM applications a WHERE `+applicationVisibleTo+`)`,
		uuid, userUUID)
	if err != nil {
		return fmt.Errorf("store: delete webhook: %w", err)
	}
	deleted, err := result.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: delete webhook: %w", err)
	}
	if deleted == 0 {
		return ErrNotFound
	}
	return nil
}

// NoteDelivery records that a delivery reached a webhook with result
// (rejected, duplicate, ...) without remembering its id.
func (s *Store) NoteDelivery(ctx context.Context, webhookUUID, result string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE webhooks SET last_delivery_at = ?, last_delivery_result = ? WHERE uuid = ?`,
		timestamp(at), result, webhookUUID)
	if err != nil {
		return fmt.Errorf("store: note delivery: %w", err)
	}
	return nil
}

// headKnown reports whether an accepted delivery's pushed head is known
// already: the platform's head, or the head of an earlier accepted delivery
// of the webhook (whose sync was asked for then).
func headKnown(ctx context.Context, tx *sql.Tx, d Delivery) (bool, error) {
	if d.Result != DeliveryAccepted || d.PushedHead == "" {
		return false, nil
	}
	var known bool
	err := tx.QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM repository_sync WHERE repository_uuid = ? AND platform_head = ?)
		OR EXISTS (SELECT 1 FROM webhook_deliveries WHERE webhook_uuid = ? AND result = ? AND pushed_head = ?)`,
		d.RepositoryUUID, d.PushedHead, d.WebhookUUID, DeliveryAccepted, d.PushedHead).Scan(&known)
	return known, err
}

// RecordDelivery remembers a delivery's id and, in the same transaction,
// what it means: for an accepted delivery of a head the platform does not
// know yet, one more sync asked for. It reports duplicate, and changes
// nothing but the webhook's last delivery, when the webhook already took a
// delivery with this id (of concurrent deliveries with one id, exactly one
// is recorded), or when the pushed head is known already (headKnown): a
// replayed delivery with a fresh id syncs nothing. The payload's head is
// never taken for the origin head, so no delivery can rewind it: the sync
// reads the origin's head from the origin itself.
func (s *Store) RecordDelivery(ctx context.Context, d Delivery) (duplicate bool, err error) {
	at := timestamp(d.ReceivedAt)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE webhook_uuid = ? AND received_at < ?`,
			d.WebhookUUID, timestamp(d.ReceivedAt.Add(-deliveryRetention))); err != nil {
			return err
		}
		known, err := headKnown(ctx, tx, d)
		if err != nil {
			return err
		}
		result, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (webhook_uuid, delivery_id, received_at, result, pushed_head)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (webhook_uuid, delivery_id) DO NOTHING`,
			d.WebhookUUID, d.ID, at, d.Result, nullIfEmpty(d.PushedHead))
		if err != nil {
			return err
		}
		inserted, err := result.RowsAffected()
		if err != nil {
			return err
		}
		duplicate = inserted == 0 || known
		lastResult := d.Result
		if duplicate {
			lastResult = DeliveryDuplicate
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET last_delivery_at = ?, last_delivery_result = ? WHERE uuid = ?`,
			at, lastResult, d.WebhookUUID); err != nil {
			return err
		}
		if duplicate || d.Result != DeliveryAccepted {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO repository_sync (repository_uuid, sync_requested) VALUES (?, 1)
			ON CONFLICT (repository_uuid) DO UPDATE SET sync_requested = sync_requested + 1`, d.RepositoryUUID)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: record delivery: %w", err)
	}
	return duplicate, nil
}
