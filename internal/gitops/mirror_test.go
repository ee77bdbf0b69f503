// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

// syncRequest is a request to sync repo's main over SSH into dir, with the
// host key pinned.
func syncRequest(repo *githost.Repo, key deployKey, dir string, mode SyncMode) SyncRequest {
	return SyncRequest{MirrorDir: dir, URL: repo.SSHURL(), Branch: "main", Auth: Auth{SSHPrivateKey: key.PrivateKeyPEM},
		PinnedHostKey: repo.Host.HostPublicKey(), Mode: mode}
}

func mirrorDir(t testing.TB) string {
	return filepath.Join(t.TempDir(), "mirrors", "binding.git")
}

func wantSync(t testing.TB, res SyncResult, code string) {
	t.Helper()
	if res.Code != code {
		t.Fatalf("Code = %q, want %q; message: %s", res.Code, code, res.Message)
	}
	if res.Message == "" {
		t.Fatalf("Code %q without a message", res.Code)
	}
	if res.Duration <= 0 {
		t.Errorf("Duration = %v", res.Duration)
	}
}

// wantHeads checks the result's heads.
func wantHeads(t testing.TB, res SyncResult, previous, platform, origin string) {
	t.Helper()
	if res.PreviousHead != previous || res.PlatformHead != platform || res.OriginHead != origin {
		t.Fatalf("heads: previous %q, platform %q, origin %q; want %q, %q, %q (%s)",
			res.PreviousHead, res.PlatformHead, res.OriginHead, previous, platform, origin, res.Message)
	}
}

// gitIn runs the git CLI on the bare repository dir.
func gitIn(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"--git-dir=" + dir}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// checkMirror verifies with the git CLI that the mirror is a sound bare
// repository whose main is at head: every object of the branch's history
// (down to its shallow boundaries) is there.
func checkMirror(t testing.TB, dir, head string) {
	t.Helper()
	if got := gitIn(t, dir, "rev-parse", "refs/heads/main"); got != head {
		t.Errorf("the mirror's main is %s, want %s", got, head)
	}
	if got := gitIn(t, dir, "symbolic-ref", "HEAD"); got != "refs/heads/main" {
		t.Errorf("the mirror's HEAD is %s", got)
	}
	if got := gitIn(t, dir, "rev-parse", "--is-bare-repository"); got != "true" {
		t.Errorf("the mirror is not bare")
	}
	gitIn(t, dir, "fsck", "--no-progress", "--no-dangling")
}

// rewind points branch at rev (e.g. "main~1") in the host's repository, as
// a force push of an older commit would.
func rewind(t testing.TB, repo *githost.Repo, rev string) string {
	t.Helper()
	sha := gitIn(t, repo.Path, "rev-parse", rev)
	gitIn(t, repo.Path, "update-ref", "refs/heads/main", sha)
	return sha
}

func head(t testing.TB, repo *githost.Repo) string {
	t.Helper()
	sha, err := repo.Head(testContext(t), "main")
	if err != nil {
		t.Fatal(err)
	}
	return sha
}

func commit(t testing.TB, repo *githost.Repo, files map[string]string) string {
	t.Helper()
	sha, err := repo.Commit(testContext(t), "main", files, "change")
	if err != nil {
		t.Fatal(err)
	}
	return sha
}

// randomText is n bytes of incompressible hex text.
func randomText(seed uint64, n int) string {
	var b strings.Builder
	x := seed | 1
	for b.Len() < n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		fmt.Fprintf(&b, "%016x", x)
	}
	return b.String()[:n]
}

// siteFiles is a tip worth fetching: 40 files of 2 KiB.
func siteFiles() map[string]string {
	files := map[string]string{"README": "site\n"}
	for i := range 40 {
		files[fmt.Sprintf("app/module%02d.py", i)] = randomText(uint64(i+1), 2048)
	}
	return files
}

