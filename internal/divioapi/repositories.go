package divioapi

import (
	"context"
	"net/http"
	"time"
)

// repositoriesPath is Divio's external repository collection; the project
// extends it with PATCH, filters and the fields documented in the
// control-plane-api guide.
const repositoriesPath = "/apps/v3/repositories/"

// Repository states, as the real API names them.
const (
	RepositoryCloning = "CLONING" // an access check is queued or running
	RepositoryCloned  = "CLONED"  // the last access check succeeded
	RepositoryInvalid = "INVALID" // the last access check failed; see Error
)

// Repository is an application's external Git repository binding.
type Repository struct {
	UUID         string `json:"uuid"`
	Organisation string `json:"organisation"`
	Application  string `json:"application"`
	// URL is the canonical form of the remote's URL; DSN the clone URL.
	URL                        string           `json:"url"`
	DSN                        string           `json:"dsn"`
	Branch                     string           `json:"branch"`
	AuthType                   string           `json:"auth_type"` // "ssh" or "https"
	DeployKey                  *string          `json:"deploy_key"`
	AuthInfo                   *string          `json:"auth_info"`
	Username                   *string          `json:"username"`
	Migrate                    bool             `json:"migrate"`
	WriteAccess                bool             `json:"write_access"`
	State                      string           `json:"state"`
	Error                      *RepositoryError `json:"error"`
	HostKey                    *string          `json:"host_key"`
	HostKeyFingerprint         *string          `json:"host_key_fingerprint"`
	ExpectedHostKeyFingerprint *string          `json:"expected_host_key_fingerprint"`
	LastCommit                 *string          `json:"last_commit"`
	CheckedAt                  *time.Time       `json:"checked_at"`
	CheckDurationMS            *int64           `json:"check_duration_ms"`
	CreatedAt                  time.Time        `json:"created_at"`
	UpdatedAt                  time.Time        `json:"updated_at"`
}

// RepositoryError is why the last access check failed.
type RepositoryError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// RepositoryFilter narrows ListRepositories; empty fields do not filter.
type RepositoryFilter struct {
	Application  string
	Organisation string
}

// CreateRepositoryRequest binds an application to an external repository.
// For SSH URLs set DeployKey; for HTTPS URLs Username and Password (a
// personal access token).
type CreateRepositoryRequest struct {
	Application                string `json:"application"`
	URL                        string `json:"url"`
	Branch                     string `json:"branch,omitempty"`
	Migrate                    bool   `json:"migrate"`
	WriteAccess                bool   `json:"write_access"`
	DeployKey                  string `json:"deploy_key,omitempty"`
	Username                   string `json:"username,omitempty"`
	Password                   string `json:"password,omitempty"`
	ExpectedHostKeyFingerprint string `json:"expected_host_key_fingerprint,omitempty"`
}

// RepositoryPatch holds the fields of a PATCH by their API names: absent
// fields are left alone, a nil value is sent as null.
type RepositoryPatch map[string]any

// CreateRepository creates the binding; the API starts its first access
// check at once (State CLONING). Retried safely with an Idempotency-Key.
func (c *Client) CreateRepository(ctx context.Context, r CreateRepositoryRequest) (*Repository, error) {
	var repo Repository
	if err := c.Do(ctx, http.MethodPost, repositoriesPath, nil, r, &repo); err != nil {
		return nil, err
	}
	return &repo, nil
}

// GetRepository returns the binding id.
func (c *Client) GetRepository(ctx context.Context, id string) (*Repository, error) {
	return getObject[Repository](ctx, c, repositoriesPath, id)
}

// ListRepositories returns all bindings that match f.
func (c *Client) ListRepositories(ctx context.Context, f RepositoryFilter) ([]Repository, error) {
	return ListAll[Repository](ctx, c, repositoriesPath, filter("application", f.Application, "organisation", f.Organisation))
}

// UpdateRepository changes the binding; any accepted change starts a new
// access check.
func (c *Client) UpdateRepository(ctx context.Context, id string, patch RepositoryPatch) (*Repository, error) {
	p, err := ObjectPath(repositoriesPath, id)
	if err != nil {
		return nil, err
	}
	var repo Repository
	if err := c.Do(ctx, http.MethodPatch, p, nil, map[string]any(patch), &repo); err != nil {
		return nil, err
	}
	return &repo, nil
}

// CheckRepository starts a new access check of the binding.
func (c *Client) CheckRepository(ctx context.Context, id string) (*Repository, error) {
	p, err := ObjectPath(repositoriesPath, id, "check")
	if err != nil {
		return nil, err
	}
	var repo Repository
	if err := c.Do(ctx, http.MethodPost, p, nil, map[string]any{}, &repo); err != nil {
		return nil, err
	}
	return &repo, nil
}

// WaitForCheck polls the binding until its access check has finished (state
// no longer CLONING) or ctx ends, calling progress after each poll. The poll
// interval grows from 250 ms to 2 s: checks usually take about a second.
func (c *Client) WaitForCheck(ctx context.Context, id string, progress func(*Repository)) (*Repository, error) {
	interval := 250 * time.Millisecond
	for {
		repo, err := c.GetRepository(ctx, id)
		if err != nil {
			return nil, err
		}
		if progress != nil {
			progress(repo)
		}
		if repo.State != RepositoryCloning {
			return repo, nil
		}
		select {
		case <-ctx.Done():
			return repo, ctx.Err()
		case <-time.After(interval):
		}
		interval = min(interval*2, 2*time.Second)
	}
}
