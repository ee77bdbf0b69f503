// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// SyncState is how the platform's copy of the branch an application
// follows in its repository compares with the remote's. Empty strings and
// zero times stand for absent values.
type SyncState struct {
	// OriginHead is the remote branch's head as last seen (by an access
	// check, a sync, or a delivery's payload), at OriginHeadSeenAt.
	OriginHead       string
	OriginHeadSeenAt time.Time
	// PlatformHead is the head of the platform's copy of the branch.
	PlatformHead   string
	LastSyncAt     time.Time
	LastSyncResult string // gitops.CodeSuccess or an error code
	// LastErrorCode and LastErrorMessage explain the last sync's failure;
	// empty after a success.
	LastErrorCode, LastErrorMessage string
	// HistoryRewrittenAt is when a Reset to origin last found that the
	// remote's history no longer contained the platform's head.
	HistoryRewrittenAt time.Time
	// SyncRequested counts the syncs deliveries asked for; see SyncOutcome.Served.
	SyncRequested int64
}

// SyncOutcome is the result of a sync, as FinishSync stores it.
type SyncOutcome struct {
	// Branch and DSN are what the sync used (the application's branch, the
	// repository's clone URL): heads are only stored if they still are.
	Branch, DSN string
	Result      string // gitops.CodeSuccess or an error code
	Message     string // what went wrong; "" on success
	// OriginHead and PlatformHead are the heads the sync saw and left
	// ("" when unknown: they are then kept as they were).
	OriginHead, PlatformHead string
	// HistoryRewritten records HistoryRewrittenAt (a Reset to origin that
	// moved the platform's head to a commit that does not contain it).
	HistoryRewritten bool
	At               time.Time
	// Served is the SyncRequested the sync read when it started: the
	// deliveries it served.
	Served int64
}

// SyncState returns the sync state of a repository; the zero state when
// nothing has been recorded yet. The caller checks visibility.
func (s *Store) SyncState(ctx context.Context, repositoryUUID string) (SyncState, error) {
	var st SyncState
	var originHead, originSeen, platformHead, lastAt, lastResult, errCode, errMessage, rewrittenAt sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT origin_head, origin_head_seen_at, platform_head, last_sync_at, last_sync_result,
		last_error_code, last_error_message, history_rewritten_at, sync_requested
		FROM repository_sync WHERE repository_uuid = ?`, repositoryUUID).
		Scan(&originHead, &originSeen, &platformHead, &lastAt, &lastResult, &errCode, &errMessage, &rewrittenAt, &st.SyncRequested)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("store: read sync state: %w", err)
	}
	st.OriginHead, st.PlatformHead = originHead.String, platformHead.String
	st.LastSyncResult, st.LastErrorCode, st.LastErrorMessage = lastResult.String, errCode.String, errMessage.String
	for _, t := range []struct {
		value sql.NullString
		into  *time.Time
	}{{originSeen, &st.OriginHeadSeenAt}, {lastAt, &st.LastSyncAt}, {rewrittenAt, &st.HistoryRewrittenAt}} {
		if t.value.Valid {
			if *t.into, err = parseTimestamp(t.value.String); err != nil {
				return st, err
			}
		}
	}
	return st, nil
}

// upsertOriginHead records head as the origin head as last seen at at.
func upsertOriginHead(ctx context.Context, db execer, repositoryUUID, head string, at time.Time) error {
	_, err := db.ExecContext(ctx, `INSERT INTO repository_sync (repository_uuid, origin_head, origin_head_seen_at) VALUES (?, ?, ?)
		ON CONFLICT (repository_uuid) DO UPDATE SET origin_head = excluded.origin_head, origin_head_seen_at = excluded.origin_head_seen_at`,
		repositoryUUID, head, timestamp(at))
	return err
}

// FinishSync stores the outcome of a sync of a repository.
func (s *Store) FinishSync(ctx context.Context, repositoryUUID string, o SyncOutcome) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var branch sql.NullString
		var dsn string
		err := tx.QueryRowContext(ctx, `SELECT a.branch, r.dsn FROM repositories r
			LEFT JOIN applications a ON a.repository_uuid = r.uuid WHERE r.uuid = ?`, repositoryUUID).Scan(&branch, &dsn)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		// Heads of another branch or remote than the one the repository's
		// application now follows would mislead.
		current := branch.Valid && branch.String == o.Branch && dsn == o.DSN
		originHead, platformHead := nullIfEmpty(o.OriginHead), nullIfEmpty(o.PlatformHead)
		if !current {
			originHead, platformHead = sql.NullString{}, sql.NullString{}
		}
		var errCode, errMessage, rewritten sql.NullString
		if o.Result != gitops.CodeSuccess {
			errCode, errMessage = nullIfEmpty(o.Result), nullIfEmpty(o.Message)
		}
		if o.HistoryRewritten && current {
			rewritten = nullIfEmpty(timestamp(o.At))
		}
		at := syncTimestamp(o.At)
		_, err = tx.ExecContext(ctx, `INSERT INTO repository_sync (repository_uuid) VALUES (?) ON CONFLICT (repository_uuid) DO NOTHING`,
			repositoryUUID)
		if err != nil {
			return err
		}
		// Every expression reads the row as it was before the update.
		_, err = tx.ExecContext(ctx, `UPDATE repository_sync SET
			origin_head = COALESCE(?, origin_head),
			origin_head_seen_at = CASE WHEN ? IS NULL THEN origin_head_seen_at ELSE ? END,
			platform_head = COALESCE(?, platform_head),
			last_sync_at = ?, last_sync_result = ?, last_error_code = ?, last_error_message = ?,
			history_rewritten_at = COALESCE(?, history_rewritten_at),
			sync_served = MAX(sync_served, ?)
			WHERE repository_uuid = ?`,
			originHead, originHead, at, platformHead, at, o.Result, errCode, errMessage, rewritten, o.Served, repositoryUUID)
		if err != nil || !platformHead.Valid {
			return err
		}
		// The repository's last_commit is "the commit last seen": a sync moves it too.
		_, err = tx.ExecContext(ctx, `UPDATE repositories SET last_commit = ? WHERE uuid = ?`, platformHead, repositoryUUID)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("store: finish sync: %w", err)
	}
	return nil
}

// PendingSyncs returns the repositories whose deliveries asked for a sync
// that no sync has served yet, oldest repository first: the syncs a
// restarted control plane still owes.
func (s *Store) PendingSyncs(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT ps.repository_uuid FROM repository_sync ps
		JOIN repositories r ON r.uuid = ps.repository_uuid
		WHERE ps.sync_requested > ps.sync_served ORDER BY r.id`)
	if err != nil {
		return nil, fmt.Errorf("store: pending syncs: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: pending syncs: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: pending syncs: %w", err)
	}
	return ids, nil
}

// resetSync starts the sync state of a repository afresh for an
// application that now follows branch there: the last clone check's head
// is the origin head as last seen if that check read the same branch.
func resetSync(ctx context.Context, tx *sql.Tx, repositoryUUID, branch string) error {
	_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO repository_sync (repository_uuid, origin_head, origin_head_seen_at)
		SELECT uuid, CASE WHEN state = 'CLONED' AND branch = ? THEN last_commit END,
			CASE WHEN state = 'CLONED' AND branch = ? AND last_commit IS NOT NULL THEN checked_at END
		FROM repositories WHERE uuid = ?`, branch, branch, repositoryUUID)
	return err
}
