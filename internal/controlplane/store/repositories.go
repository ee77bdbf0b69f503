// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/divio-community/terraform-provider-divio/internal/sshkey"
)

// AuthType is how the control plane authenticates to an external repository.
type AuthType string

const (
	AuthSSH   AuthType = "ssh"   // with the repository's own key pair
	AuthHTTPS AuthType = "https" // with a username and a personal access token
)

// RepositoryState is where a repository's clone check stands; "" before
// the first check.
type RepositoryState string

const (
	StateCloning RepositoryState = "CLONING" // a clone check is asked for or running
	StateCloned  RepositoryState = "CLONED"  // the last clone check succeeded
	StateInvalid RepositoryState = "INVALID" // the last clone check failed
)

// Repository is an organisation's external Git repository. Empty strings
// and zero times stand for absent values. The private key and the HTTPS
// password are only reachable through RepositoryPrivateKey and
// RepositoryHTTPSPassword.
type Repository struct {
	UUID             string
	OrganisationUUID string

	URL            string // canonical form
	DSN            string // clone URL
	AuthType       AuthType
	KeyType        sshkey.KeyType // ssh only
	PublicKey      string         // ssh only: the authorized_keys line to install as a deploy key
	KeyFingerprint string         // ssh only
	HTTPSUsername  string         // https only

	State RepositoryState
	// Branch and Migrate are those of the last clone check (State != "").
	Branch  string
	Migrate bool
	// PushCheckPending: the last clone check ended CLONED and no push
	// check has started since.
	PushCheckPending bool
	// PushVerifiedAt is when the push check after the last clone check
	// succeeded; zero when it has not (yet).
	PushVerifiedAt time.Time
	// ErrorCode and ErrorMessage explain the last clone check's failure
	// (INVALID) or the last push check's.
	ErrorCode, ErrorMessage string
	HostKey                 string // pinned by the first successful check
	HostKeyFingerprint      string
	LastCommit              string
	CheckedAt               time.Time // zero: never checked
	CheckDuration           time.Duration
	// EverCloned is whether a clone check of this repository ever succeeded.
	EverCloned bool
	// Generation counts the clone checks asked for; see FinishRepositoryCheck.
	Generation int64

	// ApplicationUUID is the application that uses the repository ("" for
	// none), ApplicationBranch the branch it follows there.
	ApplicationUUID   string
	ApplicationBranch string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Verified reports whether the repository may be given to an application:
// its last clone check succeeded and so did the push check after it.
func (r Repository) Verified() bool {
	return r.State == StateCloned && !r.PushVerifiedAt.IsZero()
}

// NewRepository is what CreateRepository stores: a key pair for ssh, or a
// username and password for https.
type NewRepository struct {
	OrganisationUUID string
	URL, DSN         string
	AuthType         AuthType
	KeyPair          *sshkey.KeyPair // ssh
	HTTPSUsername    string          // https
	HTTPSPassword    string          // https; sealed
}

// RepositoryFilter narrows a list of repositories; empty fields filter nothing.
type RepositoryFilter struct {
	OrganisationUUID string
}

// CheckOutcome is the result of a clone check, as FinishRepositoryCheck
// stores it, or of a push check, as FinishPushCheck does.
type CheckOutcome struct {
	Success bool
	// Code and Message explain a failure.
	Code, Message string
	// Commit is the branch's head; HostKey and HostKeyFingerprint are what
	// the host presented, pinned if no key is pinned yet. Clone check
	// success only.
	Commit, HostKey, HostKeyFingerprint string
	CheckedAt                           time.Time
	Duration                            time.Duration
}

const repositoryColumns = `r.uuid, r.organisation_uuid, r.url, r.dsn, r.auth_type,
	r.key_type, r.public_key, r.key_fingerprint, r.https_username,
	r.state, r.branch, r.migrate, r.push_check_pending, r.push_verified_at,
	r.error_code, r.error_message, r.host_key, r.host_key_fingerprint,
	r.last_commit, r.checked_at, r.check_duration_ms, r.ever_cloned, r.check_generation,
	a.uuid, a.branch, r.created_at, r.updated_at`

// organisationVisibleTo limits rows with an organisation_uuid column
// (aliased by the prefix given) to the organisations of the user given as
// its argument.
func organisationVisibleTo(alias string) string {
	return alias + ".organisation_uuid IN (SELECT organisation_uuid FROM memberships WHERE user_uuid = ?)"
}

// anyRepositoryQuery selects repositories regardless of who asks: only for
// the control plane's own work, never to answer a request.
func anyRepositoryQuery() selectQuery {
	return selectQuery{
		columns: repositoryColumns,
		from:    `repositories r LEFT JOIN applications a ON a.repository_uuid = r.uuid`,
		order:   "r.id",
	}
}

func repositoryQuery(userUUID string) selectQuery {
	q := anyRepositoryQuery()
	q.where(organisationVisibleTo("r"), userUUID)
	return q
}

func scanRepository(row rowScanner) (Repository, error) {
	var r Repository
	var keyType, publicKey, keyFingerprint, username, state, branch, pushVerifiedAt,
		errorCode, errorMessage, hostKey, hostKeyFingerprint, lastCommit, checkedAt,
		appUUID, appBranch sql.NullString
	var migrate sql.NullBool
	var durationMS sql.NullInt64
	var createdAt, updatedAt string
	err := row.Scan(&r.UUID, &r.OrganisationUUID, &r.URL, &r.DSN, &r.AuthType,
		&keyType, &publicKey, &keyFingerprint, &username,
		&state, &branch, &migrate, &r.PushCheckPending, &pushVerifiedAt,
		&errorCode, &errorMessage, &hostKey, &hostKeyFingerprint,
		&lastCommit, &checkedAt, &durationMS, &r.EverCloned, &r.Generation,
		&appUUID, &appBranch, &createdAt, &updatedAt)
	if err != nil {
		return r, err
	}
	r.KeyType, r.PublicKey, r.KeyFingerprint = sshkey.KeyType(keyType.String), publicKey.String, keyFingerprint.String
	r.HTTPSUsername = username.String
	r.State, r.Branch, r.Migrate = RepositoryState(state.String), branch.String, migrate.Bool
	r.ErrorCode, r.ErrorMessage = errorCode.String, errorMessage.String
	r.HostKey, r.HostKeyFingerprint, r.LastCommit = hostKey.String, hostKeyFingerprint.String, lastCommit.String
	r.CheckDuration = time.Duration(durationMS.Int64) * time.Millisecond
	r.ApplicationUUID, r.ApplicationBranch = appUUID.String, appBranch.String
	for _, t := range []struct {
		value sql.NullString
		into  *time.Time
	}{{pushVerifiedAt, &r.PushVerifiedAt}, {checkedAt, &r.CheckedAt}} {
		if t.value.Valid {
			if *t.into, err = parseTimestamp(t.value.String); err != nil {
				return r, err
			}
		}
	}
	if r.CreatedAt, err = parseTimestamp(createdAt); err != nil {
		return r, err
	}
	r.UpdatedAt, err = parseTimestamp(updatedAt)
	return r, err
}

// nullIfEmpty stores "" as NULL.
func nullIfEmpty(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// Additional data the repository's secrets are sealed with.
func privateKeyData(repositoryUUID string) []byte { return []byte(repositoryUUID + "private-key") }
func httpsPasswordData(repositoryUUID string) []byte {
	return []byte(repositoryUUID + "https-password")
}

// CreateRepository stores a repository with no state (never checked). The
// caller checks that the user may use the organisation.
func (s *Store) CreateRepository(ctx context.Context, n NewRepository) (Repository, error) {
	if s.box == nil {
		return Repository{}, ErrNoKey
	}
	id := uuid.NewString()
	now := timestamp(s.now())
	var keyType, publicKey, keyFingerprint, username sql.NullString
	var privateKey, password []byte
	var err error
	switch n.AuthType {
	case AuthSSH:
		if n.KeyPair == nil {
			return Repository{}, errors.New("store: an ssh repository needs a key pair")
		}
		keyType, publicKey = nullIfEmpty(string(n.KeyPair.Type)), nullIfEmpty(n.KeyPair.AuthorizedKey)
		keyFingerprint = nullIfEmpty(n.KeyPair.FingerprintSHA256)
		privateKey, err = s.box.Seal(n.KeyPair.PrivateKeyPEM, privateKeyData(id))
	case AuthHTTPS:
		username = nullIfEmpty(n.HTTPSUsername)
		password, err = s.box.Seal([]byte(n.HTTPSPassword), httpsPasswordData(id))
	default:
		err = fmt.Errorf("store: unknown auth type %q", n.AuthType)
	}
	if err != nil {
		return Repository{}, err
	}
	var claimed string
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if claimed, err = claimedObject(ctx, tx); err != nil || claimed != "" {
			return err // a repeat of a create that was carried out
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO repositories
			(uuid, organisation_uuid, url, dsn, auth_type, key_type, public_key, key_fingerprint, private_key_sealed,
			 https_username, https_password_sealed, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, n.OrganisationUUID, n.URL, n.DSN, string(n.AuthType), keyType, publicKey, keyFingerprint, nullBlob(privateKey),
			username, nullBlob(password), now, now)
		if err != nil {
			return err
		}
		return recordClaimedObject(ctx, tx, id)
	})
	if claimed != "" {
		id = claimed
	}
	if isForeignKeyViolation(err) {
		return Repository{}, ErrNotFound // the organisation is gone
	}
	if err != nil {
		return Repository{}, fmt.Errorf("store: create repository: %w", err)
	}
	return s.LoadRepository(ctx, id)
}

// GetRepository returns a repository of the user's organisations.
func (s *Store) GetRepository(ctx context.Context, userUUID, uuid string) (Repository, error) {
	q := repositoryQuery(userUUID)
	q.where("r.uuid = ?", uuid)
	return queryOne(ctx, s.db, q, scanRepository)
}

// LoadRepository returns any repository, for the control plane's own work
// (access checks, syncs); it is never to answer a request.
func (s *Store) LoadRepository(ctx context.Context, uuid string) (Repository, error) {
	q := anyRepositoryQuery()
	q.where("r.uuid = ?", uuid)
	return queryOne(ctx, s.db, q, scanRepository)
}

// ListRepositories returns one page of the user's repositories and their total count.
func (s *Store) ListRepositories(ctx context.Context, userUUID string, filter RepositoryFilter, page Page) ([]Repository, int, error) {
	q := repositoryQuery(userUUID)
	q.whereSet("r.organisation_uuid = ?", filter.OrganisationUUID)
	return queryPage(ctx, s.db, q, page, scanRepository)
}

// DeleteRepository deletes a repository of the user's organisations.
// ErrInUse while an application uses it; ErrNotFound if it is not the user's.
func (s *Store) DeleteRepository(ctx context.Context, userUUID, uuid string) error {
	result, err := s.db.ExecContext(ctx, `DELETE FROM repositories WHERE uuid = ? AND `+organisationVisibleTo("repositories"),
		uuid, userUUID)
	if isForeignKeyViolation(err) {
		return ErrInUse
	}
	if err != nil {
		return fmt.Errorf("store: delete repository: %w", err)
	}
	deleted, err := result.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: delete repository: %w", err)
	}
	if deleted == 0 {
		return ErrNotFound
	}
	return nil
}

