// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/giturl"
)

func TestCheckNewApplicationSuccess(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, sha := newRepo(t, h, map[string]string{"README": "hello\n", "LICENSE": "MIT\n"})

	req := sshRequest(repo, key)
	req.NewApplication, req.WriteAccess = true, true
	res := loopbackChecker().Check(testContext(t), req)

	wantCode(t, res, CodeSuccess)
	if !res.OK() {
		t.Error("OK() = false for a success")
	}
	head, err := repo.Head(testContext(t), "main")
	if err != nil {
		t.Fatal(err)
	}
	if res.Commit != head || res.Commit != sha {
		t.Errorf("Commit = %q, want the branch head %q", res.Commit, head)
	}
	if want := []string{"LICENSE", "README"}; !reflect.DeepEqual(res.Files, want) {
		t.Errorf("Files = %q, want %q", res.Files, want)
	}
	if res.HostKey != h.HostPublicKey() {
		t.Errorf("HostKey = %q, want %q", res.HostKey, h.HostPublicKey())
	}
	if res.HostKeyFingerprint != h.HostKeyFingerprint() {
		t.Errorf("HostKeyFingerprint = %q, want %q", res.HostKeyFingerprint, h.HostKeyFingerprint())
	}
	if res.Duration <= 0 {
		t.Errorf("Duration = %v", res.Duration)
	}
	wantContains(t, res.Message, "read and write", `"main"`, sha[:12])

	// Nothing was pushed: the write check leaves the branch alone.
	if after, _ := repo.Head(testContext(t), "main"); after != head {
		t.Errorf("the write check moved main from %s to %s", head, after)
	}
}

func TestCheckDefaultBranchIsMain(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, sha := newRepo(t, h, map[string]string{"README.rst": "x\n"})
	req := sshRequest(repo, key)
	req.Branch = ""
	req.NewApplication = true
	res := loopbackChecker().Check(testContext(t), req)
	wantCode(t, res, CodeSuccess)
	if res.Commit != sha {
		t.Errorf("Commit = %q, want %q", res.Commit, sha)
	}
}

func TestCheckMigrateWithManyFiles(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	files := map[string]string{"README.md": "x", "manage.py": "x", "requirements.txt": "x", "app/settings.py": "x", "app/urls.py": "x"}
	for i := range 30 {
		files[fmt.Sprintf("static/file%02d.css", i)] = "body{}"
	}
	repo, sha := newRepo(t, h, files)
	req := sshRequest(repo, key)
	req.WriteAccess = true
	res := loopbackChecker().Check(testContext(t), req)
	wantCode(t, res, CodeSuccess)
	if res.Commit != sha {
		t.Errorf("Commit = %q, want %q", res.Commit, sha)
	}
	if want := []string{"README.md", "app", "manage.py", "requirements.txt", "static"}; !reflect.DeepEqual(res.Files, want) {
		t.Errorf("Files = %q, want %q", res.Files, want)
	}
}

func TestCheckNewApplicationWithExtraFiles(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, sha := newRepo(t, h, map[string]string{"README": "x", "LICENSE": "x", ".gitignore": "*.pyc", "manage.py": "x", "app/settings.py": "x",
		".github/workflows/ci.yml": "on: push"})
	req := sshRequest(repo, key)
	req.NewApplication = true
	res := loopbackChecker().Check(testContext(t), req)
	wantCode(t, res, CodeBranchNotEmpty)
	wantContains(t, res.Message, `also holds ".github/", "app/", "manage.py".`, `"main"`, "single readme file", "README", "LICENSE", ".gitignore")
	wantNotContains(t, res.Message, `"README"`, `"LICENSE"`, `".gitignore"`)
	if res.Commit != sha {
		t.Errorf("Commit = %q, want %q even when the branch is refused", res.Commit, sha)
	}

	// The same branch is fine for migrating an existing application.
	req.NewApplication = false
	wantCode(t, loopbackChecker().Check(testContext(t), req), CodeSuccess)
}

