// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"encoding/json"
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

// Defaults of a verification.
const (
	// DefaultPollInterval is Divio's CLI's cadence (wizards_utils.py: a
	// read of the state every 2 s).
	DefaultPollInterval = 2 * time.Second
	// DefaultStaleGrace is how long a state read right after a check may
	// still be the one from before it (a check is a Celery task that sets
	// the state when it starts): an INVALID read then is not trusted until
	// a CLONING was seen or the grace has passed.
	DefaultStaleGrace = 8 * time.Second
)

// CheckAnswer is the answer of POST .../check/, 2xx or 4xx alike: Divio's
// CLI sends both check calls with proceed_on_4xx and reads only "code"
// (from the second); Divio's own words, when the answer has any, are kept
// for the diagnostic.
type CheckAnswer struct {
	Status int    `json:"-"`
	Code   string `json:"code"`
	// Words are the answer's detail, non_field_errors and field errors,
	// joined ("" when it has none).
	Words string `json:"-"`
}

// refused reports a 4xx answer.
func (a *CheckAnswer) refused() bool { return a.Status >= 400 }

// CheckRepository posts {branch, migrate} to the repository's check
// endpoint, migrate as the string Divio's CLI sends ("true"; the CLI never
// sends "false"). A 4xx answer is an answer, not an error, as to the CLI;
// 401, 403 and 404 are errors (the token, or the repository), and so is a
// throttled call still refused when its retries run out.
func (c *Client) CheckRepository(ctx context.Context, id, branch string, migrate bool) (*CheckAnswer, error) {
	p, err := ObjectPath(repositoriesPath, id, "check")
	if err != nil {
		return nil, err
	}
	var raw json.RawMessage
	body := map[string]string{"branch": branch, "migrate": fmt.Sprint(migrate)}
	err = c.Do(ctx, http.MethodPost, p, nil, body, &raw)
	var apiErr *Error
	switch {
	case err == nil:
		return checkAnswerOf(http.StatusOK, raw), nil
	case errors.As(err, &apiErr) && readableCheckRefusal(apiErr.StatusCode):
		return &CheckAnswer{Status: apiErr.StatusCode, Code: apiErr.Code, Words: apiErr.words()}, nil
	}
	return nil, err
}

// readableCheckRefusal is a 4xx a check answers about the repository.
func readableCheckRefusal(status int) bool {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests:
		return false
	}
	return status >= 400 && status < 500
}

// checkAnswerOf reads a 2xx answer: its code, and any words beside it.
func checkAnswerOf(status int, raw json.RawMessage) *CheckAnswer {
	code, words := wordsOf(raw)
	return &CheckAnswer{Status: status, Code: code, Words: words}
}

// VerifyOptions are the settings of a verification ("Test access").
type VerifyOptions struct {
	Branch  string
	Migrate bool
	// SkipPushCheck stops after the clone check: for a repository whose
	// deploy key is read-only since it was set up.
	SkipPushCheck bool
	// PollInterval is the wait between reads of the state; 0 means
	// DefaultPollInterval.
	PollInterval time.Duration
	// StaleGrace is how long after a check an INVALID (or, without the
	// push check, a CLONED) read is not trusted unless CLONING was seen;
	// 0 means DefaultStaleGrace.
	StaleGrace time.Duration
	// Progress, if set, is called after each read of the state.
	Progress func(*Repository)
}

// VerificationError is a verification that ran and failed: the clone check
// ended INVALID, or the push check was refused.
type VerificationError struct {
	Stage   string // "clone" or "push"
	Code    string // the API's code when it gives one (an extension), else ""
	Message string // Divio's words when it gave any, else ""
}

func (e *VerificationError) Error() string {
	return fmt.Sprintf("%s check failed: %s %s", e.Stage, e.Code, e.Message)
}

