package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
