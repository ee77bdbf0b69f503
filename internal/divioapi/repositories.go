// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"net/http"
	"time"
)

// repositoriesPath is Divio's external repository collection (public:
// create, read, check; see the control-plane-api guide for extensions).
const repositoriesPath = "/apps/v3/repositories/"

// Repository states, as the API names them. Before its first check a
// repository has no state (nil).
const (
	RepositoryCloning = "CLONING" // a clone check is queued or running
	RepositoryCloned  = "CLONED"  // the last clone check succeeded
	RepositoryInvalid = "INVALID" // the last clone check failed
)

// Key types, as the API spells them.
var KeyTypes = []string{"ED25519", "ECDSA", "RSA"}

// Repository is an organisation's external Git repository. The public API
// is known to answer uuid and auth_info on creation and state and dsn on
// reads; every other field may be absent (nil or zero) and is used only
// when present.
type Repository struct {
	UUID         string  `json:"uuid"`
	Organisation string  `json:"organisation"`
	URL          string  `json:"url"`
	DSN          string  `json:"dsn"`
	AuthInfo     *string `json:"auth_info"` // the SSH public key to install as a deploy key
	State        *string `json:"state"`

	// Extension fields (repository_details).
	KeyType            *string          `json:"key_type"`
	AuthType           *string          `json:"auth_type"` // "ssh" or "https"
	Username           *string          `json:"username"`
	Branch             *string          `json:"branch"`
	Error              *RepositoryError `json:"error"`
	HostKeyFingerprint *string          `json:"host_key_fingerprint"`
	LastCommit         *string          `json:"last_commit"`
	PushVerifiedAt     *time.Time       `json:"push_verified_at"`

	// Words are what a create's answer said beside the object (detail,
	// non_field_errors, a field's messages), "" when nothing.
	Words string `json:"-"`
}

// UnmarshalJSON decodes a repository, tolerating any shape of the members
// the CLI does not read (it reads uuid, auth_info, state and dsn).
func (r *Repository) UnmarshalJSON(data []byte) error {
	type plain Repository // without this method
	return decodeTolerating(data, (*plain)(r), "uuid", "auth_info", "state", "dsn")
}

// StateName is the state, "" before the first check.
func (r *Repository) StateName() string {
	if r.State == nil {
		return ""
	}
	return *r.State
}

// RepositoryError is why the last check failed (an extension field).
type RepositoryError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// CreateRepositoryRequest creates a repository for an organisation: with
// KeyType for an SSH URL (Divio generates the key pair), or Username and
// Password (a personal access token) for an HTTPS URL.
type CreateRepositoryRequest struct {
	Organisation string `json:"organisation"`
	URL          string `json:"url"`
	KeyType      string `json:"key_type,omitempty"`
	Username     string `json:"username,omitempty"`
	Password     string `json:"password,omitempty"`
}

// CreateRepository creates a repository. It is not idempotent on Divio's
// public API: see Client.SetIdempotencyKeys.
func (c *Client) CreateRepository(ctx context.Context, r CreateRepositoryRequest) (*Repository, error) {
	return create[Repository](ctx, c, repositoriesPath, r, func(repo *Repository, words string) { repo.Words = words })
}

// GetRepository returns the repository id.
func (c *Client) GetRepository(ctx context.Context, id string) (*Repository, error) {
	return getObject[Repository](ctx, c, repositoriesPath, id)
}

// ListRepositories returns the repositories of an organisation (extension
// repository_list).
func (c *Client) ListRepositories(ctx context.Context, organisation string) ([]Repository, error) {
	return ListAll[Repository](ctx, c, repositoriesPath, filter("organisation", organisation))
}

// DeleteRepository deletes a repository no application uses (extension
// repository_deletion).
func (c *Client) DeleteRepository(ctx context.Context, id string) error {
	p, err := ObjectPath(repositoriesPath, id)
	if err != nil {
		return err
	}
	return c.Do(ctx, http.MethodDelete, p, nil, nil, nil)
}
