// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// fakeSyncer stands in for the Git work: it models one remote whose
// branch heads the test sets, and a platform copy per mirror directory.
// respond, when set, answers Sync instead; block, when set, is waited on
// (or the context) before a Sync of a URL it names answers.
type fakeSyncer struct {
	mu       sync.Mutex
	calls    []gitops.SyncRequest
	lookups  []string
	origin   map[string]string // branch → head at the remote
	platform map[string]string // mirror dir → platform head
	respond  func(ctx context.Context, req gitops.SyncRequest) gitops.SyncResult
	block    map[string]chan struct{} // URL → released by closing
	started  chan gitops.SyncRequest  // receives each Sync as it starts, if not nil
}

func newFakeSyncer() *fakeSyncer {
	return &fakeSyncer{origin: map[string]string{"main": fakeCommit}, platform: map[string]string{}}
}

func (f *fakeSyncer) setOrigin(branch, head string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.origin[branch] = head
}

func (f *fakeSyncer) requests() []gitops.SyncRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]gitops.SyncRequest(nil), f.calls...)
}

func (f *fakeSyncer) Sync(ctx context.Context, req gitops.SyncRequest) gitops.SyncResult {
	f.mu.Lock()
	f.calls = append(f.calls, req)
	respond, gate, started := f.respond, f.block[req.URL], f.started
	f.mu.Unlock()
	if started != nil {
		started <- req
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return gitops.SyncResult{Code: "timeout", Message: "cancelled"}
		}
	}
	if respond != nil {
		return respond(ctx, req)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	head, previous := f.origin[req.Branch], f.platform[req.MirrorDir]
	if head == "" {
		return gitops.SyncResult{Code: gitops.CodeBranchMissing, Message: "no such branch", PlatformHead: previous, PreviousHead: previous}
	}
	f.platform[req.MirrorDir] = head
	return gitops.SyncResult{Code: gitops.CodeSuccess, Message: "synced", OriginHead: head, PlatformHead: head, PreviousHead: previous,
		FetchedObjects: 3, FetchedBytes: 300, Duration: 20 * time.Millisecond}
}

func (f *fakeSyncer) RemoteBranchExists(ctx context.Context, url, branch string, auth gitops.Auth, pinnedHostKey string) (bool, gitops.CheckResult) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups = append(f.lookups, branch)
	if f.origin[branch] == "" {
		return false, gitops.CheckResult{Code: gitops.CodeSuccess}
	}
	return true, gitops.CheckResult{Code: gitops.CodeSuccess, Commit: f.origin[branch]}
}

func withSyncer(syncer Syncer) func(*Config) {
	return func(cfg *Config) { cfg.Git = fakeGit{checkerOf(cfg), syncer} }
}

// binding is a repository an application of Ada's uses.
type binding struct {
	repositoryView
	Application string
}

// bindApplication connects a seeded application of Ada's to a new SSH
// repository of Acme, as a client does: create the repository, verify it
// (clone check, push check) with branch main, and migrate the application
// to it.
func bindApplication(t *testing.T, ts *testServer, slug, url string) binding {
	t.Helper()
	repo := createSSHRepository(t, ts, url)
	if repo = verify(t, ts, repo.UUID, "main"); deref(repo.State) != "CLONED" || repo.PushVerifiedAt == nil {
		t.Fatalf("repository not verified: %s", mustJSON(repo))
	}
	app := ts.seed.Applications[slug]
	migrateApplication(t, ts, app, objects{"repository": repo.UUID, "branch": "main"})
	return binding{repositoryView: getRepository(t, ts, repo.UUID), Application: app}
}

func migrateApplication(t *testing.T, ts *testServer, app string, body objects) applicationView {
	t.Helper()
	var view applicationView
	ts.request(http.MethodPost, "/apps/v3/applications/"+app+"/migrate-repository/", adaToken, body).expect(t, http.StatusOK, &view)
	return view
}

func syncStatusOf(t *testing.T, ts *testServer, app string) syncStatusView {
	t.Helper()
	var status syncStatusView
	ts.get("/apps/v3/applications/"+app+"/sync-status/", http.StatusOK, &status)
	return status
}