func TestSyncFirstThenUpToDate(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readOnly) // a sync only reads
	repo, sha := newRepo(t, h, map[string]string{"README": "hello\n", "app/main.py": "print(1)\n"})
	dir := mirrorDir(t)
	c := loopbackChecker()

	res := c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate))
	wantSync(t, res, CodeSuccess)
	wantHeads(t, res, "", sha, sha)
	if !res.OK() || res.HistoryRewritten {
		t.Errorf("OK() = %v, HistoryRewritten = %v", res.OK(), res.HistoryRewritten)
	}
	// The commit, two trees and two blobs.
	if res.FetchedObjects != 5 || res.FetchedBytes <= 0 {
		t.Errorf("FetchedObjects = %d, FetchedBytes = %d", res.FetchedObjects, res.FetchedBytes)
	}
	wantContains(t, res.Message, `"main"`, sha[:12], "created")
	checkMirror(t, dir, sha)
	if got := gitIn(t, dir, "cat-file", "-p", "main:app/main.py"); got != "print(1)" {
		t.Errorf("app/main.py = %q", got)
	}

	// Nothing new: nothing is fetched.
	res = c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate))
	wantSync(t, res, CodeSuccess)
	wantHeads(t, res, sha, sha, sha)
	if res.FetchedObjects != 0 || res.FetchedBytes != 0 {
		t.Errorf("an up-to-date sync fetched %d objects, %d bytes", res.FetchedObjects, res.FetchedBytes)
	}
	wantContains(t, res.Message, "up to date")

	// One new commit, then Reset (a fast-forward is no rewrite).
	next := commit(t, repo, map[string]string{"app/main.py": "print(2)\n"})
	res = c.Sync(testContext(t), syncRequest(repo, key, dir, SyncReset))
	wantSync(t, res, CodeSuccess)
	wantHeads(t, res, sha, next, next)
	if res.HistoryRewritten {
		t.Error("HistoryRewritten after a fast-forward")
	}
	checkMirror(t, dir, next)
	if got := gitIn(t, dir, "cat-file", "-p", "main:app/main.py"); got != "print(2)" {
		t.Errorf("app/main.py = %q", got)
	}
}

// TestSyncIncremental: on a 10,000-commit history, the second sync of one
// new commit fetches that commit's objects only; what it reads is the same
// as on a 10-commit history.
func TestSyncIncremental(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	second := map[int]SyncResult{}
	for _, commits := range []int{10, 10_000} {
		repo, _ := newRepo(t, h, siteFiles())
		if _, err := repo.GenerateHistory(testContext(t), "main", commits); err != nil {
			t.Fatal(err)
		}
		dir := mirrorDir(t)
		c := loopbackChecker()
		first := c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate))
		wantSync(t, first, CodeSuccess)

		next := commit(t, repo, map[string]string{"app/new.py": "print('one more')\n"})
		res := c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate))
		wantSync(t, res, CodeSuccess)
		wantHeads(t, res, first.PlatformHead, next, next)
		t.Logf("%d commits: first sync %d objects, %d bytes; second sync %d objects, %d bytes",
			commits, first.FetchedObjects, first.FetchedBytes, res.FetchedObjects, res.FetchedBytes)
		// The commit, the root tree, app/ and the new blob.
		if res.FetchedObjects > 10 {
			t.Errorf("%d commits: the second sync fetched %d objects", commits, res.FetchedObjects)
		}
		if res.FetchedBytes*10 > first.FetchedBytes {
			t.Errorf("%d commits: the second sync fetched %d bytes, the first %d", commits, res.FetchedBytes, first.FetchedBytes)
		}
		checkMirror(t, dir, next)
		// The mirror holds two commits of the 10,000.
		if n := gitIn(t, dir, "rev-list", "--count", "main"); n != "2" {
			t.Errorf("the mirror holds %s commits of main", n)
		}
		second[commits] = res
	}
	if d := second[10_000].FetchedBytes - second[10].FetchedBytes; d > 256 || d < -256 {
		t.Errorf("the second sync read %d bytes on 10 commits but %d on 10,000", second[10].FetchedBytes, second[10_000].FetchedBytes)
	}
}

