package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order, each once, and recorded in
// schema_migrations by their position (1-based). Append new migrations at
// the end; never edit or reorder one that has been released.
var migrations = []string{
	// 1: organisations, users, applications, environments, deploy keys, idempotency.
	`
CREATE TABLE settings (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
);

CREATE TABLE organisations (
	id         INTEGER PRIMARY KEY,
	uuid       TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL
);

CREATE TABLE users (
	id         INTEGER PRIMARY KEY,
	uuid       TEXT NOT NULL UNIQUE,
	email      TEXT NOT NULL UNIQUE COLLATE NOCASE,
	first_name TEXT NOT NULL,
	last_name  TEXT NOT NULL,
	created_at TEXT NOT NULL
);

CREATE TABLE memberships (
	organisation_uuid TEXT NOT NULL REFERENCES organisations (uuid) ON DELETE CASCADE,
	user_uuid         TEXT NOT NULL REFERENCES users (uuid) ON DELETE CASCADE,
	PRIMARY KEY (organisation_uuid, user_uuid)
);
CREATE INDEX memberships_user ON memberships (user_uuid);

-- Only the SHA-256 (hex) of a token is kept, never the token.
CREATE TABLE tokens (
	token_sha256 TEXT PRIMARY KEY,
	user_uuid    TEXT NOT NULL REFERENCES users (uuid) ON DELETE CASCADE,
	created_at   TEXT NOT NULL
);

CREATE TABLE applications (
	id                INTEGER PRIMARY KEY,
	uuid              TEXT NOT NULL UNIQUE,
	organisation_uuid TEXT NOT NULL REFERENCES organisations (uuid),
	slug              TEXT NOT NULL UNIQUE,
	name              TEXT NOT NULL,
	repository        TEXT,
	created_at        TEXT NOT NULL
);
CREATE INDEX applications_organisation ON applications (organisation_uuid);

CREATE TABLE environments (
	id               INTEGER PRIMARY KEY,
	uuid             TEXT NOT NULL UNIQUE,
	application_uuid TEXT NOT NULL REFERENCES applications (uuid) ON DELETE CASCADE,
	slug             TEXT NOT NULL,
	branch           TEXT NOT NULL,
	created_at       TEXT NOT NULL,
	UNIQUE (application_uuid, slug)
);

-- private_key_sealed is the OpenSSH private key sealed with the
-- encryption key, with the key's uuid as additional data.
CREATE TABLE deploy_keys (
	id                 INTEGER PRIMARY KEY,
	uuid               TEXT NOT NULL UNIQUE,
	application_uuid   TEXT NOT NULL REFERENCES applications (uuid) ON DELETE CASCADE,
	key_type           TEXT NOT NULL CHECK (key_type IN ('ED25519', 'ECDSA', 'RSA')),
	public_key         TEXT NOT NULL,
	fingerprint_sha256 TEXT NOT NULL,
	private_key_sealed BLOB NOT NULL,
	created_at         TEXT NOT NULL
);
CREATE INDEX deploy_keys_application ON deploy_keys (application_uuid);

CREATE TABLE idempotency_records (
	user_uuid      TEXT NOT NULL REFERENCES users (uuid) ON DELETE CASCADE,
	key            TEXT NOT NULL,
	request_sha256 TEXT NOT NULL,
	status_code    INTEGER NOT NULL,
	response_body  BLOB NOT NULL,
	created_at     TEXT NOT NULL,
	PRIMARY KEY (user_uuid, key)
);
CREATE INDEX idempotency_records_created_at ON idempotency_records (created_at);
`,
	// 2: external repository bindings.
	`
-- One binding per application (applications.repository names it too).
-- deploy_key_uuid has no ON DELETE action, so deleting a deploy key that a
-- binding uses fails with a foreign key violation (ErrInUse).
-- https_token_sealed is the HTTPS token sealed with the encryption key,
-- with the binding's uuid followed by "https-token" as additional data.
-- check_generation counts the checks asked for; a check's result is stored
-- only if no newer one was asked for meanwhile.
CREATE TABLE repositories (
	id                            INTEGER PRIMARY KEY,
	uuid                          TEXT NOT NULL UNIQUE,
	application_uuid              TEXT NOT NULL UNIQUE REFERENCES applications (uuid) ON DELETE CASCADE,
	url                           TEXT NOT NULL,
	dsn                           TEXT NOT NULL,
	branch                        TEXT NOT NULL,
	auth_type                     TEXT NOT NULL CHECK (auth_type IN ('ssh', 'https')),
	deploy_key_uuid               TEXT REFERENCES deploy_keys (uuid),
	https_username                TEXT,
	https_token_sealed            BLOB,
	migrate                       INTEGER NOT NULL,
	write_access                  INTEGER NOT NULL,
	state                         TEXT NOT NULL CHECK (state IN ('CLONING', 'CLONED', 'INVALID')),
	error_code                    TEXT,
	error_message                 TEXT,
	host_key                      TEXT,
	host_key_fingerprint          TEXT,
	expected_host_key_fingerprint TEXT,
	last_commit                   TEXT,
	checked_at                    TEXT,
	check_duration_ms             INTEGER,
	check_generation              INTEGER NOT NULL,
	ever_cloned                   INTEGER NOT NULL DEFAULT 0,
	created_at                    TEXT NOT NULL,
	updated_at                    TEXT NOT NULL,
	CHECK ((auth_type = 'ssh') = (deploy_key_uuid IS NOT NULL)),
	CHECK ((auth_type = 'https') = (https_username IS NOT NULL AND https_token_sealed IS NOT NULL))
);
CREATE INDEX repositories_deploy_key ON repositories (deploy_key_uuid);
CREATE INDEX repositories_state ON repositories (state);
`,
}

// migrate applies the migrations the database has not seen, each in its own
// transaction together with its schema_migrations row.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT NOT NULL
	)`); err != nil {
		return fmt.Errorf("store: create schema_migrations: %w", err)
	}
	for i, statements := range migrations {
		version := i + 1
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			// Checked inside the transaction so that two processes opening
			// the same new file do not both apply a migration.
			var applied bool
			if err := tx.QueryRowContext(ctx,
				`SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, version).Scan(&applied); err != nil {
				return err
			}
			if applied {
				return nil
			}
			if _, err := tx.ExecContext(ctx, statements); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
				version, timestamp(s.now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migration %d: %w", version, err)
		}
	}
	var newest int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("store: read schema version: %w", err)
	}
	if newest > len(migrations) {
		return fmt.Errorf("store: database schema version %d is newer than this program knows (%d)", newest, len(migrations))
	}
	return nil
}
