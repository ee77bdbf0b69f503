package divioapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Answers of the check endpoint.
const (
	CheckWaiting = "waiting" // a clone check was started or is running
	CheckSuccess = "success" // push access is verified
)

// CheckAnswer is the answer of POST .../check/.
type CheckAnswer struct {
	Code string `json:"code"`
}

// CheckRepository posts {branch, migrate} to the repository's check
// endpoint. migrate is sent as the strings "true"/"false", as Divio's CLI
// sends it. A failed push check is an *Error (4xx with non_field_errors).
func (c *Client) CheckRepository(ctx context.Context, id, branch string, migrate bool) (*CheckAnswer, error) {
	p, err := ObjectPath(repositoriesPath, id, "check")
	if err != nil {
		return nil, err
	}
	var answer CheckAnswer
	body := map[string]string{"branch": branch, "migrate": fmt.Sprint(migrate)}
	if err := c.Do(ctx, http.MethodPost, p, nil, body, &answer); err != nil {
		return nil, err
	}
	return &answer, nil
}

// VerifyOptions are the settings of a verification ("Test access").
type VerifyOptions struct {
	Branch  string
	Migrate bool
	// SkipPushCheck stops after the clone check: for a repository whose
	// deploy key is read-only since it was set up.
	SkipPushCheck bool
	// PollInterval is the wait between reads of the state; 0 means from
	// 250 ms, doubling up to 2 s (Divio's CLI polls every 2 s; checks often
	// take about a second).
	PollInterval time.Duration
	// Progress, if set, is called after each read of the state.
	Progress func(*Repository)
}

// VerificationError is a verification that ran and failed: the clone check
// ended INVALID, or the push check was refused.
type VerificationError struct {
	Stage   string // "clone" or "push"
	Code    string // the API's code when it gives one (an extension), else ""
	Message string // the API's message when it gives one, else ""
}

func (e *VerificationError) Error() string {
	return fmt.Sprintf("%s check failed: %s %s", e.Stage, e.Code, e.Message)
}

// VerifyRepository runs Divio's verification as its CLI does: start the
// check, poll the state until CLONED or INVALID, then check again to verify
// push access (answer code "success"). It returns the repository as last
// read; ctx bounds the whole sequence.
func (c *Client) VerifyRepository(ctx context.Context, id string, opts VerifyOptions) (*Repository, error) {
	if _, err := c.CheckRepository(ctx, id, opts.Branch, opts.Migrate); err != nil {
		return nil, err
	}
	repo, err := c.waitForClone(ctx, id, opts)
	if err != nil {
		return repo, err
	}
	if repo.StateName() != RepositoryCloned {
		return repo, cloneFailure(repo)
	}
	if opts.SkipPushCheck {
		return repo, nil
	}
	answer, err := c.CheckRepository(ctx, id, opts.Branch, opts.Migrate)
	var apiErr *Error
	switch {
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500:
		return repo, &VerificationError{Stage: "push", Code: apiErr.Code, Message: apiErr.Message()}
	case err != nil:
		return repo, err
	case answer.Code != CheckSuccess:
		return repo, &VerificationError{Stage: "push", Message: fmt.Sprintf("the push check answered %q, not %q", answer.Code, CheckSuccess)}
	}
	return repo, nil
}

// waitForClone polls the repository until its clone check has finished.
func (c *Client) waitForClone(ctx context.Context, id string, opts VerifyOptions) (*Repository, error) {
	interval, grow := opts.PollInterval, false
	if interval <= 0 {
		interval, grow = 250*time.Millisecond, true
	}
	for {
		repo, err := c.GetRepository(ctx, id)
		if err != nil {
			return nil, err
		}
		if opts.Progress != nil {
			opts.Progress(repo)
		}
		if s := repo.StateName(); s == RepositoryCloned || s == RepositoryInvalid {
			return repo, nil
		}
		select {
		case <-ctx.Done():
			return repo, ctx.Err()
		case <-time.After(interval):
		}
		if grow {
			interval = min(interval*2, 2*time.Second)
		}
	}
}

func cloneFailure(repo *Repository) *VerificationError {
	failure := &VerificationError{Stage: "clone"}
	if repo.Error != nil {
		failure.Code, failure.Message = repo.Error.Code, repo.Error.Message
	}
	return failure
}