func TestSyncFastForwardOfManyCommits(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, _ := newRepo(t, h, siteFiles())
	if _, err := repo.GenerateHistory(testContext(t), "main", 1000); err != nil {
		t.Fatal(err)
	}
	dir := mirrorDir(t)
	c := loopbackChecker()
	first := c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate))
	wantSync(t, first, CodeSuccess)

	// 50 new commits: the tip alone does not show that the old head is an
	// ancestor, the incremental round does.
	next, err := repo.GenerateHistory(testContext(t), "main", 50)
	if err != nil {
		t.Fatal(err)
	}
	res := c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate))
	wantSync(t, res, CodeSuccess)
	wantHeads(t, res, first.PlatformHead, next, next)
	if res.HistoryRewritten {
		t.Error("HistoryRewritten for a fast-forward")
	}
	wantContains(t, res.Message, "updated from commit "+first.PlatformHead[:12])
	t.Logf("fast-forward of 50 commits: %d objects, %d bytes", res.FetchedObjects, res.FetchedBytes)
	// 50 commits, trees and blobs (the tip's fetched twice), not the
	// 1,000 before them.
	if res.FetchedObjects < 150 || res.FetchedObjects > 200 {
		t.Errorf("FetchedObjects = %d, want the 50 new commits' objects", res.FetchedObjects)
	}
	checkMirror(t, dir, next)
	if n := gitIn(t, dir, "rev-list", "--count", "main"); n != "51" {
		t.Errorf("the mirror holds %s commits of main, want 51", n)
	}
	// The new head's history is complete back to the first sync: the
	// only shallow boundary is the first commit synced.
	if got := gitIn(t, dir, "rev-parse", "--is-shallow-repository"); got != "true" {
		t.Errorf("is-shallow = %s", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "shallow")); strings.TrimSpace(string(b)) != first.PlatformHead {
		t.Errorf("shallow = %q, want only %s", b, first.PlatformHead)
	}

	// And one more: incremental from a mirror with history.
	last := commit(t, repo, map[string]string{"README": "v2\n"})
	res = c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate))
	wantSync(t, res, CodeSuccess)
	wantHeads(t, res, next, last, last)
	if res.FetchedObjects > 10 {
		t.Errorf("FetchedObjects = %d", res.FetchedObjects)
	}
	checkMirror(t, dir, last)
}

func TestSyncForcePush(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, _ := newRepo(t, h, map[string]string{"README": "x"})
	if _, err := repo.GenerateHistory(testContext(t), "main", 100); err != nil {
		t.Fatal(err)
	}
	dir := mirrorDir(t)
	c := loopbackChecker()
	wantSync(t, c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate)), CodeSuccess)
	old := commit(t, repo, map[string]string{"a": "1"})
	wantSync(t, c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate)), CodeSuccess)

	forced, err := repo.ForcePush(testContext(t), "main", map[string]string{"README": "rewritten"}, "new history")
	if err != nil {
		t.Fatal(err)
	}
	res := c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate))
	wantSync(t, res, CodeHistoryRewritten)
	wantHeads(t, res, old, old, forced)
	if !res.HistoryRewritten || res.OK() {
		t.Errorf("HistoryRewritten = %v, OK() = %v", res.HistoryRewritten, res.OK())
	}
	wantContains(t, res.Message, "History at the remote was rewritten", "force push", "Reset to origin", forced[:12], old[:12], "left unchanged")
	checkMirror(t, dir, old) // the ref did not move

	// Asking again refuses again, without fetching.
	res = c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate))
	wantSync(t, res, CodeHistoryRewritten)
	if res.FetchedObjects != 0 {
		t.Errorf("the second refusal fetched %d objects", res.FetchedObjects)
	}

	res = c.Sync(testContext(t), syncRequest(repo, key, dir, SyncReset))
	wantSync(t, res, CodeSuccess)
	wantHeads(t, res, old, forced, forced)
	if !res.HistoryRewritten {
		t.Error("HistoryRewritten = false after a force push")
	}
	wantContains(t, res.Message, "reset to the remote's commit "+forced[:12], "rewritten")
	checkMirror(t, dir, forced)
	if got := gitIn(t, dir, "cat-file", "-p", "main:README"); got != "rewritten" {
		t.Errorf("README = %q", got)
	}

	// Back to normal: updates fast-forward from the new history.
	next := commit(t, repo, map[string]string{"b": "2"})
	res = c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate))
	wantSync(t, res, CodeSuccess)
	wantHeads(t, res, forced, next, next)
	checkMirror(t, dir, next)
}

