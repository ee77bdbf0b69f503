// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
	"github.com/divio-community/terraform-provider-divio/internal/provider"
)

// Names of the objects every test control plane is seeded with.
const (
	OrgName         = "Acme"
	OtherOrgName    = "Globex"
	AppSlug         = "acme-web"
	SecondAppSlug   = "acme-api"
	OtherOrgAppSlug = "globex-web"
)

// ControlPlane is a reference control plane serving on a loopback port for
// one test, with a fresh database and a seeded organisation.
type ControlPlane struct {
	URL        string
	Token      string // token of a member of OrgName
	OtherToken string // token of a member of OtherOrgName only
	Server     *controlplane.Server
	Seed       *controlplane.BootstrapResult
	Requests   *RequestLog
	Faults     *Faults
}

// StartControlPlane starts a control plane for t and stops it when t ends.
func StartControlPlane(t testing.TB) *ControlPlane {
	t.Helper()
	return StartControlPlaneWith(t, Options{})
}

// Options changes how StartControlPlaneWith sets the control plane up.
type Options struct {
	// RootCAs are the certificate authorities the access checks trust for
	// HTTPS Git hosts, e.g. an HTTPSHost's CertPool(); nil means the
	// system's (the checker StartControlPlane uses).
	RootCAs *x509.CertPool
	// PublicOnly serves only Divio's public API, as api.divio.com does:
	// every extension answers 404 and Idempotency-Key is ignored.
	PublicOnly bool
	// Strict implies PublicOnly and answers only the fields Divio's CLI
	// reads, with its defaults: pages of 2, stale repository reads for 3 s
	// after a check call, 10% of requests throttled (429, Retry-After: 1),
	// and a 400 from a check that restarts an INVALID repository's check
	// (see controlplane.Config.Strict).
	Strict bool
	// StrictThrottle overrides the strict mode's share of throttled
	// requests (negative: none), as controlplane.Config.StrictThrottle.
	StrictThrottle float64
	// Faults injects failures into a share of API requests.
	Faults *controlplane.Faults
	// SyncWorkers is how many pulls run at once; 0 means the default.
	SyncWorkers int
	// Organisations are seeded after OrgName and OtherOrgName, each with
	// the user of Token as a member (and any Users they name), e.g. an
	// organisation of HandMadeApplications to adopt.
	Organisations []controlplane.SeedOrganisation
	// PageSize, when positive, makes every list answer pages of at most
	// that many items, as a server whose largest page is that small: the
	// page_size a request asks for is lowered to it. Strict mode has pages
	// of 2 already; this gives small pages with the extensions too.
	PageSize int
}

// StartControlPlaneWith is StartControlPlane with options.
func StartControlPlaneWith(t testing.TB, opts Options) *ControlPlane {
	t.Helper()
	requests, faults := &RequestLog{}, &Faults{}
	cfg := controlplane.Config{
		DBPath:         filepath.Join(t.TempDir(), "control-plane.db"),
		EncryptionKey:  randomBytes(t, 32),
		Dev:            true,
		Middleware:     []func(http.Handler) http.Handler{requests.Middleware, faults.Middleware, pageSizeLimit(opts.PageSize)},
		PublicOnly:     opts.PublicOnly,
		Strict:         opts.Strict,
		StrictThrottle: opts.StrictThrottle,
		Faults:         opts.Faults,
		SyncWorkers:    opts.SyncWorkers,
	}
	if opts.RootCAs != nil {
		// The real checker, as in dev mode, trusting only these CAs.
		cfg.Git = &gitops.Checker{AllowLoopback: true, RootCAs: opts.RootCAs}
	}
	srv, err := controlplane.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start control plane: %v", err)
	}
	token, otherToken := "acc-"+hex.EncodeToString(randomBytes(t, 16)), "acc-"+hex.EncodeToString(randomBytes(t, 16))
	seed, err := srv.Bootstrap(context.Background(), testSeed(token, otherToken, opts.Organisations))
	if err != nil {
		t.Fatalf("bootstrap control plane: %v", err)
	}
	httpServer := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		httpServer.Close()
		srv.Close()
	})
	return &ControlPlane{URL: httpServer.URL, Token: token, OtherToken: otherToken, Server: srv, Seed: seed, Requests: requests, Faults: faults}
}

