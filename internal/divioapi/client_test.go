// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRequestHeaders(t *testing.T) {
	s := newScript(reply(http.StatusCreated, map[string]string{"uuid": "k1"}))
	c, _ := newTestClient(t, s)

	if err := c.Do(context.Background(), http.MethodPost, "/apps/v3/repositories/", nil, map[string]string{"application": "a1"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Me(context.Background()); err != nil {
		t.Fatal(err)
	}

	reqs := s.requests()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want 2", len(reqs))
	}
	for _, r := range reqs {
		checkHeader(t, r, "Authorization", "Token "+testToken)
		checkHeader(t, r, "User-Agent", "terraform-provider-divio/test Terraform/1.9.0")
		checkHeader(t, r, "Accept", "application/json")
	}
	post, get := reqs[0], reqs[1]
	checkHeader(t, post, "Content-Type", "application/json")
	if post.Body != `{"application":"a1"}` {
		t.Errorf("POST body = %q", post.Body)
	}
	// Without the idempotency_keys extension (api.divio.com), no key: net/http
	// would replay a POST carrying one after a lost answer.
	if key := post.Header.Get("Idempotency-Key"); key != "" {
		t.Errorf("POST to a server without the extension has Idempotency-Key %q", key)
	}
	if get.Header.Get("Content-Type") != "" || get.Header.Get("Idempotency-Key") != "" {
		t.Errorf("GET has Content-Type %q, Idempotency-Key %q; want neither", get.Header.Get("Content-Type"), get.Header.Get("Idempotency-Key"))
	}
	if get.URI != "/iam/v3/me/" {
		t.Errorf("Me requested %s", get.URI)
	}
}

func checkHeader(t *testing.T, r seenRequest, name, want string) {
	t.Helper()
	if got := r.Header.Get(name); got != want {
		t.Errorf("%s %s: header %s = %q, want %q", r.Method, r.URI, name, got, want)
	}
}