// TestSyncAmendedCommit: the last commit is replaced (git commit --amend,
// then a force push). The new head's parent is a known ancestor of the old
// head, so the rewrite is recognised from the new commit alone, even right
// after the first sync, when the mirror holds no history at all.
func TestSyncAmendedCommit(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	for _, synced := range []int{1, 3} { // commits the mirror holds
		repo, _ := newRepo(t, h, siteFiles())
		if _, err := repo.GenerateHistory(testContext(t), "main", 5000); err != nil {
			t.Fatal(err)
		}
		dir := mirrorDir(t)
		c := loopbackChecker()
		var old string
		for range synced {
			old = commit(t, repo, map[string]string{"README": randomText(uint64(len(old)+1), 40)})
			wantSync(t, c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate)), CodeSuccess)
		}

		rewind(t, repo, "main~1")
		amended := commit(t, repo, map[string]string{"README": "amended"})
		res := c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate))
		wantSync(t, res, CodeHistoryRewritten)
		wantHeads(t, res, old, old, amended)
		t.Logf("mirror of %d commits: amend recognised with %d objects, %d bytes", synced, res.FetchedObjects, res.FetchedBytes)
		if res.FetchedObjects > 10 {
			t.Errorf("mirror of %d commits: recognising the amend fetched %d objects", synced, res.FetchedObjects)
		}
		checkMirror(t, dir, old)

		res = c.Sync(testContext(t), syncRequest(repo, key, dir, SyncReset))
		wantSync(t, res, CodeSuccess)
		wantHeads(t, res, old, amended, amended)
		if !res.HistoryRewritten || res.FetchedObjects != 0 {
			t.Errorf("HistoryRewritten = %v, FetchedObjects = %d", res.HistoryRewritten, res.FetchedObjects)
		}
		checkMirror(t, dir, amended)
	}
}

// TestSyncRewind: the remote's branch goes back to an older commit.
func TestSyncRewind(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, base := newRepo(t, h, map[string]string{"README": "x"})
	dir := mirrorDir(t)
	c := loopbackChecker()
	wantSync(t, c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate)), CodeSuccess)
	commit(t, repo, map[string]string{"a": "1"})
	old := commit(t, repo, map[string]string{"b": "2"})
	wantSync(t, c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate)), CodeSuccess)

	// To a commit the mirror has: decided without fetching.
	back := rewind(t, repo, "main~2")
	if back != base {
		t.Fatalf("main~2 = %s, want %s", back, base)
	}
	res := c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate))
	wantSync(t, res, CodeHistoryRewritten)
	wantHeads(t, res, old, old, back)
	res = c.Sync(testContext(t), syncRequest(repo, key, dir, SyncReset))
	wantSync(t, res, CodeSuccess)
	wantHeads(t, res, old, back, back)
	if !res.HistoryRewritten || res.FetchedObjects != 0 {
		t.Errorf("HistoryRewritten = %v, FetchedObjects = %d", res.HistoryRewritten, res.FetchedObjects)
	}
	checkMirror(t, dir, back)

	// Forward again to the old head: a fast-forward.
	gitIn(t, repo.Path, "update-ref", "refs/heads/main", old)
	res = c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate))
	wantSync(t, res, CodeSuccess)
	wantHeads(t, res, back, old, old)
	checkMirror(t, dir, old)
}