// testSeed is OrgName (whose member Ada has token) and OtherOrgName (whose
// member Grace has otherToken) with their applications, then extra
// organisations, each with Ada as a member.
func testSeed(token, otherToken string, extra []controlplane.SeedOrganisation) controlplane.Seed {
	ada := controlplane.SeedUser{Email: "ada@acme.test", FirstName: "Ada", LastName: "Lovelace", Token: token}
	seed := controlplane.Seed{Organisations: []controlplane.SeedOrganisation{
		{
			Name:  OrgName,
			Users: []controlplane.SeedUser{ada},
			Applications: []controlplane.SeedApplication{
				{Slug: AppSlug, Name: "Acme website", Environments: []controlplane.SeedEnvironment{
					{Slug: "test", Branch: "develop"}, {Slug: "live", Branch: "main"},
				}},
				{Slug: SecondAppSlug, Name: "Acme API"},
			},
		},
		{
			Name:         OtherOrgName,
			Users:        []controlplane.SeedUser{{Email: "grace@globex.test", FirstName: "Grace", LastName: "Hopper", Token: otherToken}},
			Applications: []controlplane.SeedApplication{{Slug: OtherOrgAppSlug, Name: "Globex website"}},
		},
	}}
	for _, org := range extra {
		org.Users = append([]controlplane.SeedUser{ada}, org.Users...)
		seed.Organisations = append(seed.Organisations, org)
	}
	return seed
}

// pageSizeLimit lowers the page_size of every GET to size (nothing when
// size is not positive); a request without one asks for the server's
// default, which is larger.
func pageSizeLimit(size int) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if size <= 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			query := r.URL.Query()
			if asked, err := strconv.Atoi(query.Get("page_size")); r.Method == http.MethodGet && (err != nil || asked <= 0 || asked > size) {
				query.Set("page_size", strconv.Itoa(size))
				r.URL.RawQuery = query.Encode()
			}
			next.ServeHTTP(w, r)
		})
	}
}

// AppID is the UUID of a seeded application.
func (cp *ControlPlane) AppID(slug string) string { return cp.Seed.Applications[slug] }

// OrgID is the UUID of a seeded organisation.
func (cp *ControlPlane) OrgID(name string) string { return cp.Seed.Organisations[name] }

// ProviderBlock is HCL configuring the provider for this control plane.
func (cp *ControlPlane) ProviderBlock() string {
	return fmt.Sprintf("provider \"divio\" {\n  api_url   = %q\n  api_token = %q\n}\n", cp.URL, cp.Token)
}

// Client is an API client for out-of-band changes and destroy checks; it
// does not retry, so a failure shows at once.
func (cp *ControlPlane) Client() *divioapi.Client {
	client, err := divioapi.New(divioapi.Config{BaseURL: cp.URL, Token: cp.Token, RetryMax: -1})
	if err != nil {
		panic(err) // the URL comes from httptest and is always valid
	}
	return client
}

// ProtoV6ProviderFactories serves the provider in-process to the CLI.
func ProtoV6ProviderFactories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"divio": providerserver.NewProtocol6WithError(provider.New("acctest")()),
	}
}

// RequestLog records every request the control plane receives, so tests
// can count the requests a CLI operation costs.
type RequestLog struct {
	mu    sync.Mutex
	lines []string
}

// Middleware records "METHOD /path/ STATUS" of each request, in the
// order the requests arrived.
func (l *RequestLog) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		i := len(l.lines)
		l.lines = append(l.lines, r.Method+" "+r.URL.Path)
		l.mu.Unlock()
		recorder := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(recorder, r)
		l.mu.Lock()
		l.lines[i] += fmt.Sprintf(" %d", recorder.status)
		l.mu.Unlock()
	})
}

