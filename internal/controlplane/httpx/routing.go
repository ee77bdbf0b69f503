// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package httpx

import (
	"fmt"
	"net/http"
)

// jsonRouting serves mux, but answers in JSON, as DRF does, what the mux
// answers by itself: 404 for a request no route takes, 405 (with Allow)
// for a known route with another method, and the 307 that sends a path
// the mux cleans ("//", "/./", "/x/../", a missing trailing slash) to its
// clean form (with Location).
func jsonRouting(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fallback, pattern := mux.Handler(r)
		if pattern != "" {
			// ServeHTTP, not fallback: it sets the path values. Our handlers
			// never redirect, so a redirect is the mux's.
			mux.ServeHTTP(&jsonRedirects{ResponseWriter: w}, r)
			return
		}
		// Let the mux tell 404 from 405 and compute Allow, then reword it.
		recorder := NewRecorder()
		fallback.ServeHTTP(recorder, r)
		if recorder.Status != http.StatusMethodNotAllowed {
			WriteJSON(w, http.StatusNotFound, map[string]string{"detail": ErrNotFound.Detail})
			return
		}
		w.Header().Set("Allow", recorder.Header().Get("Allow"))
		WriteJSON(w, http.StatusMethodNotAllowed, map[string]string{"detail": fmt.Sprintf("Method %q not allowed.", r.Method)})
	})
}

// jsonRedirects answers a redirect with a JSON body instead of the HTML
// that http.Redirect writes.
type jsonRedirects struct {
	http.ResponseWriter
	redirected bool
}

func (w *jsonRedirects) WriteHeader(status int) {
	if status < 300 || status > 399 || w.redirected {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.redirected = true
	location := w.Header().Get("Location")
	WriteJSON(w.ResponseWriter, status, map[string]string{"detail": fmt.Sprintf("This resource is at %s: send the request there.", location)})
}

func (w *jsonRedirects) Write(b []byte) (int, error) {
	if w.redirected {
		return len(b), nil // http.Redirect's HTML
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *jsonRedirects) Unwrap() http.ResponseWriter { return w.ResponseWriter }
