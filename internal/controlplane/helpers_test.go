// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/hooks"
)

// Tokens and names of the objects every test server is seeded with: Ada
// belongs to Acme, Grace to Globex only.
const (
	adaToken   = "ada-token"
	graceToken = "grace-token"
	acmeWeb    = "acme-web"
	acmeAPI    = "acme-api"
	globexWeb  = "globex-web"
)

// baseSeed has the default regions and plan groups (it names none) and one
// app template.
func baseSeed() Seed {
	return Seed{AppTemplates: []SeedAppTemplate{{Name: "Django", URL: "https://github.com/divio/django-template"}}, Organisations: []SeedOrganisation{
		{
			Name:  "Acme",
			Users: []SeedUser{{Email: "ada@acme.test", FirstName: "Ada", LastName: "Lovelace", Token: adaToken}},
			Applications: []SeedApplication{
				{Slug: acmeWeb, Name: "Acme website", Environments: []SeedEnvironment{{Slug: "test", Branch: "develop"}, {Slug: "live", Branch: "main"}}},
				{Slug: acmeAPI, Name: "Acme API"},
			},
		},
		{
			Name:         "Globex",
			Users:        []SeedUser{{Email: "grace@globex.test", FirstName: "Grace", LastName: "Hopper", Token: graceToken}},
			Applications: []SeedApplication{{Slug: globexWeb, Name: "Globex website"}},
		},
	}}
}

// deliveryAnswer is the answer to a webhook delivery.
type deliveryAnswer = hooks.Answer

// testClock is a settable Config.Now.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// testServer is a seeded control plane behind a real HTTP listener.
type testServer struct {
	t      *testing.T
	cfg    Config
	server *Server
	http   *httptest.Server
	seed   *BootstrapResult
	clock  *testClock
}

// newTestServer starts a seeded server on a fresh database; configure may
// adjust the Config first.
func newTestServer(t *testing.T, configure ...func(*Config)) *testServer {
	t.Helper()
	clock := newTestClock()
	cfg := Config{
		DBPath:        filepath.Join(t.TempDir(), "cp.db"),
		EncryptionKey: bytes.Repeat([]byte{7}, 32),
		Dev:           true,
		Now:           clock.Now,
		// Tests never reach a real Git host; repository tests set their own fake.
		Git: fakeGit{&fakeChecker{}, newFakeSyncer()},
	}
	for _, f := range configure {
		f(&cfg)
	}
	ts := &testServer{t: t, cfg: cfg, clock: clock}
	ts.start()
	seed, err := ts.server.Bootstrap(context.Background(), baseSeed())
	if err != nil {
		t.Fatal(err)
	}
	ts.seed = seed
	return ts
}

func (ts *testServer) start() {
	ts.t.Helper()
	server, err := New(context.Background(), ts.cfg)
	if err != nil {
		ts.t.Fatal(err)
	}
	ts.server = server
	ts.http = httptest.NewServer(server.Handler())
	ts.t.Cleanup(ts.stop)
}

func (ts *testServer) stop() {
	if ts.http != nil {
		ts.http.Close()
		ts.http = nil
		if err := ts.server.Close(); err != nil {
			ts.t.Error(err)
		}
	}
}

// restart closes the server and opens a new one on the same database.
func (ts *testServer) restart() {
	ts.t.Helper()
	ts.stop()
	ts.start()
}

type testResponse struct {
	status int
	header http.Header
	body   []byte
}

// request sends a request with token (none if empty); body is sent as is
// if it is a string, JSON-encoded otherwise. headers are name, value pairs.
func (ts *testServer) request(method, path, token string, body any, headers ...string) testResponse {
	ts.t.Helper()
	target := path
	if !strings.HasPrefix(path, "http") {
		target = ts.http.URL + path
	}
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	default:
		encoded, err := json.Marshal(b)
		if err != nil {
			ts.t.Fatal(err)
		}
		reader = bytes.NewReader(encoded)
	}
	req, err := http.NewRequest(method, target, reader)
	if err != nil {
		ts.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Token "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json") // as every client sends a body; headers may override
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := ts.http.Client().Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	content, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.t.Fatal(err)
	}
	return testResponse{status: resp.StatusCode, header: resp.Header, body: content}
}

// get is an authenticated GET as Ada that must answer want; it decodes the body into out.
func (ts *testServer) get(path string, want int, out any) testResponse {
	ts.t.Helper()
	resp := ts.request(http.MethodGet, path, adaToken, nil)
	resp.expect(ts.t, want, out)
	return resp
}

// expect checks the status and, if out is not nil, decodes the JSON body into it.
func (r testResponse) expect(t *testing.T, want int, out any) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %s", r.status, want, r.body)
	}
	if out == nil {
		return
	}
	if got := r.header.Get("Content-Type"); got != "application/json" {
		t.Fatalf("Content-Type %q, want application/json", got)
	}
	decoder := json.NewDecoder(bytes.NewReader(r.body))
	decoder.DisallowUnknownFields() // an unexpected field in a response is a contract change
	if err := decoder.Decode(out); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// expectJSON checks the status and that the body is exactly the JSON want.
func (r testResponse) expectJSON(t *testing.T, status int, want string) {
	t.Helper()
	var got, expected any
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatalf("status %d, body %q is not JSON: %v", r.status, r.body, err)
	}
	if err := json.Unmarshal([]byte(want), &expected); err != nil {
		t.Fatalf("bad expectation %s: %v", want, err)
	}
	gotJSON, _ := json.Marshal(got)
	expectedJSON, _ := json.Marshal(expected)
	if r.status != status || !bytes.Equal(gotJSON, expectedJSON) {
		t.Fatalf("got %d %s, want %d %s", r.status, gotJSON, status, expectedJSON)
	}
}

type listResponse[T any] struct {
	Count    int     `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []T     `json:"results"`
}

// fakeGit is a GitClient made of two halves, faked or not.
type fakeGit struct {
	AccessChecker
	Syncer
}

// checkerOf is the access checker cfg has.
func checkerOf(cfg *Config) AccessChecker {
	if g, ok := cfg.Git.(fakeGit); ok {
		return g.AccessChecker
	}
	return cfg.Git
}

// syncerOf is the syncer cfg has.
func syncerOf(cfg *Config) Syncer {
	if g, ok := cfg.Git.(fakeGit); ok {
		return g.Syncer
	}
	return cfg.Git
}
