// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

var (
	answer503 = reply(http.StatusServiceUnavailable, map[string]string{"detail": "Down for maintenance."})
	answerOK  = reply(http.StatusOK, map[string]string{"uuid": "u1"})
)

func TestRetryAfterOn429IsHonoured(t *testing.T) {
	s := newScript(reply(http.StatusTooManyRequests, map[string]string{"detail": "Slow down."}, "Retry-After", "1"), answerOK)
	// RetryWaitMin/Max far below and above 1 s: only Retry-After explains a 1 s wait.
	c, _ := newTestClient(t, s, func(cfg *Config) { cfg.RetryWaitMax = 5 * time.Second })

	start := time.Now()
	if _, err := c.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("waited %s, want at least the 1 s of Retry-After", waited)
	}
	if c.RequestCount() != 2 {
		t.Errorf("RequestCount = %d, want 2", c.RequestCount())
	}
}

func TestRetryAfterIsCappedByRetryWaitMax(t *testing.T) {
	s := newScript(reply(http.StatusServiceUnavailable, nil, "Retry-After", "3600"), answerOK)
	c, _ := newTestClient(t, s)
	start := time.Now()
	if _, err := c.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Errorf("waited %s; Retry-After must be capped by RetryWaitMax (5 ms)", waited)
	}
}

func TestGetRetried503ThenSuccess(t *testing.T) {
	s := newScript(answer503, answer503, answerOK)
	c, _ := newTestClient(t, s)
	u, err := c.Me(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if u.UUID != "u1" {
		t.Errorf("user = %+v", u)
	}
	if n := len(s.requests()); n != 3 {
		t.Errorf("server saw %d attempts, want 3", n)
	}
	if c.RequestCount() != 3 {
		t.Errorf("RequestCount = %d, want 3", c.RequestCount())
	}
}

// createRepository is a create on Divio's public API.
func createRepository(c *Client) (*Repository, error) {
	return c.CreateRepository(context.Background(), CreateRepositoryRequest{Organisation: "o1", URL: "git@example.com:a/b.git", KeyType: "ED25519"})
}

// discovery answers the extensions document with names.
func discovery(names ...string) http.HandlerFunc {
	return reply(http.StatusOK, map[string]any{"version": 1, "extensions": names})
}

// Divio's public API is not known to honour Idempotency-Key: a create that
// failed with 5xx may have been carried out, so it is not sent again.
func TestPostNotRetriedWithoutIdempotencyKeys(t *testing.T) {
	for _, first := range []http.HandlerFunc{answer503, reply(http.StatusInternalServerError, nil)} {
		s := newScript(reply(http.StatusNotFound, map[string]string{"detail": "Not found."}), first, reply(http.StatusCreated, map[string]string{"uuid": "r1"}))
		c, _ := newTestClient(t, s, withExtensions)
		if ext, err := c.Extensions(context.Background()); err != nil || len(ext) != 0 {
			t.Fatalf("Extensions = %v, %v; want none", ext, err)
		}
		if _, err := createRepository(c); err == nil {
			t.Fatal("the create succeeded; want the 5xx")
		}
		if n := len(s.requests()); n != 2 {
			t.Errorf("server saw %d requests, want 2 (discovery, one create)", n)
		}
	}
}

// A server that honours Idempotency-Key (discovery says so) gets a failed
// create again, with the same key and body.
func TestPostRetriedWithSameIdempotencyKey(t *testing.T) {
	for _, first := range []http.HandlerFunc{answer503, reply(http.StatusInternalServerError, nil)} {
		s := newScript(discovery(ExtIdempotencyKeys), first, reply(http.StatusCreated, map[string]string{"uuid": "r1"}))
		c, _ := newTestClient(t, s, withExtensions)
		if _, err := c.Extensions(context.Background()); err != nil {
			t.Fatal(err)
		}
		r, err := createRepository(c)
		if err != nil {
			t.Fatal(err)
		}
		if r.UUID != "r1" {
			t.Errorf("repository = %+v", r)
		}
		reqs := s.requests()[1:]
		if len(reqs) != 2 {
			t.Fatalf("server saw %d create attempts, want 2", len(reqs))
		}
		k1, k2 := reqs[0].Header.Get("Idempotency-Key"), reqs[1].Header.Get("Idempotency-Key")
		if k1 == "" || k1 != k2 {
			t.Errorf("Idempotency-Key %q then %q; want the same non-empty key", k1, k2)
		}
		if reqs[0].Body != reqs[1].Body || reqs[1].Body == "" {
			t.Errorf("bodies differ or are empty: %q, %q", reqs[0].Body, reqs[1].Body)
		}
	}
}

// Discovery is asked once per client, and not at all when extensions are off.
func TestExtensionsDiscoveredOnce(t *testing.T) {
	s := newScript(discovery(ExtWebhooks, ExtSyncStatus))
	c, _ := newTestClient(t, s, withExtensions)
	for range 3 {
		ext, err := c.Extensions(context.Background())
		if err != nil || !ext.Has(ExtWebhooks) || ext.Has(ExtIdempotencyKeys) {
			t.Fatalf("Extensions = %v, %v", ext, err)
		}
	}
	if n := len(s.requests()); n != 1 || s.requests()[0].URI != extensionsPath {
		t.Errorf("requests = %+v; want one GET %s", s.requests(), extensionsPath)
	}
	off, _ := newTestClient(t, s, func(cfg *Config) { cfg.DisableExtensions = true })
	if ext, err := off.Extensions(context.Background()); err != nil || len(ext) != 0 || off.RequestCount() != 0 {
		t.Errorf("with extensions off: %v, %v, %d requests", ext, err, off.RequestCount())
	}
}

// A create whose answer is lost (the server acted, then the connection
// broke) is not repeated on a public API: the error says the outcome is
// unknown, and the server saw one create.
func TestLostCreateAnswerIsNotRepeated(t *testing.T) {
	s := newScript(func(w http.ResponseWriter, r *http.Request) {
		if hijacker, ok := w.(http.Hijacker); ok {
			if conn, _, err := hijacker.Hijack(); err == nil {
				conn.Close()
			}
		}
	}, reply(http.StatusCreated, map[string]string{"uuid": "r2"}))
	c, _ := newTestClient(t, s)
	_, err := createRepository(c)
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v; want ErrOutcomeUnknown", err)
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("server saw %d creates, want 1", n)
	}
}

