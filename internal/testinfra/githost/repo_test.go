// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package githost

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCreateRepo(t *testing.T) {
	t.Parallel()
	h := startHost(t)
	r, err := h.CreateRepo("org/app")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(h.Dir, "repos", "org", "app.git"); r.Path != want {
		t.Fatalf("Path = %s; want %s", r.Path, want)
	}
	if got := mustBareGit(t, r, "rev-parse", "--is-bare-repository"); got != "true" {
		t.Fatalf("is bare = %s", got)
	}
	if got := mustBareGit(t, r, "symbolic-ref", "HEAD"); got != "refs/heads/main" {
		t.Fatalf("HEAD = %s; want refs/heads/main", got)
	}
	if _, err := r.Head(testContext(t), "main"); !errors.Is(err, ErrBranchNotFound) {
		t.Fatalf("Head of a new repository = %v; want ErrBranchNotFound", err)
	}
	if want := "ssh://" + h.User + "@127.0.0.1:" + strconv.Itoa(h.Port) + r.Path; r.SSHURL() != want {
		t.Fatalf("SSHURL = %s; want %s", r.SSHURL(), want)
	}
	if want := h.User + "@127.0.0.1:" + r.Path; r.SCPURL() != want {
		t.Fatalf("SCPURL = %s; want %s", r.SCPURL(), want)
	}
	// The scp-like URL works with GitEnv, whose ssh command carries the port.
	if _, err := r.Commit(testContext(t), "main", map[string]string{"a": "a"}, "a"); err != nil {
		t.Fatal(err)
	}
	if out, err := h.git(testContext(t), "", nil, "ls-remote", r.SCPURL(), "refs/heads/main"); err != nil || out == "" {
		t.Fatalf("ls-remote %s = %q, %v", r.SCPURL(), out, err)
	}
	if _, err := h.CreateRepo("org/app"); err == nil {
		t.Fatal("creating the same repository twice succeeded")
	}
	for _, bad := range []string{"", "../escape", "/abs", "a/../b", "x.git", "sp ace", "q'uote"} {
		if _, err := h.CreateRepo(bad); err == nil {
			t.Errorf("CreateRepo(%q) succeeded", bad)
		}
	}
}

func TestCommitBuildsOnTheBranch(t *testing.T) {
	t.Parallel()
	h := startHost(t)
	r, err := h.CreateRepo("app")
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	first, err := r.Commit(ctx, "feature/x", map[string]string{"a.txt": "a\n", "dir/b.txt": "b\n"}, "first")
	if err != nil {
		t.Fatal(err)
	}
	second, err := r.Commit(ctx, "feature/x", map[string]string{"a.txt": "changed\n"}, "second")
	if err != nil {
		t.Fatal(err)
	}
	if head, err := r.Head(ctx, "feature/x"); err != nil || head != second {
		t.Fatalf("Head = %s, %v; want %s", head, err, second)
	}
	if parent := mustBareGit(t, r, "rev-parse", second+"^"); parent != first {
		t.Fatalf("parent of second = %s; want %s", parent, first)
	}
	// Files not mentioned are kept; mentioned ones replaced.
	if got := mustBareGit(t, r, "show", second+":dir/b.txt"); got != "b" {
		t.Fatalf("dir/b.txt = %q", got)
	}
	if got := mustBareGit(t, r, "show", second+":a.txt"); got != "changed" {
		t.Fatalf("a.txt = %q", got)
	}
	if got := mustBareGit(t, r, "log", "-1", "--format=%an <%ae>|%cn|%s", second); got != adminName+" <"+adminEmail+">|"+adminName+"|second" {
		t.Fatalf("author/committer/subject = %q", got)
	}
	// Unchanged files still make a commit.
	third, err := r.Commit(ctx, "feature/x", map[string]string{"a.txt": "changed\n"}, "again")
	if err != nil || third == second {
		t.Fatalf("Commit with unchanged files = %s, %v", third, err)
	}

	for _, bad := range []string{"../x", "/abs", ".git/config", "a/.git/b", ""} {
		if _, err := r.Commit(ctx, "main", map[string]string{bad: "x"}, "bad"); err == nil {
			t.Errorf("Commit with file %q succeeded", bad)
		}
	}
	if _, err := r.Commit(ctx, "bad..branch", map[string]string{"a": "b"}, "bad"); err == nil {
		t.Error("Commit to branch bad..branch succeeded")
	}
}

