// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package controlplane is the reference control plane: an HTTP server that
// implements the Divio API subset and the extensions documented in
// templates/guides/control-plane-api.md.tmpl, backed by one SQLite file.
package controlplane

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
	"github.com/divio-community/terraform-provider-divio/internal/sealbox"
)

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
	// Git is the Git client the real access checks and pulls use (its
	// trusted CAs, whether loopback remotes are allowed); nil means
	// &gitops.Checker{AllowLoopback: Dev}.
	Git *gitops.Checker
	// AccessChecker runs repositories' clone and push checks; nil is Git.
	// Tests set a fake.
	AccessChecker AccessChecker
	// CheckWorkers is how many access checks run at once; 0 means 4.
	CheckWorkers int
	// Syncer pulls repositories (for webhook deliveries, Update and Reset
	// to origin) and looks up environments' branches at their remotes;
	// nil is Git. Tests set a fake.
	Syncer Syncer
	// SyncWorkers is how many pulls (of different repositories) run at
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
}

// Server serves the API. It is safe for concurrent use.
type Server struct {
	cfg              Config
	store            *store.Store
	logger           *slog.Logger
	now              func() time.Time
	handler          http.Handler
	idempotencyLocks keyedMutex
	deliveryLimits   deliveryLimiter
	checker          AccessChecker
	checks           checkQueue
	syncer           Syncer
	pulls            *pullQueue
	dataDir          string
	strict           strictSettings
	stale            staleReads
}

// New opens or creates the database, applies migrations, builds the
// handler and starts the access-check and pull workers, queueing the
// checks that repositories left in CLONING (by a stop or a crash) still need,
// and the pulls that accepted deliveries still need.
func New(ctx context.Context, cfg Config) (*Server, error) {
	box, err := sealbox.New(cfg.EncryptionKey)
	if err != nil {
		return nil, fmt.Errorf("controlplane: encryption key: %w", err)
	}
	cfg.PublicOnly = cfg.PublicOnly || cfg.Strict
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
	pending, err := s.store.PendingRepositoryChecks(ctx)
	if err != nil {
		s.store.Close()
		return nil, fmt.Errorf("controlplane: %w", err)
	}
	pendingPulls, err := s.store.PendingPulls(ctx)
	if err != nil {
		s.store.Close()
		return nil, fmt.Errorf("controlplane: %w", err)
	}
	s.dataDir = cfg.DataDir
	if s.dataDir == "" {
		s.dataDir = filepath.Dir(cfg.DBPath)
	}
	if err := os.MkdirAll(filepath.Join(s.dataDir, "mirrors"), 0o700); err != nil {
		s.store.Close()
		return nil, fmt.Errorf("controlplane: %w", err)
	}
	git := cfg.Git
	if git == nil {
		git = &gitops.Checker{AllowLoopback: cfg.Dev}
	}
	s.checker, s.syncer = cfg.AccessChecker, cfg.Syncer
	if s.checker == nil {
		s.checker = git
	}
	if s.syncer == nil {
		s.syncer = git
	}
	s.pulls = newPullQueue(cmp.Or(cfg.SyncWorkers, defaultSyncWorkers), s.runPull)
	for _, id := range pendingPulls {
		s.queueDeliveryPull(id)
	}
	if len(pendingPulls) > 0 {
		s.logger.Info("pulls resumed", "count", len(pendingPulls))
	}
	s.checks = newCheckQueue(cmp.Or(cfg.CheckWorkers, defaultCheckWorkers), s.runCheck)
	for _, id := range pending {
		s.checks.enqueue(id)
	}
	if len(pending) > 0 {
		s.logger.Info("repository checks resumed", "count", len(pending))
	}
	s.handler = s.buildHandler()
	return s, nil
}

// Handler returns the API handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops the access checks and the pulls (cancelling running ones and
// waiting for them a bounded time) and closes the database. Stop serving
// requests first.
func (s *Server) Close() error {
	return errors.Join(stopError("access checks", s.checks.Close(checkShutdownWait)),
		stopError("pulls", s.pulls.Close(syncShutdownWait)), s.store.Close())
}

// stopError says which work outlasted Close's wait.
func stopError(work string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("controlplane: %s: %w", work, err)
}

// WaitIdle waits until no access check and no pull is queued or running
// (or the server is closed), or ctx is done. It is meant for tests and
// benchmarks.
func (s *Server) WaitIdle(ctx context.Context) error {
	for {
		if err := s.checks.WaitIdle(ctx); err != nil {
			return err
		}
		if err := s.pulls.WaitIdle(ctx); err != nil {
			return err
		}
		// Neither queues work for the other, but a request may have
		// queued a check while the pulls were running.
		if s.checks.Idle() && s.pulls.Idle() {
			return nil
		}
	}
}

