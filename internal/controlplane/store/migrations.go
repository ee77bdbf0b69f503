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
	// 3: webhooks and their deliveries, the sync state of bindings, sealed idempotency answers.
	`
-- At most one webhook per application (and so per binding). secret_sealed
-- is the shared secret (NULL for bitbucket, which does not send one) sealed
-- with the webhook's uuid followed by "webhook-secret" as additional data;
-- token_sealed is the URL token, sealed the same way with "webhook-token",
-- and token_sha256 (hex) finds the webhook of a delivery.
CREATE TABLE webhooks (
	id                   INTEGER PRIMARY KEY,
	uuid                 TEXT NOT NULL UNIQUE,
	application_uuid     TEXT NOT NULL UNIQUE REFERENCES applications (uuid) ON DELETE CASCADE,
	repository_uuid      TEXT NOT NULL UNIQUE REFERENCES repositories (uuid) ON DELETE CASCADE,
	type                 TEXT NOT NULL CHECK (type IN ('github', 'gitlab', 'bitbucket')),
	secret_sealed        BLOB,
	token_sha256         TEXT NOT NULL UNIQUE,
	token_sealed         BLOB NOT NULL,
	created_at           TEXT NOT NULL,
	rotated_at           TEXT NOT NULL,
	last_delivery_at     TEXT,
	last_delivery_result TEXT,
	CHECK ((type = 'bitbucket') = (secret_sealed IS NULL))
);

-- The deliveries a webhook has taken (accepted or ignored), by the host's
-- delivery id: a second delivery with the same id is a replay.
CREATE TABLE webhook_deliveries (
	id           INTEGER PRIMARY KEY,
	webhook_uuid TEXT NOT NULL REFERENCES webhooks (uuid) ON DELETE CASCADE,
	delivery_id  TEXT NOT NULL,
	received_at  TEXT NOT NULL,
	result       TEXT NOT NULL CHECK (result IN ('accepted', 'ignored')),
	pushed_head  TEXT,
	UNIQUE (webhook_uuid, delivery_id)
);
CREATE INDEX webhook_deliveries_received_at ON webhook_deliveries (webhook_uuid, received_at);

-- How the platform's copy of a binding's branch compares with the remote's.
-- pull_requested counts the pulls deliveries asked for, pull_served the
-- count a finished pull had read when it started: a restart pulls again
-- where pull_requested > pull_served.
CREATE TABLE repository_sync (
	repository_uuid      TEXT PRIMARY KEY REFERENCES repositories (uuid) ON DELETE CASCADE,
	origin_head          TEXT,
	origin_head_seen_at  TEXT,
	platform_head        TEXT,
	last_sync_at         TEXT,
	last_sync_result     TEXT,
	last_error_code      TEXT,
	last_error_message   TEXT,
	history_rewritten_at TEXT,
	pull_requested       INTEGER NOT NULL DEFAULT 0,
	pull_served          INTEGER NOT NULL DEFAULT 0
);

-- Some answers carry secrets (a webhook's secret): stored answers are
-- sealed, with the user's uuid and the key as additional data.
ALTER TABLE idempotency_records ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
`,
	// 4: whether a webhook's secret was chosen by the caller, who then never
	// sees it again (so that it stays out of Terraform state, even on import).
	`
ALTER TABLE webhooks ADD COLUMN secret_chosen INTEGER NOT NULL DEFAULT 0;
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
