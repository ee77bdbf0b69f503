// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package httpx

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

// NonFieldErrors is the key DRF uses for errors about a request as a whole.
const NonFieldErrors = "non_field_errors"

// Error is an error answered as {"detail": "..."} with its status.
type Error struct {
	Status int
	Detail string
	// RetryAfter, when positive, is sent as Retry-After (seconds).
	RetryAfter int
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Detail) }

// The errors more than one part of the API answers.
var (
	ErrNotFound      = &Error{Status: http.StatusNotFound, Detail: "Not found."}
	ErrNoCredentials = &Error{Status: http.StatusUnauthorized, Detail: "Authentication credentials were not provided."}
	ErrInvalidToken  = &Error{Status: http.StatusUnauthorized, Detail: "Invalid token."}
	ErrBodyTooBig    = &Error{Status: http.StatusRequestEntityTooLarge, Detail: "Request body is larger than 1 MiB."}
	ErrBodyTimeout   = &Error{Status: http.StatusRequestTimeout, Detail: "The request body did not arrive in time."}
	// ErrThrottled is DRF's answer to a throttled request.
	ErrThrottled = &Error{Status: http.StatusTooManyRequests, Detail: "Request was throttled. Expected available in 1 second.", RetryAfter: 1}
)

// ValidationErrors is a 400 answer: messages by field name, or under
// NonFieldErrors for the request as a whole.
type ValidationErrors map[string][]string

func (v ValidationErrors) Error() string {
	parts := make([]string, 0, len(v))
	for field, messages := range v {
		parts = append(parts, field+": "+strings.Join(messages, " "))
	}
	return strings.Join(parts, "; ")
}

// Add adds a message under field.
func (v ValidationErrors) Add(field, message string) { v[field] = append(v[field], message) }

// OrNil lets a handler collect messages and return them only if there are any.
func (v ValidationErrors) OrNil() error {
	if len(v) == 0 {
		return nil
	}
	return v
}

// FieldError is one message under one field.
func FieldError(field, message string) ValidationErrors {
	return ValidationErrors{field: {message}}
}

// WriteError answers err: API errors as themselves, store.ErrNotFound as
// 404, anything else as a 500 that tells the client nothing more (and that
// logger records).
func WriteError(logger *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	var detail *Error
	var invalid ValidationErrors
	switch {
	case errors.As(err, &detail):
		if detail.Status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", "Token")
		}
		if detail.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(detail.RetryAfter))
		}
		WriteJSON(w, detail.Status, map[string]string{"detail": detail.Detail})
	case errors.As(err, &invalid):
		WriteJSON(w, http.StatusBadRequest, invalid)
	case errors.Is(err, store.ErrNotFound):
		WriteJSON(w, http.StatusNotFound, map[string]string{"detail": ErrNotFound.Detail})
	default:
		logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("method", r.Method), slog.String("path", LogPath(r)), slog.String("error", err.Error()))
		WriteJSON(w, http.StatusInternalServerError, map[string]string{"detail": "A server error occurred."})
	}
}
