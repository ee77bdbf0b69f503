// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package httpx

import (
	"bytes"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"time"
)

// observe logs one line per request (never headers or bodies, which carry
// tokens) and turns a panic into a 500.
func (p *Pipeline) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if recovered := recover(); recovered != nil {
				if recovered == http.ErrAbortHandler {
					panic(recovered)
				}
				p.Logger.LogAttrs(r.Context(), slog.LevelError, "handler panicked",
					slog.String("method", r.Method), slog.String("path", LogPath(r)), slog.Any("panic", recovered))
				if sw.status == 0 {
					WriteJSON(sw, http.StatusInternalServerError, map[string]string{"detail": "A server error occurred."})
				}
			}
			p.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("method", r.Method), slog.String("path", LogPath(r)),
				slog.Int("status", sw.statusOrOK()), slog.Duration("duration", time.Since(start)))
		}()
		next.ServeHTTP(sw, r)
	})
}

// SecretPathPrefix is the path under which the rest of a path is a
// credential: the receiver of webhook deliveries, /hooks/v1/{token}/.
const SecretPathPrefix = "/hooks/v1/"

// LogPath is the request's path as logs show it: a webhook's URL token is
// a credential, so it is left out.
func LogPath(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, SecretPathPrefix) {
		return SecretPathPrefix + "{token}/"
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

// Recorder holds a handler's answer so that it can be inspected (and
// stored) before it is sent, or dropped.
type Recorder struct {
	header http.Header
	Status int
	Body   bytes.Buffer
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{header: http.Header{}} }

func (r *Recorder) Header() http.Header { return r.header }

func (r *Recorder) WriteHeader(status int) {
	if r.Status == 0 {
		r.Status = status
	}
}

func (r *Recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.Body.Write(b)
}

// CopyTo sends the recorded answer.
func (r *Recorder) CopyTo(w http.ResponseWriter) {
	maps.Copy(w.Header(), r.header)
	w.WriteHeader(max(r.Status, http.StatusOK)) // status 0: the handler wrote nothing
	_, _ = w.Write(r.Body.Bytes())
}
