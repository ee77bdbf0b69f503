// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package httpx

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Faults makes the server misbehave on purpose, for resilience tests and
// demonstrations: a share of API requests (not webhook deliveries) is
// answered 429 or 503 before it runs, delayed, or carried out with its
// answer dropped (the connection closed, as when a proxy or the network
// fails after the server acted). Rates are between 0 and 1.
type Faults struct {
	TooManyRequests float64       // answered 429 with Retry-After, not run
	Unavailable     float64       // answered 503 with Retry-After, not run
	Slow            float64       // run after SlowDelay
	SlowDelay       time.Duration // default 2 s
	Dropped         float64       // run, then the answer dropped
	RetryAfter      int           // seconds in Retry-After; default 1

	// Off turns every fault off at once (tests that want a clean read).
	Off atomic.Bool
}

// active reports whether any fault is configured.
func (f *Faults) active() bool {
	return f != nil && f.TooManyRequests+f.Unavailable+f.Slow+f.Dropped > 0
}

// inject serves next with the configured faults.
func (f *Faults) inject(next http.Handler) http.Handler {
	if !f.active() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.Off.Load() {
			next.ServeHTTP(w, r)
			return
		}
		roll := rand.Float64()
		switch {
		case roll < f.TooManyRequests:
			f.refuse(w, http.StatusTooManyRequests, "Request was throttled (injected fault).")
		case roll < f.TooManyRequests+f.Unavailable:
			f.refuse(w, http.StatusServiceUnavailable, "Service unavailable (injected fault).")
		case roll < f.TooManyRequests+f.Unavailable+f.Dropped:
			next.ServeHTTP(NewRecorder(), r) // carried out; the answer is lost
			dropConnection(w)
		case roll < f.TooManyRequests+f.Unavailable+f.Dropped+f.Slow:
			time.Sleep(cmpOr(f.SlowDelay, 2*time.Second))
			next.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func (f *Faults) refuse(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Retry-After", strconv.Itoa(max(f.RetryAfter, 1)))
	WriteJSON(w, status, map[string]string{"detail": detail})
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // the server closes the connection
	}
	_ = conn.Close()
}

func cmpOr(d, fallback time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return fallback
}