func TestCheckNewApplicationWithManyExtraFiles(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	files := map[string]string{"README": "x"}
	for i := range 25 {
		files[fmt.Sprintf("f%02d.txt", i)] = "x"
	}
	repo, _ := newRepo(t, h, files)
	req := sshRequest(repo, key)
	req.NewApplication = true
	res := loopbackChecker().Check(testContext(t), req)
	wantCode(t, res, CodeBranchNotEmpty)
	wantContains(t, res.Message, `"f00.txt"`, `"f19.txt"`, "and 5 more")
	wantNotContains(t, res.Message, `"f20.txt"`)
}

func TestCheckBranchMissing(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, _ := newRepo(t, h, map[string]string{"README": "x"})
	req := sshRequest(repo, key)
	req.Branch = "develop"
	res := loopbackChecker().Check(testContext(t), req)
	wantCode(t, res, CodeBranchMissing)
	wantContains(t, res.Message, "The remote repository requires a branch", `"develop"`, "Test environment", `Branches found: "main"`)
	if res.Commit != "" {
		t.Errorf("Commit = %q for a missing branch", res.Commit)
	}
}

func TestCheckEmptyRepository(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, _ := newRepo(t, h, nil)
	req := sshRequest(repo, key)
	req.WriteAccess, req.NewApplication = true, true
	res := loopbackChecker().Check(testContext(t), req)
	wantCode(t, res, CodeBranchMissing)
	wantContains(t, res.Message, "The remote repository requires a branch", "no commits", `"main"`)
}

func TestCheckInvalidBranchName(t *testing.T) {
	t.Parallel()
	for _, branch := range []string{"bad..name", "-x", "a b", "x.lock", "HEAD", "a:b", "x/"} {
		c := &Checker{dial: noDial(t)}
		res := c.Check(testContext(t), CheckRequest{URL: "ssh://git@git.example.com/acme/site.git", Branch: branch})
		wantCode(t, res, CodeBranchMissing)
		wantContains(t, res.Message, "not a valid Git branch name")
	}
	for _, branch := range []string{"main", "feature/x", "release-1.2", "ünïcode", "refs/x"} {
		if !validBranch(branch) {
			t.Errorf("validBranch(%q) = false", branch)
		}
	}
}

func TestCheckKeyNotAuthorized(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, nil) // never added to the host
	repo, _ := newRepo(t, h, map[string]string{"README": "x"})
	res := loopbackChecker().Check(testContext(t), sshRequest(repo, key))
	wantCode(t, res, CodeAuthenticationError)
	if !strings.HasPrefix(res.Message, "Authentication error") {
		t.Errorf("message does not start with \"Authentication error\": %s", res.Message)
	}
	wantContains(t, res.Message, key.FingerprintSHA256, "deploy key", "write access", "URL is wrong")
	if res.HostKeyFingerprint != h.HostKeyFingerprint() {
		t.Errorf("HostKeyFingerprint = %q, want the host's %q", res.HostKeyFingerprint, h.HostKeyFingerprint())
	}
}

func TestCheckRepositoryNotFound(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, _ := newRepo(t, h, map[string]string{"README": "x"})
	req := sshRequest(repo, key)
	req.URL = strings.TrimSuffix(req.URL, ".git") + "-typo.git"
	res := loopbackChecker().Check(testContext(t), req)
	wantCode(t, res, CodeAuthenticationError)
	wantContains(t, res.Message, "Authentication error", "does not appear to be a git repository")
}

func TestCheckReadOnlyKey(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readOnly)
	repo, sha := newRepo(t, h, map[string]string{"README": "x"})
	req := sshRequest(repo, key)
	req.NewApplication = true

	req.WriteAccess = true
	res := loopbackChecker().Check(testContext(t), req)
	wantCode(t, res, CodeWriteAccessDenied)
	if !strings.HasPrefix(res.Message, "Authentication error: the deploy key can read the repository but not write to it") {
		t.Errorf("message: %s", res.Message)
	}
	wantContains(t, res.Message, key.FingerprintSHA256, "Allow write access", "write_access off", "read-only")
	if res.Commit != sha {
		t.Errorf("Commit = %q, want %q: the read part succeeded", res.Commit, sha)
	}

	req.WriteAccess = false
	wantCode(t, loopbackChecker().Check(testContext(t), req), CodeSuccess)
}

