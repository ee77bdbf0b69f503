// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// IdempotencyRecord is the stored answer to a request made with an Idempotency-Key.
type IdempotencyRecord struct {
	UserUUID      string
	Key           string
	RequestSHA256 string // identifies method, path and body of the first request
	StatusCode    int
	ResponseBody  []byte
	CreatedAt     time.Time
}

// idempotencyData is the additional data a stored answer is sealed with.
func idempotencyData(userUUID, key string) []byte {
	return []byte(userUUID + "\x00" + key + "\x00idempotency")
}

// IdempotencyRecord returns the user's record for key if it was created at
// or after notBefore; older records count as absent (ErrNotFound).
func (s *Store) IdempotencyRecord(ctx context.Context, userUUID, key string, notBefore time.Time) (IdempotencyRecord, error) {
	q := selectQuery{
		columns: "user_uuid, key, request_sha256, status_code, response_body, sealed, created_at",
		from:    "idempotency_records",
	}
	q.where("user_uuid = ? AND key = ? AND created_at >= ?", userUUID, key, timestamp(notBefore))
	return queryOne(ctx, s.db, q, func(row rowScanner) (IdempotencyRecord, error) {
		var rec IdempotencyRecord
		var createdAt string
		var sealed bool
		if err := row.Scan(&rec.UserUUID, &rec.Key, &rec.RequestSHA256, &rec.StatusCode, &rec.ResponseBody, &sealed, &createdAt); err != nil {
			return rec, err
		}
		var err error
		if sealed {
			if s.box == nil {
				return rec, ErrNoKey
			}
			if rec.ResponseBody, err = s.box.Open(rec.ResponseBody, idempotencyData(rec.UserUUID, rec.Key)); err != nil {
				return rec, fmt.Errorf("store: open idempotency record: %w", err)
			}
		}
		rec.CreatedAt, err = parseTimestamp(createdAt)
		return rec, err
	})
}

// SaveIdempotencyRecord stores rec, replacing an expired record with the
// same key, and drops all records created before expiredBefore. The answer
// is sealed when the store has a key, since some answers carry secrets.
func (s *Store) SaveIdempotencyRecord(ctx context.Context, rec IdempotencyRecord, expiredBefore time.Time) error {
	body, sealed := rec.ResponseBody, false
	if body == nil {
		body = []byte{} // the column is NOT NULL; a 204 has no body
	}
	if s.box != nil {
		var err error
		if body, err = s.box.Seal(body, idempotencyData(rec.UserUUID, rec.Key)); err != nil {
			return fmt.Errorf("store: save idempotency record: %w", err)
		}
		sealed = true
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_records WHERE created_at < ?`, timestamp(expiredBefore)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO idempotency_records
			(user_uuid, key, request_sha256, status_code, response_body, sealed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			rec.UserUUID, rec.Key, rec.RequestSHA256, rec.StatusCode, body, sealed, timestamp(rec.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: save idempotency record: %w", err)
	}
	return nil
}

// Claim is the Idempotency-Key a create runs under, carried in its context.
type Claim struct {
	UserUUID string
	Key      string
}

type claimKey struct{}

// WithClaim returns ctx carrying claim: the creates run with it record the
// object they make against the claim, in their own transaction.
func WithClaim(ctx context.Context, claim Claim) context.Context {
	return context.WithValue(ctx, claimKey{}, claim)
}

func claimFrom(ctx context.Context) (Claim, bool) {
	claim, ok := ctx.Value(claimKey{}).(Claim)
	return claim, ok
}

// ClaimIdempotencyKey claims key for the request identified by fingerprint,
// dropping claims created before expiredBefore. ErrConflict if the key is
// claimed by another request.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, userUUID, key, fingerprint string, now, expiredBefore time.Time) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_claims WHERE created_at < ?`, timestamp(expiredBefore)); err != nil {
			return err
		}
		var claimed string
		err := tx.QueryRowContext(ctx, `SELECT request_sha256 FROM idempotency_claims WHERE user_uuid = ? AND key = ?`,
			userUUID, key).Scan(&claimed)
		switch {
		case err == nil && claimed != fingerprint:
			return ErrConflict
		case err == nil:
			return nil // a repeat: the claim stands, with its object if any
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO idempotency_claims (user_uuid, key, request_sha256, created_at)
			VALUES (?, ?, ?, ?)`, userUUID, key, fingerprint, timestamp(now))
		return err
	})
	if err != nil && !errors.Is(err, ErrConflict) {
		return fmt.Errorf("store: claim idempotency key: %w", err)
	}
	return err
}

// claimedObject returns the object a claimed create already made ("" if
// none, or if ctx carries no claim).
func claimedObject(ctx context.Context, tx *sql.Tx) (string, error) {
	claim, ok := claimFrom(ctx)
	if !ok {
		return "", nil
	}
	var object sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT object_uuid FROM idempotency_claims WHERE user_uuid = ? AND key = ?`,
		claim.UserUUID, claim.Key).Scan(&object)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return object.String, err
}

// recordClaimedObject records, in the creating transaction, the object the
// claimed create made.
func recordClaimedObject(ctx context.Context, tx *sql.Tx, objectUUID string) error {
	claim, ok := claimFrom(ctx)
	if !ok {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE idempotency_claims SET object_uuid = ? WHERE user_uuid = ? AND key = ?`,
		objectUUID, claim.UserUUID, claim.Key)
	return err
}
