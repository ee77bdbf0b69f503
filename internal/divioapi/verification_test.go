// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func repoState(state string, extra ...map[string]any) http.HandlerFunc {
	body := map[string]any{"uuid": "r1", "state": state, "dsn": "git@example.com:a/b.git"}
	if state == "" {
		body["state"] = nil
	}
	for _, e := range extra {
		for k, v := range e {
			body[k] = v
		}
	}
	return reply(http.StatusOK, body)
}

// fastPoll polls every millisecond and trusts a state read 30 ms after the
// check; migrate as Divio's CLI sends it.
var fastPoll = VerifyOptions{Branch: "main", Migrate: true, PollInterval: time.Millisecond, StaleGrace: 30 * time.Millisecond}

var (
	waiting = reply(http.StatusAccepted, map[string]string{"code": CheckWaiting})
	success = reply(http.StatusOK, map[string]string{"code": CheckSuccess})
)

// publicAPI is a client of Divio's public API: it asks for no extensions.
func publicAPI(cfg *Config) { cfg.DisableExtensions = true }

// checkCalls counts the check calls a server saw.
func checkCalls(s *script) int {
	n := 0
	for _, r := range s.requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URI, "/check/") {
			n++
		}
	}
	return n
}

// The CLI's sequence: check, poll until CLONED, check again for push access.
func TestVerifyRepositoryRunsTheCLISequence(t *testing.T) {
	s := newScript(waiting, repoState(RepositoryCloning), repoState(RepositoryCloned), success)
	c, _ := newTestClient(t, s, publicAPI)
	repo, err := c.VerifyRepository(context.Background(), "r1", fastPoll)
	if err != nil || repo.StateName() != RepositoryCloned {
		t.Fatalf("VerifyRepository = %+v, %v", repo, err)
	}
	var got []string
	for _, r := range s.requests() {
		got = append(got, r.Method+" "+r.URI+" "+r.Body)
	}
	want := []string{
		`POST /apps/v3/repositories/r1/check/ {"branch":"main","migrate":"true"}`,
		"GET /apps/v3/repositories/r1/ ", "GET /apps/v3/repositories/r1/ ",
		`POST /apps/v3/repositories/r1/check/ {"branch":"main","migrate":"true"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Re-verifying a repository an earlier check left INVALID: the check call
// answers 400 (read, not thrown), the first reads still show the old
// INVALID, and the new check succeeds in the same call.
func TestVerifyRepositoryRetriesAnInvalidRepository(t *testing.T) {
	refused := reply(http.StatusBadRequest, map[string]any{"non_field_errors": []string{"Authentication failed."}})
	for name, reads := range map[string][]http.HandlerFunc{
		"stale INVALID, then CLONING":    {repoState(RepositoryInvalid), repoState(RepositoryCloning), repoState(RepositoryCloned)},
		"stale INVALID, then CLONED":     {repoState(RepositoryInvalid), repoState(RepositoryInvalid), repoState(RepositoryCloned)},
		"CLONED at once, fresh and fast": {repoState(RepositoryCloned)},
	} {
		t.Run(name, func(t *testing.T) {
			script := append(append([]http.HandlerFunc{refused}, reads...), success)
			s := newScript(script...)
			c, _ := newTestClient(t, s, publicAPI)
			opts := fastPoll
			opts.StaleGrace = time.Minute // only a CLONING or CLONED ends the wait
			if _, err := c.VerifyRepository(context.Background(), "r1", opts); err != nil {
				t.Fatalf("VerifyRepository: %v", err)
			}
			if n := checkCalls(s); n != 2 {
				t.Errorf("%d check calls, want 2", n)
			}
		})
	}
}

// A push check that answers "waiting" came after a CLONED read older than
// a clone check still running: the state is polled again.
func TestVerifyRepositoryPollsAgainWhenThePushCheckWaits(t *testing.T) {
	s := newScript(waiting, repoState(RepositoryCloned), waiting, repoState(RepositoryCloned), success)
	c, _ := newTestClient(t, s, publicAPI)
	if _, err := c.VerifyRepository(context.Background(), "r1", fastPoll); err != nil {
		t.Fatalf("VerifyRepository: %v", err)
	}
	if n := checkCalls(s); n != 3 {
		t.Errorf("%d check calls, want 3", n)
	}
}

// Throttled check calls (429 with Retry-After, before the view) are sent
// again: the verification does not fail because it was throttled.
func TestVerifyRepositoryThrottledChecksAreRepeated(t *testing.T) {
	throttled := reply(http.StatusTooManyRequests, map[string]string{"detail": "Request was throttled."}, "Retry-After", "0")
	s := newScript(throttled, waiting, repoState(RepositoryCloned), throttled, throttled, success)
	c, _ := newTestClient(t, s, publicAPI)
	if _, err := c.VerifyRepository(context.Background(), "r1", fastPoll); err != nil {
		t.Fatalf("VerifyRepository: %v", err)
	}
	if n := checkCalls(s); n != 5 {
		t.Errorf("%d check calls, want 5 (two throttled)", n)
	}
}

func TestVerifyRepositoryFailures(t *testing.T) {
	for name, tc := range map[string]struct {
		script    []http.HandlerFunc
		skipPush  bool
		wantStage string
		wantCode  string
		wantWords string
	}{
		"clone fails with a reason (extension)": {
			script:    []http.HandlerFunc{waiting, repoState(RepositoryCloning), repoState(RepositoryInvalid, map[string]any{"error": map[string]string{"code": "branch_missing", "message": "No branch main."}})},
			wantStage: "clone", wantCode: "branch_missing", wantWords: "No branch main.",
		},
		"clone fails without a reason (public API)": {
			script:    []http.HandlerFunc{waiting, repoState(RepositoryInvalid)},
			wantStage: "clone",
		},
		"clone fails: Divio's words from the check call": {
			script:    []http.HandlerFunc{reply(http.StatusBadRequest, map[string]any{"non_field_errors": []string{"Permission denied (publickey)."}}), repoState(RepositoryInvalid)},
			wantStage: "clone", wantWords: "Permission denied (publickey).",
		},
		"check refused, nothing runs": {
			script:    []http.HandlerFunc{reply(http.StatusBadRequest, map[string]any{"branch": []string{"Not a valid branch."}}), repoState("")},
			wantStage: "clone", wantWords: "branch: Not a valid branch.",
		},
		"push refused (4xx)": {
			script:    []http.HandlerFunc{waiting, repoState(RepositoryCloned), reply(http.StatusBadRequest, map[string]any{"non_field_errors": []string{"No write access."}, "code": "write_access_denied"})},
			wantStage: "push", wantCode: "write_access_denied", wantWords: "No write access.",
		},
		"push refused in a 2xx (older API)": {
			script:    []http.HandlerFunc{waiting, repoState(RepositoryCloned), reply(http.StatusOK, map[string]any{"code": "error", "non_field_errors": []string{"Push rejected by the host."}})},
			wantStage: "push", wantCode: "error", wantWords: "Push rejected by the host.",
		},
		"push check answers something else": {
			script:    []http.HandlerFunc{waiting, repoState(RepositoryCloned), reply(http.StatusOK, map[string]any{"code": "failed"})},
			wantStage: "push", wantCode: "failed", wantWords: `answered 200 with code "failed"`,
		},
		"push check skipped (read-only)": {
			script: []http.HandlerFunc{waiting, repoState(RepositoryCloned)}, skipPush: true,
		},
	} {
		t.Run(name, func(t *testing.T) {
			s := newScript(tc.script...)
			c, _ := newTestClient(t, s, publicAPI)
			opts := fastPoll
			opts.SkipPushCheck = tc.skipPush
			_, err := c.VerifyRepository(context.Background(), "r1", opts)
			var failure *VerificationError
			switch {
			case tc.wantStage == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tc.wantStage == "":
				return
			case !errors.As(err, &failure) || failure.Stage != tc.wantStage || failure.Code != tc.wantCode:
				t.Fatalf("err = %#v; want a %s failure with code %q", err, tc.wantStage, tc.wantCode)
			case !strings.Contains(failure.Message, tc.wantWords):
				t.Errorf("message %q; want Divio's words %q", failure.Message, tc.wantWords)
			}
		})
	}
}

// An INVALID read right after the check is not trusted before the grace:
// a failing verification reports only once it has passed.
func TestVerifyRepositoryWaitsOutAStaleInvalid(t *testing.T) {
	s := newScript(waiting, repoState(RepositoryInvalid))
	c, _ := newTestClient(t, s, publicAPI)
	opts := fastPoll
	opts.PollInterval, opts.StaleGrace = 10*time.Millisecond, 200*time.Millisecond
	started := time.Now()
	_, err := c.VerifyRepository(context.Background(), "r1", opts)
	var failure *VerificationError
	if !errors.As(err, &failure) {
		t.Fatalf("err = %v; want a clone failure", err)
	}
	if elapsed := time.Since(started); elapsed < opts.StaleGrace {
		t.Errorf("failed after %v, before the %v grace", elapsed, opts.StaleGrace)
	}
}

// Errors that are not about the repository's access stay errors: a
// missing repository, a bad token.
func TestVerifyRepositoryKeepsRequestErrors(t *testing.T) {
	for _, status := range []int{http.StatusNotFound, http.StatusUnauthorized, http.StatusForbidden} {
		s := newScript(reply(status, map[string]string{"detail": "No."}))
		c, _ := newTestClient(t, s, publicAPI)
		_, err := c.VerifyRepository(context.Background(), "r1", fastPoll)
		var apiErr *Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
			t.Errorf("%d: err = %v; want the *Error", status, err)
		}
	}
}
