// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/hooks"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// Heads that pushes in the tests carry.
const (
	headA = "a3f1c2d4e5b60718293a4b5c6d7e8f9012345678"
	headB = "b4e2d3c5f6a71829304b5c6d7e8f9a0123456789"
)

// hostPush is one delivery as a Git host sends it, built from the
// documented payloads in testdata (see testdata/README.md). deliver signs
// it with the webhook's secret, or with secret when set.
type hostPush struct {
	typ    string
	body   []byte
	header http.Header
	secret *string
}

// eventHeader is the header that names the event, by host.
var eventHeader = map[string]string{"github": "X-GitHub-Event", "gitlab": "X-Gitlab-Event", "bitbucket": "X-Event-Key"}

// idHeader is the header that carries the delivery id, by host.
var idHeader = map[string]string{"github": "X-GitHub-Delivery", "gitlab": "X-Gitlab-Event-UUID", "bitbucket": "X-Request-UUID"}

func loadPayload(t *testing.T, name string) map[string]any {
	t.Helper()
	content, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var payload map[string]any
	if err := json.Unmarshal(content, &payload); err != nil {
		t.Fatal(err)
	}
	return payload
}

// newPush is a push of head to branch as host typ delivers it, with a fresh delivery id.
func newPush(t *testing.T, typ, branch, head string) *hostPush {
	t.Helper()
	p := &hostPush{typ: typ, header: http.Header{}}
	p.header.Set("Content-Type", "application/json")
	var payload map[string]any
	switch typ {
	case "github":
		payload = loadPayload(t, "github-push.json")
		payload["ref"], payload["after"] = "refs/heads/"+branch, head
		asMap(t, payload["head_commit"])["id"] = head
		p.header.Set("User-Agent", "GitHub-Hookshot/044aadd")
		p.header.Set("X-GitHub-Event", "push")
		p.header.Set("X-GitHub-Hook-ID", "109948940")
	case "gitlab":
		payload = loadPayload(t, "gitlab-push.json")
		payload["ref"], payload["after"], payload["checkout_sha"] = "refs/heads/"+branch, head, head
		p.header.Set("User-Agent", "GitLab/17.6.0")
		p.header.Set("X-Gitlab-Event", "Push Hook")
		p.header.Set("X-Gitlab-Instance", "https://gitlab.example.com")
		p.header.Set("Idempotency-Key", uuid.NewString())
	case "bitbucket":
		payload = loadPayload(t, "bitbucket-push.json")
		change := asMap(t, asList(t, asMap(t, payload["push"])["changes"])[0])
		asMap(t, change["new"])["name"] = branch
		asMap(t, change["old"])["name"] = branch
		asMap(t, asMap(t, change["new"])["target"])["hash"] = head
		p.header.Set("User-Agent", "Bitbucket-Webhooks/2.0")
		p.header.Set("X-Event-Key", "repo:push")
		p.header.Set("X-Hook-UUID", "{"+uuid.NewString()+"}")
		p.header.Set("X-Attempt-Number", "1")
	default:
		t.Fatalf("unknown host %s", typ)
	}
	p.header.Set(idHeader[typ], uuid.NewString())
	var err error
	if p.body, err = json.Marshal(payload); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *hostPush) id() string { return p.header.Get(idHeader[p.typ]) }