// RepositoryPrivateKey returns the OpenSSH private key of an ssh
// repository, for the control plane's own Git operations. It is never to
// be sent to a client.
func (s *Store) RepositoryPrivateKey(ctx context.Context, uuid string) ([]byte, error) {
	return s.openRepositorySecret(ctx, uuid, "private_key_sealed", privateKeyData(uuid))
}

// RepositoryHTTPSPassword returns the HTTPS password (token) of an https
// repository, for the control plane's own Git operations. It is never to
// be sent to a client.
func (s *Store) RepositoryHTTPSPassword(ctx context.Context, uuid string) (string, error) {
	password, err := s.openRepositorySecret(ctx, uuid, "https_password_sealed", httpsPasswordData(uuid))
	return string(password), err
}

// openRepositorySecret unseals a secret column of a repository.
func (s *Store) openRepositorySecret(ctx context.Context, uuid, column string, data []byte) ([]byte, error) {
	if s.box == nil {
		return nil, ErrNoKey
	}
	var sealed []byte
	err := s.db.QueryRowContext(ctx, `SELECT `+column+` FROM repositories WHERE uuid = ?`, uuid).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && sealed == nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read repository secret: %w", err)
	}
	return s.box.Open(sealed, data)
}

// CheckStep is what a check request leads to; see CheckRepository.
type CheckStep int