func TestForcePushReplacesHistory(t *testing.T) {
	t.Parallel()
	h := startHost(t)
	r, first := newRepoWithCommit(t, h)
	ctx := testContext(t)
	old, err := r.Commit(ctx, "main", map[string]string{"b.txt": "b"}, "second")
	if err != nil {
		t.Fatal(err)
	}
	rewritten, err := r.ForcePush(ctx, "main", map[string]string{"new.txt": "new"}, "rewritten")
	if err != nil {
		t.Fatal(err)
	}
	if head, _ := r.Head(ctx, "main"); head != rewritten {
		t.Fatalf("Head = %s; want %s", head, rewritten)
	}
	if _, err := bareGit(t, r, "merge-base", "--is-ancestor", old, rewritten); err == nil {
		t.Fatalf("old tip %s is still an ancestor of %s", old, rewritten)
	}
	if n := mustBareGit(t, r, "rev-list", "--count", rewritten); n != "1" {
		t.Fatalf("rewritten history has %s commits; want 1", n)
	}
	if files := mustBareGit(t, r, "ls-tree", "--name-only", rewritten); files != "new.txt" {
		t.Fatalf("files after force push = %q; want only new.txt (first commit was %s)", files, first)
	}
}

func TestDeleteBranch(t *testing.T) {
	t.Parallel()
	h := startHost(t)
	r, _ := newRepoWithCommit(t, h)
	ctx := testContext(t)
	if _, err := r.Commit(ctx, "feature", map[string]string{"f": "f"}, "feature"); err != nil {
		t.Fatal(err)
	}
	if err := r.DeleteBranch(ctx, "feature"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Head(ctx, "feature"); !errors.Is(err, ErrBranchNotFound) {
		t.Fatalf("Head after delete = %v; want ErrBranchNotFound", err)
	}
	if refs := mustBareGit(t, r, "for-each-ref", "--format=%(refname)"); refs != "refs/heads/main" {
		t.Fatalf("refs after delete = %q; want only main", refs)
	}
	if err := r.DeleteBranch(ctx, "feature"); !errors.Is(err, ErrBranchNotFound) {
		t.Fatalf("deleting a missing branch = %v; want ErrBranchNotFound", err)
	}
	// The bare repository's default branch can be deleted too, as on a
	// real host where the default branch got removed.
	if err := r.DeleteBranch(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Head(ctx, "main"); !errors.Is(err, ErrBranchNotFound) {
		t.Fatalf("Head of deleted main = %v; want ErrBranchNotFound", err)
	}
}

func TestGenerateHistory(t *testing.T) {
	t.Parallel()
	h := startHost(t)
	r, err := h.CreateRepo("big")
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	tip, err := r.GenerateHistory(testContext(t), "main", 10000)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("GenerateHistory(10000) took %v", time.Since(start))
	if n := mustBareGit(t, r, "rev-list", "--count", tip); n != "10000" {
		t.Fatalf("rev-list --count = %s; want 10000", n)
	}
	// Every commit has its own content (each changes history.txt).
	if n := mustBareGit(t, r, "rev-list", "--count", tip, "--", "history.txt"); n != "10000" {
		t.Fatalf("commits touching history.txt = %s; want 10000", n)
	}

	// Generating again continues the branch.
	more, err := r.GenerateHistory(testContext(t), "main", 100)
	if err != nil {
		t.Fatal(err)
	}
	if n := mustBareGit(t, r, "rev-list", "--count", more); n != "10100" {
		t.Fatalf("rev-list --count after 100 more = %s; want 10100", n)
	}
	if _, err := bareGit(t, r, "merge-base", "--is-ancestor", tip, more); err != nil {
		t.Fatalf("second GenerateHistory does not build on the first: %v", err)
	}

	// The result is served over SSH like any other history, and Commit can
	// build on it.
	key := newDeployKey(t, "deploy")
	if err := h.AuthorizeKey(key.public, ReadOnly); err != nil {
		t.Fatal(err)
	}
	clone := filepath.Join(t.TempDir(), "clone")
	start = time.Now()
	mustGitAs(t, h, key, "", "clone", "--quiet", r.SSHURL(), clone)
	t.Logf("cloning 10100 commits over SSH took %v", time.Since(start))
	if n := mustGitAs(t, h, key, clone, "rev-list", "--count", "HEAD"); n != "10100" {
		t.Fatalf("clone has %s commits; want 10100", n)
	}
	next, err := r.Commit(testContext(t), "main", map[string]string{"after.txt": "x"}, "after generated history")
	if err != nil {
		t.Fatal(err)
	}
	if parent := mustBareGit(t, r, "rev-parse", next+"^"); parent != more {
		t.Fatalf("Commit after GenerateHistory has parent %s; want %s", parent, more)
	}
	if _, err := r.GenerateHistory(testContext(t), "main", 0); err == nil || !strings.Contains(err.Error(), "at least one") {
		t.Fatalf("GenerateHistory(0) = %v", err)
	}
}

func TestGitEnvIgnoresUserConfig(t *testing.T) { // not parallel: t.Setenv
	h := startHost(t)
	t.Setenv("GIT_DIR", "/nonexistent") // would break every git call if inherited
	env := strings.Join(h.GitEnv(), "\n")
	for _, want := range []string{"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "-p " + strconv.Itoa(h.Port), "IdentitiesOnly=yes"} {
		if !strings.Contains(env, want) {
			t.Errorf("GitEnv lacks %q", want)
		}
	}
	if strings.Contains(env, "GIT_DIR=") {
		t.Error("GitEnv passes GIT_DIR through")
	}
}
