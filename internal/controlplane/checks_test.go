// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/gitops"
	"github.com/divio-community/terraform-provider-divio/internal/sshkey"
)

// fakeChecker records the checks it is asked for and answers them with
// respond (nil: success, as fakeSuccess).
type fakeChecker struct {
	mu      sync.Mutex
	calls   []gitops.CheckRequest
	respond func(ctx context.Context, req gitops.CheckRequest) gitops.CheckResult
}

func (f *fakeChecker) Check(ctx context.Context, req gitops.CheckRequest) gitops.CheckResult {
	f.mu.Lock()
	f.calls = append(f.calls, req)
	respond := f.respond
	f.mu.Unlock()
	if respond == nil {
		return fakeSuccess(req)
	}
	return respond(ctx, req)
}

// answer sets how later checks are answered (nil: success).
func (f *fakeChecker) answer(respond func(ctx context.Context, req gitops.CheckRequest) gitops.CheckResult) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.respond = respond
}

func (f *fakeChecker) requests() []gitops.CheckRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]gitops.CheckRequest(nil), f.calls...)
}

const fakeCommit = "0123456789abcdef0123456789abcdef01234567"

// fakeHostKey is the host key every fake SSH host presents.
var fakeHostKey = sync.OnceValue(func() *sshkey.KeyPair {
	pair, err := sshkey.Generate(sshkey.ED25519)
	if err != nil {
		panic(err)
	}
	return pair
})

func fakeSuccess(req gitops.CheckRequest) gitops.CheckResult {
	result := gitops.CheckResult{Code: "success", Message: "The repository is ready.", Commit: fakeCommit, Duration: 1234 * time.Millisecond}
	if strings.HasPrefix(req.URL, "ssh://") {
		result.HostKey, result.HostKeyFingerprint = fakeHostKey().AuthorizedKey, fakeHostKey().FingerprintSHA256
	}
	return result
}

// gatedChecker is a slow fake: each check reports that it started and then
// waits for a release (or for its context) before answering with respond.
type gatedChecker struct {
	fakeChecker
	started chan gitops.CheckRequest
	release chan struct{}
}

func newGatedChecker(respond func(req gitops.CheckRequest) gitops.CheckResult) *gatedChecker {
	g := &gatedChecker{started: make(chan gitops.CheckRequest, 16), release: make(chan struct{}, 16)}
	g.respond = func(ctx context.Context, req gitops.CheckRequest) gitops.CheckResult {
		g.started <- req
		select {
		case <-g.release:
		case <-ctx.Done():
			return gitops.CheckResult{Code: "timeout", Message: "cancelled"}
		}
		if respond == nil {
			return fakeSuccess(req)
		}
		return respond(req)
	}
	return g
}

// awaitStart waits for the next check to start and returns its request.
func (g *gatedChecker) awaitStart(t *testing.T) gitops.CheckRequest {
	t.Helper()
	select {
	case req := <-g.started:
		return req
	case <-time.After(10 * time.Second):
		t.Fatal("no check started")
		return gitops.CheckRequest{}
	}
}

func waitIdle(t *testing.T, ts *testServer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ts.server.WaitIdle(ctx); err != nil {
		t.Fatalf("WaitIdle: %v", err)
	}
}

func TestDefaultAccessCheckerIsGitops(t *testing.T) {
	for _, dev := range []bool{false, true} {
		ts := newTestServer(t, func(cfg *Config) { cfg.Git, cfg.Dev = nil, dev })
		if checker, ok := ts.server.git.(*gitops.Checker); !ok || checker.AllowLoopback != dev {
			t.Errorf("Dev %v: checker %#v, want a *gitops.Checker with AllowLoopback %v", dev, ts.server.git, dev)
		}
	}
}
