// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
	"github.com/divio-community/terraform-provider-divio/internal/giturl"
	"github.com/divio-community/terraform-provider-divio/internal/sealbox"
)

const (
	sshURL   = "ssh://git@git.example.com/acme/website.git"
	httpsURL = "https://git.example.com/acme/website.git"
	// A token that must never leave the control plane in plain text.
	httpsToken = "glpat-SECRET-token-0123456789"
)

// objects is a JSON object in a request.
type objects = map[string]any

func createRepository(t *testing.T, ts *testServer, token string, body objects) repositoryView {
	t.Helper()
	var repo repositoryView
	ts.request(http.MethodPost, "/apps/v3/repositories/", token, body).expect(t, http.StatusCreated, &repo)
	return repo
}

// createSSHRepository creates an SSH repository of Acme as Ada.
func createSSHRepository(t *testing.T, ts *testServer, url string) repositoryView {
	t.Helper()
	return createRepository(t, ts, adaToken, objects{"organisation": ts.seed.Organisations["Acme"], "url": url, "key_type": "ED25519"})
}

func getRepository(t *testing.T, ts *testServer, id string) repositoryView {
	t.Helper()
	var repo repositoryView
	ts.get("/apps/v3/repositories/"+id+"/", http.StatusOK, &repo)
	return repo
}

// check posts a check of branch (migrate "true", as the CLI sends it) as
// Ada and returns the answer.
func check(t *testing.T, ts *testServer, id, branch string) testResponse {
	t.Helper()
	return ts.request(http.MethodPost, "/apps/v3/repositories/"+id+"/check/", adaToken, objects{"branch": branch, "migrate": "true"})
}

// verify runs Divio's verification of a repository of Ada's with the
// (fake, succeeding) checker: check, wait for CLONED, check again.
func verify(t *testing.T, ts *testServer, id, branch string) repositoryView {
	t.Helper()
	check(t, ts, id, branch).expectJSON(t, http.StatusAccepted, `{"code": "waiting"}`)
	waitIdle(t, ts)
	check(t, ts, id, branch).expectJSON(t, http.StatusOK, `{"code": "success"}`)
	return getRepository(t, ts, id)
}

func withChecker(checker AccessChecker) func(*Config) {
	return func(cfg *Config) { cfg.Git = fakeGit{checker, syncerOf(cfg)} }
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

// str is *p, or "" for nil.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// asMap and asList walk decoded JSON, failing t where it has another shape.
func asMap(t *testing.T, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%v is not a JSON object", v)
	}
	return m
}

func asList(t *testing.T, v any) []any {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("%v is not a JSON list", v)
	}
	return l
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func jsonEqual(a, b any) bool { return mustJSON(a) == mustJSON(b) }

// captureResponses is middleware that copies every answer's body into into.
func captureResponses(mu *sync.Mutex, into *bytes.Buffer) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			recorder := httpx.NewRecorder()
			next.ServeHTTP(recorder, r)
			mu.Lock()
			into.Write(recorder.Body.Bytes())
			mu.Unlock()
			recorder.CopyTo(w)
		})
	}
}