// githubSignature is X-Hub-Signature-256 of body as GitHub computes it.
func githubSignature(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// deliver posts p to the webhook's URL, authenticated as its host does.
func deliver(t *testing.T, ts *testServer, p *hostPush, hook webhookView) testResponse {
	t.Helper()
	secret := str(hook.Secret)
	if p.secret != nil {
		secret = *p.secret
	}
	header := p.header.Clone()
	switch p.typ {
	case "github":
		if header.Get("X-Hub-Signature-256") == "" {
			header.Set("X-Hub-Signature-256", githubSignature(secret, p.body))
		}
	case "gitlab":
		if _, set := header["X-Gitlab-Token"]; !set {
			header.Set("X-Gitlab-Token", secret)
		}
	}
	var pairs []string
	for name, values := range header {
		pairs = append(pairs, name, values[0])
	}
	return ts.request(http.MethodPost, hook.URL, "", string(p.body), pairs...)
}

// expectResult checks a delivery's answer.
func (r testResponse) expectResult(t *testing.T, status int, result string) deliveryAnswer {
	t.Helper()
	var answer deliveryAnswer
	r.expect(t, status, &answer)
	if answer.Result != result {
		t.Fatalf("result %q, want %q; body %s", answer.Result, result, r.body)
	}
	return answer
}

func createWebhook(t *testing.T, ts *testServer, body objects) webhookView {
	t.Helper()
	var hook webhookView
	ts.request(http.MethodPost, "/apps/v3/webhooks/", adaToken, body).expect(t, http.StatusCreated, &hook)
	return hook
}

// The test helper signs as GitHub does (its documented test vector).
func TestGitHubSignatureTestVector(t *testing.T) {
	const secret, payload = "It's a Secret to Everybody", "Hello, World!"
	const want = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got := githubSignature(secret, []byte(payload)); got != want {
		t.Fatalf("test helper signs %s, want %s", got, want)
	}
}

func TestWebhookDeliveriesForEachHost(t *testing.T) {
	otherEvent := map[string]string{"github": "issues", "gitlab": "Issue Hook", "bitbucket": "repo:fork"}
	for _, typ := range []string{"github", "gitlab", "bitbucket"} {
		t.Run(typ, func(t *testing.T) {
			syncer := newFakeSyncer()
			syncer.setOrigin("main", headA)
			gate := make(chan struct{})
			syncer.block = map[string]chan struct{}{sshURL: gate}
			ts := newTestServer(t, withSyncer(syncer))
			repo := bindApplication(t, ts, acmeWeb, sshURL)
			hook := createWebhook(t, ts, objects{"application": repo.Application, "type": typ})
			if (hook.Secret == nil) != (typ == "bitbucket") {
				t.Fatalf("secret %v for %s", deref(hook.Secret), typ)
			}

			// A push to the tracked branch: accepted, and one sync makes the
			// platform follow. The payload's head is not taken for the origin
			// head (a replay could rewind it): the sync reads it from the origin.
			valid := newPush(t, typ, "main", headA)
			answer := deliver(t, ts, valid, hook).expectResult(t, http.StatusAccepted, "accepted")
			if answer.Delivery != valid.id() {
				t.Errorf("delivery %q, want %q", answer.Delivery, valid.id())
			}
			status := syncStatusOf(t, ts, repo.Application)
			if deref(status.OriginHead) == headA || status.PlatformHead != nil || status.InSync ||
				deref(status.LastDeliveryResult) != "accepted" || !status.WebhookConfigured || deref(status.WebhookType) != typ {
				t.Fatalf("before the sync: %s", mustJSON(status))
			}
			close(gate)
			waitIdle(t, ts)
			status = syncStatusOf(t, ts, repo.Application)
			if deref(status.PlatformHead) != headA || !status.InSync || deref(status.LastSyncResult) != "success" || status.LastError != nil {
				t.Fatalf("after the sync: %s", mustJSON(status))
			}
			calls := syncer.requests()
			if len(calls) != 1 {
				t.Fatalf("%d syncs, want 1", len(calls))
			}
			want := gitops.SyncRequest{MirrorDir: filepath.Join(filepath.Dir(ts.cfg.DBPath), "mirrors", repo.UUID), URL: repo.DSN,
				Branch: "main", PinnedHostKey: fakeHostKey().AuthorizedKey, Mode: gitops.SyncUpdate}
			got := calls[0]
			if len(got.Auth.SSHPrivateKey) == 0 {
				t.Errorf("synced without the deploy key")
			}
			if got.MirrorDir != want.MirrorDir || got.URL != want.URL || got.Branch != want.Branch ||
				got.PinnedHostKey != want.PinnedHostKey || got.Mode != want.Mode {
				t.Errorf("sync request %+v, want %+v", got, want)
			}

			// A replay is answered and syncs nothing.
			deliver(t, ts, valid, hook).expectResult(t, http.StatusOK, "duplicate")

			// Forged deliveries are refused.
			if typ != "bitbucket" {
				forged := newPush(t, typ, "main", headB)
				forged.secret = ptr("not-the-webhook-secret")
				deliver(t, ts, forged, hook).expectResult(t, http.StatusUnauthorized, "rejected")
				unsigned := newPush(t, typ, "main", headB)
				unsigned.header.Set("X-Hub-Signature-256", "sha256=")
				unsigned.header["X-Gitlab-Token"] = []string{""}
				deliver(t, ts, unsigned, hook).expectResult(t, http.StatusUnauthorized, "rejected")
				// Anyone with the URL can send these: they change nothing recorded.
				var read webhookView
				ts.get("/apps/v3/webhooks/"+hook.UUID+"/", http.StatusOK, &read)
				if deref(read.LastDeliveryResult) != "duplicate" {
					t.Errorf("last delivery result %v after forged ones, want the last real one's (duplicate)", deref(read.LastDeliveryResult))
				}
			}
			if typ == "github" {
				tampered := newPush(t, typ, "main", headA)
				tampered.header.Set("X-Hub-Signature-256", githubSignature(*hook.Secret, tampered.body))
				tampered.body = bytes.Replace(tampered.body, []byte(headA), []byte(headB), 1)
				deliver(t, ts, tampered, hook).expectResult(t, http.StatusUnauthorized, "rejected")
			}

			// Other events, pings, other branches.
			other := newPush(t, typ, "main", headB)
			other.header.Set(eventHeader[typ], otherEvent[typ])
			deliver(t, ts, other, hook).expectResult(t, http.StatusAccepted, "ignored")
			switch typ {
			case "github":
				ping := newPush(t, typ, "main", headB)
				ping.header.Set("X-GitHub-Event", "ping")
				var err error
				if ping.body, err = json.Marshal(loadPayload(t, "github-ping.json")); err != nil {
					t.Fatal(err)
				}
				deliver(t, ts, ping, hook).expectResult(t, http.StatusOK, "pong")
			case "bitbucket":
				ping := newPush(t, typ, "main", headB)
				ping.header.Set("X-Event-Key", "diagnostics:ping")
				ping.body = []byte(`{}`)
				deliver(t, ts, ping, hook).expectResult(t, http.StatusOK, "pong")
			}
			branch := deliver(t, ts, newPush(t, typ, "develop", headB), hook).expectResult(t, http.StatusAccepted, "ignored")
			if branch.Detail != "push to develop; the application tracks main" {
				t.Errorf("detail %q", branch.Detail)
			}

			// Requests that are not a host's push delivery.
			notPayload := newPush(t, typ, "main", headB)
			notPayload.body = []byte(`{"hello": "world"}`)
			deliver(t, ts, notPayload, hook).expectResult(t, http.StatusBadRequest, "rejected")
			oversize := newPush(t, typ, "main", headB)
			oversize.body = append(oversize.body[:len(oversize.body)-1], []byte(`,"padding":"`+strings.Repeat("x", httpx.MaxBodyBytes)+`"}`)...)
			deliver(t, ts, oversize, hook).expectResult(t, http.StatusRequestEntityTooLarge, "rejected")
			form := newPush(t, typ, "main", headB)
			form.header.Set("Content-Type", "application/x-www-form-urlencoded")
			deliver(t, ts, form, hook).expectResult(t, http.StatusUnsupportedMediaType, "rejected")
			unknown := hook
			unknown.URL = strings.Replace(hook.URL, "/hooks/v1/", "/hooks/v1/x", 1)
			deliver(t, ts, newPush(t, typ, "main", headB), unknown).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)

			waitIdle(t, ts)
			if n := len(syncer.requests()); n != 1 {
				t.Fatalf("%d syncs after deliveries that must not sync, want 1", n)
			}
			if status := syncStatusOf(t, ts, repo.Application); deref(status.OriginHead) != headA {
				t.Fatalf("a delivery that was not accepted moved the origin head: %s", mustJSON(status))
			}
		})
	}
}