// A push-only check opens the receive-pack session and nothing else: it
// succeeds with a writable key whatever the branch, reads no commit, and
// fails with write_access_denied for a read-only key.
func TestCheckPushOnly(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	writable := newDeployKey(t, h, &readWrite)
	readable := newDeployKey(t, h, &readOnly)
	repo, _ := newRepo(t, h, map[string]string{"README": "x", "app.py": "x"})

	req := sshRequest(repo, writable)
	req.PushOnly, req.Branch, req.NewApplication = true, "no-such-branch", true
	res := loopbackChecker().Check(testContext(t), req)
	wantCode(t, res, CodeSuccess)
	if res.Commit != "" || len(res.Files) != 0 || res.HostKey == "" {
		t.Errorf("push-only result %+v: want no commit, no files, the host key", res)
	}
	wantContains(t, res.Message, "can write")

	req = sshRequest(repo, readable)
	req.PushOnly = true
	res = loopbackChecker().Check(testContext(t), req)
	wantCode(t, res, CodeWriteAccessDenied)
	wantContains(t, res.Message, readable.FingerprintSHA256)
}

func TestCheckHostKeyRotated(t *testing.T) {
	t.Parallel()
	h := ownHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, _ := newRepo(t, h, map[string]string{"README": "x"})
	c := loopbackChecker()

	first := c.Check(testContext(t), sshRequest(repo, key))
	wantCode(t, first, CodeSuccess)
	oldFP := first.HostKeyFingerprint

	// With the key pinned, the same host is accepted.
	req := sshRequest(repo, key)
	req.PinnedHostKey = first.HostKey
	wantCode(t, c.Check(testContext(t), req), CodeSuccess)

	if err := h.RotateHostKey(); err != nil {
		t.Fatal(err)
	}
	newFP := h.HostKeyFingerprint()
	if newFP == oldFP {
		t.Fatal("RotateHostKey kept the fingerprint")
	}
	res := c.Check(testContext(t), req)
	wantCode(t, res, CodeHostKeyMismatch)
	wantContains(t, res.Message, oldFP, newFP, "expected host key fingerprint")
	if res.HostKeyFingerprint != newFP || res.HostKey != h.HostPublicKey() {
		t.Errorf("HostKey = %q (%s), want the new key %q", res.HostKey, res.HostKeyFingerprint, h.HostPublicKey())
	}
	if res.Commit != "" {
		t.Error("the check went on after a host key mismatch")
	}

	// Setting the expected fingerprint to the new key accepts it.
	req.ExpectedHostKeyFingerprint = newFP
	res = c.Check(testContext(t), req)
	wantCode(t, res, CodeSuccess)
	if res.HostKeyFingerprint != newFP {
		t.Errorf("HostKeyFingerprint = %q, want %q", res.HostKeyFingerprint, newFP)
	}
}

func TestCheckExpectedFingerprintWrong(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, _ := newRepo(t, h, map[string]string{"README": "x"})
	req := sshRequest(repo, key)
	wrong := "SHA256:" + strings.Repeat("A", 43)
	req.ExpectedHostKeyFingerprint = wrong
	res := loopbackChecker().Check(testContext(t), req)
	wantCode(t, res, CodeHostKeyMismatch)
	wantContains(t, res.Message, wrong, h.HostKeyFingerprint())
	if res.Commit != "" {
		t.Error("the check went on after a host key mismatch")
	}

	req.ExpectedHostKeyFingerprint = "MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48"
	res = loopbackChecker().Check(testContext(t), req)
	wantCode(t, res, CodeHostKeyMismatch)
	wantContains(t, res.Message, "not a SHA-256 fingerprint")

	// Padding, as some tools print it, is accepted.
	req.ExpectedHostKeyFingerprint = h.HostKeyFingerprint() + "="
	wantCode(t, loopbackChecker().Check(testContext(t), req), CodeSuccess)
}