// Every field of an SSH repository, public and extension, from creation
// through the whole verification; the key pair is generated, its private
// half sealed at rest.
func TestRepositoryLifecycleSSH(t *testing.T) {
	checker := &fakeChecker{}
	ts := newTestServer(t, withChecker(checker))
	acme := ts.seed.Organisations["Acme"]

	// url is as the caller spelled it (what a serializer echoes), dsn the clone URL.
	created := createRepository(t, ts, adaToken, objects{"organisation": acme, "url": "git@GitHub.com:acme/website", "key_type": "ECDSA"})
	if created.AuthInfo == nil || !strings.HasPrefix(*created.AuthInfo, "ecdsa-sha2-nistp256 ") {
		t.Fatalf("auth_info %v, want an ECDSA public key", deref(created.AuthInfo))
	}
	publicKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(*created.AuthInfo))
	if err != nil {
		t.Fatalf("auth_info does not parse: %v", err)
	}
	want := repositoryView{
		UUID: created.UUID, Organisation: acme, URL: "git@GitHub.com:acme/website",
		AuthInfo: created.AuthInfo, State: nil, DSN: "ssh://git@github.com/acme/website",
		RepositoryDetails: &RepositoryDetails{KeyType: ptr("ECDSA"), AuthType: "ssh", CreatedAt: "2026-11-25T10:00:00Z"},
	}
	if !jsonEqual(created, want) {
		t.Fatalf("created\n%s\nwant\n%s", mustJSON(created), mustJSON(want))
	}
	// Every field is present, null or not.
	resp := ts.get("/apps/v3/repositories/"+created.UUID+"/", http.StatusOK, nil)
	var fields map[string]any
	if err := json.Unmarshal(resp.body, &fields); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"uuid", "organisation", "url", "auth_info", "state", "dsn", "key_type", "auth_type", "username",
		"branch", "migrate", "error", "host_key_fingerprint", "last_commit", "checked_at", "push_verified_at", "created_at"} {
		if _, ok := fields[name]; !ok {
			t.Errorf("field %s is missing from %s", name, resp.body)
		}
	}
	if len(fields) != 17 {
		t.Errorf("%d fields, want 17: %s", len(fields), resp.body)
	}
	if len(checker.requests()) != 0 {
		t.Fatal("creating a repository started a check")
	}
	assertKeySealedAtRest(t, ts, created.UUID, publicKey)

	// The clone check: branch and migrate as asked, the key pair's private half.
	ts.clock.Advance(time.Minute)
	check(t, ts, created.UUID, "develop").expectJSON(t, http.StatusAccepted, `{"code": "waiting"}`)
	waitIdle(t, ts)
	cloned := getRepository(t, ts, created.UUID)
	want.State = ptr("CLONED")
	want.Branch, want.Migrate = ptr("develop"), ptr(true)
	want.HostKeyFingerprint = ptr(fakeHostKey().FingerprintSHA256)
	want.LastCommit, want.CheckedAt = ptr(fakeCommit), ptr("2026-11-25T10:01:00Z")
	if !jsonEqual(cloned, want) {
		t.Fatalf("cloned\n%s\nwant\n%s", mustJSON(cloned), mustJSON(want))
	}
	calls := checker.requests()
	if len(calls) != 1 || calls[0].URL != "ssh://git@github.com/acme/website" || calls[0].Branch != "develop" ||
		calls[0].NewApplication || calls[0].WriteAccess || calls[0].PushOnly || calls[0].PinnedHostKey != "" {
		t.Fatalf("clone check request %+v", calls)
	}
	signer, err := ssh.ParsePrivateKey(calls[0].Auth.SSHPrivateKey)
	if err != nil || !bytes.Equal(signer.PublicKey().Marshal(), publicKey.Marshal()) {
		t.Fatalf("the check did not get the repository's private key (%v)", err)
	}

	// The push check: now, with the pinned host key.
	ts.clock.Advance(time.Minute)
	check(t, ts, created.UUID, "develop").expectJSON(t, http.StatusOK, `{"code": "success"}`)
	calls = checker.requests()
	if len(calls) != 2 || !calls[1].PushOnly || calls[1].PinnedHostKey != fakeHostKey().AuthorizedKey || calls[1].Auth.SSHPrivateKey == nil {
		t.Fatalf("push check request %+v", calls[1:])
	}
	want.PushVerifiedAt = ptr("2026-11-25T10:02:00Z")
	if got := getRepository(t, ts, created.UUID); !jsonEqual(got, want) {
		t.Fatalf("verified\n%s\nwant\n%s", mustJSON(got), mustJSON(want))
	}
}

// assertKeySealedAtRest checks that the private key is stored sealed with
// the repository's uuid + "private-key", and that it is the public key's pair.
func assertKeySealedAtRest(t *testing.T, ts *testServer, id string, publicKey ssh.PublicKey) {
	t.Helper()
	var sealed []byte
	var public string
	if err := ts.server.store.DB().QueryRow(`SELECT private_key_sealed, public_key FROM repositories WHERE uuid = ?`, id).
		Scan(&sealed, &public); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("PRIVATE KEY")) {
		t.Fatal("the private key is stored in plain text")
	}
	box, err := sealbox.New(ts.cfg.EncryptionKey)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := box.Open(sealed, []byte(id+"private-key"))
	if err != nil {
		t.Fatalf("the sealed key does not open with the repository's additional data: %v", err)
	}
	signer, err := ssh.ParsePrivateKey(plain)
	if err != nil || !bytes.Equal(signer.PublicKey().Marshal(), publicKey.Marshal()) {
		t.Fatalf("the stored private key is not the pair of auth_info (%v)", err)
	}
}

func TestCreateRepositoryDefaultsToED25519(t *testing.T) {
	ts := newTestServer(t)
	repo := createRepository(t, ts, adaToken, objects{"organisation": ts.seed.Organisations["Acme"], "url": sshURL})
	if deref(repo.KeyType) != "ED25519" || !strings.HasPrefix(str(repo.AuthInfo), "ssh-ed25519 ") {
		t.Fatalf("created %s", mustJSON(repo))
	}
	for _, keyType := range []string{"RSA", "ECDSA", "ED25519"} {
		repo := createRepository(t, ts, adaToken, objects{"organisation": ts.seed.Organisations["Acme"], "url": sshURL, "key_type": keyType})
		if deref(repo.KeyType) != keyType {
			t.Errorf("key_type %v, want %s", deref(repo.KeyType), keyType)
		}
	}
}

func urlMessageOf(t *testing.T, raw string) string {
	t.Helper()
	_, err := giturl.Validate(raw)
	if err == nil {
		t.Fatalf("giturl accepts %q", raw)
	}
	return err.Error()
}

