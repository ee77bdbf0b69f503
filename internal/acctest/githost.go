// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"context"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

// StartGitHost starts a real SSH Git host (OpenSSH sshd + git-shell) on a
// loopback port for t, and stops it when t ends.
func StartGitHost(t testing.TB) *githost.Host {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	host, err := githost.Start(ctx, "")
	if err != nil {
		t.Fatalf("start Git host: %v", err)
	}
	t.Cleanup(func() { host.Close() })
	return host
}

// NewRepo creates a bare repository on host whose branches hold the given
// files (branch -> path -> content).
func NewRepo(t testing.TB, host *githost.Host, name string, branches map[string]map[string]string) *githost.Repo {
	t.Helper()
	repo, err := host.CreateRepo(name)
	if err != nil {
		t.Fatalf("create repository %s: %v", name, err)
	}
	for branch, files := range branches {
		if _, err := repo.Commit(context.Background(), branch, files, "initial commit on "+branch); err != nil {
			t.Fatalf("commit to %s@%s: %v", name, branch, err)
		}
	}
	return repo
}

// Head is the tip of branch, failing t if it cannot be read.
func Head(t testing.TB, repo *githost.Repo, branch string) string {
	t.Helper()
	head, err := repo.Head(context.Background(), branch)
	if err != nil {
		t.Fatalf("head of %s: %v", branch, err)
	}
	return head
}

// StartHTTPSGitHost starts a real HTTPS Git host (git http-backend behind
// TLS, with its own CA, and personal access tokens) on a loopback port for
// t, and stops it when t ends. Control planes that check bindings on it
// need StartControlPlaneWith(t, Options{RootCAs: host.CertPool()}).
func StartHTTPSGitHost(t testing.TB) *githost.HTTPSHost {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	host, err := githost.StartHTTPS(ctx, "")
	if err != nil {
		t.Fatalf("start HTTPS Git host: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("HTTPS Git host log:\n%s", host.LogTail())
		}
		host.Close()
	})
	return host
}

// NewHTTPSRepo is NewRepo on an HTTPS host.
func NewHTTPSRepo(t testing.TB, host *githost.HTTPSHost, name string, branches map[string]map[string]string) *githost.HTTPSRepo {
	t.Helper()
	repo, err := host.CreateRepo(name)
	if err != nil {
		t.Fatalf("create repository %s: %v", name, err)
	}
	for branch, files := range branches {
		if _, err := repo.Commit(context.Background(), branch, files, "initial commit on "+branch); err != nil {
			t.Fatalf("commit to %s@%s: %v", name, branch, err)
		}
	}
	return repo
}
