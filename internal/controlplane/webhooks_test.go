// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/hooks"
)

func TestWebhookLifecycle(t *testing.T) {
	ts := newTestServer(t)
	repo := bindApplication(t, ts, acmeWeb, sshURL)
	app := repo.Application

	hook := createWebhook(t, ts, objects{"application": app, "type": "github"})
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(ts.http.URL) + `/hooks/v1/[A-Za-z0-9_-]{43}/$`).MatchString(hook.URL) {
		t.Errorf("url %s", hook.URL)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(str(hook.Secret)) {
		t.Errorf("generated secret %v", deref(hook.Secret))
	}
	want := webhookView{UUID: hook.UUID, Application: app, Repository: repo.UUID, Type: "github", URL: hook.URL, Secret: hook.Secret,
		CreatedAt: "2026-11-25T10:00:00Z", RotatedAt: "2026-11-25T10:00:00Z"}
	if !jsonEqual(hook, want) {
		t.Fatalf("created\n%s\nwant\n%s", mustJSON(hook), mustJSON(want))
	}
	var read webhookView
	ts.get("/apps/v3/webhooks/"+hook.UUID+"/", http.StatusOK, &read)
	if !jsonEqual(read, want) {
		t.Fatalf("read\n%s\nwant\n%s", mustJSON(read), mustJSON(want))
	}
	for _, filter := range []string{"", "?application=" + app} {
		var list listResponse[webhookView]
		ts.get("/apps/v3/webhooks/"+filter, http.StatusOK, &list)
		if list.Count != 1 || !jsonEqual(list.Results[0], want) {
			t.Errorf("list %q: %s", filter, mustJSON(list))
		}
	}
	var list listResponse[webhookView]
	ts.get("/apps/v3/webhooks/?application="+ts.seed.Applications[acmeAPI], http.StatusOK, &list)
	if list.Count != 0 {
		t.Errorf("filtering by another application lists %d", list.Count)
	}

	// Another organisation sees none of it.
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		ts.request(method, "/apps/v3/webhooks/"+hook.UUID+"/", graceToken, nil).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	}
	ts.request(http.MethodPost, "/apps/v3/webhooks/"+hook.UUID+"/rotate/", graceToken, objects{}).
		expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	ts.request(http.MethodGet, "/apps/v3/webhooks/", graceToken, nil).expectJSON(t, http.StatusOK, `{"count": 0, "next": null, "previous": null, "results": []}`)

	// Rotation: a new secret; the URL stays.
	ts.clock.Advance(time.Hour)
	var rotated webhookView
	ts.request(http.MethodPost, "/apps/v3/webhooks/"+hook.UUID+"/rotate/", adaToken, objects{}).expect(t, http.StatusOK, &rotated)
	if rotated.URL != hook.URL || deref(rotated.Secret) == deref(hook.Secret) || rotated.RotatedAt != "2026-11-25T11:00:00Z" ||
		rotated.CreatedAt != hook.CreatedAt {
		t.Fatalf("rotated %s from %s", mustJSON(rotated), mustJSON(hook))
	}

	ts.request(http.MethodDelete, "/apps/v3/webhooks/"+hook.UUID+"/", adaToken, nil).expect(t, http.StatusNoContent, nil)
	ts.get("/apps/v3/webhooks/"+hook.UUID+"/", http.StatusNotFound, nil)
	deliver(t, ts, newPush(t, "github", "main", headA), rotated).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	// Deleted, it can be created again.
	createWebhook(t, ts, objects{"application": app, "type": "gitlab"})
}

