// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order, each once, and recorded in
// schema_migrations by their position (1-based). Append new migrations at
// the end; never edit or reorder one that has been released (none has
// been yet: these were rewritten for the organisation-owned repositories).
var migrations = []string{
	// 1: identity, the catalogues, repositories, applications, environments, idempotency.
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

-- The catalogues an application is created from; the same for every user.
CREATE TABLE regions (
	id         INTEGER PRIMARY KEY,
	uuid       TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL
);

CREATE TABLE plan_groups (
	id         INTEGER PRIMARY KEY,
	uuid       TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL
);

-- The regions a plan group offers, in order (position).
CREATE TABLE plan_group_regions (
	plan_group_uuid TEXT NOT NULL REFERENCES plan_groups (uuid) ON DELETE CASCADE,
	region_uuid     TEXT NOT NULL REFERENCES regions (uuid),
	position        INTEGER NOT NULL,
	PRIMARY KEY (plan_group_uuid, region_uuid)
);

CREATE TABLE app_templates (
	id         INTEGER PRIMARY KEY,
	uuid       TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL UNIQUE,
	url        TEXT NOT NULL,
	created_at TEXT NOT NULL
);

-- An organisation's external Git repository, with its own credentials:
-- for ssh a key pair generated at creation (private_key_sealed is the
-- OpenSSH private key sealed with the repository's uuid followed by
-- "private-key" as additional data), for https a username and a personal
-- access token (https_password_sealed, sealed with the uuid followed by
-- "https-password").
--
-- state is NULL until the first check. branch and migrate are those of the
-- last clone check; check_generation counts the clone checks asked for (a
-- check's result is stored only if no newer one was asked for meanwhile).
-- push_check_pending is set when a clone check ends CLONED and cleared when
-- a push check starts (or a new clone check is asked for); push_verified_at
-- is when the push check after the last clone check succeeded. error_* is
-- why the last clone check failed (INVALID) or the last push check did.
-- host_key is pinned by the first successful check.
CREATE TABLE repositories (
	id                    INTEGER PRIMARY KEY,
	uuid                  TEXT NOT NULL UNIQUE,
	organisation_uuid     TEXT NOT NULL REFERENCES organisations (uuid),
	url                   TEXT NOT NULL,
	dsn                   TEXT NOT NULL,
	auth_type             TEXT NOT NULL CHECK (auth_type IN ('ssh', 'https')),
	key_type              TEXT CHECK (key_type IN ('ED25519', 'ECDSA', 'RSA')),
	public_key            TEXT,
	key_fingerprint       TEXT,
	private_key_sealed    BLOB,
	https_username        TEXT,
	https_password_sealed BLOB,
	state                 TEXT CHECK (state IN ('CLONING', 'CLONED', 'INVALID')),
	branch                TEXT,
	migrate               INTEGER,
	check_generation      INTEGER NOT NULL DEFAULT 0,
	push_check_pending    INTEGER NOT NULL DEFAULT 0,
	push_verified_at      TEXT,
	error_code            TEXT,
	error_message         TEXT,
	host_key              TEXT,
	host_key_fingerprint  TEXT,
	last_commit           TEXT,
	checked_at            TEXT,
	check_duration_ms     INTEGER,
	ever_cloned           INTEGER NOT NULL DEFAULT 0,
	created_at            TEXT NOT NULL,
	updated_at            TEXT NOT NULL,
	CHECK ((auth_type = 'ssh') = (key_type IS NOT NULL AND public_key IS NOT NULL AND private_key_sealed IS NOT NULL)),
	CHECK ((auth_type = 'https') = (https_username IS NOT NULL AND https_password_sealed IS NOT NULL)),
	CHECK ((state IS NULL) = (branch IS NULL))
);
CREATE INDEX repositories_organisation ON repositories (organisation_uuid);
CREATE INDEX repositories_state ON repositories (state);

-- repository_uuid is NULL for Divio's own Git server. It is UNIQUE (one
-- application per repository) and has no ON DELETE action, so deleting a
-- repository an application uses fails (ErrInUse). branch is the branch
-- the platform follows in the repository (syncs, deliveries).
CREATE TABLE applications (
	id                INTEGER PRIMARY KEY,
	uuid              TEXT NOT NULL UNIQUE,
	organisation_uuid TEXT NOT NULL REFERENCES organisations (uuid),
	slug              TEXT NOT NULL UNIQUE,
	name              TEXT NOT NULL,
	plan_group_uuid   TEXT NOT NULL REFERENCES plan_groups (uuid),
	region_uuid       TEXT NOT NULL REFERENCES regions (uuid),
	app_template      TEXT,
	repository_uuid   TEXT UNIQUE REFERENCES repositories (uuid),
	branch            TEXT NOT NULL,
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

-- Some answers carry secrets (a webhook's secret): stored answers are
-- sealed (sealed = 1), with the user's uuid and the key as additional data.
CREATE TABLE idempotency_records (
	user_uuid      TEXT NOT NULL REFERENCES users (uuid) ON DELETE CASCADE,
	key            TEXT NOT NULL,
	request_sha256 TEXT NOT NULL,
	status_code    INTEGER NOT NULL,
	response_body  BLOB NOT NULL,
	sealed         INTEGER NOT NULL DEFAULT 0,
	created_at     TEXT NOT NULL,
	PRIMARY KEY (user_uuid, key)
);
CREATE INDEX idempotency_records_created_at ON idempotency_records (created_at);
`,
	// 2: webhooks and their deliveries, the sync state of repositories.
	`
-- At most one webhook per application; its repository is the
-- application's. secret_sealed is the shared secret (NULL for bitbucket,
-- which does not send one) sealed with the webhook's uuid followed by
-- "webhook-secret" as additional data; secret_chosen is whether the caller
-- chose it (and then never sees it again); token_sealed is the URL token,
-- sealed the same way with "webhook-token", and token_sha256 (hex) finds
-- the webhook of a delivery.
CREATE TABLE webhooks (
	id                   INTEGER PRIMARY KEY,
	uuid                 TEXT NOT NULL UNIQUE,
	application_uuid     TEXT NOT NULL UNIQUE REFERENCES applications (uuid) ON DELETE CASCADE,
	type                 TEXT NOT NULL CHECK (type IN ('github', 'gitlab', 'bitbucket')),
	secret_sealed        BLOB,
	secret_chosen        INTEGER NOT NULL DEFAULT 0,
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

-- How the platform's copy of the branch an application follows in its
-- repository compares with the remote's. The row is reset whenever an
-- application starts using the repository or changes its branch.
-- pull_requested counts the syncs deliveries asked for, pull_served the
-- count a finished sync had read when it started: a restart syncs again
-- where pull_requested > pull_served (renamed sync_requested and
-- sync_served by migration 4).
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
`,
	// 3: idempotency claims, so that a create is carried out once even when
	// the server stops between the object and its stored answer.
	`
-- A request with an Idempotency-Key claims the key before it runs;
-- object_uuid is set in the transaction that creates (or rotates) the
-- object, so that a repeat after a crash finds it instead of acting again.
CREATE TABLE idempotency_claims (
	user_uuid      TEXT NOT NULL REFERENCES users (uuid) ON DELETE CASCADE,
	key            TEXT NOT NULL,
	request_sha256 TEXT NOT NULL,
	object_uuid    TEXT,
	created_at     TEXT NOT NULL,
	PRIMARY KEY (user_uuid, key)
);
CREATE INDEX idempotency_claims_created_at ON idempotency_claims (created_at);
`,
	// 4: one word, "sync", for the operation that brings the platform's copy
	// up to date; revocations that a seed applied again cannot undo.
	`
ALTER TABLE repository_sync RENAME COLUMN pull_requested TO sync_requested;
ALTER TABLE repository_sync RENAME COLUMN pull_served TO sync_served;

-- Tokens revoked and users removed by an administrator (revoke-token,
-- remove-user). Seeding never creates them again: a seed creates what is
-- missing, not what was taken away.
CREATE TABLE revoked_tokens (
	token_sha256 TEXT PRIMARY KEY,
	revoked_at   TEXT NOT NULL
);
CREATE TABLE removed_users (
	email      TEXT PRIMARY KEY COLLATE NOCASE,
	removed_at TEXT NOT NULL
);
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
