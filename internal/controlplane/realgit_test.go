// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/gitops"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

// The verification against a real SSH Git host on loopback, with the real
// checker: the clone check reads the branch, the push check opens a
// receive-pack session; a read-only deploy key passes the first and fails
// the second.
func TestVerificationWithRealGit(t *testing.T) {
	if _, err := os.Stat("/usr/sbin/sshd"); err != nil {
		t.Skip("sshd is not installed")
	}
	if testing.Short() {
		t.Skip("starts sshd")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	host, err := githost.Start(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Close() })
	remote, err := host.CreateRepo("site")
	if err != nil {
		t.Fatal(err)
	}
	head, err := remote.Commit(ctx, "main", map[string]string{"README": "x\n"}, "first")
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, func(cfg *Config) { cfg.Git = nil })
	repo := createSSHRepository(t, ts, remote.SSHURL())

	// The key is not installed yet.
	check(t, ts, repo.UUID, "main").expectJSON(t, http.StatusAccepted, `{"code": "waiting"}`)
	waitIdle(t, ts)
	if got := getRepository(t, ts, repo.UUID); deref(got.State) != "INVALID" || got.Error.Code != gitops.CodeAuthenticationError {
		t.Fatalf("without the key: %s", mustJSON(got))
	}

	// Installed read-only: the clone check passes, the push check does not.
	if err := host.AuthorizeKey(*repo.AuthInfo, githost.ReadOnly); err != nil {
		t.Fatal(err)
	}
	check(t, ts, repo.UUID, "main").expect(t, http.StatusAccepted, nil)
	waitIdle(t, ts)
	got := getRepository(t, ts, repo.UUID)
	if deref(got.State) != "CLONED" || deref(got.LastCommit) != head || deref(got.HostKeyFingerprint) != host.HostKeyFingerprint() {
		t.Fatalf("read-only, cloned: %s", mustJSON(got))
	}
	resp := check(t, ts, repo.UUID, "main")
	var failure pushFailureView
	resp.expect(t, http.StatusBadRequest, &failure)
	if failure.Code != gitops.CodeWriteAccessDenied || len(failure.NonFieldErrors) != 1 {
		t.Fatalf("push check with a read-only key: %s", resp.body)
	}
	if got := getRepository(t, ts, repo.UUID); deref(got.State) != "CLONED" || got.PushVerifiedAt != nil || got.Error.Code != gitops.CodeWriteAccessDenied {
		t.Fatalf("after the refused push check: %s", mustJSON(got))
	}

	// With write access: verified; an application may use it and sync.
	if err := host.RevokeKey(*repo.AuthInfo); err != nil {
		t.Fatal(err)
	}
	if err := host.AuthorizeKey(*repo.AuthInfo, githost.ReadWrite); err != nil {
		t.Fatal(err)
	}
	if got := verify(t, ts, repo.UUID, "main"); got.PushVerifiedAt == nil || got.Error != nil {
		t.Fatalf("verified: %s", mustJSON(got))
	}
	if newHead, err := remote.Commit(ctx, "main", map[string]string{"README": "y\n"}, "second"); err != nil {
		t.Fatal(err)
	} else {
		head = newHead
	}
	app := migrateApplication(t, ts, ts.seed.Applications[acmeWeb], objects{"repository": repo.UUID})
	var status syncStatusView
	ts.request(http.MethodPost, "/apps/v3/applications/"+app.UUID+"/update/", adaToken, nil).expect(t, http.StatusOK, &status)
	if deref(status.PlatformHead) != head || !status.InSync {
		t.Fatalf("after the update: %s", mustJSON(status))
	}
}