func TestWebhookValidation(t *testing.T) {
	ts := newTestServer(t)
	repo := bindApplication(t, ts, acmeWeb, sshURL)
	unbound := ts.seed.Applications[acmeAPI]
	hook := createWebhook(t, ts, objects{"application": repo.Application, "type": "gitlab"})
	for name, c := range map[string]struct {
		body objects
		want string
	}{
		"empty":      {objects{}, `{"application": ["This field is required."], "type": ["This field is required."]}`},
		"no binding": {objects{"application": unbound, "type": "github"}, `{"application": ["` + msgWebhookNeedsRepository + `"]}`},
		"second webhook": {objects{"application": repo.Application, "type": "github"},
			`{"application": ["` + msgHasWebhook(hook.UUID) + `"]}`},
		"other organisation": {objects{"application": ts.seed.Applications[globexWeb], "type": "github"},
			`{"application": ["Object with uuid=` + ts.seed.Applications[globexWeb] + ` does not exist."]}`},
		"bad type": {objects{"application": unbound, "type": "gitea"},
			`{"application": ["` + msgWebhookNeedsRepository + `"], "type": ["\"gitea\" is not a valid choice. Choose one of github, gitlab, bitbucket."]}`},
		"short secret": {objects{"application": unbound, "type": "github", "secret": "too-short"},
			`{"application": ["` + msgWebhookNeedsRepository + `"], "secret": ["Ensure this field has at least 16 characters."]}`},
		"long secret": {objects{"application": unbound, "type": "github", "secret": strings.Repeat("s", 257)},
			`{"application": ["` + msgWebhookNeedsRepository + `"], "secret": ["Ensure this field has no more than 256 characters."]}`},
		"control character": {objects{"application": unbound, "type": "gitlab", "secret": "0123456789abcdef\n"},
			`{"application": ["` + msgWebhookNeedsRepository + `"], "secret": ["` + msgSecretChars + `"]}`},
		"trailing space": {objects{"application": unbound, "type": "gitlab", "secret": "0123456789abcdef "},
			`{"application": ["` + msgWebhookNeedsRepository + `"], "secret": ["` + msgSecretChars + `"]}`},
		"non-ASCII": {objects{"application": unbound, "type": "gitlab", "secret": "0123456789abcdéf"},
			`{"application": ["` + msgWebhookNeedsRepository + `"], "secret": ["` + msgSecretChars + `"]}`},
		"bitbucket secret": {objects{"application": unbound, "type": "bitbucket", "secret": "0123456789abcdef"},
			`{"application": ["` + msgWebhookNeedsRepository + `"], "secret": ["` + msgBitbucketSecret + `"]}`},
	} {
		t.Run(name, func(t *testing.T) {
			ts.request(http.MethodPost, "/apps/v3/webhooks/", adaToken, c.body).expectJSON(t, http.StatusBadRequest, c.want)
		})
	}
	ts.request(http.MethodPost, "/apps/v3/webhooks/"+hook.UUID+"/rotate/", adaToken, objects{"secret": "short"}).
		expectJSON(t, http.StatusBadRequest, `{"secret": ["Ensure this field has at least 16 characters."]}`)
	ts.request(http.MethodGet, "/apps/v3/webhooks/?application=xyz", adaToken, nil).
		expectJSON(t, http.StatusBadRequest, `{"application": ["“xyz” is not a valid UUID."]}`)
}

// A GitHub webhook's rotation makes deliveries signed with the old secret
// fail at once; a caller may choose the secret, at creation and rotation.
func TestGitHubSecretRotationAndChosenSecrets(t *testing.T) {
	syncer := newFakeSyncer()
	ts := newTestServer(t, withSyncer(syncer))
	repo := bindApplication(t, ts, acmeWeb, sshURL)
	chosen := "a secret of my own, 0123456789"
	hook := createWebhook(t, ts, objects{"application": repo.Application, "type": "github", "secret": chosen})
	// A chosen secret is never shown again: the caller has it.
	if hook.Secret != nil || !hook.SecretChosen {
		t.Fatalf("secret %v (chosen %v), want it hidden and marked chosen", deref(hook.Secret), hook.SecretChosen)
	}
	deliver(t, ts, signedWith(newPush(t, "github", "main", headA), chosen), hook).expectResult(t, http.StatusAccepted, "accepted")

	var rotated webhookView
	ts.request(http.MethodPost, "/apps/v3/webhooks/"+hook.UUID+"/rotate/", adaToken, objects{}).expect(t, http.StatusOK, &rotated)
	if rotated.Secret == nil || rotated.SecretChosen {
		t.Fatalf("a generated secret must be shown: %v (chosen %v)", deref(rotated.Secret), rotated.SecretChosen)
	}
	deliver(t, ts, signedWith(newPush(t, "github", "main", headB), chosen), hook).expectResult(t, http.StatusUnauthorized, "rejected")
	deliver(t, ts, newPush(t, "github", "main", headB), rotated).expectResult(t, http.StatusAccepted, "accepted")

	another := "yet another secret, 9876543210"
	ts.request(http.MethodPost, "/apps/v3/webhooks/"+hook.UUID+"/rotate/", adaToken, objects{"secret": another}).expect(t, http.StatusOK, &rotated)
	if rotated.Secret != nil || !rotated.SecretChosen {
		t.Fatalf("rotated to %v (chosen %v), want it hidden and marked chosen", deref(rotated.Secret), rotated.SecretChosen)
	}
	headC := "c0ffee0123456789abcdef0123456789abcdef01"
	deliver(t, ts, signedWith(newPush(t, "github", "main", headC), another), rotated).expectResult(t, http.StatusAccepted, "accepted")
	waitIdle(t, ts)
	if n := len(syncer.requests()); n < 2 || n > 3 {
		t.Fatalf("%d syncs for 3 accepted deliveries", n)
	}
}

