// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkSyncOneNewCommit measures the sync that follows one new commit
// on a 10,000-commit repository (each commit rewrites a file; the tip holds
// 42 files): the mirror was synced before, so only the new commit's objects
// travel. Each iteration pushes one commit (not timed), then syncs. The
// git-cli variant does the same with the git CLI (a bare repository cloned
// with --depth=1, then git fetch of the branch), for contrast.
//
//	go test -run '^$' -bench BenchmarkSyncOneNewCommit -benchtime=3x ./internal/gitops/
func BenchmarkSyncOneNewCommit(b *testing.B) {
	h := sharedHost(b)
	key := newDeployKey(b, h, &readWrite)
	ctx := context.Background()
	newRepo10k := func(b *testing.B) (string, func(i int)) {
		repo, _ := newRepo(b, h, siteFiles())
		if _, err := repo.GenerateHistory(ctx, "main", 10_000); err != nil {
			b.Fatal(err)
		}
		return repo.SSHURL(), func(i int) {
			if _, err := repo.Commit(ctx, "main", map[string]string{"app/new.py": fmt.Sprintf("n = %d\n", i)}, "one more"); err != nil {
				b.Fatal(err)
			}
		}
	}

	b.Run("gitops", func(b *testing.B) {
		repo, _ := newRepo(b, h, siteFiles())
		if _, err := repo.GenerateHistory(ctx, "main", 10_000); err != nil {
			b.Fatal(err)
		}
		dir := mirrorDir(b)
		c := loopbackChecker()
		first := c.Sync(ctx, syncRequest(repo, key, dir, SyncUpdate))
		if !first.OK() {
			b.Fatalf("%s: %s", first.Code, first.Message)
		}
		b.Logf("first sync: %d objects, %d bytes, %v", first.FetchedObjects, first.FetchedBytes, first.Duration)
		var objects, bytes int64
		i := 0
		for b.Loop() {
			b.StopTimer()
			i++
			next := commit(b, repo, map[string]string{"app/new.py": fmt.Sprintf("n = %d\n", i)})
			b.StartTimer()
			res := c.Sync(ctx, syncRequest(repo, key, dir, SyncUpdate))
			if !res.OK() || res.PlatformHead != next {
				b.Fatalf("%s: %s", res.Code, res.Message)
			}
			objects += int64(res.FetchedObjects)
			bytes += res.FetchedBytes
		}
		b.ReportMetric(float64(objects)/float64(i), "objects/sync")
		b.ReportMetric(float64(bytes)/float64(i), "packbytes/sync")
		b.ReportMetric(float64(first.FetchedBytes), "packbytes/first-sync")
	})

	b.Run("git-cli", func(b *testing.B) {
		url, push := newRepo10k(b)
		dir := mirrorDir(b)
		env := h.GitEnvForKey(key.path)
		git := func(args ...string) {
			cmd := exec.Command("git", args...)
			cmd.Env = env
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("git %v: %v\n%s", args, err, out)
			}
		}
		if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
			b.Fatal(err)
		}
		git("clone", "--quiet", "--bare", "--depth=1", "--branch=main", url, dir)
		i := 0
		for b.Loop() {
			b.StopTimer()
			i++
			push(i)
			b.StartTimer()
			git("--git-dir="+dir, "fetch", "--quiet", url, "+refs/heads/main:refs/heads/main")
		}
	})
}
