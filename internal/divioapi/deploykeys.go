package divioapi

import (
	"context"
	"net/http"
	"time"
)

// deployKeysPath is a project extension of the API (see the
// control-plane-api guide): the SSH key Divio uses to reach a repository.
const deployKeysPath = "/apps/v3/deploy-keys/"

// DeployKey is an SSH key pair held by Divio; only the public half is ever
// returned.
type DeployKey struct {
	UUID        string `json:"uuid"`
	Application string `json:"application"`
	KeyType     string `json:"key_type"`
	// PublicKey is one authorized_keys line, without comment.
	PublicKey string `json:"public_key"`
	// FingerprintSHA256 is as `ssh-keygen -lf` prints it: "SHA256:…".
	FingerprintSHA256 string    `json:"fingerprint_sha256"`
	CreatedAt         time.Time `json:"created_at"`
}

// CreateDeployKeyRequest is the body of CreateDeployKey.
type CreateDeployKeyRequest struct {
	Application string `json:"application"`
	// KeyType is ED25519, ECDSA or RSA; "" lets the API choose (ED25519).
	KeyType string `json:"key_type,omitempty"`
}

// DeployKeyFilter narrows ListDeployKeys; empty fields do not filter.
type DeployKeyFilter struct {
	Application string // UUID
}

// CreateDeployKey has the API generate a key pair. It is retried safely:
// Do sends an Idempotency-Key with it.
func (c *Client) CreateDeployKey(ctx context.Context, r CreateDeployKeyRequest) (*DeployKey, error) {
	var k DeployKey
	if err := c.Do(ctx, http.MethodPost, deployKeysPath, nil, r, &k); err != nil {
		return nil, err
	}
	return &k, nil
}

// GetDeployKey returns the deploy key id.
func (c *Client) GetDeployKey(ctx context.Context, id string) (*DeployKey, error) {
	return getObject[DeployKey](ctx, c, deployKeysPath, id)
}

// ListDeployKeys returns all deploy keys that match f.
func (c *Client) ListDeployKeys(ctx context.Context, f DeployKeyFilter) ([]DeployKey, error) {
	return ListAll[DeployKey](ctx, c, deployKeysPath, filter("application", f.Application))
}

// DeleteDeployKey deletes the deploy key id. The API refuses (400) to delete
// a key that a repository binding uses.
func (c *Client) DeleteDeployKey(ctx context.Context, id string) error {
	p, err := ObjectPath(deployKeysPath, id)
	if err != nil {
		return err
	}
	return c.Do(ctx, http.MethodDelete, p, nil, nil, nil)
}
