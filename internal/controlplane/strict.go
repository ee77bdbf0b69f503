// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

// Strict mode (Config.Strict) is public-only mode that also answers no
// more than Divio's CLI reads (see divio-api-notes.md, "What the CLI reads
// — rely on no more") and misbehaves as a busy production API may: short
// pages, stale reads after a check, throttled requests, a 4xx from a
// check that nevertheless started. A client that works against it relies
// on nothing the CLI does not. Everything strict mode changes is here.

import (
	"net/http"
	"sync"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

// Strict mode's defaults (Config fields left zero).
const (
	defaultStrictStaleRead = 3 * time.Second
	defaultStrictPageSize  = 2
	defaultStrictThrottle  = 0.1
)

// strictSettings are the strict-mode settings in effect: all zero (off)
// outside strict mode.
type strictSettings struct {
	staleRead time.Duration
	pageSize  int
	throttle  float64
}

func newStrictSettings(cfg Config) strictSettings {
	if !cfg.Strict {
		return strictSettings{}
	}
	return strictSettings{
		staleRead: zeroIsDefault(cfg.StrictStaleRead, defaultStrictStaleRead),
		pageSize:  zeroIsDefault(cfg.StrictPageSize, defaultStrictPageSize),
		throttle:  min(zeroIsDefault(cfg.StrictThrottle, defaultStrictThrottle), 1),
	}
}

// zeroIsDefault reads a strict-mode setting: 0 is the default, a negative
// value turns the behaviour off (0).
func zeroIsDefault[T int | float64 | time.Duration](value, fallback T) T {
	switch {
	case value == 0:
		return fallback
	case value < 0:
		return 0
	}
	return value
}

// pageLimit is the most items a page of a list holds.
func (s *Server) pageLimit() int {
	if s.strict.pageSize > 0 {
		return min(s.strict.pageSize, maxPageSize)
	}
	return maxPageSize
}

// requireInStrictMode makes filters required in strict mode (as Divio's
// CLI always sends them).
func (s *Server) requireInStrictMode(filters *queryFilters, names ...string) {
	if s.cfg.Strict {
		for _, name := range names {
			filters.required(name)
		}
	}
}

// Strict answers: each exactly the fields Divio's CLI reads.
type (
	strictCreatedRepositoryView struct {
		UUID     string  `json:"uuid"`
		AuthInfo *string `json:"auth_info"`
	}
	strictRepositoryView struct {
		State    *string `json:"state"`
		DSN      string  `json:"dsn"`
		AuthInfo *string `json:"auth_info"`
	}
	strictCreatedApplicationView struct {
		UUID string `json:"uuid"`
	}
	strictPlanGroupItemView struct {
		UUID string `json:"uuid"`
		Name string `json:"name"`
	}
	strictFailureView struct {
		NonFieldErrors []string `json:"non_field_errors"`
	}
)

// createdRepositoryAnswer is the answer to POST /apps/v3/repositories/.
func (s *Server) createdRepositoryAnswer(repo store.Repository) any {
	view := s.repositoryView(repo)
	if !s.cfg.Strict {
		return view
	}
	return strictCreatedRepositoryView{UUID: view.UUID, AuthInfo: view.AuthInfo}
}

// repositoryAnswer is the answer to GET /apps/v3/repositories/{uuid}/.
func (s *Server) repositoryAnswer(repo store.Repository) any {
	view := s.repositoryView(repo)
	if !s.cfg.Strict {
		return view
	}
	return strictRepositoryView{State: view.State, DSN: view.DSN, AuthInfo: view.AuthInfo}
}

// createdApplicationAnswer is the answer to POST /apps/v3/applications/.
// (Applications read back are the public-only view, which is what the CLI
// reads.)
func (s *Server) createdApplicationAnswer(app store.Application) any {
	if !s.cfg.Strict {
		return s.applicationView(app)
	}
	return strictCreatedApplicationView{UUID: app.UUID}
}

// planGroupListItem is a plan group in its list: the CLI reads regions
// only from the plan group's own GET.
func (s *Server) planGroupListItem(p store.PlanGroup) any {
	if !s.cfg.Strict {
		return newPlanGroupView(p)
	}
	return strictPlanGroupItemView{UUID: p.UUID, Name: p.Name}
}

// pushFailureAnswer is a failed push check: the message the CLI shows,
// and (outside strict mode) the failure's code.
func (s *Server) pushFailureAnswer(code, message string) any {
	if !s.cfg.Strict {
		return pushFailureView{NonFieldErrors: []string{message}, Code: code}
	}
	return strictFailureView{NonFieldErrors: []string{message}}
}

// beforeCheck is, in strict mode, the repository as it is before a check
// call: what stale reads answer, and what tells a restarted check of an
// INVALID repository. Outside strict mode it reads nothing (zero).
func (s *Server) beforeCheck(r *http.Request, user store.User, id string) (store.Repository, error) {
	if !s.cfg.Strict {
		return store.Repository{}, nil
	}
	return s.store.GetRepository(r.Context(), user.UUID, id)
}

// restartRefusal is, in strict mode, the 400 a check call that starts a new
// clone check of an INVALID repository answers: the previous failure. The
// check is started all the same (Divio's CLI ignores 4xx from this call
// and judges by the polled state; a client must too).
func (s *Server) restartRefusal(before store.Repository) (strictFailureView, bool) {
	if !s.cfg.Strict || before.State != store.StateInvalid {
		return strictFailureView{}, false
	}
	message := before.ErrorMessage
	if message == "" {
		message = "The repository's last check failed."
	}
	return strictFailureView{NonFieldErrors: []string{message}}, true
}

// staleReads imitates a check's Celery task that has not started yet (or
// a read replica that lags): after a check call, GETs of the repository
// answer it as it was before the call, for strictSettings.staleRead.
type staleReads struct {
	mu     sync.Mutex
	before map[string]staleRepository // by repository UUID
}

type staleRepository struct {
	repo  store.Repository
	until time.Time
}

// remember keeps the repository as it was before a check call, for
// window from now; it forgets what has expired. A zero repository or
// window does nothing.
func (sr *staleReads) remember(repo store.Repository, now time.Time, window time.Duration) {
	if repo.UUID == "" || window <= 0 {
		return
	}
	sr.mu.Lock()
	defer sr.mu.Unlock()
	if sr.before == nil {
		sr.before = map[string]staleRepository{}
	}
	for id, entry := range sr.before {
		if !now.Before(entry.until) {
			delete(sr.before, id)
		}
	}
	sr.before[repo.UUID] = staleRepository{repo: repo, until: now.Add(window)}
}

// read is the repository as a GET answers it now: as it was before the
// last check call while that call's window lasts, else as it is.
func (sr *staleReads) read(repo store.Repository, now time.Time) store.Repository {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	if entry, ok := sr.before[repo.UUID]; ok && now.Before(entry.until) {
		return entry.repo
	}
	return repo
}