func TestCreateRepositoryValidation(t *testing.T) {
	ts := newTestServer(t)
	acme, globex := ts.seed.Organisations["Acme"], ts.seed.Organisations["Globex"]
	with := func(base objects) func(objects) objects {
		return func(changes objects) objects {
			body := objects{}
			for name, value := range base {
				body[name] = value
			}
			for name, value := range changes {
				if value == nil {
					delete(body, name)
				} else {
					body[name] = value
				}
			}
			return body
		}
	}
	ssh := with(objects{"organisation": acme, "url": sshURL, "key_type": "ED25519"})
	https := with(objects{"organisation": acme, "url": httpsURL, "username": "ada", "password": httpsToken})
	one := func(field, message string) string { return mustJSON(map[string][]string{field: {message}}) }

	cases := map[string]struct {
		body objects
		want string
	}{
		"empty body":           {objects{}, mustJSON(map[string][]string{"organisation": {msgRequired}, "url": {msgRequired}})},
		"missing organisation": {ssh(objects{"organisation": nil}), one("organisation", "This field is required.")},
		"malformed organisation": {ssh(objects{"organisation": "xyz"}),
			one("organisation", "“xyz” is not a valid UUID.")},
		"another organisation": {ssh(objects{"organisation": globex}),
			one("organisation", "Object with uuid="+globex+" does not exist.")},
		"missing url":  {ssh(objects{"url": nil}), one("url", "This field is required.")},
		"empty url":    {ssh(objects{"url": ""}), one("url", urlMessageOf(t, ""))},
		"http url":     {ssh(objects{"url": "http://git.example.com/a.git"}), one("url", urlMessageOf(t, "http://git.example.com/a.git"))},
		"credentials":  {https(objects{"url": "https://u:p@git.example.com/a.git"}), one("url", urlMessageOf(t, "https://u:p@git.example.com/a.git"))},
		"github https": {https(objects{"url": "https://github.com/acme/web.git"}), one("url", urlMessageOf(t, "https://github.com/acme/web.git"))},
		"gitlab https": {https(objects{"url": "https://gitlab.com/acme/web.git"}), one("url", urlMessageOf(t, "https://gitlab.com/acme/web.git"))},
		"bitbucket https": {https(objects{"url": "https://bitbucket.org/acme/web.git"}),
			one("url", urlMessageOf(t, "https://bitbucket.org/acme/web.git"))},
		"private address": {ssh(objects{"url": "ssh://git@10.1.2.3/a.git"}),
			one("url", addressMessage(t, "10.1.2.3"))},
		"metadata address": {https(objects{"url": "https://169.254.169.254/a.git"}),
			one("url", addressMessage(t, "169.254.169.254"))},
		"carrier-grade NAT": {ssh(objects{"url": "git@100.64.0.1:a.git"}),
			one("url", addressMessage(t, "100.64.0.1"))},
		"bad key type": {ssh(objects{"key_type": "DSA"}),
			one("key_type", `"DSA" is not a valid choice. Choose one of ED25519, ECDSA, RSA.`)},
		"lower-case key type": {ssh(objects{"key_type": "ed25519"}),
			one("key_type", `"ed25519" is not a valid choice. Choose one of ED25519, ECDSA, RSA.`)},
		"ssh with username and password": {ssh(objects{"username": "ada", "password": httpsToken}), mustJSON(map[string][]string{
			"username": {msgUsernameOnlyHTTPS}, "password": {msgPasswordOnlyHTTPS},
		})},
		"https without credentials": {https(objects{"username": nil, "password": nil}), mustJSON(map[string][]string{
			"username": {"This field is required for an HTTPS URL: the user name at the Git host."},
			"password": {"This field is required for an HTTPS URL: a personal access token of the Git host."},
		})},
		"https with key type": {https(objects{"key_type": "ED25519"}), one("key_type", msgKeyTypeOnlySSH)},
		"blank credentials": {https(objects{"username": "", "password": ""}), mustJSON(map[string][]string{
			"username": {"This field may not be blank."}, "password": {"This field may not be blank."},
		})},
		"bad characters": {https(objects{"username": "ada:x", "password": "tok\nen"}), mustJSON(map[string][]string{
			"username": {"A user name cannot contain “:” or control characters."},
			"password": {"The token cannot contain control characters."},
		})},
		"long token": {https(objects{"password": strings.Repeat("x", 1025)}),
			one("password", "Ensure this field has no more than 1024 characters.")},
		// The old model's fields are gone.
		"application field": {ssh(objects{"application": ts.seed.Applications[acmeWeb]}),
			one("non_field_errors", `JSON parse error - unknown field "application".`)},
		"deploy_key field": {ssh(objects{"deploy_key": ts.seed.Applications[acmeWeb]}),
			one("non_field_errors", `JSON parse error - unknown field "deploy_key".`)},
		"wrong type": {ssh(objects{"key_type": true}), one("key_type", "Incorrect type. Expected string, but got bool.")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resp := ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, tc.body)
			resp.expectJSON(t, http.StatusBadRequest, tc.want)
			if strings.Contains(string(resp.body), httpsToken) {
				t.Fatal("the answer quotes the token")
			}
		})
	}
	var count int
	if err := ts.server.store.DB().QueryRow(`SELECT count(*) FROM repositories`).Scan(&count); err != nil || count != 0 {
		t.Fatalf("rejected requests created %d repositories (%v)", count, err)
	}
}