// TestSyncAcrossOldShallowBoundary: after a Reset to a commit older than
// the first sync, the branch moves forward again through the first-synced
// commit, whose parent the mirror lacks. Only the exact round, which does
// not tell the server about that boundary, shows the fast-forward.
func TestSyncAcrossOldShallowBoundary(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, _ := newRepo(t, h, map[string]string{"README": "x"})
	c10, err := repo.GenerateHistory(testContext(t), "main", 10)
	if err != nil {
		t.Fatal(err)
	}
	dir := mirrorDir(t)
	c := loopbackChecker()
	res := c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate))
	wantSync(t, res, CodeSuccess)

	c5 := rewind(t, repo, "main~5")
	res = c.Sync(testContext(t), syncRequest(repo, key, dir, SyncReset))
	wantSync(t, res, CodeSuccess)
	wantHeads(t, res, c10, c5, c5)
	if !res.HistoryRewritten {
		t.Error("HistoryRewritten = false after going back beyond the first sync")
	}
	checkMirror(t, dir, c5)

	gitIn(t, repo.Path, "update-ref", "refs/heads/main", c10)
	c11 := commit(t, repo, map[string]string{"c": "11"})
	res = c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate))
	wantSync(t, res, CodeSuccess)
	wantHeads(t, res, c5, c11, c11)
	if res.HistoryRewritten {
		t.Error("HistoryRewritten for a fast-forward")
	}
	checkMirror(t, dir, c11)
	// c10 has its parents now: no shallow boundary is left on main.
	if n := gitIn(t, dir, "rev-list", "--count", "main"); n != "12" {
		t.Errorf("the mirror holds %s commits of main, want all 12", n)
	}
}

func TestSyncBranchDeleted(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, sha := newRepo(t, h, map[string]string{"README": "x"})
	if _, err := repo.Commit(testContext(t), "develop", map[string]string{"x": "y"}, "dev"); err != nil {
		t.Fatal(err)
	}
	dir := mirrorDir(t)
	c := loopbackChecker()
	wantSync(t, c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate)), CodeSuccess)
	if err := repo.DeleteBranch(testContext(t), "main"); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []SyncMode{SyncUpdate, SyncReset} {
		res := c.Sync(testContext(t), syncRequest(repo, key, dir, mode))
		wantSync(t, res, CodeBranchMissing)
		wantHeads(t, res, sha, sha, "")
		wantContains(t, res.Message, "The remote repository requires a branch", `"main"`, `Branches found: "develop"`)
	}
	checkMirror(t, dir, sha)
}

func TestSyncHostKeyRotated(t *testing.T) {
	t.Parallel()
	h := ownHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, sha := newRepo(t, h, map[string]string{"README": "x"})
	dir := mirrorDir(t)
	c := loopbackChecker()
	req := syncRequest(repo, key, dir, SyncUpdate) // pins the key before the rotation
	wantSync(t, c.Sync(testContext(t), req), CodeSuccess)
	oldFP := h.HostKeyFingerprint()

	if err := h.RotateHostKey(); err != nil {
		t.Fatal(err)
	}
	commit(t, repo, map[string]string{"a": "1"})
	for _, mode := range []SyncMode{SyncUpdate, SyncReset} {
		req.Mode = mode
		res := c.Sync(testContext(t), req)
		wantSync(t, res, CodeHostKeyMismatch)
		wantHeads(t, res, sha, sha, "")
		wantContains(t, res.Message, oldFP, h.HostKeyFingerprint())
	}
	checkMirror(t, dir, sha)

	// The access check accepts the new key; syncs pinned to it work again.
	req.PinnedHostKey = h.HostPublicKey()
	wantSync(t, c.Sync(testContext(t), req), CodeSuccess)
}

func TestSyncRequiresPinnedHostKey(t *testing.T) {
	t.Parallel()
	c := &Checker{dial: noDial(t)}
	dir := mirrorDir(t)
	res := c.Sync(testContext(t), SyncRequest{MirrorDir: dir, URL: "ssh://git@git.example.com/acme/site.git", Auth: Auth{SSHPrivateKey: testKeyPEM(t)}})
	wantSync(t, res, CodeHostKeyMismatch)
	wantContains(t, res.Message, "No SSH host key is pinned", "git.example.com", "access check")
	exists, lookup := c.RemoteBranchExists(testContext(t), "ssh://git@git.example.com/acme/site.git", "main", Auth{SSHPrivateKey: testKeyPEM(t)}, "")
	if exists {
		t.Error("exists without a pinned key")
	}
	wantCode(t, lookup, CodeHostKeyMismatch)
}