// Of 20 deliveries with one id sent at once, exactly one is accepted and
// exactly one sync runs.
func TestConcurrentDeliveriesWithOneID(t *testing.T) {
	syncer := newFakeSyncer()
	ts := newTestServer(t, withSyncer(syncer))
	repo := bindApplication(t, ts, acmeWeb, sshURL)
	hook := createWebhook(t, ts, objects{"application": repo.Application, "type": "github"})
	push := newPush(t, "github", "main", fakeCommit)
	results := make(chan string, 20)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			resp := deliver(t, ts, push, hook)
			var answer deliveryAnswer
			_ = json.Unmarshal(resp.body, &answer)
			results <- answer.Result
		})
	}
	wg.Wait()
	close(results)
	counts := map[string]int{}
	for result := range results {
		counts[result]++
	}
	if counts["accepted"] != 1 || counts["duplicate"] != 19 {
		t.Fatalf("results %v, want 1 accepted and 19 duplicate", counts)
	}
	waitIdle(t, ts)
	if n := len(syncer.requests()); n != 1 {
		t.Fatalf("%d syncs, want 1", n)
	}
}

// A push that deletes the tracked branch is accepted; the sync then says
// the branch is missing.
func TestDeliveryOfDeletedBranch(t *testing.T) {
	syncer := newFakeSyncer()
	ts := newTestServer(t, withSyncer(syncer))
	repo := bindApplication(t, ts, acmeWeb, sshURL)
	hook := createWebhook(t, ts, objects{"application": repo.Application, "type": "gitlab"})
	syncer.setOrigin("main", "")
	deleted := newPush(t, "gitlab", "main", strings.Repeat("0", 40))
	var payload map[string]any
	_ = json.Unmarshal(deleted.body, &payload)
	payload["checkout_sha"] = nil
	deleted.body, _ = json.Marshal(payload)
	deliver(t, ts, deleted, hook).expectResult(t, http.StatusAccepted, "accepted")
	waitIdle(t, ts)
	status := syncStatusOf(t, ts, repo.Application)
	if status.LastError == nil || status.LastError.Code != gitops.CodeBranchMissing || deref(status.LastSyncResult) != gitops.CodeBranchMissing ||
		deref(status.OriginHead) != fakeCommit {
		t.Fatalf("after a deletion: %s", mustJSON(status))
	}
}