func TestCreateRepositoryRefusesLoopbackOutsideDevMode(t *testing.T) {
	url := "ssh://git@127.0.0.1:2222/srv/repo.git"
	dev := newTestServer(t)
	createSSHRepository(t, dev, url)

	production := newTestServer(t, func(cfg *Config) { cfg.Dev = false })
	for url, host := range map[string]string{url: "127.0.0.1", "https://[::1]/repo.git": "::1"} {
		production.request(http.MethodPost, "/apps/v3/repositories/", adaToken,
			objects{"organisation": production.seed.Organisations["Acme"], "url": url, "username": "u", "password": "p"}).
			expectJSON(t, http.StatusBadRequest, mustJSON(map[string][]string{"url": {addressMessage(t, host)}}))
	}
}

// The check state machine, step by step: waiting while CLONING (however
// often asked), the push check when due, a new clone check otherwise.
func TestCheckStateMachine(t *testing.T) {
	checker := newGatedChecker(nil)
	ts := newTestServer(t, withChecker(checker))
	repo := createSSHRepository(t, ts, sshURL)
	path := "/apps/v3/repositories/" + repo.UUID + "/check/"

	// Never checked: a clone check starts.
	ts.request(http.MethodPost, path, adaToken, objects{"branch": "main", "migrate": "false"}).expectJSON(t, http.StatusAccepted, `{"code": "waiting"}`)
	first := checker.awaitStart(t)
	if first.PushOnly || first.Branch != "main" || !first.NewApplication {
		t.Fatalf("clone check %+v: want branch main, a new application (migrate false)", first)
	}
	got := getRepository(t, ts, repo.UUID)
	if deref(got.State) != "CLONING" || deref(got.Branch) != "main" || deref(got.Migrate) != false || got.CheckedAt != nil {
		t.Fatalf("while cloning: %s", mustJSON(got))
	}
	// While CLONING: waiting, whatever is asked, and no second check.
	ts.request(http.MethodPost, path, adaToken, objects{"branch": "other", "migrate": true}).expectJSON(t, http.StatusAccepted, `{"code": "waiting"}`)
	ts.request(http.MethodPost, path, adaToken, nil).expectJSON(t, http.StatusAccepted, `{"code": "waiting"}`)
	checker.release <- struct{}{}
	waitIdle(t, ts)
	if n := len(checker.requests()); n != 1 {
		t.Fatalf("%d checks, want 1", n)
	}
	if got = getRepository(t, ts, repo.UUID); deref(got.State) != "CLONED" || deref(got.Branch) != "main" || got.PushVerifiedAt != nil {
		t.Fatalf("after the clone check: %s", mustJSON(got))
	}

	// CLONED, but asked with another migrate: that is a new clone check.
	ts.request(http.MethodPost, path, adaToken, objects{"branch": "main", "migrate": true}).expectJSON(t, http.StatusAccepted, `{"code": "waiting"}`)
	if second := checker.awaitStart(t); second.PushOnly || second.NewApplication {
		t.Fatalf("second check %+v: want a clone check of a migration", second)
	}
	checker.release <- struct{}{}
	waitIdle(t, ts)

	// CLONED with the same branch and migrate: the push check runs now.
	checker.release <- struct{}{} // the gate lets it through at once
	ts.request(http.MethodPost, path, adaToken, objects{"branch": "main", "migrate": "True"}).expectJSON(t, http.StatusOK, `{"code": "success"}`)
	if push := checker.awaitStart(t); !push.PushOnly {
		t.Fatalf("third check %+v: want the push check", push)
	}
	verified := getRepository(t, ts, repo.UUID)
	if deref(verified.State) != "CLONED" || verified.PushVerifiedAt == nil || verified.Error != nil {
		t.Fatalf("after the push check: %s", mustJSON(verified))
	}

	// Verified: checking again starts over (the CLI's flow run again),
	// and the verification is forgotten until the new push check.
	ts.request(http.MethodPost, path, adaToken, objects{"branch": "main", "migrate": true}).expectJSON(t, http.StatusAccepted, `{"code": "waiting"}`)
	if again := checker.awaitStart(t); again.PushOnly {
		t.Fatalf("fourth check %+v: want a clone check", again)
	}
	if got = getRepository(t, ts, repo.UUID); deref(got.State) != "CLONING" || got.PushVerifiedAt != nil {
		t.Fatalf("checking again: %s", mustJSON(got))
	}
	checker.release <- struct{}{}
	waitIdle(t, ts)
}