func TestCheckForbiddenLoopback(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, _ := newRepo(t, h, map[string]string{"README": "x"})
	path := strings.SplitN(strings.TrimPrefix(repo.SSHURL(), "ssh://"), "/", 2)[1]
	for _, host := range []string{"127.0.0.1", "localhost", "[::1]", "127.1.2.3", "[::ffff:127.0.0.1]", "api.localhost"} {
		c := &Checker{dial: noDial(t)}
		req := sshRequest(repo, key)
		req.URL = fmt.Sprintf("ssh://%s@%s:%d/%s", h.User, host, h.Port, path)
		res := c.Check(testContext(t), req)
		wantCode(t, res, CodeForbiddenAddress)
		wantContains(t, res.Message, "loopback", "not reachable from the Divio platform")
	}
}

func TestCheckDNSRebinding(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, sha := newRepo(t, h, map[string]string{"README": "x"})

	// The first answer is loopback (allowed here), every later one the
	// metadata service: the check must connect to what it checked.
	var lookups atomic.Int32
	var dialed []string
	var mu sync.Mutex
	c := loopbackChecker()
	c.lookup = func(_ context.Context, host string) ([]netip.Addr, error) {
		if host != "git.example.test" {
			t.Errorf("lookup(%q)", host)
		}
		if lookups.Add(1) == 1 {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		}
		return []netip.Addr{netip.MustParseAddr("169.254.169.254")}, nil
	}
	c.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dialed = append(dialed, addr)
		mu.Unlock()
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	req := sshRequest(repo, key)
	req.URL = strings.Replace(req.URL, "@127.0.0.1:", "@git.example.test:", 1)
	req.WriteAccess = true
	res := c.Check(testContext(t), req)
	wantCode(t, res, CodeSuccess)
	if res.Commit != sha {
		t.Errorf("Commit = %q, want %q", res.Commit, sha)
	}
	if n := lookups.Load(); n != 1 {
		t.Errorf("the name was looked up %d times, want once", n)
	}
	for _, addr := range dialed {
		if addr != h.Addr {
			t.Errorf("dialed %s, want only the checked %s", addr, h.Addr)
		}
	}
}

func TestCheckConnectsToTheCheckedPublicAddress(t *testing.T) {
	t.Parallel()
	var dialed []string
	c := &Checker{
		lookup: func(context.Context, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("140.82.112.3"), netip.MustParseAddr("2606:50c0:8000::153")}, nil
		},
		dial: func(_ context.Context, _, addr string) (net.Conn, error) {
			dialed = append(dialed, addr) // never connects for real
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: fmt.Errorf("connection refused (test)")}
		},
	}
	res := c.Check(testContext(t), CheckRequest{URL: "git@git.example.com:acme/site.git", Auth: Auth{SSHPrivateKey: testKeyPEM(t)}})
	wantCode(t, res, CodeUnreachable)
	wantContains(t, res.Message, "git.example.com", "port 22")
	if want := []string{"140.82.112.3:22", "[2606:50c0:8000::153]:22"}; !reflect.DeepEqual(dialed, want) {
		t.Errorf("dialed %q, want %q", dialed, want)
	}
}

func TestCheckMixedAnswerRefused(t *testing.T) {
	t.Parallel()
	c := &Checker{
		lookup: func(context.Context, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("140.82.112.3"), netip.MustParseAddr("10.1.2.3")}, nil
		},
		dial: noDial(t),
	}
	res := c.Check(testContext(t), CheckRequest{URL: "ssh://git@git.example.com/acme/site.git", Auth: Auth{SSHPrivateKey: testKeyPEM(t)}})
	wantCode(t, res, CodeForbiddenAddress)
	wantContains(t, res.Message, `"git.example.com" resolves to 10.1.2.3`, "private network address")
}

