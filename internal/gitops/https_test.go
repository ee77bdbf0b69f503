package gitops

import (
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/divio-community/terraform-provider-divio/internal/githost"
)

// Credentials the test HTTPS Git host accepts: alice may push, reader may
// only fetch.
const (
	aliceToken  = "tok-alice-0123456789abcdef"
	readerToken = "tok-reader-0123456789abcdef"
)

// httpsHost is git http-backend behind TLS on loopback, serving githost's
// repositories, with basic auth and two redirecting prefixes: /moved/ (to
// another host name) and /same/ (to the same host without the prefix).
type httpsHost struct {
	srv      *httptest.Server
	requests atomic.Int32
}

func startHTTPSHost(t *testing.T, h *githost.Host) *httpsHost {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	backend := &cgi.Handler{
		Path:   git,
		Args:   []string{"http-backend"},
		Env:    []string{"GIT_PROJECT_ROOT=" + filepath.Join(h.Dir, "repos"), "GIT_HTTP_EXPORT_ALL=1", "REMOTE_USER=alice"},
		Stderr: io.Discard,
	}
	hh := &httpsHost{}
	hh.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hh.requests.Add(1)
		if rest, ok := strings.CutPrefix(r.URL.Path, "/moved/"); ok {
			_, port, _ := net.SplitHostPort(r.Host)
			http.Redirect(w, r, fmt.Sprintf("https://localhost:%s/%s?%s", port, rest, r.URL.RawQuery), http.StatusMovedPermanently)
			return
		}
		if rest, ok := strings.CutPrefix(r.URL.Path, "/same/"); ok {
			http.Redirect(w, r, "/"+rest+"?"+r.URL.RawQuery, http.StatusMovedPermanently)
			return
		}
		user, token, ok := r.BasicAuth()
		switch {
		case ok && user == "alice" && token == aliceToken:
		case ok && user == "reader" && token == readerToken:
			if r.URL.Query().Get("service") == "git-receive-pack" || strings.HasSuffix(r.URL.Path, "/git-receive-pack") {
				http.Error(w, "Write access to this repository is not allowed for this token.", http.StatusForbidden)
				return
			}
		default:
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "HTTP Basic: Access denied for "+user+":"+token, http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	}))
	hh.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted-certificate test makes TLS errors
	hh.srv.StartTLS()
	t.Cleanup(hh.srv.Close)
	return hh
}

func (hh *httpsHost) url(path string) string { return hh.srv.URL + path }

func (hh *httpsHost) checker() *Checker {
	pool := x509.NewCertPool()
	pool.AddCert(hh.srv.Certificate())
	return &Checker{AllowLoopback: true, RootCAs: pool}
}

func httpsRequest(url, user, token string) CheckRequest {
	return CheckRequest{URL: url, Branch: "main", Auth: Auth{HTTPSUsername: user, HTTPSToken: token}}
}

func TestCheckHTTPS(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	repo, sha := newRepo(t, h, map[string]string{"README": "x", "LICENSE": "x"})
	hh := startHTTPSHost(t, h)
	c := hh.checker()
	repoPath := "/" + repo.Name + ".git"

	t.Run("success", func(t *testing.T) {
		req := httpsRequest(hh.url(repoPath), "alice", aliceToken)
		req.WriteAccess, req.NewApplication = true, true
		res := c.Check(testContext(t), req)
		wantCode(t, res, CodeSuccess)
		if res.Commit != sha || !reflect.DeepEqual(res.Files, []string{"LICENSE", "README"}) {
			t.Errorf("Commit = %q, Files = %q; want %q", res.Commit, res.Files, sha)
		}
		if res.HostKey != "" || res.HostKeyFingerprint != "" {
			t.Errorf("HostKey = %q for HTTPS", res.HostKey)
		}
	})
	t.Run("wrong token", func(t *testing.T) {
		res := c.Check(testContext(t), httpsRequest(hh.url(repoPath), "alice", "tok-wrong-0123456789"))
		wantCode(t, res, CodeAuthenticationError)
		if !strings.HasPrefix(res.Message, "Authentication error") {
			t.Errorf("message: %s", res.Message)
		}
		wantContains(t, res.Message, `"alice"`, "personal access token", "URL is wrong")
		// The host echoed the token; the message must not.
		wantNotContains(t, res.Message, "tok-wrong-0123456789")
	})
	t.Run("read-only token", func(t *testing.T) {
		req := httpsRequest(hh.url(repoPath), "reader", readerToken)
		req.WriteAccess = true
		res := c.Check(testContext(t), req)
		wantCode(t, res, CodeWriteAccessDenied)
		wantContains(t, res.Message, "Authentication error: the personal access token", "write access", "write_access off", "not allowed for this token")
		wantNotContains(t, res.Message, readerToken)
		if res.Commit != sha {
			t.Errorf("Commit = %q, want %q", res.Commit, sha)
		}
		req.WriteAccess = false
		wantCode(t, c.Check(testContext(t), req), CodeSuccess)
	})
	t.Run("branch missing", func(t *testing.T) {
		req := httpsRequest(hh.url(repoPath), "alice", aliceToken)
		req.Branch = "develop"
		wantCode(t, c.Check(testContext(t), req), CodeBranchMissing)
	})
	t.Run("same-host redirect followed", func(t *testing.T) {
		res := c.Check(testContext(t), httpsRequest(hh.url("/same"+repoPath), "alice", aliceToken))
		wantCode(t, res, CodeSuccess)
		if res.Commit != sha {
			t.Errorf("Commit = %q, want %q", res.Commit, sha)
		}
	})
	t.Run("redirect to another host refused", func(t *testing.T) {
		before := hh.requests.Load()
		res := c.Check(testContext(t), httpsRequest(hh.url("/moved"+repoPath), "alice", aliceToken))
		wantCode(t, res, CodeUnreachable)
		wantContains(t, res.Message, "redirected", fmt.Sprintf("https://localhost:%d/", hh.srv.Listener.Addr().(*net.TCPAddr).Port))
		wantNotContains(t, res.Message, aliceToken)
		if n := hh.requests.Load() - before; n != 1 {
			t.Errorf("%d requests reached the host, want 1 (the redirect must not be followed)", n)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		res := (&Checker{AllowLoopback: true}).Check(testContext(t), httpsRequest(hh.url(repoPath), "alice", aliceToken))
		wantCode(t, res, CodeUnreachable)
		wantContains(t, res.Message, "certificate")
	})
	t.Run("loopback forbidden", func(t *testing.T) {
		before := hh.requests.Load()
		res := (&Checker{RootCAs: c.RootCAs}).Check(testContext(t), httpsRequest(hh.url(repoPath), "alice", aliceToken))
		wantCode(t, res, CodeForbiddenAddress)
		if hh.requests.Load() != before {
			t.Error("the check reached a forbidden host")
		}
	})
	t.Run("response too large", func(t *testing.T) {
		small := hh.checker()
		small.MaxFetchBytes = 64
		res := small.Check(testContext(t), httpsRequest(hh.url(repoPath), "alice", aliceToken))
		wantCode(t, res, CodeInternalError)
		wantContains(t, res.Message, "more than the 64 bytes")
	})
}
