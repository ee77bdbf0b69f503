// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

const testToken = "tok-5ecret-7a1c"

// newTestClient serves h on loopback and returns a client for it, with
// waits short enough for retry tests to be fast. Options adjust the Config.
// It asks the server for no extensions (as for Divio's public API) unless
// an option sets withExtensions.
func newTestClient(t *testing.T, h http.Handler, opts ...func(*Config)) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := Config{
		BaseURL:      srv.URL,
		Token:        testToken,
		UserAgent:    "terraform-provider-divio/test Terraform/1.9.0",
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
		// Scripted servers answer requests in order: no discovery unless asked.
		DisableExtensions: true,
	}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, srv
}

// seenRequest is what a test server recorded of one request.
type seenRequest struct {
	Method string
	URI    string
	Header http.Header
	Body   string
}

// script answers the n-th request with answers[n] (the last one repeats)
// and records every request.
type script struct {
	mu      sync.Mutex
	answers []http.HandlerFunc
	seen    []seenRequest
}

func newScript(answers ...http.HandlerFunc) *script { return &script{answers: answers} }

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	n := len(s.seen)
	s.seen = append(s.seen, seenRequest{Method: r.Method, URI: r.URL.RequestURI(), Header: r.Header.Clone(), Body: string(body)})
	answer := s.answers[min(n, len(s.answers)-1)]
	s.mu.Unlock()
	answer(w, r)
}

func (s *script) requests() []seenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seenRequest(nil), s.seen...)
}

// reply answers status with v encoded as JSON (nothing when v is nil) and
// the given header pairs.
func reply(status int, v any, headerPairs ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headerPairs); i += 2 {
			w.Header().Set(headerPairs[i], headerPairs[i+1])
		}
		if v == nil {
			w.WriteHeader(status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
}

// raw answers status with a literal body and content type.
func raw(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// withExtensions makes the client ask the server for its extensions.
func withExtensions(cfg *Config) { cfg.DisableExtensions = false }
