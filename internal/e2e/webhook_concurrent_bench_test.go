// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/hooksender"
)

// concurrentPushes is how many repositories push at once.
const concurrentPushes = 50

// BenchmarkWebhookToSyncStatusConcurrent measures 50 repositories (each its
// own application and webhook) pushed at once, next to the git CLI doing
// the same fetches under the same load, in the same run. Every round pushes
// a commit to all 50, then:
//   - one `git fetch` of one repository's new commit, alone (fetch1);
//   - 50 `git fetch`es of the 50 new commits at once, each into its own
//     local copy (fetch50);
//   - the 50 push deliveries sent at once (hook): from sending each to the
//     last_sync_at its sync status shows once it has the commit (the 202
//     itself can reach a client starved of CPU after the pull is done, so
//     the time runs from the send, the stricter start). The status is
//     polled every 100 ms, so that the polling does not load the machine;
//     last_sync_at (to the millisecond) says when the pull was recorded.
//
// DIVIO_BENCH_SYNC_WORKERS sets the control plane's pull workers (default
// its own). Run with -benchtime=3x.
func BenchmarkWebhookToSyncStatusConcurrent(b *testing.B) {
	workers, _ := strconv.Atoi(os.Getenv("DIVIO_BENCH_SYNC_WORKERS"))
	cp := acctest.StartControlPlaneWith(b, acctest.Options{SyncWorkers: workers})
	host := acctest.StartGitHost(b)
	bindings := make([]*binding, concurrentPushes)
	copies := make([]string, concurrentPushes)
	for i := range bindings {
		app := cp.CreateApplication(b, fmt.Sprintf("app-%d", i), "")
		bindings[i] = bindWithWebhook(b, cp.Client(), host, app.UUID, fmt.Sprintf("site-%d", i), "github")
		copies[i] = localCopy(b, host, bindings[i].repo.SSHURL())
	}
	alone := localCopy(b, host, bindings[0].repo.SSHURL())
	var fetch1, fetch50, hook []time.Duration
	for range b.N {
		heads := make([]string, concurrentPushes)
		for i, bound := range bindings {
			heads[i] = bound.push(b, "main")
		}
		fetch1 = append(fetch1, gitFetch(b, host, alone, bindings[0].repo.SSHURL()))
		fetch50 = append(fetch50, atOnce(func(i int) time.Duration {
			return gitFetch(b, host, copies[i], bindings[i].repo.SSHURL())
		})...)
		hook = append(hook, atOnce(func(i int) time.Duration { return pushToSync(b, bindings[i], heads[i]) })...)
	}
	for name, d := range map[string][]time.Duration{"hook": hook, "fetch50": fetch50, "fetch1": fetch1} {
		b.ReportMetric(ms(percentile(d, 50)), name+"-p50-ms")
		b.ReportMetric(ms(percentile(d, 95)), name+"-p95-ms")
	}
	b.ReportMetric(float64(percentile(hook, 95))/float64(percentile(fetch50, 95)), "hook/fetch50-p95")
}

// atOnce runs f for each repository at once and returns the durations.
func atOnce(f func(i int) time.Duration) []time.Duration {
	out := make([]time.Duration, concurrentPushes)
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() { out[i] = f(i) })
	}
	wg.Wait()
	return out
}

// pushToSync sends bound's push delivery for head and waits until its sync
// status has the commit; it returns the time from the send to last_sync_at.
func pushToSync(b *testing.B, bound *binding, head string) time.Duration {
	d, err := hooksender.New(bound.hook.Type, bound.hook.URL, bound.secret(), hooksender.Push{Branch: "main", After: head, Repo: "acme/" + bound.repo.Name})
	if err != nil {
		b.Error(err)
		return 0
	}
	sent := time.Now()
	resp, err := d.Send(context.Background())
	if err != nil || resp.Status != 202 {
		b.Errorf("delivery: %v %+v", err, resp)
		return 0
	}
	for deadline := sent.Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		status, err := bound.client.GetSyncStatus(context.Background(), bound.app)
		if err != nil {
			b.Error(err)
			return 0
		}
		if head == "" || status.PlatformHead == nil || *status.PlatformHead != head || status.LastSyncAt == nil {
			continue
		}
		if status.LastSyncAt.Before(sent.Truncate(time.Millisecond)) {
			b.Errorf("%s: last_sync_at %v is before the delivery was sent (%v)", bound.repo.Name, status.LastSyncAt, sent)
		}
		return status.LastSyncAt.Sub(sent)
	}
	b.Errorf("%s: sync status never showed %s", bound.repo.Name, head)
	return 0
}

// localCopy is a bare repository holding url's main branch, for git fetch.
func localCopy(b *testing.B, host *githost.Host, url string) string {
	dir := filepath.Join(b.TempDir(), "copy.git")
	if out, err := exec.Command("git", "init", "--quiet", "--bare", dir).CombinedOutput(); err != nil {
		b.Fatalf("git init: %v\n%s", err, out)
	}
	gitFetch(b, host, dir, url)
	return dir
}

// gitFetch fetches url's main branch into dir with the git CLI and returns
// how long it took.
func gitFetch(b *testing.B, host *githost.Host, dir, url string) time.Duration {
	cmd := exec.Command("git", "--git-dir="+dir, "fetch", "--quiet", url, "+refs/heads/main:refs/heads/main")
	cmd.Env = host.GitEnv()
	started := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Errorf("git fetch %s: %v\n%s", url, err, out)
	}
	return time.Since(started)
}

func percentile(d []time.Duration, p int) time.Duration {
	sorted := slices.Sorted(slices.Values(d))
	return sorted[min(len(sorted)*p/100, len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
