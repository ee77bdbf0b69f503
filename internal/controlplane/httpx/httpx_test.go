// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package httpx

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

// net/http's own error answers become JSON; a handler's answers, and
// anything that is not an error, are left alone.
func TestJSONServerError(t *testing.T) {
	for raw, status := range map[string]int{
		"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request: malformed Host header": 400,
		"HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nDate: Mon, 02 Jan 2006 15:04:05 GMT\r\nContent-Length: 0\r\n\r\n":               417,
	} {
		answer, ok := JSONServerError([]byte(raw))
		if !ok {
			t.Fatalf("%q not rewritten", raw)
		}
		resp, err := http.ReadResponse(bufioReader(answer), nil)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]string
		if resp.StatusCode != status || resp.Header.Get("Content-Type") != "application/json" ||
			json.NewDecoder(resp.Body).Decode(&body) != nil || body["detail"] == "" {
			t.Errorf("%q became %d %v", raw, resp.StatusCode, body)
		}
	}
	for _, raw := range []string{
		"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nno", // a handler's (sorted headers)
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nfine",
		`{"detail": "HTTP/1.1 417"}`,
	} {
		if _, ok := JSONServerError([]byte(raw)); ok {
			t.Errorf("%q was rewritten", raw)
		}
	}
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// The pipeline's stages run in order: limits, content type,
// authentication, rate limit, handler; the first to refuse answers.
func TestPipelineStagesInOrder(t *testing.T) {
	var served []string
	p := &Pipeline{
		Logger: discard(),
		Users: func(_ *http.Request, token string) (store.User, error) {
			if token == "good" {
				return store.User{UUID: "u"}, nil
			}
			return store.User{}, store.ErrNotFound
		},
		Throttle: 0,
	}
	p.API("POST /things/{$}", func(w http.ResponseWriter, r *http.Request, user store.User) {
		body, _ := ReadBody(r)
		served = append(served, user.UUID+":"+string(body))
		WriteJSON(w, http.StatusCreated, map[string]string{})
	})
	handler := p.Handler()
	for _, c := range []struct {
		name, token, contentType, body string
		status                         int
	}{
		{"too large before anything", "", "text/plain", strings.Repeat("x", MaxBodyBytes+1), http.StatusRequestEntityTooLarge},
		{"not JSON before authentication", "", "text/plain", "x", http.StatusUnsupportedMediaType},
		{"no credentials", "", "application/json", "{}", http.StatusUnauthorized},
		{"unknown token", "bad", "application/json", "{}", http.StatusUnauthorized},
		{"served", "good", "application/json", "{}", http.StatusCreated},
		{"empty body needs no type", "good", "", "", http.StatusCreated},
	} {
		req := httptest.NewRequest(http.MethodPost, "/things/", strings.NewReader(c.body))
		if c.token != "" {
			req.Header.Set("Authorization", "Token "+c.token)
		}
		if c.contentType != "" {
			req.Header.Set("Content-Type", c.contentType)
		}
		recorder := httptest.NewRecorder()
		handler.ServeHTTP(recorder, req)
		if recorder.Code != c.status || recorder.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %q %s", c.name, recorder.Code, recorder.Header().Get("Content-Type"), recorder.Body)
		}
	}
	if fmt.Sprint(served) != "[u:{} u:]" {
		t.Errorf("served %v", served)
	}
}

// Strict throttling is the rate-limit stage: after authentication.
func TestThrottleComesAfterAuthentication(t *testing.T) {
	p := &Pipeline{Logger: discard(), Throttle: 1, Users: func(*http.Request, string) (store.User, error) { return store.User{}, nil }}
	p.API("GET /x/{$}", func(w http.ResponseWriter, _ *http.Request, _ store.User) { w.WriteHeader(http.StatusNoContent) })
	handler := p.Handler()
	for token, status := range map[string]int{"": http.StatusUnauthorized, "any": http.StatusTooManyRequests} {
		req := httptest.NewRequest(http.MethodGet, "/x/", nil)
		if token != "" {
			req.Header.Set("Authorization", "Token "+token)
		}
		recorder := httptest.NewRecorder()
		handler.ServeHTTP(recorder, req)
		if recorder.Code != status || (status == http.StatusTooManyRequests && recorder.Header().Get("Retry-After") != "1") {
			t.Errorf("token %q: %d %v", token, recorder.Code, recorder.Header())
		}
	}
}

// A broken body is a 400, a late one a 408, a large one a 413.
func TestBodyErrors(t *testing.T) {
	for err, status := range map[error]int{
		io.ErrUnexpectedEOF:                        http.StatusBadRequest,
		errors.New("invalid byte in chunk length"): http.StatusBadRequest,
		&http.MaxBytesError{Limit: 1}:              http.StatusRequestEntityTooLarge,
		fmt.Errorf("read: %w", timeoutError{}):     http.StatusRequestTimeout,
	} {
		var answer *Error
		if !errors.As(bodyError(err), &answer) || answer.Status != status {
			t.Errorf("%v: %v, want %d", err, bodyError(err), status)
		}
	}
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// A keyed limiter gives each key its own bucket and keeps a bounded number.
func TestKeyedLimiter(t *testing.T) {
	l := KeyedLimiter{Rate: 1, Burst: 2}
	for i, want := range []bool{true, true, false} {
		if got := l.Allow("a"); got != want {
			t.Fatalf("a's take %d: %v, want %v (a burst of 2)", i+1, got, want)
		}
	}
	if !l.Allow("b") {
		t.Fatal("b is limited by a's spending")
	}
	for i := range 3 * maxBuckets {
		l.Allow(fmt.Sprint("flood-", i))
	}
	if n := len(l.buckets); n > maxBuckets {
		t.Fatalf("%d buckets kept, want at most %d", n, maxBuckets)
	}
}

// Timeouts' zero fields are the defaults.
func TestTimeoutsWithDefaults(t *testing.T) {
	got := Timeouts{Body: time.Second}.WithDefaults()
	want := DefaultTimeouts
	want.Body = time.Second
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
