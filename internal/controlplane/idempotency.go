// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

const (
	idempotencyKeyHeader = "Idempotency-Key"
	replayedHeader       = "Idempotent-Replayed"
	maxIdempotencyKeyLen = 255
	// idempotencyTTL is how long an answer is kept for replay.
	idempotencyTTL = 24 * time.Hour
)

// idempotent makes a POST replayable: with an Idempotency-Key, the first
// request runs and its answer is stored; a repeat of the same request gets
// the stored answer, a different request with the same key a 422. In
// public-only mode the header is ignored, as api.divio.com is assumed to
// (a retried POST acts twice).
func (s *Server) idempotent(next httpx.UserHandler) httpx.UserHandler {
	return func(w http.ResponseWriter, r *http.Request, user store.User) {
		key := r.Header.Get(idempotencyKeyHeader)
		if key == "" || s.cfg.PublicOnly {
			next(w, r, user)
			return
		}
		if len(key) > maxIdempotencyKeyLen {
			s.writeError(w, r, httpx.FieldError(httpx.NonFieldErrors, "Idempotency-Key must be at most 255 characters."))
			return
		}
		body, err := httpx.ReadBody(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		fingerprint := requestFingerprint(r, body)

		// Without this lock two concurrent first requests would both miss
		// the record and both execute.
		unlock := s.idempotencyLocks.lock(user.UUID + "\x00" + key)
		defer unlock()

		now := s.now()
		record, err := s.store.IdempotencyRecord(r.Context(), user.UUID, key, now.Add(-idempotencyTTL))
		switch {
		case err == nil && record.RequestSHA256 == fingerprint:
			w.Header().Set(replayedHeader, "true")
			writeStored(w, record.StatusCode, record.ResponseBody)
			return
		case err == nil:
			httpx.WriteJSON(w, http.StatusUnprocessableEntity, httpx.FieldError(httpx.NonFieldErrors, msgKeyReused))
			return
		case !errors.Is(err, store.ErrNotFound):
			s.writeError(w, r, err)
			return
		}
		s.runClaimed(w, r, user, next, store.IdempotencyRecord{UserUUID: user.UUID, Key: key, RequestSHA256: fingerprint, CreatedAt: now})
	}
}

const msgKeyReused = "Idempotency-Key was already used for a different request."

// runClaimed runs a request under its claimed key, so that the object it
// creates is recorded against the key in the same transaction: a repeat
// after a crash (object made, answer not stored) finds the object instead
// of making another. It then stores the answer; when that fails the
// request fails too, and its repeat answers from the claim.
func (s *Server) runClaimed(w http.ResponseWriter, r *http.Request, user store.User, next httpx.UserHandler, record store.IdempotencyRecord) {
	ctx := r.Context()
	err := s.store.ClaimIdempotencyKey(ctx, user.UUID, record.Key, record.RequestSHA256, record.CreatedAt, record.CreatedAt.Add(-idempotencyTTL))
	switch {
	case errors.Is(err, store.ErrConflict):
		httpx.WriteJSON(w, http.StatusUnprocessableEntity, httpx.FieldError(httpx.NonFieldErrors, msgKeyReused))
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	}
	recorder := httpx.NewRecorder()
	next(recorder, r.WithContext(store.WithClaim(ctx, store.Claim{UserUUID: user.UUID, Key: record.Key})), user)
	// A 5xx is not stored: the request may not have taken effect, and a
	// retry with the same key should be able to run it again.
	if recorder.Status < http.StatusInternalServerError {
		record.StatusCode, record.ResponseBody = recorder.Status, recorder.Body.Bytes()
		if err := s.store.SaveIdempotencyRecord(ctx, record, record.CreatedAt.Add(-idempotencyTTL)); err != nil {
			s.logger.LogAttrs(ctx, slog.LevelError, "storing idempotency record failed",
				slog.String("path", httpx.LogPath(r)), slog.String("error", err.Error()))
			httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"detail": "The request was carried out but its " +
				"answer could not be stored: repeat it with the same Idempotency-Key to get the answer."})
			return
		}
	}
	recorder.CopyTo(w)
}

// requestFingerprint identifies method, path and body; the escaped path
// cannot contain the newline that separates it from the body.
func requestFingerprint(r *http.Request, body []byte) string {
	hash := sha256.New()
	_, _ = io.WriteString(hash, r.Method+" "+r.URL.EscapedPath()+"\n") // a hash never fails to write
	hash.Write(body)
	return hex.EncodeToString(hash.Sum(nil))
}

// writeStored sends a stored answer; every body this API sends is JSON.
func writeStored(w http.ResponseWriter, status int, body []byte) {
	if len(body) > 0 {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// keyedMutex is a set of mutexes by name, each kept only while in use.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*countedMutex
}

type countedMutex struct {
	sync.Mutex
	holders int // goroutines holding or waiting for the mutex
}

// lock locks the mutex named key and returns its unlock function.
func (k *keyedMutex) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*countedMutex{}
	}
	m := k.locks[key]
	if m == nil {
		m = &countedMutex{}
		k.locks[key] = m
	}
	m.holders++
	k.mu.Unlock()

	m.Lock()
	return func() {
		m.Unlock()
		k.mu.Lock()
		m.holders--
		if m.holders == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
