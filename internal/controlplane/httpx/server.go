// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package httpx

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// Timeouts bound how long a client may take over each part of a request,
// so that no client holds a connection by sending slowly (slowloris) or
// not reading its answer. Zero fields are DefaultTimeouts'.
type Timeouts struct {
	// Header bounds the request line and headers.
	Header time.Duration
	// Body bounds the body, once the headers are in.
	Body time.Duration
	// Idle bounds the wait for the next request on a kept-alive connection.
	Idle time.Duration
	// Write bounds the answer, from the end of the headers, of a route
	// that does no Git work.
	Write time.Duration
	// GitWrite bounds the answer of a route that waits for Git work (see
	// Pipeline.WaitsForGit).
	GitWrite time.Duration
}

// DefaultTimeouts are the timeouts of the binary, and why:
//
//   - Header, 10 s: every real client (the provider, Divio's CLI, GitHub,
//     GitLab, Bitbucket) sends the request line and headers at once.
//   - Body, 30 s: no body is over MaxBodyBytes (1 MiB): the largest are the
//     deliveries of a large push, which list its commits. 30 s carries
//     1 MiB at 35 KB/s, a slower link than any Git host delivers from (they
//     give up on a delivery after 10 s anyway), and the API's own bodies
//     are a few hundred bytes.
//   - Idle, 2 min: longer than the 90 s after which Go's HTTP clients (the
//     provider's) close an idle connection, so that the client closes it,
//     never the server under a request the client just sent on it.
//   - Write, 1 min: an answer that does no Git work is read from SQLite in
//     milliseconds; a minute leaves room for a busy database (it waits
//     5 s for a writer) and a slow reader of a page of 100 objects.
//   - GitWrite, 21 min: an Update or Reset to origin may wait for the sync
//     of its repository that is running (at most gitops.DefaultSyncTimeout,
//     10 min, for a slow Git host or a large push) and then run its own
//     (the same again); a push check or a branch lookup takes at most
//     gitops.DefaultTimeout (1 min). The answer is a few KiB.
var DefaultTimeouts = Timeouts{
	Header:   10 * time.Second,
	Body:     30 * time.Second,
	Idle:     2 * time.Minute,
	Write:    time.Minute,
	GitWrite: 2*gitops.DefaultSyncTimeout + time.Minute,
}

// WithDefaults fills the zero fields of t from DefaultTimeouts.
func (t Timeouts) WithDefaults() Timeouts {
	or := func(d, fallback time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return fallback
	}
	return Timeouts{
		Header:   or(t.Header, DefaultTimeouts.Header),
		Body:     or(t.Body, DefaultTimeouts.Body),
		Idle:     or(t.Idle, DefaultTimeouts.Idle),
		Write:    or(t.Write, DefaultTimeouts.Write),
		GitWrite: or(t.GitWrite, DefaultTimeouts.GitWrite),
	}
}

// maxHeaderBytes bounds the request line and headers: a token and a few
// standard headers, or a Git host's dozen X- headers, are far less.
const maxHeaderBytes = 64 << 10

// NewServer is the http.Server that serves handler in production, with
// t's timeouts (the pipeline lifts the read deadline once a body is in,
// and extends the write deadline of routes that wait for Git work). Serve
// it on JSONErrorsListener, so that net/http's own errors are JSON too.
func NewServer(handler http.Handler, t Timeouts, logger *slog.Logger) *http.Server {
	t = t.WithDefaults()
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: t.Header,
		ReadTimeout:       t.Header + t.Body,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}