func TestCheckUnresolvableHost(t *testing.T) {
	t.Parallel()
	c := &Checker{
		lookup: func(_ context.Context, host string) ([]netip.Addr, error) {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		},
		dial: noDial(t),
	}
	res := c.Check(testContext(t), CheckRequest{URL: "ssh://git@nowhere.example.com/acme/site.git", Auth: Auth{SSHPrivateKey: testKeyPEM(t)}})
	wantCode(t, res, CodeUnreachable)
	wantContains(t, res.Message, `"nowhere.example.com"`, "does not resolve")
}

func TestCheckUnreachableClosedPort(t *testing.T) {
	t.Parallel()
	port := closedPort(t)
	start := time.Now()
	res := loopbackChecker().Check(testContext(t), CheckRequest{
		URL:  fmt.Sprintf("ssh://git@127.0.0.1:%d/repo.git", port),
		Auth: Auth{SSHPrivateKey: testKeyPEM(t)},
	})
	wantCode(t, res, CodeUnreachable)
	wantContains(t, res.Message, "127.0.0.1", fmt.Sprintf("port %d", port), "refused")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to find a closed port", d)
	}
}

// silentServer accepts connections and never says anything (or says
// greeting and hangs up).
func silentServer(t *testing.T, greeting string) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if greeting != "" {
				// A client that went away already sees what the test wants: no Git.
				_, _ = c.Write([]byte(greeting))
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return listenerPort(t, l)
}

func TestCheckTimeout(t *testing.T) {
	t.Parallel()
	port := silentServer(t, "")
	c := loopbackChecker()
	c.Timeout = 500 * time.Millisecond
	start := time.Now()
	res := c.Check(testContext(t), CheckRequest{URL: fmt.Sprintf("ssh://git@127.0.0.1:%d/repo.git", port), Auth: Auth{SSHPrivateKey: testKeyPEM(t)}})
	wantCode(t, res, CodeUnreachable)
	wantContains(t, res.Message, "did not complete the access check within 500ms")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a 500ms check took %v", d)
	}
}

func TestCheckCancelled(t *testing.T) {
	t.Parallel()
	port := silentServer(t, "")
	ctx, cancel := context.WithCancel(testContext(t))
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	res := loopbackChecker().Check(ctx, CheckRequest{URL: fmt.Sprintf("ssh://git@127.0.0.1:%d/repo.git", port), Auth: Auth{SSHPrivateKey: testKeyPEM(t)}})
	wantCode(t, res, CodeInternalError)
	wantContains(t, res.Message, "cancelled")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a cancelled check took %v", d)
	}
}

func TestCheckNotAnSSHServer(t *testing.T) {
	t.Parallel()
	port := silentServer(t, "HTTP/1.1 400 Bad Request\r\n\r\n")
	res := loopbackChecker().Check(testContext(t), CheckRequest{URL: fmt.Sprintf("ssh://git@127.0.0.1:%d/repo.git", port), Auth: Auth{SSHPrivateKey: testKeyPEM(t)}})
	wantCode(t, res, CodeUnreachable)
	wantContains(t, res.Message, "SSH connection", fmt.Sprintf("port %d", port))
}

func TestCheckInvalidURL(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"", "http://git.example.com/acme/site.git", "file:///srv/repo.git", "ext::sh -c touch% /tmp/pwned", "ssh://git:secret@git.example.com/x.git"} {
		c := &Checker{dial: noDial(t)}
		res := c.Check(testContext(t), CheckRequest{URL: raw})
		wantCode(t, res, CodeInvalidURL)
		_, err := giturl.Validate(raw)
		if err == nil || res.Message != err.Error() {
			t.Errorf("Message = %q, want giturl's %v", res.Message, err)
		}
		wantNotContains(t, res.Message, "secret")
	}
}