// userHandler serves a request of an authenticated user.
type userHandler func(w http.ResponseWriter, r *http.Request, user store.User)

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
	writeJSON(w, http.StatusOK, view(object))
}

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	// {$} makes a pattern match its path exactly, not the subtree below it.
	route := func(pattern string, handler userHandler) { mux.Handle(pattern, s.authenticate(handler)) }
	// extension routes are ours only: in public-only mode they answer 404,
	// as api.divio.com does, before authentication (Django resolves the URL first).
	extension := func(pattern string, handler userHandler) { mux.Handle(pattern, s.extension(s.authenticate(handler))) }

	// Public: what Divio's API is known to serve.
	route("GET /iam/v3/me/{$}", s.me)
	route("GET /iam/v3/organisations/{$}", s.listOrganisations)
	route("GET /iam/v3/organisations/{uuid}/{$}", s.getOrganisation)
	route("GET /billing/v3/application-plan-groups/{$}", s.listPlanGroups)
	route("GET /billing/v3/application-plan-groups/{uuid}/{$}", s.getPlanGroup)
	route("GET /apps/v3/regions/{$}", s.listRegions)
	route("GET /apps/v3/app-templates/{$}", s.listAppTemplates)
	route("GET /apps/v3/app-templates/{uuid}/{$}", s.getAppTemplate)

	route("GET /apps/v3/applications/{$}", s.listApplications)
	route("POST /apps/v3/applications/{$}", s.idempotent(s.createApplication))
	route("GET /apps/v3/applications/{uuid}/{$}", s.getApplication)

	route("GET /apps/v3/environments/{$}", s.listEnvironments)
	route("GET /apps/v3/environments/{uuid}/{$}", s.getEnvironment)

	route("POST /apps/v3/repositories/{$}", s.idempotent(s.createRepository))
	route("GET /apps/v3/repositories/{uuid}/{$}", s.getRepository)
	route("POST /apps/v3/repositories/{uuid}/check/{$}", s.idempotent(s.checkRepository))

	// Extensions: see extensionNames.
	extension("GET /extensions/v1/{$}", s.discovery)
	extension("GET /apps/v3/repositories/{$}", s.listRepositories)
	extension("DELETE /apps/v3/repositories/{uuid}/{$}", s.deleteRepository)
	extension("DELETE /apps/v3/applications/{uuid}/{$}", s.deleteApplication)
	extension("POST /apps/v3/applications/{uuid}/migrate-repository/{$}", s.idempotent(s.migrateApplicationRepository))
	extension("PATCH /apps/v3/environments/{uuid}/{$}", s.updateEnvironment)
	extension("GET /apps/v3/applications/{uuid}/sync-status/{$}", s.getSyncStatus)
	extension("POST /apps/v3/applications/{uuid}/update/{$}", s.idempotent(s.updateApplication))
	extension("POST /apps/v3/applications/{uuid}/reset-to-origin/{$}", s.idempotent(s.resetApplicationToOrigin))

	extension("POST /apps/v3/webhooks/{$}", s.idempotent(s.createWebhook))
	extension("GET /apps/v3/webhooks/{$}", s.listWebhooks)
	extension("GET /apps/v3/webhooks/{uuid}/{$}", s.getWebhook)
	extension("POST /apps/v3/webhooks/{uuid}/rotate/{$}", s.idempotent(s.rotateWebhook))
	extension("DELETE /apps/v3/webhooks/{uuid}/{$}", s.deleteWebhook)

	// Deliveries authenticate with the URL's token and the host's
	// signature, not with a user's token.
	mux.Handle("POST /hooks/v1/{token}/{$}", s.extension(http.HandlerFunc(s.receiveDelivery)))
	return mux
}

// extension serves next, or 404 in public-only mode.
func (s *Server) extension(next http.Handler) http.Handler {
	if !s.cfg.PublicOnly {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"detail": errNotFound.detail})
	})
}

// buildHandler stacks, from the outside in: the configured middleware,
// logging and panic recovery, strict mode's throttling, the injected
// faults, the body limit, and the router.
func (s *Server) buildHandler() http.Handler {
	handler := s.observe(s.throttle(s.cfg.Faults.inject(limitBody(jsonRouting(s.routes())))))
	for i := len(s.cfg.Middleware) - 1; i >= 0; i-- {
		handler = s.cfg.Middleware[i](handler)
	}
	return handler
}

func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// jsonRouting serves mux, but answers a request that no route takes in
// JSON, as DRF does, instead of the mux's plain-text 404 and 405.
func jsonRouting(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fallback, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r) // ServeHTTP, not fallback: it sets the path values
			return
		}
		// Let the mux tell 404 from 405 and compute Allow, then reword it.
		recorder := newResponseRecorder()
		fallback.ServeHTTP(recorder, r)
		if recorder.status != http.StatusMethodNotAllowed {
			writeJSON(w, http.StatusNotFound, map[string]string{"detail": errNotFound.detail})
			return
		}
		w.Header().Set("Allow", recorder.Header().Get("Allow"))
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"detail": fmt.Sprintf("Method %q not allowed.", r.Method)})
	})
}

// observe logs one line per request (never headers or bodies, which carry
// tokens) and turns a panic into a 500.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if recovered := recover(); recovered != nil {
				if recovered == http.ErrAbortHandler {
					panic(recovered)
				}
				s.logger.LogAttrs(r.Context(), slog.LevelError, "handler panicked",
					slog.String("method", r.Method), slog.String("path", logPath(r)), slog.Any("panic", recovered))
				if sw.status == 0 {
					writeJSON(sw, http.StatusInternalServerError, map[string]string{"detail": "A server error occurred."})
				}
			}
			s.logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("method", r.Method), slog.String("path", logPath(r)),
				slog.Int("status", sw.statusOrOK()), slog.Duration("duration", time.Since(start)))
		}()
		next.ServeHTTP(sw, r)
	})
}

// logPath is the request's path as logs show it: a webhook's URL token is
// a credential, so it is left out.
func logPath(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, hooksPrefix) {
		return hooksPrefix + "{token}/"
	}
	return r.URL.Path
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) statusOrOK() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