func TestCheckRequestValidation(t *testing.T) {
	checker := &fakeChecker{}
	ts := newTestServer(t, withChecker(checker))
	repo := createSSHRepository(t, ts, sshURL)
	path := "/apps/v3/repositories/" + repo.UUID + "/check/"
	for body, want := range map[string]string{
		`{"branch": "a b"}`:                    `{"branch": ["\"a b\" is not a valid Git branch name: it must not contain spaces."]}`,
		`{"branch": ""}`:                       `{"branch": ["This field may not be blank."]}`,
		`{"migrate": "maybe"}`:                 `{"migrate": ["Must be a valid boolean."]}`,
		`{"migrate": 2}`:                       `{"migrate": ["Must be a valid boolean."]}`,
		`{"migrate": null}`:                    `{"migrate": ["This field may not be null."]}`,
		`{"branch": "main", "url": "x"}`:       `{"non_field_errors": ["JSON parse error - unknown field \"url\"."]}`,
		`{"branch": 1}`:                        `{"branch": ["Incorrect type. Expected string, but got number."]}`,
		`{"branch": "ok", "migrate": "maybe"}`: `{"migrate": ["Must be a valid boolean."]}`,
	} {
		ts.request(http.MethodPost, path, adaToken, body).expectJSON(t, http.StatusBadRequest, want)
	}
	if n := len(checker.requests()); n != 0 {
		t.Fatalf("refused requests started %d checks", n)
	}
	// Defaults: branch main, migrate true (the CLI's default).
	ts.request(http.MethodPost, path, adaToken, nil).expectJSON(t, http.StatusAccepted, `{"code": "waiting"}`)
	waitIdle(t, ts)
	if got := getRepository(t, ts, repo.UUID); deref(got.Branch) != "main" || deref(got.Migrate) != true {
		t.Fatalf("defaults: %s", mustJSON(got))
	}
	for _, migrate := range []any{false, "false", "False", 0, "0"} {
		ts.request(http.MethodPost, path, adaToken, objects{"branch": "x", "migrate": migrate}).expect(t, http.StatusAccepted, nil)
		waitIdle(t, ts)
		if got := getRepository(t, ts, repo.UUID); deref(got.Migrate) != false || deref(got.Branch) != "x" {
			t.Fatalf("migrate %#v: %s", migrate, mustJSON(got))
		}
		ts.request(http.MethodPost, path, adaToken, objects{"branch": "y", "migrate": true}).expect(t, http.StatusAccepted, nil)
		waitIdle(t, ts)
	}
	ts.request(http.MethodPost, "/apps/v3/repositories/"+ts.seed.Applications[acmeWeb]+"/check/", adaToken, nil).
		expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
}

// A refused push check: 400 with the message under non_field_errors and
// the code beside it; the repository stays CLONED with the error, and the
// next check starts a clone check again.
func TestPushCheckFailure(t *testing.T) {
	const denied = "Authentication error: the deploy key can read the repository but not write to it."
	checker := &fakeChecker{}
	ts := newTestServer(t, withChecker(checker))
	repo := createSSHRepository(t, ts, sshURL)
	check(t, ts, repo.UUID, "main").expect(t, http.StatusAccepted, nil)
	waitIdle(t, ts)

	checker.answer(func(_ context.Context, req gitops.CheckRequest) gitops.CheckResult {
		if req.PushOnly {
			return gitops.CheckResult{Code: gitops.CodeWriteAccessDenied, Message: denied}
		}
		return fakeSuccess(req)
	})
	check(t, ts, repo.UUID, "main").expectJSON(t, http.StatusBadRequest,
		`{"non_field_errors": [`+mustJSON(denied)+`], "code": "write_access_denied"}`)
	got := getRepository(t, ts, repo.UUID)
	if deref(got.State) != "CLONED" || got.PushVerifiedAt != nil || got.Error == nil ||
		got.Error.Code != gitops.CodeWriteAccessDenied || got.Error.Message != denied {
		t.Fatalf("after a refused push check: %s", mustJSON(got))
	}

	// The CLI's flow again: a clone check (which clears the error), then
	// the push check, which now passes.
	checker.answer(nil)
	verified := verify(t, ts, repo.UUID, "main")
	if verified.Error != nil || verified.PushVerifiedAt == nil {
		t.Fatalf("verified again: %s", mustJSON(verified))
	}
}

// A failed clone check leaves the repository INVALID with gitops' code and
// message; the next check tries again.
func TestCloneCheckFailure(t *testing.T) {
	checker := &fakeChecker{}
	ts := newTestServer(t, withChecker(checker))
	repo := createSSHRepository(t, ts, sshURL)
	for _, code := range []string{gitops.CodeBranchMissing, gitops.CodeAuthenticationError, gitops.CodeBranchNotEmpty, gitops.CodeUnreachable} {
		checker.answer(func(context.Context, gitops.CheckRequest) gitops.CheckResult {
			return gitops.CheckResult{Code: code, Message: "because " + code}
		})
		ts.clock.Advance(time.Minute)
		check(t, ts, repo.UUID, "main").expectJSON(t, http.StatusAccepted, `{"code": "waiting"}`)
		waitIdle(t, ts)
		got := getRepository(t, ts, repo.UUID)
		if deref(got.State) != "INVALID" || got.Error == nil || got.Error.Code != code || got.Error.Message != "because "+code ||
			got.CheckedAt == nil || got.LastCommit != nil || got.HostKeyFingerprint != nil {
			t.Fatalf("after %s: %s", code, mustJSON(got))
		}
	}
	checker.answer(nil)
	if got := verify(t, ts, repo.UUID, "main"); deref(got.State) != "CLONED" || got.Error != nil {
		t.Fatalf("after a successful check: %s", mustJSON(got))
	}
}