func TestCheckHTTPSPasswordHostsRefused(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"https://github.com/acme/site.git", "https://www.gitlab.com/acme/site", "https://bitbucket.org/acme/site.git"} {
		c := &Checker{dial: noDial(t), lookup: func(context.Context, string) ([]netip.Addr, error) {
			t.Errorf("%s: the check looked up a host", raw)
			return nil, fmt.Errorf("test")
		}}
		res := c.Check(testContext(t), CheckRequest{URL: raw, Auth: Auth{HTTPSUsername: "alice", HTTPSToken: "ghp_secret123456"}})
		wantCode(t, res, CodeInvalidURL)
		wantContains(t, res.Message, "git@")
		wantNotContains(t, res.Message, "ghp_secret123456")
	}
}

func TestCheckBadPrivateKey(t *testing.T) {
	t.Parallel()
	c := &Checker{dial: noDial(t)}
	for _, key := range [][]byte{nil, []byte("not a key"), []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAsecretsecretsecretsecret\n-----END OPENSSH PRIVATE KEY-----\n")} {
		res := c.Check(testContext(t), CheckRequest{URL: "ssh://git@git.example.com/acme/site.git", Auth: Auth{SSHPrivateKey: key}})
		wantCode(t, res, CodeInternalError)
		wantContains(t, res.Message, "deploy key")
		wantNotContains(t, res.Message, "AAAAsecret")
	}
}

func TestCheckConcurrent(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	rw := newDeployKey(t, h, &readWrite)
	ro := newDeployKey(t, h, &readOnly)
	repo, sha := newRepo(t, h, map[string]string{"README": "x"})
	c := loopbackChecker() // one Checker shared by every goroutine
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := sshRequest(repo, rw)
			want := CodeSuccess
			switch i % 3 {
			case 1:
				req = sshRequest(repo, ro)
				req.WriteAccess = true
				want = CodeWriteAccessDenied
			case 2:
				req.Branch = "nope"
				want = CodeBranchMissing
			}
			res := c.Check(testContext(t), req)
			if res.Code != want {
				t.Errorf("goroutine %d: Code = %q, want %q: %s", i, res.Code, want, res.Message)
			}
			if want != CodeBranchMissing && res.Commit != sha {
				t.Errorf("goroutine %d: Commit = %q, want %q", i, res.Commit, sha)
			}
		}()
	}
	wg.Wait()
}

func TestCheckPartialCloneSkipsBlobs(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	// A 2 MiB file of random-looking (incompressible) text at the tip.
	var big strings.Builder
	x := uint64(88172645463325252)
	for big.Len() < 2<<20 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		fmt.Fprintf(&big, "%016x", x)
	}
	repo, sha := newRepo(t, h, map[string]string{"README": "x", "assets/big.bin": big.String()})
	c := loopbackChecker()
	c.MaxFetchBytes = 1 << 20

	res := c.Check(testContext(t), sshRequest(repo, key))
	wantCode(t, res, CodeInternalError)
	wantContains(t, res.Message, "more than the 1 MiB", "partial clone")

	// With partial clone allowed, the check fetches no blobs.
	out, err := exec.Command("git", "--git-dir="+repo.Path, "config", "uploadpack.allowFilter", "true").CombinedOutput()
	if err != nil {
		t.Fatalf("git config: %v: %s", err, out)
	}
	res = c.Check(testContext(t), sshRequest(repo, key))
	wantCode(t, res, CodeSuccess)
	if res.Commit != sha || !reflect.DeepEqual(res.Files, []string{"README", "assets"}) {
		t.Errorf("Commit = %q, Files = %q", res.Commit, res.Files)
	}
}

func TestCheckMessagesNeverContainSecrets(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	unknown := newDeployKey(t, h, nil)
	ro := newDeployKey(t, h, &readOnly)
	repo, _ := newRepo(t, h, map[string]string{"README": "x", "app.py": "x"})
	c := loopbackChecker()

	var results []CheckResult
	for _, key := range []deployKey{unknown, ro} {
		req := sshRequest(repo, key)
		req.WriteAccess, req.NewApplication = true, true
		results = append(results, c.Check(testContext(t), req))
		req.Branch = "nope"
		results = append(results, c.Check(testContext(t), req))
		req.URL = fmt.Sprintf("ssh://git@127.0.0.1:%d/x.git", closedPort(t))
		results = append(results, c.Check(testContext(t), req))
	}
	for _, res := range results {
		if res.OK() {
			t.Errorf("unexpected success")
		}
		for _, key := range []deployKey{unknown, ro} {
			assertNoKey(t, res.Message, key.PrivateKeyPEM)
		}
	}
}

