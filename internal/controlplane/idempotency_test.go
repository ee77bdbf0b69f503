// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/sshkey"
)

func countRepositories(t *testing.T, ts *testServer) int {
	t.Helper()
	var list listResponse[repositoryView]
	ts.request(http.MethodGet, "/apps/v3/repositories/", adaToken, nil).expect(t, http.StatusOK, &list)
	return list.Count
}

// repositoryBody is a request body creating an SSH repository of an organisation.
func repositoryBody(organisation, keyType string) string {
	body := `{"organisation": "` + organisation + `", "url": "` + sshURL + `"`
	if keyType != "" {
		body += `, "key_type": "` + keyType + `"`
	}
	return body + `}`
}

func TestIdempotentReplay(t *testing.T) {
	ts := newTestServer(t)
	body := repositoryBody(ts.seed.Organisations["Acme"], "ECDSA")
	first := ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, body, "Idempotency-Key", "key-1")
	first.expect(t, http.StatusCreated, nil)
	if first.header.Get("Idempotent-Replayed") != "" {
		t.Error("the first request is marked as replayed")
	}
	second := ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, body, "Idempotency-Key", "key-1")
	second.expect(t, http.StatusCreated, &repositoryView{})
	if second.header.Get("Idempotent-Replayed") != "true" {
		t.Error("the repeat lacks Idempotent-Replayed: true")
	}
	if !bytes.Equal(first.body, second.body) {
		t.Errorf("replayed body %s differs from %s", second.body, first.body)
	}
	if n := countRepositories(t, ts); n != 1 {
		t.Fatalf("%d repositories exist, want 1", n)
	}

	// The same key with another body is refused and creates nothing.
	other := repositoryBody(ts.seed.Organisations["Acme"], "")
	ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, other, "Idempotency-Key", "key-1").expectJSON(t,
		http.StatusUnprocessableEntity, `{"non_field_errors": ["Idempotency-Key was already used for a different request."]}`)
	if n := countRepositories(t, ts); n != 1 {
		t.Fatalf("%d repositories exist after the 422, want 1", n)
	}

	// Keys are per user: Grace's "key-1" is her own.
	graces := repositoryBody(ts.seed.Organisations["Globex"], "")
	resp := ts.request(http.MethodPost, "/apps/v3/repositories/", graceToken, graces, "Idempotency-Key", "key-1")
	resp.expect(t, http.StatusCreated, nil)
	if resp.header.Get("Idempotent-Replayed") != "" {
		t.Error("another user's request with the same key was replayed")
	}
}

func TestIdempotencyValidationErrorsReplayToo(t *testing.T) {
	ts := newTestServer(t)
	for range 2 {
		ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, `{}`, "Idempotency-Key", "k").
			expectJSON(t, http.StatusBadRequest, `{"organisation": ["This field is required."], "url": ["This field is required."]}`)
	}
	long := strings.Repeat("k", 256)
	ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, `{}`, "Idempotency-Key", long).
		expectJSON(t, http.StatusBadRequest, `{"non_field_errors": ["Idempotency-Key must be at most 255 characters."]}`)
}

func TestIdempotencyKeyExpires(t *testing.T) {
	ts := newTestServer(t)
	post := func(keyType string) testResponse {
		return ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, repositoryBody(ts.seed.Organisations["Acme"], keyType), "Idempotency-Key", "old")
	}
	post("ED25519").expect(t, http.StatusCreated, nil)
	ts.clock.Advance(idempotencyTTL + time.Second)
	resp := post("RSA") // would be a 422 within the TTL
	resp.expect(t, http.StatusCreated, nil)
	if resp.header.Get("Idempotent-Replayed") != "" || countRepositories(t, ts) != 2 {
		t.Fatal("an expired key was still honoured")
	}
}

func TestConcurrentRequestsWithOneKeyRunOnce(t *testing.T) {
	ts := newTestServer(t)
	body := repositoryBody(ts.seed.Organisations["Acme"], "RSA")
	const parallel = 6
	bodies := make([][]byte, parallel)
	var wg sync.WaitGroup
	for i := range parallel {
		wg.Go(func() {
			resp := ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, body, "Idempotency-Key", "same")
			if resp.status != http.StatusCreated {
				t.Errorf("request %d: status %d %s", i, resp.status, resp.body)
			}
			bodies[i] = resp.body
		})
	}
	wg.Wait()
	for i := range bodies {
		if !bytes.Equal(bodies[i], bodies[0]) {
			t.Fatalf("answers differ:\n%s\n%s", bodies[0], bodies[i])
		}
	}
	if n := countRepositories(t, ts); n != 1 {
		t.Fatalf("%d repositories exist, want 1", n)
	}
}