// statusRecorder remembers the status a handler answered.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(status int) {
	s.status = status
	s.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the real writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Mark returns a position; Since(mark) lists the requests after it.
func (l *RequestLog) Mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lines)
}

// Since returns the requests recorded after mark.
func (l *RequestLog) Since(mark int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines[mark:]...)
}

// CountPrefix counts requests in lines that start with prefix ("GET /apps/v3/deploy-keys/").
func CountPrefix(lines []string, prefix string) int {
	n := 0
	for _, line := range lines {
		if strings.HasPrefix(line, prefix) {
			n++
		}
	}
	return n
}

// Faults answers chosen requests with an error instead of serving them,
// to test what a failed apply leaves behind.
type Faults struct {
	mu      sync.Mutex
	pending []fault
}

type fault struct {
	request    string // "METHOD /path/"
	status     int
	body       string
	retryAfter int  // seconds in Retry-After; 0: no header
	lose       bool // serve the request, then close the connection unanswered
}

// FailNext answers the next request "METHOD /path/" with status and a JSON body.
func (f *Faults) FailNext(request string, status int, body string) {
	f.add(fault{request: request, status: status, body: body})
}

// ThrottleNext answers the next request "METHOD /path/" 429 with
// "Retry-After: <retryAfterSeconds>" and DRF's body, without running it
// (as DRF throttles before the view).
func (f *Faults) ThrottleNext(request string, retryAfterSeconds int) {
	retryAfterSeconds = max(retryAfterSeconds, 1)
	unit := "seconds"
	if retryAfterSeconds == 1 {
		unit = "second"
	}
	f.add(fault{request: request, status: http.StatusTooManyRequests, retryAfter: retryAfterSeconds,
		body: fmt.Sprintf(`{"detail": "Request was throttled. Expected available in %d %s."}`, retryAfterSeconds, unit)})
}

// ThrottleEach throttles each of the next n requests "METHOD /path/" once,
// as ThrottleNext with Retry-After: 1: their attempts alternate, throttled
// then served, so that every one of n requests in a row (both check calls
// of a verification, say) meets a 429 first.
func (f *Faults) ThrottleEach(request string, n int) {
	for range n {
		f.ThrottleNext(request, 1)
		f.add(fault{request: request}) // served: status 0
	}
}

func (f *Faults) add(fault fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = append(f.pending, fault)
}

// LoseAnswerNext serves the next request "METHOD /path/" and then closes
// the connection without the answer, as a proxy or a network that fails
// on the way back does: the client cannot tell whether it was carried out.
func (f *Faults) LoseAnswerNext(request string) {
	f.add(fault{request: request, lose: true})
}

// Middleware serves the faults.
func (f *Faults) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fault, ok := f.take(r.Method + " " + r.URL.Path)
		if ok && fault.lose {
			next.ServeHTTP(httptest.NewRecorder(), r)
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				_ = conn.Close()
			}
			return
		}
		if ok && fault.status != 0 {
			if fault.retryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(fault.retryAfter))
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(fault.status)
			_, _ = w.Write([]byte(fault.body))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (f *Faults) take(request string) (fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, fault := range f.pending {
		if fault.request == request {
			f.pending = append(f.pending[:i], f.pending[i+1:]...)
			return fault, true
		}
	}
	return fault{}, false
}

// Writes lists the requests in lines that change something (not GET or HEAD).
func Writes(lines []string) []string {
	var writes []string
	for _, line := range lines {
		if !strings.HasPrefix(line, "GET ") && !strings.HasPrefix(line, "HEAD ") {
			writes = append(writes, line)
		}
	}
	return writes
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// Faulted lists the requests in lines answered 429 or 503.
func Faulted(lines []string) []string {
	var faulted []string
	for _, line := range lines {
		if strings.HasSuffix(line, " 429") || strings.HasSuffix(line, " 503") {
			faulted = append(faulted, line)
		}
	}
	return faulted
}