func TestEachPostGetsItsOwnKey(t *testing.T) {
	s := newScript(discovery(ExtIdempotencyKeys), reply(http.StatusCreated, map[string]string{"uuid": "k"}))
	c, _ := newTestClient(t, s, withExtensions)
	for range 2 {
		if _, err := createRepository(c); err != nil {
			t.Fatal(err)
		}
	}
	reqs := s.requests()[1:] // after discovery
	k1, k2 := reqs[0].Header.Get("Idempotency-Key"), reqs[1].Header.Get("Idempotency-Key")
	if k1 == "" || k1 == k2 {
		t.Errorf("two creates had Idempotency-Keys %q and %q; want two different keys", k1, k2)
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusNotFound, http.StatusUnauthorized, http.StatusConflict} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			s := newScript(reply(status, map[string]string{"detail": "No."}), answerOK)
			c, _ := newTestClient(t, s)
			err := c.Do(context.Background(), method, "/x/", nil, nil, nil)
			var apiErr *Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
				t.Errorf("%s answered %d: err = %v, want *Error %d", method, status, err, status)
			}
			if n := len(s.requests()); n != 1 {
				t.Errorf("%s answered %d: %d attempts, want 1", method, status, n)
			}
		}
	}
}

func TestIdempotentMethodsRetriedOthersNot(t *testing.T) {
	for method, wantAttempts := range map[string]int{
		http.MethodPut:    2,
		http.MethodDelete: 2,
		http.MethodGet:    2,
		http.MethodPatch:  1, // not idempotent, and Do gives it no key
	} {
		s := newScript(answer503, reply(http.StatusNoContent, nil))
		c, _ := newTestClient(t, s)
		err := c.Do(context.Background(), method, "/x/", nil, nil, nil)
		if n := len(s.requests()); n != wantAttempts {
			t.Errorf("%s: %d attempts, want %d (err %v)", method, n, wantAttempts, err)
		}
		if wantAttempts == 1 && !isStatus(err, http.StatusServiceUnavailable) {
			t.Errorf("%s: err = %v, want the 503", method, err)
		}
	}
}