// The first successful check pins the host key; later checks are given it
// (gitops refuses another key: host_key_mismatch) and never re-pin.
func TestHostKeyPinnedOnFirstSuccess(t *testing.T) {
	checker := &fakeChecker{}
	ts := newTestServer(t, withChecker(checker))
	repo := createSSHRepository(t, ts, sshURL)
	verify(t, ts, repo.UUID, "main")

	checker.answer(func(_ context.Context, req gitops.CheckRequest) gitops.CheckResult {
		if req.PinnedHostKey != fakeHostKey().AuthorizedKey {
			t.Errorf("check without the pinned key: %+v", req)
		}
		return gitops.CheckResult{Code: gitops.CodeHostKeyMismatch, Message: "The host presented another key.",
			HostKey: "ssh-ed25519 AAAAother", HostKeyFingerprint: "SHA256:other"}
	})
	check(t, ts, repo.UUID, "main").expect(t, http.StatusAccepted, nil)
	waitIdle(t, ts)
	got := getRepository(t, ts, repo.UUID)
	if deref(got.State) != "INVALID" || got.Error.Code != gitops.CodeHostKeyMismatch ||
		deref(got.HostKeyFingerprint) != fakeHostKey().FingerprintSHA256 {
		t.Fatalf("after a mismatch: %s", mustJSON(got))
	}
}

// Outcomes of checks that are no longer current are not stored.
func TestStaleCheckOutcomesAreDiscarded(t *testing.T) {
	ts := newTestServer(t)
	repo := createSSHRepository(t, ts, sshURL)
	check(t, ts, repo.UUID, "main").expect(t, http.StatusAccepted, nil)
	waitIdle(t, ts)
	ctx := context.Background()
	stored, err := ts.server.store.LoadRepository(ctx, repo.UUID)
	if err != nil {
		t.Fatal(err)
	}
	// A clone check of an old generation.
	applied, err := ts.server.store.FinishRepositoryCheck(ctx, repo.UUID, stored.Generation-1,
		store.CheckOutcome{Success: false, Code: "x", Message: "x", CheckedAt: time.Now()})
	if err != nil || applied {
		t.Fatalf("an outcome for generation %d applied (%v)", stored.Generation-1, err)
	}
	// A push check overtaken by a new clone check.
	step, claimed, err := ts.server.store.CheckRepository(ctx, adaUUID(t, ts), repo.UUID, "main", true)
	if err != nil || step != store.CheckPushDue {
		t.Fatalf("step %v (%v), want the push check", step, err)
	}
	if step, _, err := ts.server.store.CheckRepository(ctx, adaUUID(t, ts), repo.UUID, "main", true); err != nil || step != store.CheckCloneStarted {
		t.Fatalf("step %v (%v): a claimed push check is no longer pending, so a clone check starts", step, err)
	}
	applied, err = ts.server.store.FinishPushCheck(ctx, repo.UUID, claimed.Generation, store.CheckOutcome{Success: true, CheckedAt: time.Now()})
	if err != nil || applied {
		t.Fatalf("a push check outcome applied after a new clone check (%v)", err)
	}
	waitIdle(t, ts)
	if got := getRepository(t, ts, repo.UUID); got.PushVerifiedAt != nil {
		t.Fatalf("after the stale push outcome: %s", mustJSON(got))
	}
}

func adaUUID(t *testing.T, ts *testServer) string {
	t.Helper()
	return ts.seed.Users["ada@acme.test"]
}

