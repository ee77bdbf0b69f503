// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
)

const crashToken = "crash-test-token-0123456789"

// The real server binary is killed with SIGKILL while 200 creates run
// concurrently; then every create is sent again with its Idempotency-Key,
// until it is answered. No create that was answered is lost (its repeat
// names the same object), and none is carried out twice.
func TestKillDuringConcurrentCreates(t *testing.T) {
	const creates, workers, killAfter = 200, 16, 40
	binary := buildControlPlane(t)
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.json")
	writeFile(t, seed, fmt.Sprintf(`{"organisations": [{"name": "Acme", "users": [{"email": "ada@acme.test", "first_name": "Ada", "last_name": "Lovelace", "token": %q}]}]}`, crashToken))

	server := startControlPlane(t, binary, dir, "--bootstrap", seed)
	org := organisation(t, server.url)
	answered := make([]string, creates) // uuid of each create answered before the kill
	var acknowledged atomic.Int32
	runConcurrently(creates, workers, func(i int) {
		if id, status := createRepository(server.url, org, i); status == http.StatusCreated {
			answered[i] = id
			if acknowledged.Add(1) == killAfter {
				server.kill() // the other creates are in flight
			}
		}
	})
	if acknowledged.Load() < killAfter {
		t.Fatalf("only %d creates were answered before the kill", acknowledged.Load())
	}

	server = startControlPlane(t, binary, dir)
	final := make([]string, creates)
	runConcurrently(creates, workers, func(i int) {
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if id, status := createRepository(server.url, org, i); status == http.StatusCreated {
				final[i] = id
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})

	lost, distinct := 0, map[string]bool{}
	for i := range creates {
		if final[i] == "" {
			t.Fatalf("create %d never succeeded after the restart", i)
		}
		if answered[i] != "" && answered[i] != final[i] {
			lost++
		}
		distinct[final[i]] = true
	}
	stored := countRepositories(t, server.url, org)
	t.Logf("answered before the kill: %d; lost: %d; repositories stored: %d for %d creates", countAnswered(answered), lost, stored, creates)
	if lost != 0 || len(distinct) != creates || stored != creates {
		t.Fatalf("lost %d answered creates; %d distinct objects and %d stored for %d creates (duplicates: %d)",
			lost, len(distinct), stored, creates, stored-creates)
	}
}

func countAnswered(answered []string) int {
	n := 0
	for _, id := range answered {
		if id != "" {
			n++
		}
	}
	return n
}

func runConcurrently(n, workers int, fn func(i int)) {
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				fn(i)
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
}

// createRepository sends create i (its URL and Idempotency-Key are i's) and
// returns the answered uuid and status (0 when there was no answer).
func createRepository(baseURL, org string, i int) (string, int) {
	body := fmt.Sprintf(`{"organisation": %q, "url": "git@github.com:acme/site-%d.git", "key_type": "ED25519"}`, org, i)
	req, _ := http.NewRequest(http.MethodPost, baseURL+"/apps/v3/repositories/", strings.NewReader(body))
	req.Header.Set("Authorization", "Token "+crashToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", fmt.Sprintf("create-%d", i))
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return "", 0
	}
	defer resp.Body.Close()
	var answer struct {
		UUID string `json:"uuid"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&answer)
	return answer.UUID, resp.StatusCode
}

func organisation(t *testing.T, baseURL string) string {
	t.Helper()
	var page struct {
		Results []struct {
			UUID string `json:"uuid"`
		} `json:"results"`
	}
	getJSON(t, baseURL+"/iam/v3/organisations/", &page)
	if len(page.Results) != 1 {
		t.Fatalf("organisations: %+v", page)
	}
	return page.Results[0].UUID
}

func countRepositories(t *testing.T, baseURL, org string) int {
	t.Helper()
	var page struct {
		Count int `json:"count"`
	}
	getJSON(t, baseURL+"/apps/v3/repositories/?organisation="+org, &page)
	return page.Count
}

func getJSON(t *testing.T, url string, into any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Token "+crashToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d (err=%v)", url, resp.StatusCode, err)
	}
}

// runningControlPlane is a divio-control-plane process.
type runningControlPlane struct {
	cmd *exec.Cmd
	url string
}

func (r *runningControlPlane) kill() {
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	_ = r.cmd.Wait()
}

// startControlPlane starts the binary in dev mode on dir's database and
// waits until it listens; it is killed when t ends.
func startControlPlane(t *testing.T, binary, dir string, extra ...string) *runningControlPlane {
	t.Helper()
	ready := filepath.Join(dir, "ready")
	_ = os.Remove(ready)
	args := append([]string{"serve", "--dev", "--db", filepath.Join(dir, "cp.db"), "--listen", "127.0.0.1:0", "--ready-file", ready}, extra...)
	cmd := exec.Command(binary, args...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	running := &runningControlPlane{cmd: cmd}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			running.kill()
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(ready); err == nil && len(b) > 0 {
			running.url = strings.TrimSpace(string(b))
			return running
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the control plane did not start:\n%s", logs.String())
	return nil
}

var controlPlaneBinary struct {
	once sync.Once
	path string
	err  error
}

// buildControlPlane builds the real divio-control-plane binary once per run.
func buildControlPlane(t *testing.T) string {
	t.Helper()
	controlPlaneBinary.once.Do(func() {
		// Built once for the whole run, so not in one test's TempDir.
		dir, err := os.MkdirTemp("", "divio-cp-bin-") //nolint:usetesting // outlives the test that builds it
		if err != nil {
			controlPlaneBinary.err = err
			return
		}
		path := filepath.Join(dir, "divio-control-plane")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", path, "./internal/cmd/divio-control-plane")
		cmd.Dir = acctest.RepositoryRoot(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			controlPlaneBinary.err = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		controlPlaneBinary.path = path
	})
	if controlPlaneBinary.err != nil {
		t.Fatal(controlPlaneBinary.err)
	}
	return controlPlaneBinary.path
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
