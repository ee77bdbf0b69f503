package divioapi

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func repoState(state string, extra ...map[string]any) http.HandlerFunc {
	body := map[string]any{"uuid": "r1", "state": state, "dsn": "git@example.com:a/b.git"}
	for _, e := range extra {
		for k, v := range e {
			body[k] = v
		}
	}
	return reply(http.StatusOK, body)
}

var fastPoll = VerifyOptions{Branch: "main", PollInterval: time.Millisecond}

// publicAPI is a client of Divio's public API: it asks for no extensions.
func publicAPI(cfg *Config) { cfg.DisableExtensions = true }

// The CLI's sequence: check, poll until CLONED, check again for push access.
func TestVerifyRepositoryRunsTheCLISequence(t *testing.T) {
	s := newScript(
		reply(http.StatusAccepted, map[string]string{"code": CheckWaiting}),
		repoState(RepositoryCloning), repoState(RepositoryCloned),
		reply(http.StatusOK, map[string]string{"code": CheckSuccess}),
	)
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
		`POST /apps/v3/repositories/r1/check/ {"branch":"main","migrate":"false"}`,
		"GET /apps/v3/repositories/r1/ ", "GET /apps/v3/repositories/r1/ ",
		`POST /apps/v3/repositories/r1/check/ {"branch":"main","migrate":"false"}`,
	}
	if len(got) != len(want) {
		t.Fatalf("requests %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestVerifyRepositoryFailures(t *testing.T) {
	waiting := reply(http.StatusAccepted, map[string]string{"code": CheckWaiting})
	for name, tc := range map[string]struct {
		script    []http.HandlerFunc
		skipPush  bool
		wantStage string
		wantCode  string
		wantCalls int
	}{
		"clone fails with a reason": {
			script:    []http.HandlerFunc{waiting, repoState(RepositoryInvalid, map[string]any{"error": map[string]string{"code": "branch_missing", "message": "No branch main."}})},
			wantStage: "clone", wantCode: "branch_missing", wantCalls: 2,
		},
		"clone fails without a reason (public API)": {
			script:    []http.HandlerFunc{waiting, repoState(RepositoryInvalid)},
			wantStage: "clone", wantCalls: 2,
		},
		"push refused": {
			script:    []http.HandlerFunc{waiting, repoState(RepositoryCloned), reply(http.StatusBadRequest, map[string]any{"non_field_errors": []string{"No write access."}, "code": "write_access_denied"})},
			wantStage: "push", wantCode: "write_access_denied", wantCalls: 3,
		},
		"push check skipped (read-only)": {
			script: []http.HandlerFunc{waiting, repoState(RepositoryCloned)}, skipPush: true, wantCalls: 2,
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
			case tc.wantStage != "" && (!errors.As(err, &failure) || failure.Stage != tc.wantStage || failure.Code != tc.wantCode):
				t.Fatalf("err = %#v; want a %s failure with code %q", err, tc.wantStage, tc.wantCode)
			}
			if n := len(s.requests()); n != tc.wantCalls {
				t.Errorf("%d requests, want %d", n, tc.wantCalls)
			}
		})
	}
}