// One repository's sync blocks at the remote; another repository's
// delivery is still synced, and the blocked one finishes once released.
func TestSlowRepositoryDoesNotHoldUpOthers(t *testing.T) {
	syncer := newFakeSyncer()
	slowURL := "ssh://git@git.example.com/acme/slow.git"
	syncer.block = map[string]chan struct{}{slowURL: make(chan struct{})}
	syncer.started = make(chan gitops.SyncRequest, 8)
	ts := newTestServer(t, withSyncer(syncer))
	slow := bindApplication(t, ts, acmeWeb, slowURL)
	fast := bindApplication(t, ts, acmeAPI, sshURL)
	slowHook := createWebhook(t, ts, objects{"application": slow.Application, "type": "gitlab"})
	fastHook := createWebhook(t, ts, objects{"application": fast.Application, "type": "gitlab"})

	deliver(t, ts, newPush(t, "gitlab", "main", headA), slowHook).expectResult(t, http.StatusAccepted, "accepted")
	if req := <-syncer.started; req.URL != slowURL {
		t.Fatalf("first sync of %s", req.URL)
	}
	deliver(t, ts, newPush(t, "gitlab", "main", headA), fastHook).expectResult(t, http.StatusAccepted, "accepted")
	select {
	case req := <-syncer.started:
		if req.URL != sshURL {
			t.Fatalf("second sync of %s", req.URL)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the slow repository held up the other one")
	}
	deadline := time.Now().Add(5 * time.Second)
	for syncStatusOf(t, ts, fast.Application).PlatformHead == nil {
		if time.Now().After(deadline) {
			t.Fatal("the other repository was not synced")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if status := syncStatusOf(t, ts, slow.Application); status.PlatformHead != nil {
		t.Fatalf("the blocked sync finished: %+v", status)
	}
	close(syncer.block[slowURL])
	waitIdle(t, ts)
	if status := syncStatusOf(t, ts, slow.Application); deref(status.PlatformHead) != fakeCommit || !status.InSync {
		t.Fatalf("after release: %s", mustJSON(status))
	}
}

// A delivery accepted but not yet synced when the control plane stops is
// synced at the next start.
func TestAcceptedDeliveryIsSyncedAfterRestart(t *testing.T) {
	syncer := newFakeSyncer()
	syncer.block = map[string]chan struct{}{sshURL: make(chan struct{})}
	syncer.started = make(chan gitops.SyncRequest, 8)
	ts := newTestServer(t, withSyncer(syncer))
	repo := bindApplication(t, ts, acmeWeb, sshURL)
	hook := createWebhook(t, ts, objects{"application": repo.Application, "type": "github"})
	deliver(t, ts, newPush(t, "github", "main", headA), hook).expectResult(t, http.StatusAccepted, "accepted")
	<-syncer.started
	syncer.mu.Lock()
	syncer.block = nil // the sync that started still waits for its gate
	syncer.mu.Unlock()
	ts.restart() // cancels the blocked sync
	waitIdle(t, ts)
	if n := len(syncer.requests()); n != 2 {
		t.Fatalf("%d syncs, want the interrupted one and its rerun", n)
	}
	if status := syncStatusOf(t, ts, repo.Application); deref(status.PlatformHead) != fakeCommit {
		t.Fatalf("after restart: %s", mustJSON(status))
	}
	// Served: a further restart syncs nothing.
	ts.restart()
	waitIdle(t, ts)
	if n := len(syncer.requests()); n != 2 {
		t.Fatalf("%d syncs after a second restart, want 2", n)
	}
}

// The real checks and syncs share one Git client (Config.Git), so that
// they trust the same CAs and allow the same remotes.
func TestDefaultSyncerIsTheAccessChecker(t *testing.T) {
	git := &gitops.Checker{AllowLoopback: true}
	ts := newTestServer(t, func(cfg *Config) { cfg.Git = git })
	if ts.server.git != GitClient(git) {
		t.Errorf("Git client %#v, want the configured one", ts.server.git)
	}
	ts = newTestServer(t, func(cfg *Config) { cfg.Git, cfg.Dev = nil, false })
	if checker, ok := ts.server.git.(*gitops.Checker); !ok || checker.AllowLoopback {
		t.Errorf("syncer %#v, want a *gitops.Checker without loopback", ts.server.git)
	}
}