func TestNoTokenNoAuthorizationHeader(t *testing.T) {
	s := newScript(reply(http.StatusOK, map[string]string{}))
	c, _ := newTestClient(t, s, func(cfg *Config) { cfg.Token = "" })
	if err := c.Do(context.Background(), http.MethodGet, "/x/", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.requests()[0].Header["Authorization"]; ok {
		t.Error("Authorization header sent without a token")
	}
}

func TestBasePathPrefixIsKept(t *testing.T) {
	s := newScript(reply(http.StatusOK, map[string]string{}))
	_, srv := newTestClient(t, s)
	c, err := New(Config{BaseURL: srv.URL + "/prefix/", Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Do(context.Background(), http.MethodGet, "/iam/v3/me/", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := s.requests()[0].URI; got != "/prefix/iam/v3/me/" {
		t.Errorf("requested %s, want /prefix/iam/v3/me/", got)
	}
}

func TestValidateBaseURL(t *testing.T) {
	for _, tc := range []struct {
		raw     string
		wantErr string // "" = valid
	}{
		{"https://api.divio.com", ""},
		{"http://127.0.0.1:8765", ""},
		{"https://api.example.com/prefix/", ""},
		{"ftp://api.divio.com", "must start with https://"},
		{"https://", "must include a host"},
		{"http://:8080", "must include a host"},
		{"https://user:hunter2@api.divio.com", "user name or password"},
		{"https://api.divio.com/?zone=x", "must not contain a query"},
		{"https://api.divio.com/?", "must not contain a query"},
		{"https://api.divio.com/#top", "must not contain a fragment"},
		{"api.divio.com", "must start with https://"},
		{"/apps/v3/", "must start with https://"},
		{"", "must not be empty"},
		{"   ", "must not be empty"},
		{"https://api.divio.com/%zz", "not a valid URL"},
	} {
		err := ValidateBaseURL(tc.raw)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("ValidateBaseURL(%q) = %v, want nil", tc.raw, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("ValidateBaseURL(%q) = %v, want an error containing %q", tc.raw, err, tc.wantErr)
		case err != nil && strings.Contains(err.Error(), "hunter2"):
			t.Errorf("ValidateBaseURL(%q) repeats the password: %v", tc.raw, err)
		}
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Config{BaseURL: "ftp://x"}); err == nil {
		t.Error("New accepted an ftp base URL")
	}
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if c.base.String() != DefaultBaseURL {
		t.Errorf("default base URL = %s", c.base)
	}
	_, err = New(Config{Token: testToken + "\n"})
	if err == nil || strings.Contains(err.Error(), testToken) {
		t.Errorf("New with a newline in the token = %v; want an error that does not repeat the token", err)
	}
}

func TestRetryConfigDefaults(t *testing.T) {
	for _, tc := range []struct{ in, want int }{{0, defaultRetryMax}, {-1, 0}, {2, 2}} {
		c, err := New(Config{RetryMax: tc.in})
		if err != nil {
			t.Fatal(err)
		}
		if c.retryMax != tc.want {
			t.Errorf("RetryMax %d gives %d retries, want %d", tc.in, c.retryMax, tc.want)
		}
	}
}

func TestObjectPath(t *testing.T) {
	got, err := ObjectPath("/apps/v3/repositories/", "a/../b?c#d")
	if err != nil {
		t.Fatal(err)
	}
	if want := "/apps/v3/repositories/a%2F..%2Fb%3Fc%23d/"; got != want {
		t.Errorf("ObjectPath = %s, want %s", got, want)
	}
	got, err = ObjectPath("/apps/v3/repositories/", "r1", "check")
	if err != nil || got != "/apps/v3/repositories/r1/check/" {
		t.Errorf("ObjectPath with sub-resource = %q, %v", got, err)
	}
	for _, id := range []string{"", ".", ".."} {
		if _, err := ObjectPath("/apps/v3/repositories/", id); err == nil {
			t.Errorf("ObjectPath accepted id %q", id)
		}
	}
}

func TestEscapedIDReachesServerAsOneSegment(t *testing.T) {
	s := newScript(reply(http.StatusOK, map[string]string{"uuid": "x"}))
	c, _ := newTestClient(t, s)
	if _, err := c.GetRepository(context.Background(), "../../iam/v3/me"); err != nil {
		t.Fatal(err)
	}
	if got, want := s.requests()[0].URI, "/apps/v3/repositories/..%2F..%2Fiam%2Fv3%2Fme/"; got != want {
		t.Errorf("requested %s, want %s", got, want)
	}
	if _, err := c.GetRepository(context.Background(), ".."); err == nil {
		t.Error(`GetRepository("..") did not fail`)
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("%d requests sent, want 1 (an invalid id must not be sent)", n)
	}
}

func TestHTMLOn200IsAnError(t *testing.T) {
	page := "<html><body><h1>Welcome to the captive portal</h1></body></html>"
	s := newScript(raw(http.StatusOK, "text/html", page))
	c, _ := newTestClient(t, s)

	_, err := c.Me(context.Background())
	if err == nil {
		t.Fatal("no error for an HTML answer")
	}
	for _, want := range []string{"GET /iam/v3/me/", "200", "not JSON", "text/html", "captive portal"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	// Even a request that expects no body notices garbage.
	if err := c.Do(context.Background(), http.MethodDelete, "/x/", nil, nil, nil); err == nil {
		t.Error("no error for an HTML answer to a request without output")
	}
}

func TestEmptyAndNullBodies(t *testing.T) {
	s := newScript(reply(http.StatusNoContent, nil), reply(http.StatusOK, nil), raw(http.StatusOK, "application/json", "null"))
	c, _ := newTestClient(t, s)
	ctx := context.Background()
	var out map[string]any
	if err := c.Do(ctx, http.MethodDelete, "/x/", nil, nil, &out); err != nil {
		t.Errorf("204: %v", err)
	}
	if err := c.Do(ctx, http.MethodGet, "/x/", nil, nil, &out); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty 200 = %v, want an error saying it was empty", err)
	}
	if err := c.Do(ctx, http.MethodGet, "/x/", nil, nil, &out); err == nil || !strings.Contains(err.Error(), "null") {
		t.Errorf("null 200 = %v, want an error saying it was null", err)
	}
}

func TestBodyLimit(t *testing.T) {
	big := `{"pad":"` + strings.Repeat("a", maxBodyBytes) + `"}`
	s := newScript(raw(http.StatusOK, "application/json", big))
	c, _ := newTestClient(t, s)
	var out map[string]any
	err := c.Do(context.Background(), http.MethodGet, "/big/", nil, nil, &out)
	if err == nil || !strings.Contains(err.Error(), "larger than 10 MiB") {
		t.Errorf("oversized answer = %v, want a size error", err)
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	s := newScript(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://elsewhere.example/iam/v3/me/", http.StatusMovedPermanently)
	})
	c, _ := newTestClient(t, s)
	_, err := c.Me(context.Background())
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusMovedPermanently {
		t.Fatalf("redirect = %v, want *Error 301", err)
	}
	if !strings.Contains(err.Error(), "redirect to https://elsewhere.example/iam/v3/me/ not followed") {
		t.Errorf("error %q does not explain the redirect", err)
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestDoRejectsMalformedPath(t *testing.T) {
	c, _ := newTestClient(t, newScript(reply(http.StatusOK, map[string]string{})))
	for _, p := range []string{"iam/v3/me/", "/x/?a=b", ""} {
		if err := c.Do(context.Background(), http.MethodGet, p, nil, nil, nil); err == nil {
			t.Errorf("Do accepted path %q", p)
		}
	}
	if c.RequestCount() != 0 {
		t.Errorf("RequestCount = %d, want 0", c.RequestCount())
	}
}

// Requests at the CLI's -parallelism keep their connections: a second burst
// of 20 at once opens no new connection (go-cleanhttp's pool alone keeps
// GOMAXPROCS+1 idle and would close the rest).
func TestConnectionsKeptAliveAtParallelism(t *testing.T) {
	const parallelism = 20
	var opened atomic.Int32
	// Every request waits until the whole burst is in flight, so that each
	// burst needs parallelism connections at once.
	var mu sync.Mutex
	inFlight, allIn := 0, make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		wait := allIn
		if inFlight++; inFlight == parallelism {
			close(allIn)
			inFlight, allIn = 0, make(chan struct{})
		}
		mu.Unlock()
		select {
		case <-wait:
		case <-time.After(10 * time.Second):
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL, Token: testToken, DisableExtensions: true})
	if err != nil {
		t.Fatal(err)
	}
	burst := func() {
		var wg sync.WaitGroup
		for range parallelism {
			wg.Go(func() {
				if err := c.Do(context.Background(), http.MethodGet, "/iam/v3/me/", nil, nil, nil); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	burst()
	first := opened.Load()
	burst()
	if again := opened.Load() - first; again != 0 {
		t.Errorf("the second burst of %d opened %d new connections (the first opened %d); want 0", parallelism, again, first)
	}
}