func TestRepositoryChecksResumeAfterRestart(t *testing.T) {
	blocked := newGatedChecker(nil) // never released: the check is cancelled by Close
	ts := newTestServer(t, withChecker(blocked))
	repo := createSSHRepository(t, ts, sshURL)
	check(t, ts, repo.UUID, "main").expect(t, http.StatusAccepted, nil)
	blocked.awaitStart(t)

	resumed := &fakeChecker{}
	withChecker(resumed)(&ts.cfg)
	ts.restart()
	waitIdle(t, ts)
	if got := getRepository(t, ts, repo.UUID); deref(got.State) != "CLONED" || len(resumed.requests()) != 1 {
		t.Fatalf("after restart: %d checks, %s", len(resumed.requests()), mustJSON(got))
	}

	// As after kill -9: the database says CLONING and nothing is running.
	ts.stop()
	db, err := sql.Open("sqlite", ts.cfg.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE repositories SET state = 'CLONING', check_generation = check_generation + 1`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ts.start()
	waitIdle(t, ts)
	if got := getRepository(t, ts, repo.UUID); deref(got.State) != "CLONED" || len(resumed.requests()) != 2 {
		t.Fatalf("after a crash: %d checks, %s", len(resumed.requests()), mustJSON(got))
	}
}

func TestHTTPSPasswordNeverLeaves(t *testing.T) {
	var mu sync.Mutex
	var responses, logs bytes.Buffer
	checker := &fakeChecker{}
	ts := newTestServer(t, withChecker(checker), func(cfg *Config) {
		cfg.Middleware = []func(http.Handler) http.Handler{captureResponses(&mu, &responses)}
		cfg.Logger = slog.New(slog.NewTextHandler(&lockedWriter{mu: &mu, w: &logs}, nil))
	})
	repo := createRepository(t, ts, adaToken, objects{"organisation": ts.seed.Organisations["Acme"], "url": httpsURL, "username": "ada", "password": httpsToken})
	want := repositoryView{
		UUID: repo.UUID, Organisation: ts.seed.Organisations["Acme"], URL: httpsURL, AuthInfo: nil, DSN: httpsURL,
		RepositoryDetails: &RepositoryDetails{AuthType: "https", Username: ptr("ada"), CreatedAt: "2026-11-25T10:00:00Z"},
	}
	if !jsonEqual(repo, want) {
		t.Fatalf("created\n%s\nwant\n%s", mustJSON(repo), mustJSON(want))
	}
	verified := verify(t, ts, repo.UUID, "main")
	if verified.HostKeyFingerprint != nil || verified.PushVerifiedAt == nil {
		t.Fatalf("verified: %s", mustJSON(verified))
	}
	ts.get("/apps/v3/repositories/", http.StatusOK, nil)

	calls := checker.requests()
	if len(calls) != 2 || calls[0].Auth.HTTPSToken != httpsToken || calls[1].Auth.HTTPSToken != httpsToken ||
		calls[1].Auth.HTTPSUsername != "ada" || calls[1].Auth.SSHPrivateKey != nil || !calls[1].PushOnly {
		t.Fatalf("the checker got %+v", calls)
	}

	mu.Lock()
	for name, text := range map[string]string{"responses": responses.String(), "logs": logs.String()} {
		if strings.Contains(text, httpsToken) {
			t.Errorf("the %s contain the token", name)
		}
	}
	for _, line := range []string{"clone check", "push check", "repository=" + repo.UUID, "code=success"} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("the checks are not logged (%q):\n%s", line, logs.String())
		}
	}
	mu.Unlock()

	// At rest: sealed under the repository's uuid + "https-password", and nowhere in plain text.
	var sealed []byte
	if err := ts.server.store.DB().QueryRow(`SELECT https_password_sealed FROM repositories WHERE uuid = ?`, repo.UUID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	box, err := sealbox.New(ts.cfg.EncryptionKey)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := box.Open(sealed, []byte(repo.UUID+"https-password")); err != nil || string(plain) != httpsToken {
		t.Fatalf("the sealed password does not open to the token: %v", err)
	}
	for _, stop := range []bool{false, true} {
		if stop {
			ts.stop()
		}
		for _, file := range []string{ts.cfg.DBPath, ts.cfg.DBPath + "-wal"} {
			content, err := os.ReadFile(file)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if bytes.Contains(content, []byte("SECRET-token")) {
				t.Fatalf("%s contains the token in plain text", file)
			}
		}
	}
}

// Another organisation's repository does not exist, whatever the method.
func TestRepositoriesOfOtherOrganisations(t *testing.T) {
	ts := newTestServer(t)
	repo := createSSHRepository(t, ts, sshURL)
	graces := createRepository(t, ts, graceToken, objects{"organisation": ts.seed.Organisations["Globex"], "url": sshURL})
	for _, call := range []struct{ method, path string }{
		{http.MethodGet, "/apps/v3/repositories/" + repo.UUID + "/"},
		{http.MethodPost, "/apps/v3/repositories/" + repo.UUID + "/check/"},
		{http.MethodDelete, "/apps/v3/repositories/" + repo.UUID + "/"},
	} {
		ts.request(call.method, call.path, graceToken, nil).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	}
	var list listResponse[repositoryView]
	ts.request(http.MethodGet, "/apps/v3/repositories/", graceToken, nil).expect(t, http.StatusOK, &list)
	if list.Count != 1 || list.Results[0].UUID != graces.UUID {
		t.Fatalf("Grace lists %s", mustJSON(list))
	}
	ts.request(http.MethodGet, "/apps/v3/repositories/?organisation="+ts.seed.Organisations["Acme"], graceToken, nil).expect(t, http.StatusOK, &list)
	if list.Count != 0 {
		t.Fatalf("Grace lists Acme's repositories: %s", mustJSON(list))
	}
	// Ada's repository is untouched.
	if got := getRepository(t, ts, repo.UUID); got.State != nil {
		t.Fatalf("after Grace's requests: %s", mustJSON(got))
	}
}

func TestListRepositories(t *testing.T) {
	ts := newTestServer(t)
	extra := Seed{Organisations: []SeedOrganisation{{Name: "Initech", Users: []SeedUser{{Email: "ada@acme.test"}}}}}
	seeded, err := ts.server.Bootstrap(context.Background(), extra)
	if err != nil {
		t.Fatal(err)
	}
	first := createSSHRepository(t, ts, sshURL)
	second := createRepository(t, ts, adaToken, objects{"organisation": seeded.Organisations["Initech"], "url": httpsURL, "username": "u", "password": "p"})
	for query, want := range map[string][]string{
		"": {first.UUID, second.UUID},
		"?organisation=" + ts.seed.Organisations["Acme"]:       {first.UUID},
		"?organisation=" + seeded.Organisations["Initech"]:     {second.UUID},
		"?organisation=" + ts.seed.Organisations["Globex"]:     {},
		"?organisation=" + ts.seed.Organisations["Acme"] + "x": nil,
	} {
		resp := ts.request(http.MethodGet, "/apps/v3/repositories/"+query, adaToken, nil)
		if want == nil {
			resp.expect(t, http.StatusBadRequest, nil)
			continue
		}
		var list listResponse[repositoryView]
		resp.expect(t, http.StatusOK, &list)
		var got []string
		for _, repo := range list.Results {
			got = append(got, repo.UUID)
			if repo.RepositoryDetails == nil {
				t.Errorf("the list leaves out the extension fields")
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") || list.Count != len(want) {
			t.Errorf("%q: got %v, want %v", query, got, want)
		}
	}
}

// A repository an application uses cannot be deleted; once the
// application is gone it can, with the platform's copy of it.
func TestDeleteRepository(t *testing.T) {
	ts := newTestServer(t)
	repo := bindApplication(t, ts, acmeWeb, sshURL)
	path := "/apps/v3/repositories/" + repo.UUID + "/"
	ts.request(http.MethodDelete, path, adaToken, nil).expectJSON(t, http.StatusBadRequest,
		`{"non_field_errors": [`+mustJSON(msgRepositoryInUse(acmeWeb))+`]}`)
	if err := os.MkdirAll(ts.server.jobs.MirrorDir(repo.UUID), 0o700); err != nil {
		t.Fatal(err)
	}
	ts.request(http.MethodDelete, "/apps/v3/applications/"+repo.Application+"/", adaToken, nil).expect(t, http.StatusNoContent, nil)
	ts.request(http.MethodDelete, path, adaToken, nil).expect(t, http.StatusNoContent, nil)
	ts.request(http.MethodGet, path, adaToken, nil).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	ts.request(http.MethodDelete, path, adaToken, nil).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	if _, err := os.Stat(ts.server.jobs.MirrorDir(repo.UUID)); !os.IsNotExist(err) {
		t.Fatalf("the platform's copy is still there (%v)", err)
	}
	var rows int
	if err := ts.server.store.DB().QueryRow(`SELECT count(*) FROM repository_sync WHERE repository_uuid = ?`, repo.UUID).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("%d sync rows left (%v)", rows, err)
	}
}

func TestCreateRepositoryIsIdempotent(t *testing.T) {
	checker := &fakeChecker{}
	ts := newTestServer(t, withChecker(checker))
	body := objects{"organisation": ts.seed.Organisations["Acme"], "url": httpsURL, "username": "ada", "password": httpsToken}
	first := ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, body, "Idempotency-Key", "create-repo-1")
	first.expect(t, http.StatusCreated, nil)
	again := ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, body, "Idempotency-Key", "create-repo-1")
	again.expect(t, http.StatusCreated, nil)
	if again.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.body, first.body) {
		t.Fatalf("replay: %s %s", again.header, again.body)
	}
	var list listResponse[repositoryView]
	ts.get("/apps/v3/repositories/", http.StatusOK, &list)
	if list.Count != 1 {
		t.Fatalf("%d repositories after a replay, want 1", list.Count)
	}
	// The stored answer is the answer, not the request: no token in it.
	var stored []byte
	if err := ts.server.store.DB().QueryRow(`SELECT response_body FROM idempotency_records`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored, []byte(httpsToken)) {
		t.Fatal("the idempotency record holds the token")
	}
	ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, objects{"organisation": body["organisation"], "url": sshURL},
		"Idempotency-Key", "create-repo-1").expect(t, http.StatusUnprocessableEntity, nil)

	// The check endpoint replays as well, without starting a check.
	path := "/apps/v3/repositories/" + list.Results[0].UUID + "/check/"
	ts.request(http.MethodPost, path, adaToken, nil, "Idempotency-Key", "check-1").expect(t, http.StatusAccepted, nil)
	waitIdle(t, ts)
	ts.request(http.MethodPost, path, adaToken, nil, "Idempotency-Key", "check-1").expect(t, http.StatusAccepted, nil)
	waitIdle(t, ts)
	if n := len(checker.requests()); n != 1 {
		t.Fatalf("%d checks after a replayed check request, want 1", n)
	}
}