// Bitbucket sends no secret: its URL is the credential, and a rotation
// issues a new URL, the old one answering 404 at once.
func TestBitbucketWebhookURLIsTheCredential(t *testing.T) {
	ts := newTestServer(t)
	repo := bindApplication(t, ts, acmeWeb, sshURL)
	hook := createWebhook(t, ts, objects{"application": repo.Application, "type": "bitbucket"})
	if hook.Secret != nil {
		t.Fatalf("a Bitbucket webhook has a secret")
	}
	deliver(t, ts, newPush(t, "bitbucket", "main", headA), hook).expectResult(t, http.StatusAccepted, "accepted")
	ts.request(http.MethodPost, "/apps/v3/webhooks/"+hook.UUID+"/rotate/", adaToken, objects{"secret": "0123456789abcdef"}).
		expectJSON(t, http.StatusBadRequest, `{"secret": ["`+msgBitbucketSecret+`"]}`)
	var rotated webhookView
	ts.request(http.MethodPost, "/apps/v3/webhooks/"+hook.UUID+"/rotate/", adaToken, nil).expect(t, http.StatusOK, &rotated)
	if rotated.URL == hook.URL || rotated.Secret != nil {
		t.Fatalf("rotated %s from %s", mustJSON(rotated), mustJSON(hook))
	}
	deliver(t, ts, newPush(t, "bitbucket", "main", headB), hook).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	deliver(t, ts, newPush(t, "bitbucket", "main", headB), rotated).expectResult(t, http.StatusAccepted, "accepted")
}

// Secrets and URL tokens appear in no log line, and in answers only as the
// secret and url fields.
func TestWebhookSecretsStayOutOfLogs(t *testing.T) {
	var logs bytes.Buffer
	ts := newTestServer(t, func(cfg *Config) {
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	repo := bindApplication(t, ts, acmeWeb, sshURL)
	github := createWebhook(t, ts, objects{"application": repo.Application, "type": "github"})
	deliver(t, ts, newPush(t, "github", "main", headA), github).expectResult(t, http.StatusAccepted, "accepted")
	forged := newPush(t, "github", "main", headA)
	forged.secret = ptr("guessed-secret-guessed-secret")
	deliver(t, ts, forged, github).expectResult(t, http.StatusUnauthorized, "rejected")
	var rotated webhookView
	ts.request(http.MethodPost, "/apps/v3/webhooks/"+github.UUID+"/rotate/", adaToken, objects{}, "Idempotency-Key", "rotate-1").
		expect(t, http.StatusOK, &rotated)
	ts.request(http.MethodDelete, "/apps/v3/webhooks/"+github.UUID+"/", adaToken, nil).expect(t, http.StatusNoContent, nil)
	gitlabSecret := "gitlab-secret-0123456789"
	gitlab := createWebhook(t, ts, objects{"application": repo.Application, "type": "gitlab", "secret": gitlabSecret})
	deliver(t, ts, signedWith(newPush(t, "gitlab", "main", headB), gitlabSecret), gitlab).expectResult(t, http.StatusAccepted, "accepted")
	waitIdle(t, ts)

	var list listResponse[webhookView]
	resp := ts.get("/apps/v3/webhooks/", http.StatusOK, &list)
	secrets := []string{str(github.Secret), str(rotated.Secret), gitlabSecret}
	for _, hook := range []webhookView{github, rotated, gitlab} {
		secrets = append(secrets, strings.TrimSuffix(strings.TrimPrefix(hook.URL, ts.http.URL+hooks.PathPrefix), "/"))
	}
	if !strings.Contains(logs.String(), "webhook delivery") {
		t.Fatalf("no delivery was logged:\n%s", logs.String())
	}
	for _, secret := range secrets {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("a secret or token is in the logs:\n%s", logs.String())
		}
		if n := strings.Count(string(resp.body), secret); n > 1 {
			t.Errorf("the list shows a secret %d times: %s", n, resp.body)
		}
	}
	// Stored answers of idempotent requests are sealed too.
	var stored []byte
	if err := ts.server.store.DB().QueryRowContext(context.Background(),
		`SELECT response_body FROM idempotency_records WHERE key = 'rotate-1'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored, []byte(str(rotated.Secret))) {
		t.Errorf("the stored answer holds the secret in plain text")
	}
}

// An idempotent create replays the same webhook, secret included.
func TestWebhookCreateIsIdempotent(t *testing.T) {
	ts := newTestServer(t)
	repo := bindApplication(t, ts, acmeWeb, sshURL)
	body := objects{"application": repo.Application, "type": "github"}
	var first, again webhookView
	ts.request(http.MethodPost, "/apps/v3/webhooks/", adaToken, body, "Idempotency-Key", "k").expect(t, http.StatusCreated, &first)
	replay := ts.request(http.MethodPost, "/apps/v3/webhooks/", adaToken, body, "Idempotency-Key", "k")
	replay.expect(t, http.StatusCreated, &again)
	if replay.header.Get("Idempotent-Replayed") != "true" || !jsonEqual(first, again) {
		t.Fatalf("replay %s of %s", mustJSON(again), mustJSON(first))
	}
}

// signedWith makes p authenticate with secret, a secret the caller chose
// (which the API never shows back).
func signedWith(p *hostPush, secret string) *hostPush {
	p.secret = &secret
	return p
}