func TestSyncRefusesForbiddenAddresses(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, _ := newRepo(t, h, map[string]string{"README": "x"})
	c := &Checker{} // no AllowLoopback
	res := c.Sync(testContext(t), syncRequest(repo, key, mirrorDir(t), SyncUpdate))
	wantSync(t, res, CodeForbiddenAddress)
	wantContains(t, res.Message, "loopback")
	_, lookup := c.RemoteBranchExists(testContext(t), repo.SSHURL(), "main", Auth{SSHPrivateKey: key.PrivateKeyPEM}, h.HostPublicKey())
	wantCode(t, lookup, CodeForbiddenAddress)
}

func TestSyncErrors(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	unknown := newDeployKey(t, h, nil)
	repo, sha := newRepo(t, h, map[string]string{"README": "x"})
	dir := mirrorDir(t)
	c := loopbackChecker()
	wantSync(t, c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate)), CodeSuccess)

	t.Run("key not authorized", func(t *testing.T) {
		res := c.Sync(testContext(t), syncRequest(repo, unknown, dir, SyncUpdate))
		wantSync(t, res, CodeAuthenticationError)
		wantHeads(t, res, sha, sha, "")
		wantContains(t, res.Message, unknown.FingerprintSHA256)
		assertNoKey(t, res.Message, unknown.PrivateKeyPEM)
	})
	t.Run("unreachable", func(t *testing.T) {
		req := syncRequest(repo, key, dir, SyncUpdate)
		req.URL = fmt.Sprintf("ssh://git@127.0.0.1:%d/x.git", closedPort(t))
		res := c.Sync(testContext(t), req)
		wantSync(t, res, CodeUnreachable)
		wantHeads(t, res, sha, sha, "")
	})
	t.Run("invalid URL", func(t *testing.T) {
		req := syncRequest(repo, key, dir, SyncUpdate)
		req.URL = "ftp://example.com/x.git"
		res := c.Sync(testContext(t), req)
		wantSync(t, res, CodeInvalidURL)
		wantHeads(t, res, sha, sha, "")
	})
	t.Run("mirror is not a repository", func(t *testing.T) {
		other := t.TempDir()
		if err := os.WriteFile(filepath.Join(other, "notes.txt"), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		res := c.Sync(testContext(t), syncRequest(repo, key, other, SyncUpdate))
		wantSync(t, res, CodeInternalError)
		wantContains(t, res.Message, "platform's copy", "not a Git repository")
		wantNotContains(t, res.Message, other)
	})
	t.Run("too large", func(t *testing.T) {
		big, _ := newRepo(t, h, siteFiles())
		small := loopbackChecker()
		small.MaxSyncBytes = 8 << 10
		other := mirrorDir(t)
		res := small.Sync(testContext(t), syncRequest(big, key, other, SyncUpdate))
		wantSync(t, res, CodeInternalError)
		wantHeads(t, res, "", "", head(t, big))
		wantContains(t, res.Message, "more than the 8 KiB", "update of the platform's copy")
		// Nothing half-written is left behind; the next sync starts afresh.
		if tmp, _ := filepath.Glob(filepath.Join(other, "objects", "pack", "*")); len(tmp) != 0 {
			t.Errorf("left in objects/pack: %v", tmp)
		}
		res = c.Sync(testContext(t), syncRequest(big, key, other, SyncUpdate))
		wantSync(t, res, CodeSuccess)
		checkMirror(t, other, head(t, big))
	})
	t.Run("unknown mode", func(t *testing.T) {
		res := c.Sync(testContext(t), syncRequest(repo, key, dir, SyncMode(7)))
		wantSync(t, res, CodeInternalError)
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(testContext(t))
		cancel()
		res := c.Sync(ctx, syncRequest(repo, key, dir, SyncUpdate))
		wantSync(t, res, CodeInternalError)
		wantContains(t, res.Message, "The update of the platform's copy of the repository was cancelled")
	})
	checkMirror(t, dir, sha)
}

