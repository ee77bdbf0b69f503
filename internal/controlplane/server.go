// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package controlplane is the reference control plane: an HTTP server that
// implements the Divio API subset and the extensions documented in
// templates/guides/control-plane-api.md.tmpl, backed by one SQLite file.
//
// This package is the façade (Config, New, Server, seeding and
// administration) and the API's resources, one file per object, served
// through the route table in routes.go. The parts below it:
//
//   - httpx: the request pipeline every route goes through (limits,
//     content type, authentication, rate limit), JSON, error answers, the
//     http.Server's timeouts, injected faults;
//   - jobs: the Git work (clone checks, push checks, syncs) in one runner;
//   - hooks: the receiver of webhook deliveries;
//   - seed: seed files and seeding;
//   - store: the SQLite database; workqueue: the jobs' worker pools.
package controlplane

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/hooks"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/jobs"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
	"github.com/divio-community/terraform-provider-divio/internal/sealbox"
)

// AccessChecker runs repositories' clone and push checks; *gitops.Checker
// is the real one.
type AccessChecker = jobs.AccessChecker

// Syncer syncs repositories and looks up branches at their remotes;
// *gitops.Checker is the real one.
type Syncer = jobs.Syncer

// GitClient does all the server's Git work: the access checks, the syncs
// and the branch lookups. *gitops.Checker is the real one; tests combine
// fakes of the two halves.
type GitClient interface {
	AccessChecker
	Syncer
}

// Faults makes the server misbehave on purpose (see httpx.Faults).
type Faults = httpx.Faults

// Timeouts bound each part of a request (see httpx.Timeouts and
// DefaultTimeouts).
type Timeouts = httpx.Timeouts

// DefaultTimeouts are the timeouts of the binary, each with its reason
// (see httpx.DefaultTimeouts).
var DefaultTimeouts = httpx.DefaultTimeouts

// JSONErrorsListener wraps l so that the errors net/http answers by itself,
// before any handler runs, are JSON like every other answer (see
// httpx.JSONErrorsListener).
func JSONErrorsListener(l net.Listener) net.Listener { return httpx.JSONErrorsListener(l) }

// Config configures New.
type Config struct {
	DBPath        string
	EncryptionKey []byte // 32 bytes; encrypts private keys at rest
	// Dev is development mode (loopback Git remotes allowed).
	Dev    bool
	Logger *slog.Logger // nil discards logs
	// Middleware wraps the whole API, first = outermost; tests use it to
	// count requests and inject faults.
	Middleware []func(http.Handler) http.Handler
	Now        func() time.Time // nil = time.Now
	// Git does the Git work: repositories' clone and push checks, the
	// syncs (for webhook deliveries, Update and Reset to origin) and the
	// lookups of environments' branches at their remotes. nil means
	// &gitops.Checker{AllowLoopback: Dev}; set a *gitops.Checker for other
	// trusted CAs. Tests set fakes.
	Git GitClient
	// CheckWorkers is how many access checks run at once; 0 means 4.
	CheckWorkers int
	// SyncWorkers is how many syncs (of different repositories) run at
	// once; 0 means 8.
	SyncWorkers int
	// DataDir holds the platform's copies of the repositories, in
	// <DataDir>/mirrors/<repository UUID>; "" means the directory of DBPath.
	DataDir string
	// PublicOnly serves only what Divio's public API is known to serve, as
	// api.divio.com would: extension routes and discovery answer 404,
	// extension fields are left out of answers, and the Idempotency-Key
	// header is ignored.
	PublicOnly bool
	// Strict implies PublicOnly and also answers only the fields Divio's
	// CLI reads, with short pages, stale repository reads after a check,
	// a throttled share of requests and a 400 from a check that restarts
	// an INVALID repository's check (see strict.go and the control-plane
	// API guide): a client that works against it relies on no more than
	// the CLI does.
	Strict bool
	// StrictStaleRead is how long, in strict mode, GETs of a repository
	// answer it as it was before a check call; 0 means 3 s, a negative
	// value none.
	StrictStaleRead time.Duration
	// StrictPageSize is, in strict mode, the most items a page of a list
	// holds whatever page_size asks; 0 means 2, a negative value the usual 100.
	StrictPageSize int
	// StrictThrottle is, in strict mode, the share of API requests (not
	// webhook deliveries) answered 429 with Retry-After: 1 before they run;
	// 0 means 0.1, a negative value none.
	StrictThrottle float64
	// Faults, when set, answers a share of API requests with injected
	// failures (see Faults).
	Faults *Faults
	// Timeouts bound each part of a request; zero fields are
	// DefaultTimeouts'. The body and Git-work limits apply to any server
	// of Handler; the others to HTTPServer's.
	Timeouts Timeouts
}

