package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// IdempotencyRecord is the stored answer to a request made with an Idempotency-Key.
type IdempotencyRecord struct {
	UserUUID      string
	Key           string
	RequestSHA256 string // identifies method, path and body of the first request
	StatusCode    int
	ResponseBody  []byte
	CreatedAt     time.Time
}

// idempotencyData is the additional data a stored answer is sealed with.
func idempotencyData(userUUID, key string) []byte {
	return []byte(userUUID + "\x00" + key + "\x00idempotency")
}

// IdempotencyRecord returns the user's record for key if it was created at
// or after notBefore; older records count as absent (ErrNotFound).
func (s *Store) IdempotencyRecord(ctx context.Context, userUUID, key string, notBefore time.Time) (IdempotencyRecord, error) {
	q := selectQuery{
		columns: "user_uuid, key, request_sha256, status_code, response_body, sealed, created_at",
		from:    "idempotency_records",
	}
	q.where("user_uuid = ? AND key = ? AND created_at >= ?", userUUID, key, timestamp(notBefore))
	return queryOne(ctx, s.db, q, func(row rowScanner) (IdempotencyRecord, error) {
		var rec IdempotencyRecord
		var createdAt string
		var sealed bool
		if err := row.Scan(&rec.UserUUID, &rec.Key, &rec.RequestSHA256, &rec.StatusCode, &rec.ResponseBody, &sealed, &createdAt); err != nil {
			return rec, err
		}
		var err error
		if sealed {
			if s.box == nil {
				return rec, ErrNoKey
			}
			if rec.ResponseBody, err = s.box.Open(rec.ResponseBody, idempotencyData(rec.UserUUID, rec.Key)); err != nil {
				return rec, fmt.Errorf("store: open idempotency record: %w", err)
			}
		}
		rec.CreatedAt, err = parseTimestamp(createdAt)
		return rec, err
	})
}

// SaveIdempotencyRecord stores rec, replacing an expired record with the
// same key, and drops all records created before expiredBefore. The answer
// is sealed when the store has a key, since some answers carry secrets.
func (s *Store) SaveIdempotencyRecord(ctx context.Context, rec IdempotencyRecord, expiredBefore time.Time) error {
	body, sealed := rec.ResponseBody, false
	if body == nil {
		body = []byte{} // the column is NOT NULL; a 204 has no body
	}
	if s.box != nil {
		var err error
		if body, err = s.box.Seal(body, idempotencyData(rec.UserUUID, rec.Key)); err != nil {
			return fmt.Errorf("store: save idempotency record: %w", err)
		}
		sealed = true
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_records WHERE created_at < ?`, timestamp(expiredBefore)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO idempotency_records
			(user_uuid, key, request_sha256, status_code, response_body, sealed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			rec.UserUUID, rec.Key, rec.RequestSHA256, rec.StatusCode, body, sealed, timestamp(rec.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: save idempotency record: %w", err)
	}
	return nil
}
