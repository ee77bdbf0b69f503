// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package githost

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// startHTTPSHost starts an HTTPSHost in a test directory and stops it when
// the test ends.
func startHTTPSHost(t *testing.T) *HTTPSHost {
	t.Helper()
	h, err := StartHTTPS(testContext(t), t.TempDir())
	if err != nil {
		t.Fatalf("StartHTTPS: %v", err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if t.Failed() {
			t.Logf("https log:\n%s", h.LogTail())
		}
	})
	return h
}

func newToken(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "tok-" + hex.EncodeToString(b)
}

// gitWithToken runs the real git CLI in dir, logging in as user with token,
// and returns its combined output.
func gitWithToken(t *testing.T, h *HTTPSHost, user, token, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(testContext(t), "git", args...)
	cmd.Dir = dir
	cmd.Env = h.GitEnvForToken(user, token)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func mustGitWithToken(t *testing.T, h *HTTPSHost, user, token, dir string, args ...string) string {
	t.Helper()
	out, err := gitWithToken(t, h, user, token, dir, args...)
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// httpsClient trusts the host's CA, and only it.
func httpsClient(h *HTTPSHost) *http.Client {
	return &http.Client{Transport: &http.Transport{Proxy: nil, TLSClientConfig: &tls.Config{RootCAs: h.CertPool()}}}
}

// get sends GET path with basic authentication (none if user is "") and
// returns the status and body.
func get(t *testing.T, h *HTTPSHost, user, token, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), http.MethodGet, h.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, token)
	}
	resp, err := httpsClient(h).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func newHTTPSRepoWithCommit(t *testing.T, h *HTTPSHost, name string) (*HTTPSRepo, string) {
	t.Helper()
	r, err := h.CreateRepo(name)
	if err != nil {
		t.Fatal(err)
	}
	sha, err := r.Commit(testContext(t), "main", map[string]string{"README.md": "hello\n"}, "initial")
	if err != nil {
		t.Fatal(err)
	}
	return r, sha
}

func TestHTTPSServesTLSOnLoopbackWithItsOwnCA(t *testing.T) {
	t.Parallel()
	h := startHTTPSHost(t)
	if h.Addr != "127.0.0.1:"+strconv.Itoa(h.Port) || h.Port == 0 || h.URL != "https://"+h.Addr {
		t.Fatalf("Addr = %q, Port = %d, URL = %q", h.Addr, h.Port, h.URL)
	}

	// The CA in PEM, in the file and in the pool are the same certificate.
	block, rest := pem.Decode(h.CACertPEM())
	if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("CACertPEM is not one PEM certificate:\n%s", h.CACertPEM())
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !ca.IsCA {
		t.Fatalf("CA certificate: %v (IsCA %v)", err, ca != nil && ca.IsCA)
	}
	if file, err := os.ReadFile(h.CAFile); err != nil || !bytes.Equal(file, h.CACertPEM()) {
		t.Fatalf("CAFile %s differs from CACertPEM (%v)", h.CAFile, err)
	}

	// The server's certificate is for 127.0.0.1, signed by that CA.
	conn, err := tls.Dial("tcp", h.Addr, &tls.Config{RootCAs: h.CertPool(), ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("TLS with the host's CA: %v", err)
	}
	leaf := conn.ConnectionState().PeerCertificates[0]
	conn.Close()
	if len(leaf.IPAddresses) != 1 || !leaf.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)) || len(leaf.DNSNames) != 0 {
		t.Fatalf("server certificate names: IPs %v, DNS %v; want only 127.0.0.1", leaf.IPAddresses, leaf.DNSNames)
	}
	if err := leaf.CheckSignatureFrom(ca); err != nil {
		t.Fatalf("server certificate not signed by the CA: %v", err)
	}

	// Without the CA, the certificate is not trusted.
	if c, err := tls.Dial("tcp", h.Addr, &tls.Config{RootCAs: x509.NewCertPool()}); err == nil {
		c.Close()
		t.Fatal("TLS without the host's CA succeeded")
	} else if _, ok := errors.AsType[*tls.CertificateVerificationError](err); !ok {
		t.Fatalf("TLS without the host's CA: %v; want a certificate verification error", err)
	}

	// Every host has its own CA.
	other := startHTTPSHost(t)
	if c, err := tls.Dial("tcp", other.Addr, &tls.Config{RootCAs: h.CertPool()}); err == nil {
		c.Close()
		t.Fatal("one host's CA is trusted by another host's pool")
	}
}

