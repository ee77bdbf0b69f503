// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// The control plane's GET throughput and tail latency under concurrent
// load, measured with wrk (Debian's package) against the real binary on
// loopback: a bounded run of 10 seconds with 2 threads and 32 connections.
// A benchmark: it runs with make bench (DIVIO_BENCH=1), not in make test.
func TestBenchGETThroughput(t *testing.T) {
	if os.Getenv("DIVIO_BENCH") == "" {
		t.Skip("a benchmark: run it with make bench")
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		t.Fatal("wrk is not installed: apt-get install wrk (make bench does)")
	}
	binary := buildControlPlane(t)
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.json")
	writeFile(t, seed, fmt.Sprintf(`{"organisations": [{"name": "Acme", "users": [{"email": "ada@acme.test", "first_name": "Ada", "last_name": "Lovelace", "token": %q}],
		"applications": [{"slug": "acme-web", "name": "Acme website"}]}]}`, crashToken))
	server := startControlPlane(t, binary, dir, "--bootstrap", seed)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, path := range []string{"/apps/v3/applications/?slug=acme-web", "/iam/v3/organisations/"} {
		out, err := exec.CommandContext(ctx, wrk, "-t2", "-c32", "-d10s", "--latency",
			"-H", "Authorization: Token "+crashToken, server.url+path).CombinedOutput()
		if err != nil {
			t.Fatalf("wrk: %v\n%s", err, out)
		}
		rps := regexp.MustCompile(`Requests/sec:\s+([\d.]+)`).FindSubmatch(out)
		p99 := regexp.MustCompile(`\s99%\s+([\d.]+\w+)`).FindSubmatch(out)
		errs := regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`).FindSubmatch(out)
		if rps == nil || p99 == nil || errs != nil {
			t.Fatalf("wrk output without figures, or with errors:\n%s", out)
		}
		t.Logf("| GET %s | %s req/s | p99 %s |", path, rps[1], p99[1])
	}
}