// isStatus reports whether err is an *Error with status.
func isStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == status
}

func TestGivingUpReturnsTheLastAnswer(t *testing.T) {
	s := newScript(answer503)
	c, _ := newTestClient(t, s, func(cfg *Config) { cfg.RetryMax = 2 })
	_, err := c.Me(context.Background())
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v (%T), want *Error", err, err)
	}
	if got, want := err.Error(), "GET /iam/v3/me/: 503 Down for maintenance. (after 3 attempts)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if c.RequestCount() != 3 {
		t.Errorf("RequestCount = %d, want 3", c.RequestCount())
	}
}

func TestNegativeRetryMaxMeansOneAttempt(t *testing.T) {
	s := newScript(answer503, answerOK)
	c, _ := newTestClient(t, s, func(cfg *Config) { cfg.RetryMax = -1 })
	if _, err := c.Me(context.Background()); !isStatus(err, http.StatusServiceUnavailable) {
		t.Errorf("err = %v, want the 503", err)
	}
	if c.RequestCount() != 1 {
		t.Errorf("RequestCount = %d, want 1", c.RequestCount())
	}
}

func TestConnectionErrorRetriedAndWrapped(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connection refused

	c, err := New(Config{BaseURL: "http://" + addr, Token: testToken, RetryMax: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, DisableExtensions: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetApplication(context.Background(), "a1")
	if err == nil {
		t.Fatal("no error")
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("err = %v; want it to wrap the *net.OpError", err)
	}
	if !strings.HasPrefix(err.Error(), "GET /apps/v3/applications/a1/: ") || strings.Contains(err.Error(), "giving up") {
		t.Errorf("err = %q; want it to start with method and path, without retryablehttp's wording", err)
	}
	if c.RequestCount() != 3 {
		t.Errorf("RequestCount = %d, want 3", c.RequestCount())
	}

	// A POST that could not even connect never reached the server: it is
	// retried too, whether or not the server honours Idempotency-Key.
	_, _ = createRepository(c)
	if c.RequestCount() != 6 {
		t.Errorf("RequestCount after POST = %d, want 6", c.RequestCount())
	}
}

func TestCancelDuringBackoffReturnsPromptly(t *testing.T) {
	s := newScript(answer503)
	c, _ := newTestClient(t, s, func(cfg *Config) {
		cfg.RetryWaitMin = time.Minute
		cfg.RetryWaitMax = time.Minute
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)

	start := time.Now()
	_, err := c.Me(ctx)
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("returned after %s, want promptly after cancellation", elapsed)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if !strings.HasPrefix(err.Error(), "GET /iam/v3/me/: ") {
		t.Errorf("err = %q, want method and path", err)
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

func TestCancelledContextSendsNothing(t *testing.T) {
	s := newScript(answerOK)
	c, _ := newTestClient(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Me(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n := len(s.requests()); n != 0 {
		t.Errorf("%d requests reached the server, want 0", n)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"1", time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, true},
		{"Wed, 25 Nov 2026 10:00:30 GMT", 30 * time.Second, true},
		{"Wed, 25 Nov 2026 09:00:00 GMT", 0, true}, // in the past
		{"-5", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %s, %v; want %s, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestExponentialBackoffBounds(t *testing.T) {
	lo, hi := 500*time.Millisecond, 30*time.Second
	for attempt := range 10 {
		ceiling := min(lo<<attempt, hi)
		for range 50 {
			w := exponentialBackoff(lo, hi, attempt)
			if w < lo || w > ceiling || w < ceiling/2 {
				t.Fatalf("attempt %d: wait %s outside [%s, %s]", attempt, w, max(lo, ceiling/2), ceiling)
			}
		}
	}
	if w := exponentialBackoff(lo, hi, 100); w > hi {
		t.Errorf("attempt 100: wait %s above max %s", w, hi)
	}
}

// A busy API is retried for the whole budget (or until the context's
// deadline), not given up on after a fixed number of tries.
func TestRetriesLastTheBudget(t *testing.T) {
	s := newScript(answer503)
	c, _ := newTestClient(t, s, func(cfg *Config) {
		cfg.RetryBudget = 300 * time.Millisecond
		cfg.RetryWaitMin, cfg.RetryWaitMax = 10*time.Millisecond, 20*time.Millisecond
		cfg.RetryMax = 1000
	})
	started := time.Now()
	_, err := c.Me(context.Background())
	elapsed := time.Since(started)
	if err == nil {
		t.Fatal("a server that always answers 503 succeeded")
	}
	if elapsed < 300*time.Millisecond || elapsed > 2*time.Second {
		t.Errorf("gave up after %v, want about the 300ms budget", elapsed)
	}
	if n := len(s.requests()); n < 10 {
		t.Errorf("%d attempts in the budget, want many", n)
	}

	// A context deadline shorter than the budget wins.
	c2, _ := newTestClient(t, newScript(answer503), func(cfg *Config) { cfg.RetryBudget = time.Hour; cfg.RetryMax = 1000 })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	started = time.Now()
	_, _ = c2.Me(ctx)
	if elapsed := time.Since(started); elapsed > time.Second {
		t.Errorf("a 100ms operation timeout was kept %v", elapsed)
	}
}

// A discovery that fails is not asked again in the same run: its error is
// kept, and creates are then not repeated (no extension known).
func TestFailedDiscoveryAskedOnce(t *testing.T) {
	s := newScript(reply(http.StatusInternalServerError, nil))
	c, _ := newTestClient(t, s, withExtensions, func(cfg *Config) { cfg.RetryMax = -1 })
	for range 3 {
		if ext, err := c.Extensions(context.Background()); err == nil || len(ext) != 0 {
			t.Fatalf("Extensions = %v, %v; want the failure and none", ext, err)
		}
	}
	_, _ = createRepository(c)
	if n := len(s.requests()); n != 2 {
		t.Errorf("%d requests, want 2 (one discovery, one create)", n)
	}
}

// A 429 or 503 with Retry-After says the request was turned away before it
// ran (DRF throttles before the view): a create is sent again, even where
// Idempotency-Key is unknown, and is carried out once.
func TestThrottledPostIsRepeated(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		throttled := reply(status, map[string]string{"detail": "Request was throttled."}, "Retry-After", "0")
		s := newScript(throttled, throttled, reply(http.StatusCreated, map[string]string{"uuid": "r1", "auth_info": "ssh-ed25519 AAAA"}))
		c, _ := newTestClient(t, s, publicAPI)
		r, err := createRepository(c)
		if err != nil || r.UUID != "r1" {
			t.Fatalf("%d: create = %+v, %v; want r1", status, r, err)
		}
		if n := len(s.requests()); n != 3 {
			t.Errorf("%d: server saw %d attempts, want 3", status, n)
		}
	}
}

// Without Retry-After a 503 may come from a proxy after the server acted:
// a create is not sent again.
func TestUnavailablePostWithoutRetryAfterIsNotRepeated(t *testing.T) {
	s := newScript(answer503, reply(http.StatusCreated, map[string]string{"uuid": "r1"}))
	c, _ := newTestClient(t, s, publicAPI)
	if _, err := createRepository(c); err == nil {
		t.Fatal("create succeeded; want the 503")
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("server saw %d attempts, want 1", n)
	}
}

// A discovery that keeps failing gives up within its own budget, not the
// create's five minutes, and the create then goes ahead.
func TestFailingDiscoveryIsBounded(t *testing.T) {
	defer func(old time.Duration) { discoveryBudget = old }(discoveryBudget)
	discoveryBudget = 200 * time.Millisecond
	s := newScript(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == extensionsPath {
			reply(http.StatusBadGateway, nil)(w, r)
			return
		}
		reply(http.StatusCreated, map[string]string{"uuid": "r1"})(w, r)
	})
	c, _ := newTestClient(t, s, withExtensions, func(cfg *Config) { cfg.RetryWaitMin, cfg.RetryWaitMax = 20*time.Millisecond, 50*time.Millisecond })
	started := time.Now()
	if _, err := createRepository(c); err != nil {
		t.Fatalf("create: %v", err)
	}
	if elapsed := time.Since(started); elapsed > 3*time.Second {
		t.Errorf("the create waited %v for discovery", elapsed)
	}
	_, err := c.Extensions(context.Background())
	if err == nil || !strings.Contains(err.Error(), "which extensions it offers") || !strings.Contains(err.Error(), "502") {
		t.Errorf("Extensions error = %v; want a clear discovery failure", err)
	}
}