// A 5xx may mean the request did not take effect, so it is not stored and
// a retry with the same key runs again.
func TestServerErrorsAreNotStored(t *testing.T) {
	ts := newTestServer(t)
	calls := 0
	handler := ts.server.idempotent(func(w http.ResponseWriter, r *http.Request, user store.User) {
		calls++
		if calls == 1 {
			httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"detail": "try again"})
			return
		}
		httpx.WriteJSON(w, http.StatusCreated, map[string]int{"call": calls})
	})
	user := store.User{UUID: ts.seed.Users["ada@acme.test"]}
	send := func() *httptest.ResponseRecorder {
		recorder := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/apps/v3/repositories/", strings.NewReader(`{}`))
		req.Header.Set("Idempotency-Key", "retry-me")
		handler(recorder, req, user)
		return recorder
	}
	if got := send().Code; got != http.StatusServiceUnavailable {
		t.Fatalf("first call: %d", got)
	}
	if got := send(); got.Code != http.StatusCreated || got.Header().Get("Idempotent-Replayed") != "" {
		t.Fatalf("retry after a 503: %d, replayed %q", got.Code, got.Header().Get("Idempotent-Replayed"))
	}
	third := send()
	if third.Code != http.StatusCreated || third.Header().Get("Idempotent-Replayed") != "true" || third.Body.String() != `{"call":2}` {
		t.Fatalf("third call: %d %q %s", third.Code, third.Header().Get("Idempotent-Replayed"), third.Body)
	}
	if calls != 2 {
		t.Fatalf("handler ran %d times, want 2", calls)
	}
}

// The crash window of a create: the object is committed, the server stops
// before the answer is stored. The repeat with the same key must answer
// with that object, not make a second one.
func TestRepeatAfterCrashBetweenCreateAndAnswer(t *testing.T) {
	ts := newTestServer(t)
	body := objects{"organisation": ts.seed.Organisations["Acme"], "url": sshURL, "key_type": "ED25519"}
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	// What the first request did before the crash: claim the key, create
	// the object under the claim; no answer stored.
	user := ts.seed.Users["ada@acme.test"]
	req := httptest.NewRequest(http.MethodPost, "/apps/v3/repositories/", bytes.NewReader(raw))
	fingerprint := requestFingerprint(req, raw)
	ctx := context.Background()
	now := ts.server.now()
	if err := ts.server.store.ClaimIdempotencyKey(ctx, user, "crash-1", fingerprint, now, now.Add(-idempotencyTTL)); err != nil {
		t.Fatal(err)
	}
	keyPair, err := sshkey.Generate(sshkey.ED25519)
	if err != nil {
		t.Fatal(err)
	}
	claimed, err := ts.server.store.CreateRepository(store.WithClaim(ctx, store.Claim{UserUUID: user, Key: "crash-1"}), store.NewRepository{
		OrganisationUUID: ts.seed.Organisations["Acme"], URL: sshURL, DSN: sshURL, AuthType: store.AuthSSH, KeyPair: keyPair,
	})
	if err != nil {
		t.Fatal(err)
	}

	var answer repositoryView
	ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, body, "Idempotency-Key", "crash-1").expect(t, http.StatusCreated, &answer)
	if answer.UUID != claimed.UUID {
		t.Fatalf("the repeat answered %s, want the object made before the crash, %s", answer.UUID, claimed.UUID)
	}
	var list listResponse[repositoryView]
	ts.get("/apps/v3/repositories/", http.StatusOK, &list)
	if list.Count != 1 {
		t.Fatalf("%d repositories, want 1: the repeat made another", list.Count)
	}
	// And a different request cannot reuse the claimed key.
	ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, objects{"organisation": body["organisation"], "url": httpsURL},
		"Idempotency-Key", "crash-1").expect(t, http.StatusUnprocessableEntity, nil)
}
