// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package githost

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadWriteKeyClonesAndPushes(t *testing.T) {
	t.Parallel()
	h := startHost(t)
	r, first := newRepoWithCommit(t, h)
	key := newDeployKey(t, "deploy-rw")
	if err := h.AuthorizeKey(key.public, ReadWrite); err != nil {
		t.Fatal(err)
	}

	clone := filepath.Join(t.TempDir(), "clone")
	mustGitAs(t, h, key, "", "clone", "--quiet", r.SSHURL(), clone)
	if data, err := os.ReadFile(filepath.Join(clone, "README.md")); err != nil || string(data) != "hello\n" {
		t.Fatalf("README.md in clone = %q, %v", data, err)
	}
	if got := mustGitAs(t, h, key, clone, "rev-parse", "HEAD"); got != first {
		t.Fatalf("cloned HEAD = %s; want %s", got, first)
	}

	if err := os.WriteFile(filepath.Join(clone, "app.txt"), []byte("from the deploy key\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustGitAs(t, h, key, clone, "add", "app.txt")
	mustGitAs(t, h, key, clone, "commit", "--quiet", "-m", "pushed with a deploy key")
	mustGitAs(t, h, key, clone, "push", "--quiet", "origin", "main")
	local := mustGitAs(t, h, key, clone, "rev-parse", "HEAD")
	// Write access is to Git only: git-shell refuses anything else.
	if out, err := sshAs(t, h, key, "id"); err == nil {
		t.Fatalf("ssh id with a read-write deploy key succeeded: %s", out)
	}
	if head, err := r.Head(testContext(t), "main"); err != nil || head != local || head == first {
		t.Fatalf("Head after push = %s, %v; want %s", head, err, local)
	}
}

func TestReadOnlyKeyFetchesButCannotPush(t *testing.T) {
	t.Parallel()
	h := startHost(t)
	r, first := newRepoWithCommit(t, h)
	key := newDeployKey(t, "deploy-ro")
	if err := h.AuthorizeKey(key.public, ReadOnly); err != nil {
		t.Fatal(err)
	}

	if out := mustGitAs(t, h, key, "", "ls-remote", r.SSHURL(), "refs/heads/main"); !strings.HasPrefix(out, first) {
		t.Fatalf("ls-remote = %q; want %s", out, first)
	}
	clone := filepath.Join(t.TempDir(), "clone")
	mustGitAs(t, h, key, "", "clone", "--quiet", r.SSHURL(), clone)
	if err := os.WriteFile(filepath.Join(clone, "x"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustGitAs(t, h, key, clone, "add", "x")
	mustGitAs(t, h, key, clone, "commit", "--quiet", "-m", "not allowed")
	out, err := gitAs(t, h, key, clone, "push", "origin", "main")
	if err == nil || !strings.Contains(out, "read-only") {
		t.Fatalf("push with a read-only key: %v %q; want refusal mentioning read-only", err, out)
	}
	if head, _ := r.Head(testContext(t), "main"); head != first {
		t.Fatalf("Head = %s after refused push; want %s", head, first)
	}

	// The forced command, not git's good manners, is what refuses: try
	// commands a hostile client could send directly.
	for command, want := range map[string]string{
		"git-receive-pack '" + r.Path + "'":   "read-only",
		"git-upload-archive '" + r.Path + "'": "read-only",
		"sh -c id":                            "read-only",
		"":                                    "read-only", // interactive login
		// Shaped like a fetch, so the script hands them to git-shell,
		// which must refuse anything but one quoted path.
		"git-upload-pack '" + r.Path + "'; touch " + filepath.Join(h.Dir, "pwned") + " '": "bad argument",
		"git-upload-pack '/x' ; git-receive-pack '" + r.Path + "'":                        "bad argument",
	} {
		out, err := sshAs(t, h, key, command)
		if err == nil || !strings.Contains(out, want) {
			t.Errorf("ssh %q with a read-only key: %v %q; want a refusal with %q", command, err, out, want)
		}
	}
	if _, err := os.Stat(filepath.Join(h.Dir, "pwned")); err == nil {
		t.Error("the read-only forced command ran an injected shell command")
	}
}

func TestChangingAccessTakesEffect(t *testing.T) {
	t.Parallel()
	h := startHost(t)
	r, _ := newRepoWithCommit(t, h)
	key := newDeployKey(t, "deploy")
	if err := h.AuthorizeKey(key.public, ReadOnly); err != nil {
		t.Fatal(err)
	}
	clone := filepath.Join(t.TempDir(), "clone")
	mustGitAs(t, h, key, "", "clone", "--quiet", r.SSHURL(), clone)
	mustGitAs(t, h, key, clone, "commit", "--quiet", "--allow-empty", "-m", "empty")
	if _, err := gitAs(t, h, key, clone, "push", "origin", "main"); err == nil {
		t.Fatal("push with read-only access succeeded")
	}
	if err := h.AuthorizeKey(key.public, ReadWrite); err != nil {
		t.Fatal(err)
	}
	mustGitAs(t, h, key, clone, "push", "--quiet", "origin", "main")

	// Changing access rewrites the key's line instead of adding another.
	data, _ := os.ReadFile(filepath.Join(h.Dir, "authorized_keys"))
	if n := strings.Count(string(data), strings.Fields(key.public)[1]); n != 1 {
		t.Fatalf("key appears %d times in authorized_keys:\n%s", n, data)
	}
}

func TestUnknownAndRevokedKeysAreRefused(t *testing.T) {
	t.Parallel()
	h := startHost(t)
	r, _ := newRepoWithCommit(t, h)

	stranger := newDeployKey(t, "stranger")
	if out, err := gitAs(t, h, stranger, "", "ls-remote", r.SSHURL()); err == nil || !strings.Contains(out, "Permission denied") {
		t.Fatalf("ls-remote with an unknown key: %v %q; want Permission denied", err, out)
	}

	key := newDeployKey(t, "deploy")
	if err := h.AuthorizeKey(key.public, ReadWrite); err != nil {
		t.Fatal(err)
	}
	mustGitAs(t, h, key, "", "ls-remote", r.SSHURL())
	if err := h.RevokeKey(key.public); err != nil {
		t.Fatal(err)
	}
	if out, err := gitAs(t, h, key, "", "ls-remote", r.SSHURL()); err == nil || !strings.Contains(out, "Permission denied") {
		t.Fatalf("ls-remote with a revoked key: %v %q; want Permission denied", err, out)
	}
	if err := h.RevokeKey(key.public); !errors.Is(err, ErrKeyNotAuthorized) {
		t.Fatalf("second RevokeKey = %v; want ErrKeyNotAuthorized", err)
	}
	// Revoking one key leaves the admin's alone.
	if _, err := r.Commit(testContext(t), "main", map[string]string{"a": "b"}, "admin still works"); err != nil {
		t.Fatal(err)
	}
}

func TestAuthorizeKeyRejectsBadInput(t *testing.T) {
	t.Parallel()
	h := startHost(t)
	key := newDeployKey(t, "deploy")
	for _, bad := range []string{"", "not a key", `command="sh" ` + key.public} {
		if err := h.AuthorizeKey(bad, ReadWrite); err == nil {
			t.Errorf("AuthorizeKey(%q) succeeded", bad)
		}
	}
	if err := h.AuthorizeKey(key.public, Access(7)); err == nil {
		t.Error("AuthorizeKey with an unknown access succeeded")
	}
}

func TestRotateHostKey(t *testing.T) {
	t.Parallel()
	h := startHost(t)
	r, _ := newRepoWithCommit(t, h)
	key := newDeployKey(t, "deploy")
	if err := h.AuthorizeKey(key.public, ReadOnly); err != nil {
		t.Fatal(err)
	}

	// A client that pinned the host key, as the control plane does.
	knownHosts := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(knownHosts, []byte(h.KnownHostsLine()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	strict := func() (string, error) {
		cmd := exec.CommandContext(testContext(t), "git", "ls-remote", r.SSHURL())
		cmd.Env = append(h.GitEnvForKey(key.privatePath),
			"GIT_SSH_COMMAND=ssh -F /dev/null -i "+key.privatePath+" -o IdentitiesOnly=yes -o BatchMode=yes"+
				" -o StrictHostKeyChecking=yes -o UserKnownHostsFile="+knownHosts)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := strict(); err != nil {
		t.Fatalf("ls-remote with the pinned key before rotation: %v\n%s", err, out)
	}

	before, port := h.HostKeyFingerprint(), h.Port
	if err := h.RotateHostKey(); err != nil {
		t.Fatal(err)
	}
	after := h.HostKeyFingerprint()
	if after == before || h.Port != port {
		t.Fatalf("after rotation: fingerprint %s (was %s), port %d (was %d)", after, before, h.Port, port)
	}
	if got := keyscan(t, h); got != h.HostPublicKey() {
		t.Fatalf("ssh-keyscan after rotation sees %q; want %q", got, h.HostPublicKey())
	}
	if out, err := strict(); err == nil || !strings.Contains(out, "HOST IDENTIFICATION HAS CHANGED") {
		t.Fatalf("ls-remote with the old pinned key after rotation: %v\n%s\nwant a host key changed error", err, out)
	}
	// Keys and repositories survive the restart.
	mustGitAs(t, h, key, "", "ls-remote", r.SSHURL())
}
