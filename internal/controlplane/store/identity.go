// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
)

// User is a person who holds API tokens.
type User struct {
	UUID      string
	Email     string
	FirstName string
	LastName  string
}

// hashToken is how tokens are stored and looked up: a database leak must
// not hand out working tokens.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// UserByToken returns the user a token belongs to, or ErrNotFound.
func (s *Store) UserByToken(ctx context.Context, token string) (User, error) {
	q := selectQuery{
		columns: "u.uuid, u.email, u.first_name, u.last_name",
		from:    "tokens t JOIN users u ON u.uuid = t.user_uuid",
	}
	q.where("t.token_sha256 = ?", hashToken(token))
	return queryOne(ctx, s.db, q, func(row rowScanner) (User, error) {
		var u User
		err := row.Scan(&u.UUID, &u.Email, &u.FirstName, &u.LastName)
		return u, err
	})
}

// RevokeToken deletes a token: the next request made with it is refused.
// The revocation is remembered, so that no seed applied later gives the
// token back. ErrNotFound if no user holds it.
func (s *Store) RevokeToken(ctx context.Context, token string) error {
	hash := hashToken(token)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := deleteOne(ctx, tx, `DELETE FROM tokens WHERE token_sha256 = ?`, hash); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO revoked_tokens (token_sha256, revoked_at) VALUES (?, ?)`,
			hash, timestamp(s.now()))
		return err
	})
}

// RemoveUser deletes a user with their tokens and memberships: their next
// request is refused. The removal is remembered, so that no seed applied
// later brings the user back. What they created belongs to their
// organisations and stays. ErrNotFound if no user has the email.
func (s *Store) RemoveUser(ctx context.Context, email string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		// Their tokens go with them (ON DELETE CASCADE); remember those too.
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO revoked_tokens (token_sha256, revoked_at)
			SELECT t.token_sha256, ? FROM tokens t JOIN users u ON u.uuid = t.user_uuid WHERE u.email = ?`, timestamp(s.now()), email)
		if err != nil {
			return err
		}
		if err := deleteOne(ctx, tx, `DELETE FROM users WHERE email = ?`, email); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT OR IGNORE INTO removed_users (email, removed_at) VALUES (?, ?)`, email, timestamp(s.now()))
		return err
	})
}

// deleteOne runs a DELETE and reports ErrNotFound when it deleted nothing.
func deleteOne(ctx context.Context, db execer, statement string, args ...any) error {
	result, err := db.ExecContext(ctx, statement, args...)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if n, err := result.RowsAffected(); err != nil || n == 0 {
		return cmp.Or(err, ErrNotFound)
	}
	return nil
}
