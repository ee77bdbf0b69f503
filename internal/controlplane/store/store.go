// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package store keeps the control plane's state in one SQLite file.
//
// It knows nothing of HTTP: callers pass the UUID of the user on whose
// behalf they read, and every query limits itself to the organisations that
// user is a member of, so visibility cannot be forgotten in a handler.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/divio-community/terraform-provider-divio/internal/sealbox"
)

var (
	// ErrNotFound means the object does not exist or is not visible to the user.
	ErrNotFound = errors.New("store: not found")
	// ErrInUse means another object still refers to the one being deleted.
	ErrInUse = errors.New("store: in use")
	// ErrConflict means a unique name (slug, email, token) already belongs to
	// another object, or an application already has a webhook.
	ErrConflict = errors.New("store: conflict")
	// ErrMissingReference means an object that a write refers to (such as
	// a webhook's application) no longer exists.
	ErrMissingReference = errors.New("store: a referenced object does not exist")
	// ErrWrongKey means the encryption key is not the one the database was created with.
	ErrWrongKey = errors.New("store: encryption key does not match the database")
	// ErrNoKey means a secret had to be sealed or opened but the store was opened without a key.
	ErrNoKey = errors.New("store: opened without an encryption key")
	// ErrRevoked means seeding met a token an administrator revoked or a
	// user an administrator removed: it is not created again.
	ErrRevoked = errors.New("store: revoked or removed by an administrator")
)

// busyTimeout is how long a connection waits for another writer before failing.
const busyTimeout = 5 * time.Second

// Options configures Open.
type Options struct {
	// Path is the SQLite file, created if absent.
	Path string
	// Box seals secrets at rest. It may be nil for tools that never touch
	// secrets (such as seeding); sealing then fails with ErrNoKey.
	Box *sealbox.Box
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Store is safe for concurrent use.
type Store struct {
	db  *sql.DB
	box *sealbox.Box
	now func() time.Time
}

// Open opens (creating if needed) the database, applies pending migrations
// and, when a Box is given, checks that it is the database's key.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Path == "" {
		return nil, errors.New("store: no database path")
	}
	// The driver treats everything after '?' as its own parameters.
	if strings.Contains(opts.Path, "?") {
		return nil, fmt.Errorf("store: database path %q must not contain '?'", opts.Path)
	}
	// Writers begin IMMEDIATE so that two read-then-write transactions wait
	// for each other (busy_timeout) instead of failing on lock upgrade.
	dsn := fmt.Sprintf("%s?_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_txlock=immediate",
		opts.Path, busyTimeout.Milliseconds())
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", opts.Path, err)
	}
	s := &Store{db: db, box: opts.Box, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if s.box != nil {
		if err := s.checkKey(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// DB exposes the database for tests and diagnostics that need raw SQL.
func (s *Store) DB() *sql.DB { return s.db }

// keyCheckPlaintext is sealed once per database so that starting with
// another key fails at once rather than when a secret is first needed.
const (
	keyCheckName      = "encryption_key_check"
	keyCheckPlaintext = "divio control plane"
)

func (s *Store) checkKey(ctx context.Context) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var sealed []byte
		err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, keyCheckName).Scan(&sealed)
		if errors.Is(err, sql.ErrNoRows) {
			if sealed, err = s.box.Seal([]byte(keyCheckPlaintext), []byte(keyCheckName)); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES (?, ?)`, keyCheckName, sealed)
			return err
		}
		if err != nil {
			return err
		}
		if _, err := s.box.Open(sealed, []byte(keyCheckName)); err != nil {
			return ErrWrongKey
		}
		return nil
	})
}

// inTx runs fn in a write transaction, committing if it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// timestamp formats t the way every time column stores it: RFC 3339 in UTC
// to the second, so that text order is time order.
func timestamp(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// syncTimestamp is a sync's time to the millisecond (still RFC 3339): syncs
// come a fraction of a second apart, and how long one took is worth seeing.
func syncTimestamp(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z07:00")
}

func parseTimestamp(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: bad timestamp %q in database: %w", s, err)
	}
	return t, nil
}

func hasSQLiteCode(err error, code int) bool {
	var sqliteErr *sqlite.Error
	return errors.As(err, &sqliteErr) && sqliteErr.Code() == code
}

func isForeignKeyViolation(err error) bool {
	return hasSQLiteCode(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY)
}

func isUniqueViolation(err error) bool {
	return hasSQLiteCode(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) ||
		hasSQLiteCode(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}
