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
	AuthSSH   AuthType = "ssh"   // with a deploy key
	AuthHTTPS AuthType = "https" // with a username and a personal access token
)

// RepositoryState is where a binding's access check stands.
type RepositoryState string

const (
	StateCloning RepositoryState = "CLONING" // a check is asked for or running
	StateCloned  RepositoryState = "CLONED"  // the last check succeeded
	StateInvalid RepositoryState = "INVALID" // the last check failed
)

// Repository is an application's binding to an external Git repository.
// Empty strings stand for absent values. The HTTPS token is only reachable
// through RepositoryHTTPSToken.
type Repository struct {
	UUID             string
	ApplicationUUID  string
	OrganisationUUID string

	URL                string // canonical form
	DSN                string // clone URL
	Branch             string
	AuthType           AuthType
	DeployKeyUUID      string // ssh only
	DeployKeyPublicKey string // ssh only
	HTTPSUsername      string // https only
	Migrate            bool
	WriteAccess        bool

	ExpectedHostKeyFingerprint string
	HostKey                    string // pinned by the first successful check
	HostKeyFingerprint         string

	State         RepositoryState
	ErrorCode     string // INVALID only
	ErrorMessage  string // INVALID only
	LastCommit    string
	CheckedAt     time.Time // zero: never checked
	CheckDuration time.Duration
	// EverCloned is whether a check of this binding has ever succeeded.
	EverCloned bool
	// Generation counts the checks asked for; see FinishRepositoryCheck.
	Generation int64

	CreatedAt time.Time
	UpdatedAt time.Time
}

// RepositorySettings are what a client sets on a binding.
type RepositorySettings struct {
	URL, DSN, Branch string
	AuthType         AuthType
	DeployKeyUUID    string // ssh; set by CreateRepository when it stores a new key
	HTTPSUsername    string // https
	// HTTPSToken is sealed and stored; on update, "" keeps the stored token.
	HTTPSToken                 string
	Migrate, WriteAccess       bool
	ExpectedHostKeyFingerprint string
	// DropHostKey forgets the pinned host key (update only), so that the
	// next successful check pins the key the host then presents.
	DropHostKey bool
}

// Settings returns the binding's current settings, to be changed by an update.
func (r Repository) Settings() RepositorySettings {
	return RepositorySettings{
		URL: r.URL, DSN: r.DSN, Branch: r.Branch, AuthType: r.AuthType,
		DeployKeyUUID: r.DeployKeyUUID, HTTPSUsername: r.HTTPSUsername,
		Migrate: r.Migrate, WriteAccess: r.WriteAccess,
		ExpectedHostKeyFingerprint: r.ExpectedHostKeyFingerprint,
	}
}

// NewRepository is what CreateRepository stores. With NewDeployKey set, the
// key is stored for the application in the same transaction and used.
type NewRepository struct {
	ApplicationUUID string
	NewDeployKey    *sshkey.KeyPair
	Settings        RepositorySettings
}

// RepositoryFilter narrows a list of bindings; empty fields filter nothing.
type RepositoryFilter struct {
	ApplicationUUID  string
	OrganisationUUID string
}

// CheckOutcome is the result of an access check, as FinishRepositoryCheck stores it.
type CheckOutcome struct {
	Success bool
	// Code and Message explain a failure.
	Code, Message string
	// Commit is the branch's head; HostKey and HostKeyFingerprint are what
	// the host presented, pinned if no key is pinned yet. Success only.
	Commit, HostKey, HostKeyFingerprint string
	CheckedAt                           time.Time
	Duration                            time.Duration
}

const repositoryColumns = `r.uuid, r.application_uuid, a.organisation_uuid, r.url, r.dsn, r.branch, r.auth_type,
	r.deploy_key_uuid, k.public_key, r.https_username, r.migrate, r.write_access,
	r.expected_host_key_fingerprint, r.host_key, r.host_key_fingerprint,
	r.state, r.error_code, r.error_message, r.last_commit, r.checked_at, r.check_duration_ms,
	r.ever_cloned, r.check_generation, r.created_at, r.updated_at`

// anyRepositoryQuery selects bindings regardless of who asks: only for the
// control plane's own work, never to answer a request.
func anyRepositoryQuery() selectQuery {
	return selectQuery{
		columns: repositoryColumns,
		from: `repositories r JOIN applications a ON a.uuid = r.application_uuid
			LEFT JOIN deploy_keys k ON k.uuid = r.deploy_key_uuid`,
		order: "r.id",
	}
}

func repositoryQuery(userUUID string) selectQuery {
	q := anyRepositoryQuery()
	q.where(applicationVisibleTo, userUUID)
	return q
}

