// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

// nonFieldErrors is the key DRF uses for errors about a request as a whole.
const nonFieldErrors = "non_field_errors"

// maxBodyBytes bounds every request body; the API's bodies are tiny.
const maxBodyBytes = 1 << 20

// detailError is an error answered as {"detail": "..."} with its status.
type detailError struct {
	status int
	detail string
}

func (e *detailError) Error() string { return fmt.Sprintf("%d %s", e.status, e.detail) }

var (
	errNotFound    = &detailError{http.StatusNotFound, "Not found."}
	errInvalidPage = &detailError{http.StatusNotFound, "Invalid page."}
	errBodyTooBig  = &detailError{http.StatusRequestEntityTooLarge, "Request body is larger than 1 MiB."}
)

// validationErrors is a 400 answer: messages by field name, or under
// non_field_errors for the request as a whole.
type validationErrors map[string][]string

func (v validationErrors) Error() string {
	parts := make([]string, 0, len(v))
	for field, messages := range v {
		parts = append(parts, field+": "+strings.Join(messages, " "))
	}
	return strings.Join(parts, "; ")
}

func (v validationErrors) add(field, message string) { v[field] = append(v[field], message) }

// orNil lets a handler collect messages and return them only if there are any.
func (v validationErrors) orNil() error {
	if len(v) == 0 {
		return nil
	}
	return v
}

func fieldError(field, message string) validationErrors {
	return validationErrors{field: {message}}
}

// writeError answers err: API errors as themselves, store.ErrNotFound as
// 404, anything else as a logged 500 that tells the client nothing more.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var detail *detailError
	var invalid validationErrors
	switch {
	case errors.As(err, &detail):
		if detail.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", "Token")
		}
		writeJSON(w, detail.status, map[string]string{"detail": detail.detail})
	case errors.As(err, &invalid):
		writeJSON(w, http.StatusBadRequest, invalid)
	case errors.Is(err, store.ErrNotFound):
		writeJSON(w, http.StatusNotFound, map[string]string{"detail": errNotFound.detail})
	default:
		s.logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("method", r.Method), slog.String("path", logPath(r)), slog.String("error", err.Error()))
		writeJSON(w, http.StatusInternalServerError, map[string]string{"detail": "A server error occurred."})
	}
}
