// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package githost

import (
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testTimeout bounds each step of a test (generously: CI machines have two
// CPUs shared with other packages' tests); a hung git or ssh fails instead
// of stalling CI.
const testTimeout = 2 * time.Minute

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// startHost starts a Host in a test directory and stops it when the test
// ends, whether it passed or not.
func startHost(t *testing.T) *Host {
	t.Helper()
	h, err := Start(testContext(t), t.TempDir())
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if t.Failed() {
			t.Logf("sshd log:\n%s", h.LogTail())
		}
	})
	return h
}

// deployKey is a fresh ed25519 key pair on disk, like one a user would add
// to their Git host as a deploy key.
type deployKey struct {
	public      string // authorized_keys line
	privatePath string
}

func newDeployKey(t *testing.T, name string) deployKey {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	pub, err := writeKeyPair(p, name)
	if err != nil {
		t.Fatal(err)
	}
	return deployKey{public: pub, privatePath: p}
}

// gitAs runs the real git CLI in dir, logging in with key, and returns its
// combined output.
func gitAs(t *testing.T, h *Host, key deployKey, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(testContext(t), "git", args...)
	cmd.Dir = dir
	cmd.Env = h.GitEnvForKey(key.privatePath)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func mustGitAs(t *testing.T, h *Host, key deployKey, dir string, args ...string) string {
	t.Helper()
	out, err := gitAs(t, h, key, dir, args...)
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// sshAs runs command (or an interactive login if "") over plain ssh with key.
func sshAs(t *testing.T, h *Host, key deployKey, command string) (string, error) {
	t.Helper()
	args := []string{"-F", "/dev/null", "-i", key.privatePath, "-p", strconv.Itoa(h.Port),
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", h.User + "@127.0.0.1"}
	if command != "" {
		args = append(args, command)
	}
	cmd := exec.CommandContext(testContext(t), "ssh", args...)
	cmd.Stdin = strings.NewReader("")
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// bareGit runs git directly in a bare repository (no SSH).
func bareGit(t *testing.T, r *Repo, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(testContext(t), "git", append([]string{"--git-dir=" + r.Path}, args...)...)
	cmd.Env = r.Host.GitEnv()
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func mustBareGit(t *testing.T, r *Repo, args ...string) string {
	t.Helper()
	out, err := bareGit(t, r, args...)
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// newRepoWithCommit creates the repository "app" with one commit on main.
func newRepoWithCommit(t *testing.T, h *Host) (*Repo, string) {
	t.Helper()
	r, err := h.CreateRepo("app")
	if err != nil {
		t.Fatal(err)
	}
	sha, err := r.Commit(testContext(t), "main", map[string]string{"README.md": "hello\n"}, "initial")
	if err != nil {
		t.Fatal(err)
	}
	return r, sha
}