// Server serves the API. It is safe for concurrent use.
type Server struct {
	cfg              Config
	store            *store.Store
	logger           *slog.Logger
	now              func() time.Time
	handler          http.Handler
	pipeline         *httpx.Pipeline
	idempotencyLocks keyedMutex
	git              GitClient
	jobs             *jobs.Runner
	receiver         *hooks.Receiver
	strict           strictSettings
	stale            staleReads
}

// New opens or creates the database, applies migrations, builds the
// handler and starts the job runner, which queues the clone checks that
// repositories left in CLONING (by a stop or a crash) still need, and the
// syncs that accepted deliveries still owe.
func New(ctx context.Context, cfg Config) (*Server, error) {
	box, err := sealbox.New(cfg.EncryptionKey)
	if err != nil {
		return nil, fmt.Errorf("controlplane: encryption key: %w", err)
	}
	cfg.PublicOnly = cfg.PublicOnly || cfg.Strict
	cfg.Timeouts = cfg.Timeouts.WithDefaults()
	s := &Server{cfg: cfg, logger: cfg.Logger, now: cfg.Now, strict: newStrictSettings(cfg)}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.store, err = store.Open(ctx, store.Options{Path: cfg.DBPath, Box: box, Now: s.now})
	if err != nil {
		return nil, fmt.Errorf("controlplane: %w", err)
	}
	dataDir := cfg.DataDir
	if dataDir == "" {
		dataDir = filepath.Dir(cfg.DBPath)
	}
	if err := os.MkdirAll(filepath.Join(dataDir, "mirrors"), 0o700); err != nil {
		s.store.Close()
		return nil, fmt.Errorf("controlplane: %w", err)
	}
	s.git = cfg.Git
	if s.git == nil {
		s.git = &gitops.Checker{AllowLoopback: cfg.Dev}
	}
	s.jobs, err = jobs.Start(ctx, jobs.Config{
		Store: s.store, Checker: s.git, Syncer: s.git, Logger: s.logger, Now: s.now,
		MirrorRoot: filepath.Join(dataDir, "mirrors"), CheckWorkers: cfg.CheckWorkers, SyncWorkers: cfg.SyncWorkers,
	})
	if err != nil {
		s.store.Close()
		return nil, fmt.Errorf("controlplane: %w", err)
	}
	s.receiver = hooks.NewReceiver(s.store, s.jobs, s.logger, s.now)
	s.pipeline = &httpx.Pipeline{
		Logger:     s.logger,
		PublicOnly: cfg.PublicOnly,
		Users: func(r *http.Request, token string) (store.User, error) {
			return s.store.UserByToken(r.Context(), token)
		},
		Throttle: s.strict.throttle,
		Faults:   cfg.Faults,
		Timeouts: cfg.Timeouts,
	}
	s.routes(s.pipeline)
	s.handler = s.pipeline.Handler(cfg.Middleware...)
	return s, nil
}

// Handler returns the API handler.
func (s *Server) Handler() http.Handler { return s.handler }

// HTTPServer returns the http.Server that serves the API in production,
// with the configured timeouts (see DefaultTimeouts for the values and
// their reasons). Serve it on JSONErrorsListener.
func (s *Server) HTTPServer() *http.Server {
	return httpx.NewServer(s.handler, s.cfg.Timeouts, s.logger)
}

// Close stops the clone checks and the syncs (cancelling running ones and
// waiting for them a bounded time) and closes the database. Stop serving
// requests first.
func (s *Server) Close() error {
	return errors.Join(s.jobs.Close(), s.store.Close())
}

// WaitIdle waits until no clone check and no sync is queued or running
// (or the server is closed), or ctx is done. It is meant for tests and
// benchmarks.
func (s *Server) WaitIdle(ctx context.Context) error { return s.jobs.WaitIdle(ctx) }

// writeError answers err (see httpx.WriteError).
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteError(s.logger, w, r, err)
}

// serveObject answers GET of one object named by the {uuid} path segment:
// load reads it from the store (store.ErrNotFound when it is not the
// user's), view turns it into its JSON object.
func serveObject[T, V any](s *Server, w http.ResponseWriter, r *http.Request,
	load func(id string) (T, error), view func(T) V) {
	id, err := pathUUID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	object, err := load(id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, view(object))
}