func scanRepository(row rowScanner) (Repository, error) {
	var r Repository
	var deployKey, publicKey, username, expected, hostKey, hostKeyFingerprint,
		errorCode, errorMessage, lastCommit, checkedAt sql.NullString
	var durationMS sql.NullInt64
	var createdAt, updatedAt string
	err := row.Scan(&r.UUID, &r.ApplicationUUID, &r.OrganisationUUID, &r.URL, &r.DSN, &r.Branch, &r.AuthType,
		&deployKey, &publicKey, &username, &r.Migrate, &r.WriteAccess,
		&expected, &hostKey, &hostKeyFingerprint,
		&r.State, &errorCode, &errorMessage, &lastCommit, &checkedAt, &durationMS,
		&r.EverCloned, &r.Generation, &createdAt, &updatedAt)
	if err != nil {
		return r, err
	}
	r.DeployKeyUUID, r.DeployKeyPublicKey, r.HTTPSUsername = deployKey.String, publicKey.String, username.String
	r.ExpectedHostKeyFingerprint, r.HostKey, r.HostKeyFingerprint = expected.String, hostKey.String, hostKeyFingerprint.String
	r.ErrorCode, r.ErrorMessage, r.LastCommit = errorCode.String, errorMessage.String, lastCommit.String
	r.CheckDuration = time.Duration(durationMS.Int64) * time.Millisecond
	if checkedAt.Valid {
		if r.CheckedAt, err = parseTimestamp(checkedAt.String); err != nil {
			return r, err
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

// httpsTokenData is the additional data a binding's HTTPS token is sealed with.
func httpsTokenData(repositoryUUID string) []byte { return []byte(repositoryUUID + "https-token") }

// sealToken seals a new HTTPS token; nil when there is none to store.
func (s *Store) sealToken(repositoryUUID string, settings RepositorySettings) ([]byte, error) {
	if settings.AuthType != AuthHTTPS || settings.HTTPSToken == "" {
		return nil, nil
	}
	if s.box == nil {
		return nil, ErrNoKey
	}
	return s.box.Seal([]byte(settings.HTTPSToken), httpsTokenData(repositoryUUID))
}

// credentialColumns are the values of deploy_key_uuid and https_username
// that settings imply: each only for its own auth type.
func credentialColumns(settings RepositorySettings) (deployKey, username sql.NullString) {
	if settings.AuthType == AuthSSH {
		return nullIfEmpty(settings.DeployKeyUUID), sql.NullString{}
	}
	return sql.NullString{}, nullIfEmpty(settings.HTTPSUsername)
}

// CreateRepository stores a binding in state CLONING (generation 1) and
// names it in the application's repository field. ErrConflict if the
// application already has a binding; ErrMissingReference if the deploy key
// is gone. The caller checks that the user may use the application and key.
func (s *Store) CreateRepository(ctx context.Context, n NewRepository) (Repository, error) {
	id := uuid.NewString()
	now := timestamp(s.now())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		settings := n.Settings
		if n.NewDeployKey != nil {
			key, err := s.insertDeployKey(ctx, tx, NewDeployKey{ApplicationUUID: n.ApplicationUUID, Pair: n.NewDeployKey})
			if err != nil {
				return err
			}
			settings.DeployKeyUUID = key.UUID
		}
		token, err := s.sealToken(id, settings)
		if err != nil {
			return err
		}
		deployKey, username := credentialColumns(settings)
		_, err = tx.ExecContext(ctx, `INSERT INTO repositories
			(uuid, application_uuid, url, dsn, branch, auth_type, deploy_key_uuid, https_username, https_token_sealed,
			 migrate, write_access, expected_host_key_fingerprint, state, check_generation, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
			id, n.ApplicationUUID, settings.URL, settings.DSN, settings.Branch, string(settings.AuthType),
			deployKey, username, token, settings.Migrate, settings.WriteAccess,
			nullIfEmpty(settings.ExpectedHostKeyFingerprint), string(StateCloning), now, now)
		if err != nil {
			return err
		}
		result, err := tx.ExecContext(ctx, `UPDATE applications SET repository = ? WHERE uuid = ? AND repository IS NULL`,
			id, n.ApplicationUUID)
		if err != nil {
			return err
		}
		updated, err := result.RowsAffected()
		if err == nil && updated == 0 {
			err = ErrConflict // a concurrent request bound the application first
		}
		return err
	})
	switch {
	case isUniqueViolation(err):
		return Repository{}, ErrConflict
	case isForeignKeyViolation(err):
		return Repository{}, ErrMissingReference
	case errors.Is(err, ErrConflict), errors.Is(err, ErrNoKey):
		return Repository{}, err
	case err != nil:
		return Repository{}, fmt.Errorf("store: create repository: %w", err)
	}
	return s.LoadRepository(ctx, id)
}

// GetRepository returns a binding of an application of the user's organisations.
func (s *Store) GetRepository(ctx context.Context, userUUID, uuid string) (Repository, error) {
	q := repositoryQuery(userUUID)
	q.where("r.uuid = ?", uuid)
	return queryOne(ctx, s.db, q, scanRepository)
}

// LoadRepository returns any binding, for the control plane's own work
// (access checks); it is never to answer a request.
func (s *Store) LoadRepository(ctx context.Context, uuid string) (Repository, error) {
	q := anyRepositoryQuery()
	q.where("r.uuid = ?", uuid)
	return queryOne(ctx, s.db, q, scanRepository)
}

// ListRepositories returns one page of the user's bindings and their total count.
func (s *Store) ListRepositories(ctx context.Context, userUUID string, filter RepositoryFilter, page Page) ([]Repository, int, error) {
	q := repositoryQuery(userUUID)
	q.whereSet("r.application_uuid = ?", filter.ApplicationUUID)
	q.whereSet("a.organisation_uuid = ?", filter.OrganisationUUID)
	return queryPage(ctx, s.db, q, page, scanRepository)
}

// UpdateRepository changes a binding of the user's organisations and asks
// for a new check: state CLONING, no error, the next generation. change
// gets the binding as it is inside the transaction and returns its new
// settings, or an error that UpdateRepository returns as it is (nothing is
// changed then). ErrNotFound if the binding is not the user's;
// ErrMissingReference if the new deploy key is gone.
func (s *Store) UpdateRepository(ctx context.Context, userUUID, uuid string,
	change func(current Repository) (RepositorySettings, error)) (Repository, error) {
	var changeErr error
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		q := repositoryQuery(userUUID)
		q.where("r.uuid = ?", uuid)
		current, err := queryOne(ctx, tx, q, scanRepository)
		if err != nil {
			return err
		}
		settings, err := change(current)
		if err != nil {
			changeErr = err
			return err
		}
		token, err := s.sealToken(uuid, settings)
		if err != nil {
			return err
		}
		deployKey, username := credentialColumns(settings)
		// A new token replaces the stored one; without one an https
		// binding keeps its token and an ssh binding has none. (Every
		// expression reads the row as it was before the update.)
		_, err = tx.ExecContext(ctx, `UPDATE repositories SET
			url = ?, dsn = ?, branch = ?, auth_type = ?, deploy_key_uuid = ?, https_username = ?,
			https_token_sealed = CASE WHEN ? = 'https' THEN COALESCE(?, https_token_sealed) ELSE NULL END,
			migrate = ?, write_access = ?, expected_host_key_fingerprint = ?,
			host_key = CASE WHEN ? THEN NULL ELSE host_key END,
			host_key_fingerprint = CASE WHEN ? THEN NULL ELSE host_key_fingerprint END,
			state = ?, error_code = NULL, error_message = NULL,
			check_generation = check_generation + 1, updated_at = ?
			WHERE uuid = ?`,
			settings.URL, settings.DSN, settings.Branch, string(settings.AuthType), deployKey, username,
			string(settings.AuthType), token, settings.Migrate, settings.WriteAccess, nullIfEmpty(settings.ExpectedHostKeyFingerprint),
			settings.DropHostKey, settings.DropHostKey,
			string(StateCloning), timestamp(s.now()), uuid)
		if err != nil {
			return err
		}
		// The heads recorded were of another branch, or of another remote.
		switch {
		case settings.Branch != current.Branch:
			_, err = tx.ExecContext(ctx, `UPDATE repository_sync SET origin_head = NULL, origin_head_seen_at = NULL,
				platform_head = NULL WHERE repository_uuid = ?`, uuid)
		case settings.DSN != current.DSN:
			_, err = tx.ExecContext(ctx, `UPDATE repository_sync SET origin_head = NULL, origin_head_seen_at = NULL
				WHERE repository_uuid = ?`, uuid)
		}
		return err
	})
	switch {
	case changeErr != nil:
		return Repository{}, changeErr
	case isForeignKeyViolation(err):
		return Repository{}, ErrMissingReference
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrNoKey):
		return Repository{}, err
	case err != nil:
		return Repository{}, fmt.Errorf("store: update repository: %w", err)
	}
	return s.LoadRepository(ctx, uuid)
}

// RepositoryHTTPSToken returns the HTTPS token of a binding, for the
// control plane's own Git operations. It is never to be sent to a client.
func (s *Store) RepositoryHTTPSToken(ctx context.Context, uuid string) (string, error) {
	if s.box == nil {
		return "", ErrNoKey
	}
	var sealed []byte
	err := s.db.QueryRowContext(ctx, `SELECT https_token_sealed FROM repositories WHERE uuid = ?`, uuid).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && sealed == nil) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: read repository token: %w", err)
	}
	token, err := s.box.Open(sealed, httpsTokenData(uuid))
	return string(token), err
}

// PendingRepositoryChecks returns the bindings in state CLONING, oldest
// first: the checks a restarted control plane still owes.
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

// FinishRepositoryCheck stores the outcome of the check started for
// generation. It reports false, and changes nothing, when that check is
// stale: a newer one has been asked for since (or the binding is not in
// CLONING). A success pins the host key if none is pinned, and records the
// branch's head as the origin head as last seen; a failure keeps the
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
				state = ?, error_code = NULL, error_message = NULL, ever_cloned = 1,
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
		if applied && outcome.Success && outcome.Commit != "" {
			return upsertOriginHead(ctx, tx, uuid, outcome.Commit, outcome.CheckedAt)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: finish repository check: %w", err)
	}
	return applied, nil
}