// TestSyncConcurrent: syncs of different mirrors run at once; syncs of one
// mirror wait for each other.
func TestSyncConcurrent(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	c := loopbackChecker() // one Checker for every goroutine
	type binding struct {
		repo *githost.Repo
		dir  string
	}
	var bindings []binding
	for range 2 {
		repo, _ := newRepo(t, h, siteFiles())
		bindings = append(bindings, binding{repo, mirrorDir(t)})
	}
	for round := range 3 {
		heads := make([]string, len(bindings))
		for i, b := range bindings {
			heads[i] = commit(t, b.repo, map[string]string{"round": fmt.Sprint(round)})
		}
		var wg sync.WaitGroup
		for i, b := range bindings {
			for range 2 { // two syncs of each mirror at once
				wg.Add(1)
				go func() {
					defer wg.Done()
					res := c.Sync(testContext(t), syncRequest(b.repo, key, b.dir, SyncUpdate))
					if res.Code != CodeSuccess || res.PlatformHead != heads[i] {
						t.Errorf("mirror %d round %d: %s %s (head %s, want %s)", i, round, res.Code, res.Message, res.PlatformHead, heads[i])
					}
				}()
			}
		}
		wg.Wait()
	}
	for _, b := range bindings {
		checkMirror(t, b.dir, head(t, b.repo))
	}
}

func TestRemoteBranchExists(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readOnly)
	repo, sha := newRepo(t, h, map[string]string{"README": "x"})
	dev, err := repo.Commit(testContext(t), "feature/x", map[string]string{"x": "y"}, "dev")
	if err != nil {
		t.Fatal(err)
	}
	c := loopbackChecker()
	auth := Auth{SSHPrivateKey: key.PrivateKeyPEM}

	for branch, want := range map[string]string{"main": sha, "feature/x": dev} {
		exists, res := c.RemoteBranchExists(testContext(t), repo.SSHURL(), branch, auth, h.HostPublicKey())
		if !exists {
			t.Fatalf("%s: exists = false: %s %s", branch, res.Code, res.Message)
		}
		wantCode(t, res, CodeSuccess)
		if res.Commit != want || res.HostKey != h.HostPublicKey() || res.Duration <= 0 {
			t.Errorf("%s: Commit = %q, HostKey = %q, Duration = %v", branch, res.Commit, res.HostKey, res.Duration)
		}
	}

	exists, res := c.RemoteBranchExists(testContext(t), repo.SSHURL(), "develop", auth, h.HostPublicKey())
	if exists {
		t.Fatal("exists = true for a missing branch")
	}
	wantCode(t, res, CodeBranchMissing)
	wantContains(t, res.Message, "The remote repository requires a branch", `"develop"`, `"feature/x"`, `"main"`)

	empty, _ := newRepo(t, h, nil)
	exists, res = c.RemoteBranchExists(testContext(t), empty.SSHURL(), "main", auth, h.HostPublicKey())
	if exists {
		t.Fatal("exists = true in an empty repository")
	}
	wantCode(t, res, CodeBranchMissing)

	// The remote could not be asked.
	unknown := newDeployKey(t, h, nil)
	exists, res = c.RemoteBranchExists(testContext(t), repo.SSHURL(), "main", Auth{SSHPrivateKey: unknown.PrivateKeyPEM}, h.HostPublicKey())
	if exists {
		t.Fatal("exists = true without access")
	}
	wantCode(t, res, CodeAuthenticationError)
	exists, res = c.RemoteBranchExists(testContext(t), fmt.Sprintf("ssh://git@127.0.0.1:%d/x.git", closedPort(t)), "main", auth, h.HostPublicKey())
	if exists {
		t.Fatal("exists = true for an unreachable host")
	}
	wantCode(t, res, CodeUnreachable)
	wrongPin := newDeployKey(t, h, nil).AuthorizedKey
	exists, res = c.RemoteBranchExists(testContext(t), repo.SSHURL(), "main", auth, wrongPin)
	if exists {
		t.Fatal("exists = true with another host key pinned")
	}
	wantCode(t, res, CodeHostKeyMismatch)
	_, res = c.RemoteBranchExists(testContext(t), repo.SSHURL(), "bad..name", auth, h.HostPublicKey())
	wantCode(t, res, CodeBranchMissing)
	wantContains(t, res.Message, "not a valid Git branch name")
}

