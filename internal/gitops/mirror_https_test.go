// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

import (
	"testing"

	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

const syncToken = "tok-sync-0123456789abcdef"

// syncHTTPSHost is githost's HTTPS Git host, with a read-only token.
func syncHTTPSHost(t *testing.T) *githost.HTTPSHost {
	t.Helper()
	h, err := githost.StartHTTPS(testContext(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("https log:\n%s", h.LogTail())
		}
		h.Close()
	})
	if err := h.AddToken("mirror", syncToken, githost.ReadOnly); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestSyncHTTPS: the same incremental sync over HTTPS (go-git's smart HTTP
// client), where thin-pack is learnt from the advertisement as it passes.
func TestSyncHTTPS(t *testing.T) {
	t.Parallel()
	h := syncHTTPSHost(t)
	repo, err := h.CreateRepo("site")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := repo.Commit(testContext(t), "main", siteFiles(), "initial"); err != nil {
		t.Fatal(err)
	}
	if _, err := repo.GenerateHistory(testContext(t), "main", 1000); err != nil {
		t.Fatal(err)
	}
	c := &Checker{AllowLoopback: true, RootCAs: h.CertPool()}
	dir := mirrorDir(t)
	req := SyncRequest{MirrorDir: dir, URL: repo.HTTPSURL(), Branch: "main", Auth: Auth{HTTPSUsername: "mirror", HTTPSToken: syncToken}}

	first := c.Sync(testContext(t), req)
	wantSync(t, first, CodeSuccess)
	head0, _ := repo.Head(testContext(t), "main")
	wantHeads(t, first, "", head0, head0)

	next, err := repo.Commit(testContext(t), "main", map[string]string{"app/new.py": "x = 1\n"}, "one more")
	if err != nil {
		t.Fatal(err)
	}
	res := c.Sync(testContext(t), req)
	wantSync(t, res, CodeSuccess)
	wantHeads(t, res, head0, next, next)
	t.Logf("first sync %d objects, %d bytes; second %d objects, %d bytes", first.FetchedObjects, first.FetchedBytes, res.FetchedObjects, res.FetchedBytes)
	if res.FetchedObjects > 10 || res.FetchedBytes*10 > first.FetchedBytes {
		t.Errorf("the second sync fetched %d objects, %d bytes", res.FetchedObjects, res.FetchedBytes)
	}
	checkMirror(t, dir, next)

	forced, err := repo.ForcePush(testContext(t), "main", map[string]string{"README": "new"}, "new history")
	if err != nil {
		t.Fatal(err)
	}
	res = c.Sync(testContext(t), req)
	wantSync(t, res, CodeHistoryRewritten)
	wantHeads(t, res, next, next, forced)
	req.Mode = SyncReset
	res = c.Sync(testContext(t), req)
	wantSync(t, res, CodeSuccess)
	wantHeads(t, res, next, forced, forced)
	if !res.HistoryRewritten {
		t.Error("HistoryRewritten = false")
	}
	checkMirror(t, dir, forced)

	exists, lookup := c.RemoteBranchExists(testContext(t), repo.HTTPSURL(), "main", req.Auth, "")
	if !exists || lookup.Commit != forced {
		t.Errorf("RemoteBranchExists = %v, %q: %s", exists, lookup.Commit, lookup.Message)
	}

	// A wrong token: refused, and never quoted back.
	req.Auth.HTTPSToken = "tok-wrong-0123456789abcdef"
	res = c.Sync(testContext(t), req)
	wantSync(t, res, CodeAuthenticationError)
	wantHeads(t, res, forced, forced, "")
	wantNotContains(t, res.Message, req.Auth.HTTPSToken)
	exists, lookup = c.RemoteBranchExists(testContext(t), repo.HTTPSURL(), "main", req.Auth, "")
	if exists {
		t.Error("exists with a wrong token")
	}
	wantCode(t, lookup, CodeAuthenticationError)
	wantNotContains(t, lookup.Message, req.Auth.HTTPSToken)
}