// VerifyRepository runs Divio's verification as its CLI does: start the
// check (its answer is not judged), poll the state until CLONED or INVALID,
// then check again to verify push access (code "success"). Unlike the CLI
// it does not trust a first INVALID that may predate the check, and polls
// on while the push check answers "waiting". It returns the repository as
// last read; ctx bounds the whole sequence.
func (c *Client) VerifyRepository(ctx context.Context, id string, opts VerifyOptions) (*Repository, error) {
	v := &verification{client: c, id: id, opts: opts}
	if v.opts.PollInterval <= 0 {
		v.opts.PollInterval = DefaultPollInterval
	}
	if v.opts.StaleGrace <= 0 {
		v.opts.StaleGrace = DefaultStaleGrace
	}
	return v.run(ctx)
}

// verification is one run of VerifyRepository.
type verification struct {
	client  *Client
	id      string
	opts    VerifyOptions
	started time.Time    // when the last clone check was asked for
	first   *CheckAnswer // the answer that started it
	running bool         // a CLONING was read since, or the server said "waiting"
}

func (v *verification) run(ctx context.Context) (*Repository, error) {
	if err := v.startCheck(ctx); err != nil {
		return nil, err
	}
	for {
		repo, err := v.waitForResult(ctx)
		if err != nil || v.opts.SkipPushCheck {
			return repo, err
		}
		answer, err := v.client.CheckRepository(ctx, v.id, v.opts.Branch, v.opts.Migrate)
		switch {
		case err != nil:
			return repo, err
		case answer.Code == CheckSuccess && !answer.refused():
			return repo, nil
		case answer.Code == CheckWaiting && !answer.refused():
			// The CLONED read was older than a clone check still running.
			v.running = true
			if err := sleep(ctx, v.opts.PollInterval); err != nil {
				return repo, err
			}
			continue
		}
		return repo, &VerificationError{Stage: "push", Code: answer.Code, Message: pushWords(answer)}
	}
}

// startCheck asks for a clone check; its answer is kept for its words.
func (v *verification) startCheck(ctx context.Context) error {
	v.started = time.Now()
	answer, err := v.client.CheckRepository(ctx, v.id, v.opts.Branch, v.opts.Migrate)
	v.first = answer
	return err
}

// waitForResult polls the state until the clone check has a result to
// trust: CLONED (a failure is a *VerificationError).
func (v *verification) waitForResult(ctx context.Context) (*Repository, error) {
	for {
		repo, err := v.client.GetRepository(ctx, v.id)
		if err != nil {
			return nil, err
		}
		if v.opts.Progress != nil {
			v.opts.Progress(repo)
		}
		trusted := v.running || time.Since(v.started) >= v.opts.StaleGrace
		switch state := repo.StateName(); {
		case state == RepositoryCloning:
			v.running = true
		case state == RepositoryCloned && (trusted || !v.opts.SkipPushCheck):
			return repo, nil
		case state == RepositoryInvalid && trusted:
			return repo, v.cloneFailure(repo)
		case state == "" && trusted && v.first.refused():
			// Never checked, and the check was refused: nothing runs.
			return repo, &VerificationError{Stage: "clone", Code: v.first.Code, Message: v.first.Words}
		}
		if err := sleep(ctx, v.opts.PollInterval); err != nil {
			return repo, err
		}
	}
}

// cloneFailure is why the clone check failed: the repository's error (an
// extension), else the words the check call answered.
func (v *verification) cloneFailure(repo *Repository) *VerificationError {
	failure := &VerificationError{Stage: "clone", Message: v.first.Words}
	if v.first.refused() {
		failure.Code = v.first.Code
	}
	if repo.Error != nil {
		failure.Code, failure.Message = repo.Error.Code, repo.Error.Message
	}
	return failure
}

// pushWords is what a refused push check said, or what it answered.
func pushWords(answer *CheckAnswer) string {
	if answer.Words != "" {
		return answer.Words
	}
	return fmt.Sprintf("the push check answered %d with code %q, not %q", answer.Status, answer.Code, CheckSuccess)
}

// sleep waits d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
