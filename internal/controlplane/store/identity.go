// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package store

import (
	"cmp"
	"context"
	"crypto/sha256"
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
// ErrNotFound if no user holds it.
func (s *Store) RevokeToken(ctx context.Context, token string) error {
	return s.deleteOne(ctx, `DELETE FROM tokens WHERE token_sha256 = ?`, hashToken(token))
}

// RemoveUser deletes a user with their tokens and memberships: their next
// request is refused. What they created belongs to their organisations and
// stays. ErrNotFound if no user has the email.
func (s *Store) RemoveUser(ctx context.Context, email string) error {
	return s.deleteOne(ctx, `DELETE FROM users WHERE email = ?`, email)
}

// deleteOne runs a DELETE and reports ErrNotFound when it deleted nothing.
func (s *Store) deleteOne(ctx context.Context, statement string, args ...any) error {
	result, err := s.db.ExecContext(ctx, statement, args...)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if n, err := result.RowsAffected(); err != nil || n == 0 {
		return cmp.Or(err, ErrNotFound)
	}
	return nil
}
