// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/sshkey"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

// testTimeout bounds each test step generously (CI machines are shared);
// a hung check fails instead of stalling CI.
const testTimeout = 2 * time.Minute

func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// shared is one Git host for the tests that do not change its host key.
var shared struct {
	once sync.Once
	host *githost.Host
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.host != nil {
		if err := shared.host.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "closing the Git host:", err)
		}
	}
	os.Exit(code)
}

func sharedHost(t testing.TB) *githost.Host {
	t.Helper()
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		shared.host, shared.err = githost.Start(ctx, "")
	})
	if shared.err != nil {
		t.Fatalf("starting the Git host (needs /usr/sbin/sshd: apt-get install openssh-server): %v", shared.err)
	}
	return shared.host
}

// ownHost is a Git host for one test, e.g. one that rotates its host key.
func ownHost(t testing.TB) *githost.Host {
	t.Helper()
	h, err := githost.Start(testContext(t), t.TempDir())
	if err != nil {
		t.Fatalf("starting the Git host: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("sshd log:\n%s", h.LogTail())
		}
		h.Close()
	})
	return h
}

// deployKey is a key pair as the control plane issues it, with the
// private key also on disk for the git CLI.
type deployKey struct {
	*sshkey.KeyPair
	path string
}

func newDeployKey(t testing.TB, h *githost.Host, access *githost.Access) deployKey {
	t.Helper()
	kp, err := sshkey.Generate(sshkey.ED25519)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "deploy_key")
	if err := os.WriteFile(path, kp.PrivateKeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if access != nil {
		if err := h.AuthorizeKey(kp.AuthorizedKey, *access); err != nil {
			t.Fatal(err)
		}
	}
	return deployKey{kp, path}
}

var (
	readWrite = githost.ReadWrite
	readOnly  = githost.ReadOnly
)

var repoCounter atomic.Int64

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// newRepo creates a repository on h; with files, main gets one commit
// holding them, whose SHA is returned.
func newRepo(t testing.TB, h *githost.Host, files map[string]string) (*githost.Repo, string) {
	t.Helper()
	name := fmt.Sprintf("%s-%d", strings.Trim(unsafeName.ReplaceAllString(t.Name(), "-"), "-"), repoCounter.Add(1))
	repo, err := h.CreateRepo(name)
	if err != nil {
		t.Fatal(err)
	}
	if files == nil {
		return repo, ""
	}
	sha, err := repo.Commit(testContext(t), "main", files, "initial")
	if err != nil {
		t.Fatal(err)
	}
	return repo, sha
}

func loopbackChecker() *Checker { return &Checker{AllowLoopback: true} }

// sshRequest is a request for repo over SSH with key.
func sshRequest(repo *githost.Repo, key deployKey) CheckRequest {
	return CheckRequest{URL: repo.SSHURL(), Branch: "main", Auth: Auth{SSHPrivateKey: key.PrivateKeyPEM}}
}

func wantCode(t testing.TB, res CheckResult, code string) {
	t.Helper()
	if res.Code != code {
		t.Fatalf("Code = %q, want %q; message: %s", res.Code, code, res.Message)
	}
	if res.Message == "" {
		t.Fatalf("Code %q without a message", res.Code)
	}
}

func wantContains(t testing.TB, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("message does not contain %q:\n%s", p, s)
		}
	}
}

func wantNotContains(t testing.TB, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(s, p) {
			t.Errorf("message contains %q:\n%s", p, s)
		}
	}
}

// closedPort is a loopback port nothing listens on (it was free a moment
// ago).
func closedPort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := listenerPort(t, l)
	l.Close()
	return port
}

// listenerPort is the port a TCP listener listens on.
func listenerPort(t testing.TB, l net.Listener) int {
	t.Helper()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		t.Fatalf("%s is not a TCP address", l.Addr())
	}
	return addr.Port
}

// noDial is a dial hook that fails the test: the check must not connect.
func noDial(t testing.TB) func(context.Context, string, string) (net.Conn, error) {
	return func(_ context.Context, _, addr string) (net.Conn, error) {
		t.Errorf("the check connected to %s", addr)
		return nil, fmt.Errorf("test: no connections allowed")
	}
}

// testKeyPEM is a private key for checks that never log in.
func testKeyPEM(t testing.TB) []byte {
	t.Helper()
	kp, err := sshkey.Generate(sshkey.ED25519)
	if err != nil {
		t.Fatal(err)
	}
	return kp.PrivateKeyPEM
}
