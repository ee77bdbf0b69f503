// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestErrorParsing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		method string
		answer http.HandlerFunc
		check  func(t *testing.T, e *Error)
		text   string
	}{
		{
			name:   "detail",
			method: http.MethodGet,
			answer: reply(http.StatusNotFound, map[string]string{"detail": "Not found."}),
			check: func(t *testing.T, e *Error) {
				if e.Detail != "Not found." {
					t.Errorf("Detail = %q", e.Detail)
				}
			},
			text: "GET /apps/v3/repositories/k1/: 404 Not found.",
		},
		{
			name:   "field errors",
			method: http.MethodPost,
			answer: reply(http.StatusBadRequest, map[string]any{
				"key_type":    []string{`"X" is not a valid choice.`},
				"application": []string{"This field is required.", "Second message."},
			}),
			check: func(t *testing.T, e *Error) {
				want := map[string][]string{
					"key_type":    {`"X" is not a valid choice.`},
					"application": {"This field is required.", "Second message."},
				}
				if !reflect.DeepEqual(e.FieldErrors, want) {
					t.Errorf("FieldErrors = %v, want %v", e.FieldErrors, want)
				}
			},
			text: `POST /apps/v3/repositories/k1/: 400 application: This field is required.; application: Second message.; key_type: "X" is not a valid choice.`,
		},
		{
			name:   "non_field_errors",
			method: http.MethodDelete,
			answer: reply(http.StatusBadRequest, map[string]any{"non_field_errors": []string{"The key is in use by a repository binding."}}),
			check: func(t *testing.T, e *Error) {
				if len(e.NonFieldErrors) != 1 || e.FieldErrors != nil {
					t.Errorf("NonFieldErrors = %v, FieldErrors = %v", e.NonFieldErrors, e.FieldErrors)
				}
			},
			text: "DELETE /apps/v3/repositories/k1/: 400 The key is in use by a repository binding.",
		},
		{
			name:   "nested and scalar metadata",
			method: http.MethodPost,
			answer: reply(http.StatusBadRequest, map[string]any{
				"code":   "invalid",
				"auth":   map[string]any{"username": []string{"Required."}},
				"hosts":  []any{map[string]any{}, map[string]any{"name": []string{"Bad."}}},
				"detail": "Invalid input.",
			}),
			check: func(t *testing.T, e *Error) {
				want := map[string][]string{"auth.username": {"Required."}, "hosts[1].name": {"Bad."}}
				if !reflect.DeepEqual(e.FieldErrors, want) {
					t.Errorf("FieldErrors = %v, want %v", e.FieldErrors, want)
				}
			},
			text: "POST /apps/v3/repositories/k1/: 400 Invalid input.; auth.username: Required.; hosts[1].name: Bad.",
		},
		{
			name:   "HTML from a proxy",
			method: http.MethodGet,
			answer: raw(http.StatusBadGateway, "text/html", "<html>\n  <h1>502 Bad Gateway</h1>\n</html>"),
			check: func(t *testing.T, e *Error) {
				if !strings.Contains(e.Body, "<h1>502 Bad Gateway</h1>") || e.Detail != "" {
					t.Errorf("Body = %q, Detail = %q", e.Body, e.Detail)
				}
			},
			text: "GET /apps/v3/repositories/k1/: 502 Bad Gateway: <html> <h1>502 Bad Gateway</h1> </html> (after 65 attempts)",
		},
		{
			name:   "request id",
			method: http.MethodGet,
			answer: reply(http.StatusForbidden, map[string]string{"detail": "You do not have permission."}, "X-Request-Id", "req-42"),
			text:   "GET /apps/v3/repositories/k1/: 403 You do not have permission. (request ID req-42)",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestClient(t, newScript(tc.answer), func(cfg *Config) { cfg.RetryWaitMax = cfg.RetryWaitMin })
			err := c.Do(context.Background(), tc.method, "/apps/v3/repositories/k1/", nil, nil, nil)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if tc.check != nil {
				tc.check(t, e)
			}
			if err.Error() != tc.text {
				t.Errorf("Error() =\n  %q\nwant\n  %q", err.Error(), tc.text)
			}
		})
	}
}

func TestErrorBodyTruncated(t *testing.T) {
	body := strings.Repeat("é", 3000) // 6000 bytes, two per character
	c, _ := newTestClient(t, newScript(raw(http.StatusBadRequest, "text/plain", body)))
	err := c.Do(context.Background(), http.MethodGet, "/x/", nil, nil, nil)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatal(err)
	}
	if len(e.Body) > maxErrorBody+len("…") || !strings.HasSuffix(e.Body, "…") {
		t.Errorf("Body is %d bytes, want at most 4 KiB and marked as cut", len(e.Body))
	}
	if strings.ContainsRune(e.Body, '\uFFFD') || !strings.HasPrefix(e.Body, "éé") {
		t.Error("Body was cut inside a character")
	}
}

func TestIsNotFoundAndIsUnauthorized(t *testing.T) {
	wrapped := func(code int) error { return fmt.Errorf("reading: %w", &Error{StatusCode: code}) }
	for _, tc := range []struct {
		err                    error
		notFound, unauthorized bool
	}{
		{wrapped(404), true, false},
		{wrapped(401), false, true},
		{wrapped(403), false, true},
		{wrapped(400), false, false},
		{errors.New("404"), false, false},
		{nil, false, false},
	} {
		if got := IsNotFound(tc.err); got != tc.notFound {
			t.Errorf("IsNotFound(%v) = %v", tc.err, got)
		}
		if got := IsUnauthorized(tc.err); got != tc.unauthorized {
			t.Errorf("IsUnauthorized(%v) = %v", tc.err, got)
		}
	}
}
