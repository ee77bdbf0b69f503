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

	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

// BenchmarkCheck compares the access check (go-git, shallow fetch of one
// branch into memory) with the same work done by the git CLI over the same
// SSH URL and key (git ls-remote, then git fetch --depth=1 of the branch
// into a fresh repository), for a short and a long history. Every commit
// of the generated history rewrites a file, so a long history has many
// objects. git-cli-full fetches the whole history, for contrast: the cost
// the shallow fetch avoids.
//
//	go test -run '^$' -bench BenchmarkCheck -benchtime=5x ./internal/gitops/
func BenchmarkCheck(b *testing.B) {
	h := sharedHost(b)
	key := newDeployKey(b, h, &readWrite)
	ctx := context.Background()
	for _, commits := range []int{10, 1_000, 10_000} {
		repo, _ := newRepo(b, h, nil)
		sha, err := repo.GenerateHistory(ctx, "main", commits)
		if err != nil {
			b.Fatal(err)
		}
		url := repo.SSHURL()
		b.Run(fmt.Sprintf("commits=%d/gitops", commits), func(b *testing.B) {
			c := loopbackChecker()
			req := sshRequest(repo, key)
			for b.Loop() {
				if res := c.Check(ctx, req); !res.OK() || res.Commit != sha {
					b.Fatalf("%s: %s (commit %s, want %s)", res.Code, res.Message, res.Commit, sha)
				}
			}
		})
		b.Run(fmt.Sprintf("commits=%d/gitops-write", commits), func(b *testing.B) {
			c := loopbackChecker()
			req := sshRequest(repo, key)
			req.WriteAccess = true
			for b.Loop() {
				if res := c.Check(ctx, req); !res.OK() {
					b.Fatalf("%s: %s", res.Code, res.Message)
				}
			}
		})
		b.Run(fmt.Sprintf("commits=%d/git-cli", commits), func(b *testing.B) {
			work := b.TempDir()
			for b.Loop() {
				gitCLICheck(b, h, key, filepath.Join(work, "repo"), url, true)
			}
		})
		b.Run(fmt.Sprintf("commits=%d/git-cli-full", commits), func(b *testing.B) {
			work := b.TempDir()
			for b.Loop() {
				gitCLICheck(b, h, key, filepath.Join(work, "repo"), url, false)
			}
		})
	}
}

// gitCLICheck is the access check's read part done with the git CLI.
// It works in dir, created for the run and removed at once: one run's
// repository must not help the next.
func gitCLICheck(b *testing.B, h *githost.Host, key deployKey, dir, url string, shallow bool) {
	if err := os.Mkdir(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	env := h.GitEnvForKey(key.path)
	run := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run("ls-remote", url, "refs/heads/main")
	run("init", "--quiet", "--bare", ".")
	if shallow {
		run("fetch", "--quiet", "--depth=1", url, "refs/heads/main")
	} else {
		run("fetch", "--quiet", url, "refs/heads/main")
	}
}
