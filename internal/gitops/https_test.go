// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

import (
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

// Credentials the test HTTPS Git host accepts: alice may push, reader may
// only fetch.
const (
	aliceToken  = "tok-alice-0123456789abcdef"
	readerToken = "tok-reader-0123456789abcdef"
)

// httpsHost is githost's HTTPS Git host (git http-backend behind TLS on
// loopback, with basic auth; its 401 page echoes the refused credentials)
// with two redirecting prefixes: /moved/ (to another host name) and /same/
// (to the same host without the prefix).
type httpsHost struct {
	*githost.HTTPSHost
	requests atomic.Int32
}

func startHTTPSHost(t *testing.T) *httpsHost {
	t.Helper()
	h, err := githost.StartHTTPS(testContext(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("https log:\n%s", h.LogTail())
		}
		h.Close()
	})
	if err := h.AddToken("alice", aliceToken, githost.ReadWrite); err != nil {
		t.Fatal(err)
	}
	if err := h.AddToken("reader", readerToken, githost.ReadOnly); err != nil {
		t.Fatal(err)
	}
	hh := &httpsHost{HTTPSHost: h}
	h.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
			next.ServeHTTP(w, r)
		})
	})
	return hh
}

func (hh *httpsHost) url(path string) string { return hh.URL + path }

func (hh *httpsHost) checker() *Checker {
	return &Checker{AllowLoopback: true, RootCAs: hh.CertPool()}
}

// newHTTPSRepo creates a repository on hh whose main branch holds files,
// and returns it with that commit's SHA.
func newHTTPSRepo(t *testing.T, hh *httpsHost, files map[string]string) (*githost.HTTPSRepo, string) {
	t.Helper()
	repo, err := hh.CreateRepo(fmt.Sprintf("repo-%d", repoCounter.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	sha, err := repo.Commit(testContext(t), "main", files, "initial")
	if err != nil {
		t.Fatal(err)
	}
	return repo, sha
}

func httpsRequest(url, user, token string) CheckRequest {
	return CheckRequest{URL: url, Branch: "main", Auth: Auth{HTTPSUsername: user, HTTPSToken: token}}
}

func TestCheckHTTPS(t *testing.T) {
	t.Parallel()
	hh := startHTTPSHost(t)
	repo, sha := newHTTPSRepo(t, hh, map[string]string{"README": "x", "LICENSE": "x"})
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
		wantContains(t, res.Message, "redirected", fmt.Sprintf("https://localhost:%d/", hh.Port))
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