func TestHTTPSReadWriteTokenClonesAndPushes(t *testing.T) {
	t.Parallel()
	h := startHTTPSHost(t)
	r, first := newHTTPSRepoWithCommit(t, h, "org/app")
	if want := h.URL + "/org/app.git"; r.HTTPSURL() != want {
		t.Fatalf("HTTPSURL = %s; want %s", r.HTTPSURL(), want)
	}
	if want := filepath.Join(h.Dir, "repos", "org", "app.git"); r.Path != want || r.Name != "org/app" || r.Host != h {
		t.Fatalf("Path = %s, Name = %s; want %s", r.Path, r.Name, want)
	}
	token := newToken(t)
	if err := h.AddToken("ci", token, ReadWrite); err != nil {
		t.Fatal(err)
	}

	clone := filepath.Join(t.TempDir(), "clone")
	mustGitWithToken(t, h, "ci", token, "", "clone", "--quiet", r.HTTPSURL(), clone)
	if data, err := os.ReadFile(filepath.Join(clone, "README.md")); err != nil || string(data) != "hello\n" {
		t.Fatalf("README.md in clone = %q, %v", data, err)
	}
	if got := mustGitWithToken(t, h, "ci", token, clone, "rev-parse", "HEAD"); got != first {
		t.Fatalf("cloned HEAD = %s; want %s", got, first)
	}
	if err := os.WriteFile(filepath.Join(clone, "app.txt"), []byte("from the token\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustGitWithToken(t, h, "ci", token, clone, "add", "app.txt")
	mustGitWithToken(t, h, "ci", token, clone, "commit", "--quiet", "-m", "pushed with a token")
	mustGitWithToken(t, h, "ci", token, clone, "push", "--quiet", "origin", "main")
	local := mustGitWithToken(t, h, "ci", token, clone, "rev-parse", "HEAD")
	if head, err := r.Head(testContext(t), "main"); err != nil || head != local || head == first {
		t.Fatalf("Head after push = %s, %v; want %s", head, err, local)
	}
	// The push reached git http-backend as the token's user.
	if log := h.LogTail(); !strings.Contains(log, `/org/app.git/git-receive-pack user="ci" status=200`) {
		t.Fatalf("log has no push by ci:\n%s", log)
	}
}

func TestHTTPSReadOnlyTokenFetchesButCannotPush(t *testing.T) {
	t.Parallel()
	h := startHTTPSHost(t)
	r, first := newHTTPSRepoWithCommit(t, h, "app")
	token := newToken(t)
	if err := h.AddToken("reader", token, ReadOnly); err != nil {
		t.Fatal(err)
	}
	if out := mustGitWithToken(t, h, "reader", token, "", "ls-remote", r.HTTPSURL(), "refs/heads/main"); !strings.HasPrefix(out, first) {
		t.Fatalf("ls-remote = %q; want %s", out, first)
	}
	clone := filepath.Join(t.TempDir(), "clone")
	mustGitWithToken(t, h, "reader", token, "", "clone", "--quiet", r.HTTPSURL(), clone)
	if err := os.WriteFile(filepath.Join(clone, "x"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustGitWithToken(t, h, "reader", token, clone, "add", "x")
	mustGitWithToken(t, h, "reader", token, clone, "commit", "--quiet", "-m", "not allowed")
	out, err := gitWithToken(t, h, "reader", token, clone, "push", "origin", "main")
	if err == nil {
		t.Fatalf("push with a read-only token succeeded: %s", out)
	}
	if !strings.Contains(out, "403") {
		t.Fatalf("push with a read-only token: %s; want a 403", out)
	}
	if head, _ := r.Head(testContext(t), "main"); head != first {
		t.Fatalf("Head after refused push = %s; want %s", head, first)
	}
	status, body := get(t, h, "reader", token, "/app.git/info/refs?service=git-receive-pack")
	if status != http.StatusForbidden || !strings.Contains(body, "not allowed for this token") {
		t.Fatalf("receive-pack advertisement with a read-only token: %d %q", status, body)
	}

	// Changing a token's access takes effect at once.
	if err := h.AddToken("reader", token, ReadWrite); err != nil {
		t.Fatal(err)
	}
	mustGitWithToken(t, h, "reader", token, clone, "push", "--quiet", "origin", "main")
}

func TestHTTPSUnknownAndRevokedTokensAreRefused(t *testing.T) {
	t.Parallel()
	h := startHTTPSHost(t)
	r, _ := newHTTPSRepoWithCommit(t, h, "app")
	token := newToken(t)
	if err := h.AddToken("ci", token, ReadWrite); err != nil {
		t.Fatal(err)
	}
	const refs = "/app.git/info/refs?service=git-upload-pack"
	if status, _ := get(t, h, "ci", token, refs); status != http.StatusOK {
		t.Fatalf("valid token: status %d", status)
	}
	for _, c := range []struct{ name, user, token string }{
		{"no credentials", "", ""},
		{"wrong token", "ci", "tok-wrong-0123456789"},
		{"token of another user", "someone", token},
		{"empty token", "ci", ""},
	} {
		status, body := get(t, h, c.user, c.token, refs)
		if status != http.StatusUnauthorized {
			t.Errorf("%s: status %d; want 401", c.name, status)
		}
		if c.token != "" && !strings.Contains(body, c.token) {
			t.Errorf("%s: the 401 page does not quote the refused token: %q", c.name, body)
		}
	}
	if out, err := gitWithToken(t, h, "ci", "tok-wrong-0123456789", "", "ls-remote", r.HTTPSURL()); err == nil {
		t.Fatalf("ls-remote with a wrong token succeeded: %s", out)
	}

	// Rotation: a second token for the same user, then the first revoked.
	second := newToken(t)
	if err := h.AddToken("ci", second, ReadWrite); err != nil {
		t.Fatal(err)
	}
	if err := h.RevokeToken(token); err != nil {
		t.Fatal(err)
	}
	if status, _ := get(t, h, "ci", token, refs); status != http.StatusUnauthorized {
		t.Fatalf("revoked token: status %d; want 401", status)
	}
	mustGitWithToken(t, h, "ci", second, "", "ls-remote", r.HTTPSURL())
	if err := h.RevokeToken(token); !errors.Is(err, ErrTokenNotFound) {
		t.Fatalf("revoking twice = %v; want ErrTokenNotFound", err)
	}
	if err := h.RevokeToken(h.adminToken); !errors.Is(err, ErrTokenNotFound) {
		t.Fatalf("revoking the admin's token = %v; want ErrTokenNotFound", err)
	}
}

func TestHTTPSServesSmartHTTPOnly(t *testing.T) {
	t.Parallel()
	h := startHTTPSHost(t)
	newHTTPSRepoWithCommit(t, h, "app")
	token := newToken(t)
	if err := h.AddToken("ci", token, ReadWrite); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/app.git/HEAD", "/app.git/info/refs", "/app.git/objects/info/packs", "/", "/git-upload-pack"} {
		if status, _ := get(t, h, "ci", token, path); status != http.StatusNotFound {
			t.Errorf("GET %s: status %d; want 404", path, status)
		}
	}
	if status, _ := get(t, h, "ci", token, "/missing.git/info/refs?service=git-upload-pack"); status != http.StatusNotFound {
		t.Errorf("missing repository: status %d; want 404", status)
	}
}

func TestAddTokenRejectsBadInput(t *testing.T) {
	t.Parallel()
	h := startHTTPSHost(t)
	for _, c := range []struct {
		user, token string
		access      Access
	}{
		{"", "tok", ReadWrite},
		{"a:b", "tok", ReadWrite},
		{"ci\n", "tok", ReadWrite},
		{"ci", "", ReadWrite},
		{"ci", "to\x00k", ReadWrite},
		{"ci", "tok", Access(7)},
	} {
		if err := h.AddToken(c.user, c.token, c.access); err == nil {
			t.Errorf("AddToken(%q, %q, %v) succeeded", c.user, c.token, c.access)
		}
	}
}

// The repository helpers are those of the SSH host's Repo, working over
// HTTPS: a large push (chunked by git) included.
func TestHTTPSRepoHelpers(t *testing.T) {
	t.Parallel()
	h := startHTTPSHost(t)
	r, first := newHTTPSRepoWithCommit(t, h, "app")
	ctx := testContext(t)

	big := make([]byte, 3<<20) // over git's 1 MiB http.postBuffer: sent chunked
	rand.Read(big)
	second, err := r.Commit(ctx, "main", map[string]string{"big.bin": hex.EncodeToString(big)}, "big")
	if err != nil {
		t.Fatal(err)
	}
	out, err := runGitIn(ctx, "", baseGitEnv(), "--git-dir="+r.Path, "rev-parse", second+"^")
	if err != nil || out != first {
		t.Fatalf("parent of %s = %s, %v; want %s", second, out, err, first)
	}
	if head, err := r.Head(ctx, "main"); err != nil || head != second {
		t.Fatalf("Head = %s, %v; want %s", head, err, second)
	}

	rewritten, err := r.ForcePush(ctx, "feature", map[string]string{"f": "f"}, "feature")
	if err != nil {
		t.Fatal(err)
	}
	if head, _ := r.Head(ctx, "feature"); head != rewritten {
		t.Fatalf("Head(feature) = %s; want %s", head, rewritten)
	}
	if err := r.DeleteBranch(ctx, "feature"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Head(ctx, "feature"); !errors.Is(err, ErrBranchNotFound) {
		t.Fatalf("Head after delete = %v; want ErrBranchNotFound", err)
	}
	tip, err := r.GenerateHistory(ctx, "main", 50)
	if err != nil {
		t.Fatal(err)
	}
	// A reader sees all of it over HTTPS.
	token := newToken(t)
	if err := h.AddToken("reader", token, ReadOnly); err != nil {
		t.Fatal(err)
	}
	clone := filepath.Join(t.TempDir(), "clone")
	mustGitWithToken(t, h, "reader", token, "", "clone", "--quiet", r.HTTPSURL(), clone)
	if n := mustGitWithToken(t, h, "reader", token, clone, "rev-list", "--count", "HEAD"); n != "52" {
		t.Fatalf("clone has %s commits; want 52", n)
	}
	if got := mustGitWithToken(t, h, "reader", token, clone, "rev-parse", "HEAD"); got != tip {
		t.Fatalf("cloned HEAD = %s; want %s", got, tip)
	}
	// The admin's pushes went over HTTPS.
	if log := h.LogTail(); !strings.Contains(log, `git-receive-pack user="githost-admin" status=200`) {
		t.Fatalf("no push by the admin in the log:\n%s", log)
	}
}

func TestHTTPSUseSeesRequestsFirst(t *testing.T) {
	t.Parallel()
	h := startHTTPSHost(t)
	_, first := newHTTPSRepoWithCommit(t, h, "app")
	var seen atomic.Int32
	h.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			seen.Add(1)
			if rest, ok := strings.CutPrefix(req.URL.Path, "/old/"); ok {
				http.Redirect(w, req, "/"+rest+"?"+req.URL.RawQuery, http.StatusMovedPermanently)
				return
			}
			next.ServeHTTP(w, req)
		})
	})
	token := newToken(t)
	if err := h.AddToken("ci", token, ReadOnly); err != nil {
		t.Fatal(err)
	}
	out := mustGitWithToken(t, h, "ci", token, "", "ls-remote", h.URL+"/old/app.git", "refs/heads/main")
	if !strings.Contains(out, first+"\trefs/heads/main") {
		t.Fatalf("ls-remote through the redirect = %q; want %s", out, first)
	}
	if seen.Load() < 2 {
		t.Fatalf("middleware saw %d requests; want the redirect and the request after it", seen.Load())
	}
}

func TestHTTPSCloseStopsServing(t *testing.T) {
	t.Parallel()
	h, err := StartHTTPS(testContext(t), "")
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	newHTTPSRepoWithCommit(t, h, "app")
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if conn, err := net.DialTimeout("tcp", h.Addr, time.Second); err == nil {
		conn.Close()
		t.Fatalf("%s still accepts connections after Close", h.Addr)
	}
	if _, err := os.Stat(h.Dir); !os.IsNotExist(err) {
		t.Fatalf("temporary directory %s still there after Close: %v", h.Dir, err)
	}
	if err := h.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestStartHTTPSRejectsDirectoryNeedingQuotes(t *testing.T) {
	t.Parallel()
	if h, err := StartHTTPS(testContext(t), filepath.Join(t.TempDir(), `it's here`)); err == nil {
		h.Close()
		t.Fatal("StartHTTPS accepted a directory with a quote in it")
	}
}