// assertNoKey fails if any line of the private key is in msg.
func assertNoKey(t testing.TB, msg string, pem []byte) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(string(pem)), "\n") {
		if !strings.HasPrefix(line, "-----") && strings.Contains(msg, line) {
			t.Errorf("message contains a line of the private key: %s", msg)
		}
	}
}

func TestRedactSecrets(t *testing.T) {
	key := testKeyPEM(t)
	lines := strings.Split(strings.TrimSpace(string(key)), "\n")
	auth := Auth{SSHPrivateKey: key, HTTPSToken: "glpat-abcdef123456"}
	msg := "The Git host said: token glpat-abcdef123456 and key " + string(key) + " and line " + lines[1]
	got := redactSecrets(msg, auth, minRedactedToken)
	wantNotContains(t, got, "glpat-abcdef123456", lines[1], lines[2])
	wantContains(t, got, "The Git host said: token ***")
	if redactSecrets("nothing here", Auth{}, minRedactedToken) != "nothing here" {
		t.Error("redactSecrets changed a message without secrets")
	}
}

// TestCheckIgnoresTheMachinesSSHSetup: ~/.ssh/config, known_hosts, an SSH
// agent and proxy variables must not change where or how the control
// plane connects. (Not parallel: it changes the environment.)
func TestCheckIgnoresTheMachinesSSHSetup(t *testing.T) {
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, sha := newRepo(t, h, map[string]string{"README": "x"})
	other := newDeployKey(t, h, nil)

	home := t.TempDir()
	sshDir := filepath.Join(home, ".ssh")
	if err := os.MkdirAll(sshDir, 0o700); err != nil {
		t.Fatal(err)
	}
	config := "Host *\n  Hostname 192.0.2.1\n  Port 1\n  User nobody\n  ProxyCommand false\n  StrictHostKeyChecking yes\n"
	knownHosts := fmt.Sprintf("[127.0.0.1]:%d %s\n127.0.0.1 %s\n", h.Port, other.AuthorizedKey, other.AuthorizedKey)
	for name, content := range map[string]string{"config": config, "known_hosts": knownHosts} {
		if err := os.WriteFile(filepath.Join(sshDir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HOME", home)
	t.Setenv("SSH_AUTH_SOCK", filepath.Join(home, "no-agent"))
	t.Setenv("ALL_PROXY", "socks5://192.0.2.1:1080")
	t.Setenv("all_proxy", "socks5://192.0.2.1:1080")

	req := sshRequest(repo, key)
	req.WriteAccess = true
	res := loopbackChecker().Check(testContext(t), req)
	wantCode(t, res, CodeSuccess)
	if res.Commit != sha || res.HostKey != h.HostPublicKey() {
		t.Errorf("Commit = %q, HostKey = %q", res.Commit, res.HostKey)
	}
}

func TestHTTPSClientUsesNoProxy(t *testing.T) {
	t.Parallel()
	u, err := giturl.Validate("https://git.example.com/acme/site.git")
	if err != nil {
		t.Fatal(err)
	}
	tg := &target{url: u, port: 443, guard: &guard{}, budget: newByteBudget(1)}
	rem, err := tg.openHTTPS(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	https, ok := rem.(*httpsRemote)
	if !ok {
		t.Fatalf("remote is a %T, want *httpsRemote", rem)
	}
	if p := https.base.Proxy; p != nil {
		t.Error("the HTTPS transport uses a proxy, which would connect past the address guard")
	}
	if https.base.TLSClientConfig.InsecureSkipVerify {
		t.Error("TLS verification is off")
	}
}
