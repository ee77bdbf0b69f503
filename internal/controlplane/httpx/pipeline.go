// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package httpx is the control plane's HTTP plumbing: the one request
// pipeline every route goes through (see Pipeline), JSON in and out, error
// answers, the listener that words net/http's own errors in JSON, the
// http.Server's timeouts, and injected faults.
package httpx

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

// Pipeline serves every route of the API. A request goes through, in this
// order and nowhere else:
//
//  0. routing: an unknown route is 404, a known one with another method
//     405, a path the router cleans a 307 (all JSON); an extension route
//     in public-only mode is 404 before anything else, as on api.divio.com;
//  1. size and time limits: the whole body is read, at most MaxBodyBytes
//     (413) within Timeouts.Body (408), its framing sound (400);
//  2. content type: a body that is not JSON is 415, whatever the method;
//  3. authentication: an API route's token (401), a delivery's webhook and
//     signature (404, 401);
//  4. rate limit: strict mode's throttling of API requests (429), a
//     webhook's budget of deliveries (429);
//  5. the handler.
//
// Around it all: the access log and panic recovery (observe), and, in
// front of API routes only, the faults a test or demonstration injects,
// which act first as a failing proxy would.
type Pipeline struct {
	// Logger records the access log and failures.
	Logger *slog.Logger
	// PublicOnly makes extension routes answer 404.
	PublicOnly bool
	// Users finds the user an API token belongs to (store.ErrNotFound if none).
	Users func(r *http.Request, token string) (store.User, error)
	// Throttle is the share of authenticated API requests answered 429
	// before they run (strict mode); 0 is none.
	Throttle float64
	// Faults, when set, injects failures in front of API routes.
	Faults *Faults
	// Timeouts bound the body read (Body) and the answer of routes that
	// wait for Git work (GitWrite); see Timeouts.
	Timeouts Timeouts

	mux *http.ServeMux
}

// UserHandler serves a request of an authenticated user.
type UserHandler func(w http.ResponseWriter, r *http.Request, user store.User)

// Route is how the pipeline serves one kind of route, C being who sent a
// request once authenticated (a user, a webhook).
type Route[C any] struct {
	// Authenticate tells who sent the request, whose body (read and of the
	// right type) it is given; an error refuses the request.
	Authenticate func(r *http.Request, body []byte) (C, error)
	// Limit, if set, spends the caller's budget; an error refuses the request.
	Limit func(r *http.Request, caller C) error
	// Refuse answers a request one of the stages refused, in the route's shape.
	Refuse func(w http.ResponseWriter, r *http.Request, err error)
	// Serve is the handler.
	Serve func(w http.ResponseWriter, r *http.Request, caller C)
}

// Handle registers a route, served by the pipeline's stages in order.
// An extension route answers 404 in public-only mode.
func Handle[C any](p *Pipeline, pattern string, extension bool, route Route[C]) {
	p.register(pattern, extension, stages(p, route))
}

// stages is the pipeline of one route, from the body's limits to the handler.
func stages[C any](p *Pipeline, route Route[C]) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(w, r, p.Timeouts.Body) // 1. size and time limits
		if err == nil {
			err = checkContentType(r, body) // 2. content type
		}
		var caller C
		if err == nil {
			caller, err = route.Authenticate(r, body) // 3. authentication
		}
		if err == nil && route.Limit != nil {
			err = route.Limit(r, caller) // 4. rate limit
		}
		if err != nil {
			route.Refuse(w, r, err)
			return
		}
		route.Serve(w, r, caller) // 5. the handler
	})
}

// register routes pattern to handler; an extension route answers 404 in
// public-only mode, before any stage (Django resolves the URL first).
func (p *Pipeline) register(pattern string, extension bool, handler http.Handler) {
	if p.mux == nil {
		p.mux = http.NewServeMux()
	}
	if extension && p.PublicOnly {
		handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			WriteJSON(w, http.StatusNotFound, map[string]string{"detail": ErrNotFound.Detail})
		})
	}
	p.mux.Handle(pattern, handler)
}

// API registers a route of Divio's public API, for authenticated users.
func (p *Pipeline) API(pattern string, handler UserHandler) { p.user(pattern, false, handler) }

// Extension registers a route of this project's extensions, for
// authenticated users; in public-only mode it answers 404.
func (p *Pipeline) Extension(pattern string, handler UserHandler) { p.user(pattern, true, handler) }

// user registers a route for authenticated users, behind the injected
// faults, which act first as a failing proxy in front would.
func (p *Pipeline) user(pattern string, extension bool, handler UserHandler) {
	p.register(pattern, extension, p.Faults.inject(stages(p, Route[store.User]{
		Authenticate: p.authenticate,
		Limit:        p.throttle,
		Refuse:       p.WriteError,
		Serve:        handler,
	})))
}

// WriteError answers err with the pipeline's logger (see WriteError).
func (p *Pipeline) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	WriteError(p.Logger, w, r, err)
}

// authenticate resolves "Authorization: Token <token>" to its user, as
// DRF's TokenAuthentication does.
func (p *Pipeline) authenticate(r *http.Request, _ []byte) (store.User, error) {
	token, err := TokenFromHeader(r.Header.Get("Authorization"))
	if err != nil {
		return store.User{}, err
	}
	user, err := p.Users(r, token)
	if errors.Is(err, store.ErrNotFound) {
		err = ErrInvalidToken
	}
	return user, err
}

// throttle answers a share of API requests 429 before they run, as DRF
// throttles before the view: a repeat never acts twice.
func (p *Pipeline) throttle(*http.Request, store.User) error {
	if p.Throttle > 0 && rand.Float64() < p.Throttle {
		return ErrThrottled
	}
	return nil
}

// WaitsForGit marks a handler that waits for Git work (a push check, a
// branch lookup at the remote, a sync): its answer may come as late as
// Timeouts.GitWrite after the request, rather than Timeouts.Write.
func (p *Pipeline) WaitsForGit(handler UserHandler) UserHandler {
	return func(w http.ResponseWriter, r *http.Request, user store.User) {
		if p.Timeouts.GitWrite > 0 {
			_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(p.Timeouts.GitWrite))
		}
		handler(w, r, user)
	}
}

// Handler is the whole API: middleware (first = outermost) around the
// access log, around the routes.
func (p *Pipeline) Handler(middleware ...func(http.Handler) http.Handler) http.Handler {
	if p.mux == nil {
		p.mux = http.NewServeMux()
	}
	handler := p.observe(jsonRouting(p.mux))
	for i := len(middleware) - 1; i >= 0; i-- {
		handler = middleware[i](handler)
	}
	return handler
}