// A captured push re-sent with fresh delivery ids (the id is not signed)
// is accepted once: its replays sync nothing, never rewind the origin head,
// and a burst of them is throttled.
func TestReplayedPushWithFreshIDs(t *testing.T) {
	syncer := newFakeSyncer()
	ts := newTestServer(t, withSyncer(syncer))
	repo := bindApplication(t, ts, acmeWeb, sshURL)
	hook := createWebhook(t, ts, objects{"application": repo.Application, "type": "github"})

	syncer.setOrigin("main", headA)
	deliver(t, ts, newPush(t, "github", "main", headA), hook).expectResult(t, http.StatusAccepted, "accepted")
	waitIdle(t, ts)
	syncer.setOrigin("main", headB)
	deliver(t, ts, newPush(t, "github", "main", headB), hook).expectResult(t, http.StatusAccepted, "accepted")
	waitIdle(t, ts)
	syncs := len(syncer.requests())

	// Three times the burst, sent together: some must be throttled however
	// slow the machine (the bucket refills 10 a second).
	replays := make([]*hostPush, 6*hooks.DeliveriesPerSecond)
	for i := range replays {
		replays[i] = newPush(t, "github", "main", headA) // the captured push of headA, with a fresh id
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	results := map[int]int{}
	for _, old := range replays {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status := deliver(t, ts, old, hook).status
			mu.Lock()
			results[status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	waitIdle(t, ts)
	if results[http.StatusAccepted] != 0 || results[http.StatusTooManyRequests] == 0 {
		t.Fatalf("answers to %d replays at once: %v; want none accepted, some throttled", len(replays), results)
	}
	if n := len(syncer.requests()); n != syncs {
		t.Fatalf("replays made %d more syncs", n-syncs)
	}
	status := syncStatusOf(t, ts, repo.Application)
	if deref(status.OriginHead) != headB || deref(status.PlatformHead) != headB {
		t.Fatalf("after the replays the origin head is %v and the platform's %v, want both %s", deref(status.OriginHead), deref(status.PlatformHead), headB)
	}
}