const (
	// CheckRunning: a clone check is asked for or running; nothing changed.
	CheckRunning CheckStep = iota
	// CheckCloneStarted: a new clone check was asked for (state CLONING).
	CheckCloneStarted
	// CheckPushDue: the push check is due now; the caller runs it and
	// stores its outcome with FinishPushCheck.
	CheckPushDue
)

// CheckRepository applies Divio's check state machine to a repository of
// the user's organisations, for a check of branch with migrate:
//
//   - in CLONING, nothing changes (CheckRunning);
//   - in CLONED with the push check pending after a clone check of the
//     same branch and migrate, the push check is claimed (no longer
//     pending) and due (CheckPushDue);
//   - otherwise a clone check is asked for: state CLONING with branch and
//     migrate, no error, no push verification, the next generation
//     (CheckCloneStarted).
//
// It returns the repository as it is afterwards. ErrNotFound if it is not the user's.
func (s *Store) CheckRepository(ctx context.Context, userUUID, uuid, branch string, migrate bool) (CheckStep, Repository, error) {
	var step CheckStep
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		q := repositoryQuery(userUUID)
		q.where("r.uuid = ?", uuid)
		current, err := queryOne(ctx, tx, q, scanRepository)
		if err != nil {
			return err
		}
		now := timestamp(s.now())
		switch {
		case current.State == StateCloning:
			step = CheckRunning
			return nil
		case current.State == StateCloned && current.PushCheckPending && current.Branch == branch && current.Migrate == migrate:
			step = CheckPushDue
			_, err = tx.ExecContext(ctx, `UPDATE repositories SET push_check_pending = 0, updated_at = ? WHERE uuid = ?`, now, uuid)
			return err
		}
		step = CheckCloneStarted
		_, err = tx.ExecContext(ctx, `UPDATE repositories SET
			state = ?, branch = ?, migrate = ?, push_check_pending = 0, push_verified_at = NULL,
			error_code = NULL, error_message = NULL, check_generation = check_generation + 1, updated_at = ?
			WHERE uuid = ?`,
			string(StateCloning), branch, migrate, now, uuid)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return step, Repository{}, err
	}
	if err != nil {
		return step, Repository{}, fmt.Errorf("store: check repository: %w", err)
	}
	repo, err := s.LoadRepository(ctx, uuid)
	return step, repo, err
}

