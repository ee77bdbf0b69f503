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

// DeployKey is the public side of an SSH key pair issued for an application.
// The private key is only reachable through DeployKeyPrivateKey.
type DeployKey struct {
	UUID              string
	ApplicationUUID   string
	KeyType           sshkey.KeyType
	PublicKey         string
	FingerprintSHA256 string
	CreatedAt         time.Time
}

// NewDeployKey is what CreateDeployKey stores.
type NewDeployKey struct {
	ApplicationUUID string
	Pair            *sshkey.KeyPair
}

// DeployKeyFilter narrows a list of deploy keys; empty fields filter nothing.
type DeployKeyFilter struct {
	ApplicationUUID string
}

func deployKeyQuery(userUUID string) selectQuery {
	q := selectQuery{
		columns: "k.uuid, k.application_uuid, k.key_type, k.public_key, k.fingerprint_sha256, k.created_at",
		from:    "deploy_keys k JOIN applications a ON a.uuid = k.application_uuid",
		order:   "k.id",
	}
	q.where(applicationVisibleTo, userUUID)
	return q
}

func scanDeployKey(row rowScanner) (DeployKey, error) {
	var key DeployKey
	var createdAt string
	if err := row.Scan(&key.UUID, &key.ApplicationUUID, &key.KeyType, &key.PublicKey, &key.FingerprintSHA256, &createdAt); err != nil {
		return key, err
	}
	var err error
	key.CreatedAt, err = parseTimestamp(createdAt)
	return key, err
}

// CreateDeployKey stores a key pair, sealing its private key with the key's
// own UUID as additional data. The caller checks that the user may use the application.
func (s *Store) CreateDeployKey(ctx context.Context, k NewDeployKey) (DeployKey, error) {
	key, err := s.insertDeployKey(ctx, s.db, k)
	if isForeignKeyViolation(err) {
		return DeployKey{}, ErrNotFound // the application is gone
	}
	if err != nil {
		return DeployKey{}, fmt.Errorf("store: create deploy key: %w", err)
	}
	return key, nil
}

// insertDeployKey is CreateDeployKey on db, which may be a transaction
// that stores the key together with the object that uses it.
func (s *Store) insertDeployKey(ctx context.Context, db execer, k NewDeployKey) (DeployKey, error) {
	if s.box == nil {
		return DeployKey{}, ErrNoKey
	}
	key := DeployKey{
		UUID:              uuid.NewString(),
		ApplicationUUID:   k.ApplicationUUID,
		KeyType:           k.Pair.Type,
		PublicKey:         k.Pair.AuthorizedKey,
		FingerprintSHA256: k.Pair.FingerprintSHA256,
		CreatedAt:         s.now().UTC().Truncate(time.Second),
	}
	sealed, err := s.box.Seal(k.Pair.PrivateKeyPEM, []byte(key.UUID))
	if err != nil {
		return DeployKey{}, err
	}
	_, err = db.ExecContext(ctx, `INSERT INTO deploy_keys
		(uuid, application_uuid, key_type, public_key, fingerprint_sha256, private_key_sealed, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		key.UUID, key.ApplicationUUID, string(key.KeyType), key.PublicKey, key.FingerprintSHA256, sealed, timestamp(key.CreatedAt))
	return key, err
}

// GetDeployKey returns a deploy key of an application of the user's organisations.
func (s *Store) GetDeployKey(ctx context.Context, userUUID, uuid string) (DeployKey, error) {
	q := deployKeyQuery(userUUID)
	q.where("k.uuid = ?", uuid)
	return queryOne(ctx, s.db, q, scanDeployKey)
}

// ListDeployKeys returns one page of the user's deploy keys and their total count.
func (s *Store) ListDeployKeys(ctx context.Context, userUUID string, filter DeployKeyFilter, page Page) ([]DeployKey, int, error) {
	q := deployKeyQuery(userUUID)
	q.whereSet("k.application_uuid = ?", filter.ApplicationUUID)
	return queryPage(ctx, s.db, q, page, scanDeployKey)
}

// DeleteDeployKey deletes a deploy key of the user's organisations. It
// answers ErrInUse while another table (such as a repository binding) refers to it.
func (s *Store) DeleteDeployKey(ctx context.Context, userUUID, uuid string) error {
	result, err := s.db.ExecContext(ctx, `DELETE FROM deploy_keys WHERE uuid = ?
		AND application_uuid IN (SELECT a.uuid FROM applications a WHERE `+applicationVisibleTo+`)`,
		uuid, userUUID)
	if isForeignKeyViolation(err) {
		return ErrInUse
	}
	if err != nil {
		return fmt.Errorf("store: delete deploy key: %w", err)
	}
	deleted, err := result.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: delete deploy key: %w", err)
	}
	if deleted == 0 {
		return ErrNotFound
	}
	return nil
}

// DeployKeyPrivateKey returns the OpenSSH private key of a deploy key, for
// the control plane's own Git operations. It is never to be sent to a client.
func (s *Store) DeployKeyPrivateKey(ctx context.Context, uuid string) ([]byte, error) {
	if s.box == nil {
		return nil, ErrNoKey
	}
	var sealed []byte
	err := s.db.QueryRowContext(ctx, `SELECT private_key_sealed FROM deploy_keys WHERE uuid = ?`, uuid).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read deploy key: %w", err)
	}
	return s.box.Open(sealed, []byte(uuid))
}