// TestRemoteBranchExistsFetchesNothing: the lookup reads the ref
// advertisement and hangs up.
func TestRemoteBranchExistsFetchesNothing(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, _ := newRepo(t, h, siteFiles())
	c := loopbackChecker()
	var n countingBytes
	c.dial = n.dial
	exists, res := c.RemoteBranchExists(testContext(t), repo.SSHURL(), "main", Auth{SSHPrivateKey: key.PrivateKeyPEM}, h.HostPublicKey())
	if !exists {
		t.Fatalf("%s: %s", res.Code, res.Message)
	}
	// The tip's 80 KiB of files are not read.
	if got := n.Load(); got > 16<<10 {
		t.Errorf("the lookup read %d bytes", got)
	}
}

// countingBytes is a dial hook counting the bytes read from the network.
type countingBytes struct{ atomic.Int64 }

func (c *countingBytes) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return countingConn{conn, &c.Int64}, nil
}

// TestSyncThinPack: a small change to a big file arrives as a delta against
// the version the mirror has (a thin pack, completed before it is stored).
func TestSyncThinPack(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	big := randomText(7, 256<<10)
	repo, _ := newRepo(t, h, map[string]string{"data.txt": big})
	dir := mirrorDir(t)
	c := loopbackChecker()
	first := c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate))
	wantSync(t, first, CodeSuccess)
	// Twice: from the first-synced head (the tip round), then from a
	// head with history (the incremental round).
	for i, change := range []string{"one more line\n", "and another\n"} {
		big += change
		next := commit(t, repo, map[string]string{"data.txt": big})
		res := c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate))
		wantSync(t, res, CodeSuccess)
		wantHeads(t, res, res.PreviousHead, next, next)
		t.Logf("change %d: %d objects, %d bytes (first sync %d bytes)", i, res.FetchedObjects, res.FetchedBytes, first.FetchedBytes)
		if res.FetchedBytes > 4<<10 {
			t.Errorf("change %d: a one-line change to a 256 KiB file fetched %d bytes", i, res.FetchedBytes)
		}
		checkMirror(t, dir, next)
		if got := gitIn(t, dir, "cat-file", "-s", "main:data.txt"); got != fmt.Sprint(len(big)) {
			t.Errorf("data.txt has %s bytes, want %d", got, len(big))
		}
	}
}

// TestSyncDamagedMirror: a mirror whose head commit is gone. Update
// refuses (it cannot tell a fast-forward); Reset rebuilds the branch.
func TestSyncDamagedMirror(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, sha := newRepo(t, h, map[string]string{"README": "x"})
	dir := mirrorDir(t)
	c := loopbackChecker()
	wantSync(t, c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate)), CodeSuccess)
	packs, _ := filepath.Glob(filepath.Join(dir, "objects", "pack", "*"))
	for _, p := range packs {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	next := commit(t, repo, map[string]string{"a": "1"})

	res := c.Sync(testContext(t), syncRequest(repo, key, dir, SyncUpdate))
	wantSync(t, res, CodeInternalError)
	wantHeads(t, res, sha, sha, next)
	wantContains(t, res.Message, "damaged", "Reset to origin")

	res = c.Sync(testContext(t), syncRequest(repo, key, dir, SyncReset))
	wantSync(t, res, CodeSuccess)
	wantHeads(t, res, sha, next, next)
	wantContains(t, res.Message, "damaged")
	checkMirror(t, dir, next)
}