// PendingRepositoryChecks returns the repositories in state CLONING, oldest
// first: the clone checks a restarted control plane still owes.
func (s *Store) PendingRepositoryChecks(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT uuid FROM repositories WHERE state = ? ORDER BY id`, string(StateCloning))
	if err != nil {
		return nil, fmt.Errorf("store: pending checks: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: pending checks: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: pending checks: %w", err)
	}
	return ids, nil
}

// FinishRepositoryCheck stores the outcome of the clone check started for
// generation. It reports false, and changes nothing, when that check is
// stale: a newer one has been asked for since (or the repository is not
// in CLONING). A success makes the push check pending, pins the host key
// if none is pinned, and, when an application follows the checked branch,
// records its head as the origin head as last seen; a failure keeps the
// pinned key and the last commit.
func (s *Store) FinishRepositoryCheck(ctx context.Context, uuid string, generation int64, outcome CheckOutcome) (bool, error) {
	common := []any{timestamp(outcome.CheckedAt), outcome.Duration.Milliseconds(), timestamp(s.now()), uuid, generation, string(StateCloning)}
	const where = `checked_at = ?, check_duration_ms = ?, updated_at = ? WHERE uuid = ? AND check_generation = ? AND state = ?`
	var applied bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var result sql.Result
		var err error
		if outcome.Success {
			// Every expression reads the row as it was before the update.
			result, err = tx.ExecContext(ctx, `UPDATE repositories SET
				state = ?, error_code = NULL, error_message = NULL, ever_cloned = 1, push_check_pending = 1,
				last_commit = COALESCE(?, last_commit),
				host_key_fingerprint = CASE WHEN host_key IS NULL THEN ? ELSE host_key_fingerprint END,
				host_key = COALESCE(host_key, ?), `+where,
				append([]any{string(StateCloned), nullIfEmpty(outcome.Commit),
					nullIfEmpty(outcome.HostKeyFingerprint), nullIfEmpty(outcome.HostKey)}, common...)...)
		} else {
			result, err = tx.ExecContext(ctx, `UPDATE repositories SET state = ?, error_code = ?, error_message = ?, `+where,
				append([]any{string(StateInvalid), outcome.Code, outcome.Message}, common...)...)
		}
		if err != nil {
			return err
		}
		updated, err := result.RowsAffected()
		if err != nil {
			return err
		}
		applied = updated == 1
		if !applied || !outcome.Success || outcome.Commit == "" {
			return nil
		}
		var follows bool
		err = tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM applications a JOIN repositories r ON r.uuid = a.repository_uuid
			WHERE r.uuid = ? AND a.branch = r.branch)`, uuid).Scan(&follows)
		if err != nil || !follows {
			return err
		}
		return upsertOriginHead(ctx, tx, uuid, outcome.Commit, outcome.CheckedAt)
	})
	if err != nil {
		return false, fmt.Errorf("store: finish repository check: %w", err)
	}
	return applied, nil
}

// FinishPushCheck stores the outcome of the push check claimed by
// CheckRepository at generation: push_verified_at on success, the error on
// failure. It reports false, and changes nothing, when a clone check has
// been asked for since.
func (s *Store) FinishPushCheck(ctx context.Context, uuid string, generation int64, outcome CheckOutcome) (bool, error) {
	var result sql.Result
	var err error
	if outcome.Success {
		result, err = s.db.ExecContext(ctx, `UPDATE repositories SET push_verified_at = ?, error_code = NULL, error_message = NULL,
			updated_at = ? WHERE uuid = ? AND check_generation = ? AND state = ?`,
			timestamp(outcome.CheckedAt), timestamp(s.now()), uuid, generation, string(StateCloned))
	} else {
		result, err = s.db.ExecContext(ctx, `UPDATE repositories SET push_verified_at = NULL, error_code = ?, error_message = ?,
			updated_at = ? WHERE uuid = ? AND check_generation = ? AND state = ?`,
			outcome.Code, outcome.Message, timestamp(s.now()), uuid, generation, string(StateCloned))
	}
	if err != nil {
		return false, fmt.Errorf("store: finish push check: %w", err)
	}
	updated, err := result.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: finish push check: %w", err)
	}
	return updated == 1, nil
}
