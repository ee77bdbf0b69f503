// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestUnknownRouteIsJSON404(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/nothing/", "/apps/v3/", "/apps/v3/applications/x/y/"} {
		ts.request(http.MethodGet, path, adaToken, nil).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	}
}

func TestWrongMethodIsJSON405(t *testing.T) {
	ts := newTestServer(t)
	resp := ts.request(http.MethodPut, "/apps/v3/repositories/", adaToken, "{}")
	resp.expectJSON(t, http.StatusMethodNotAllowed, `{"detail": "Method \"PUT\" not allowed."}`)
	if allow := resp.header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("Allow = %q, want GET and POST", allow)
	}
	ts.request(http.MethodDelete, "/apps/v3/applications/", adaToken, nil).
		expectJSON(t, http.StatusMethodNotAllowed, `{"detail": "Method \"DELETE\" not allowed."}`)
	// PATCH of a repository is gone.
	resp = ts.request(http.MethodPatch, "/apps/v3/repositories/"+ts.seed.Applications[acmeWeb]+"/", adaToken, "{}")
	resp.expectJSON(t, http.StatusMethodNotAllowed, `{"detail": "Method \"PATCH\" not allowed."}`)
	if allow := resp.header.Get("Allow"); allow != "DELETE, GET, HEAD" {
		t.Errorf("Allow = %q, want DELETE, GET, HEAD", allow)
	}
}

func TestMiddlewareWrapsTheAPIInOrder(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	record := func(name string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen = append(seen, name+" "+r.Method+" "+r.URL.Path)
				mu.Unlock()
				next.ServeHTTP(w, r)
			})
		}
	}
	ts := newTestServer(t, func(cfg *Config) {
		cfg.Middleware = []func(http.Handler) http.Handler{record("outer"), record("inner")}
	})
	ts.get("/iam/v3/me/", http.StatusOK, nil)
	ts.request(http.MethodGet, "/nothing/", "", nil) // unknown routes pass through middleware too

	want := []string{"outer GET /iam/v3/me/", "inner GET /iam/v3/me/", "outer GET /nothing/", "inner GET /nothing/"}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Fatalf("middleware saw\n%s\nwant\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
}

func TestMiddlewareCanInjectFaults(t *testing.T) {
	ts := newTestServer(t, func(cfg *Config) {
		cfg.Middleware = []func(http.Handler) http.Handler{func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("X-Fail") != "" {
					http.Error(w, "injected", http.StatusServiceUnavailable)
					return
				}
				next.ServeHTTP(w, r)
			})
		}}
	})
	if resp := ts.request(http.MethodGet, "/iam/v3/me/", adaToken, nil, "X-Fail", "1"); resp.status != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want the injected 503", resp.status)
	}
	ts.get("/iam/v3/me/", http.StatusOK, nil)
}

func TestAccessLogOmitsSecrets(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	ts := newTestServer(t, func(cfg *Config) {
		cfg.Logger = slog.New(slog.NewTextHandler(&lockedWriter{mu: &mu, w: &logs}, nil))
	})
	created := createSSHRepository(t, ts, sshURL)
	ts.request(http.MethodGet, "/apps/v3/applications/", "wrong-token", nil)

	mu.Lock()
	defer mu.Unlock()
	text := logs.String()
	for _, want := range []string{"method=POST path=/apps/v3/repositories/ status=201", "status=401"} {
		if !strings.Contains(text, want) {
			t.Errorf("log lacks %q:\n%s", want, text)
		}
	}
	privateKey, err := ts.server.store.RepositoryPrivateKey(context.Background(), created.UUID)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{adaToken, "wrong-token", "PRIVATE KEY", string(privateKey[40:100])} {
		if strings.Contains(text, secret) {
			t.Errorf("log contains secret %q:\n%s", secret, text)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestPersistsAcrossRestart(t *testing.T) {
	ts := newTestServer(t)
	created := createSSHRepository(t, ts, sshURL)

	ts.restart()
	if fetched := getRepository(t, ts, created.UUID); !jsonEqual(fetched, created) {
		t.Fatalf("after restart got %s, want %s", mustJSON(fetched), mustJSON(created))
	}
	var apps listResponse[applicationView]
	ts.get("/apps/v3/applications/", http.StatusOK, &apps)
	if apps.Count != 2 {
		t.Fatalf("after restart Ada sees %d applications, want 2", apps.Count)
	}
}

func TestNewRejectsBadKeys(t *testing.T) {
	ts := newTestServer(t)
	ts.stop()
	if _, err := New(context.Background(), Config{DBPath: ts.cfg.DBPath, EncryptionKey: make([]byte, 16)}); err == nil {
		t.Error("New accepted a 16-byte key")
	}
	if _, err := New(context.Background(), Config{DBPath: ts.cfg.DBPath, EncryptionKey: bytes.Repeat([]byte{8}, 32)}); err == nil ||
		!strings.Contains(err.Error(), "does not match") {
		t.Errorf("New with another key than the database's: error %v, want a key mismatch", err)
	}
}
