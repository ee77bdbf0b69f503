// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

func TestSyncStatusWithoutBindingAndWarnings(t *testing.T) {
	checker := &fakeChecker{}
	ts := newTestServer(t, withChecker(checker))
	app := ts.seed.Applications[acmeWeb]

	ts.get("/apps/v3/applications/"+app+"/sync-status/", http.StatusOK, nil)
	status := syncStatusOf(t, ts, app)
	want := syncStatusView{Application: app, Warnings: []syncWarningView{}}
	if !jsonEqual(status, want) {
		t.Fatalf("without a binding\n%s\nwant\n%s", mustJSON(status), mustJSON(want))
	}
	ts.request(http.MethodGet, "/apps/v3/applications/"+ts.seed.Applications[globexWeb]+"/sync-status/", adaToken, nil).
		expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)

	// Connected without a webhook: the Control Panel's warning, and the
	// access check's commit as the origin head.
	repo := bindApplication(t, ts, acmeWeb, sshURL)
	status = syncStatusOf(t, ts, app)
	want = syncStatusView{
		Application: app, Repository: &repo.UUID, State: ptr("CLONED"), Branch: ptr("main"),
		OriginHead: ptr(fakeCommit), OriginHeadSeenAt: ptr("2026-11-25T10:00:00Z"),
		Warnings: []syncWarningView{{Code: "no_webhook", Message: msgNoWebhook}},
	}
	if !jsonEqual(status, want) {
		t.Fatalf("connected\n%s\nwant\n%s", mustJSON(status), mustJSON(want))
	}
	if !strings.HasPrefix(msgNoWebhook, "You have no webhook set up.") {
		t.Errorf("warning %q", msgNoWebhook)
	}

	hook := createWebhook(t, ts, objects{"application": app, "type": "bitbucket"})
	status = syncStatusOf(t, ts, app)
	if len(status.Warnings) != 0 || !status.WebhookConfigured || deref(status.WebhookType) != "bitbucket" || status.LastDeliveryAt != nil {
		t.Fatalf("with a webhook: %s", mustJSON(status))
	}

	// A failed clone check is the last error until a later sync fails.
	ts.request(http.MethodDelete, "/apps/v3/webhooks/"+hook.UUID+"/", adaToken, nil).expect(t, http.StatusNoContent, nil)
	checker.answer(func(context.Context, gitops.CheckRequest) gitops.CheckResult {
		return gitops.CheckResult{Code: gitops.CodeAuthenticationError, Message: "denied"}
	})
	check(t, ts, repo.UUID, "main").expect(t, http.StatusAccepted, nil)
	waitIdle(t, ts)
	status = syncStatusOf(t, ts, app)
	if status.LastError == nil || status.LastError.Code != gitops.CodeAuthenticationError || len(status.Warnings) != 0 {
		t.Fatalf("after a failed check: %s", mustJSON(status))
	}
}

func TestUpdateFastForwards(t *testing.T) {
	syncer := newFakeSyncer()
	ts := newTestServer(t, withSyncer(syncer))
	repo := bindApplication(t, ts, acmeWeb, sshURL)
	syncer.setOrigin("main", headA)

	var status syncStatusView
	ts.request(http.MethodPost, "/apps/v3/applications/"+repo.Application+"/update/", adaToken, objects{}).expect(t, http.StatusOK, &status)
	if deref(status.PlatformHead) != headA || deref(status.OriginHead) != headA || !status.InSync ||
		deref(status.LastSyncResult) != "success" || status.LastSyncAt == nil || status.HistoryRewrittenAt != nil {
		t.Fatalf("after update: %s", mustJSON(status))
	}
	calls := syncer.requests()
	if len(calls) != 1 || calls[0].Mode != gitops.SyncUpdate {
		t.Fatalf("syncs %+v", calls)
	}

	// New commits at the remote: the origin is ahead until the next update.
	syncer.setOrigin("main", headB)
	ts.request(http.MethodPost, "/apps/v3/applications/"+repo.Application+"/update/", adaToken, nil).expect(t, http.StatusOK, &status)
	if deref(status.PlatformHead) != headB || !status.InSync {
		t.Fatalf("after a second update: %s", mustJSON(status))
	}
}

func TestUpdateRefusesRewrittenHistoryAndResetFollowsIt(t *testing.T) {
	syncer := newFakeSyncer()
	ts := newTestServer(t, withSyncer(syncer))
	repo := bindApplication(t, ts, acmeWeb, sshURL)
	ts.request(http.MethodPost, "/apps/v3/applications/"+repo.Application+"/update/", adaToken, nil).expect(t, http.StatusOK, nil)

	// Force-pushed: the remote's branch no longer contains the platform's
	// head. The syncer's message, which names the commits, is the detail.
	const refused = "History at the remote was rewritten (for example by a force push): the remote's branch \"main\", now at commit bbbbbbbbbbbb, " +
		"no longer contains the platform's head 0123456789ab. Use Reset to origin to make the platform's copy match the remote's branch exactly."
	syncer.respond = func(_ context.Context, req gitops.SyncRequest) gitops.SyncResult {
		if req.Mode == gitops.SyncUpdate {
			return gitops.SyncResult{Code: gitops.CodeHistoryRewritten, Message: refused, OriginHead: headB,
				PlatformHead: fakeCommit, PreviousHead: fakeCommit, HistoryRewritten: true}
		}
		return gitops.SyncResult{Code: gitops.CodeSuccess, OriginHead: headB, PlatformHead: headB, PreviousHead: fakeCommit, HistoryRewritten: true}
	}
	resp := ts.request(http.MethodPost, "/apps/v3/applications/"+repo.Application+"/update/", adaToken, objects{})
	resp.expectJSON(t, http.StatusConflict, `{"code": "history_rewritten", "detail": `+mustJSON(refused)+`}`)
	status := syncStatusOf(t, ts, repo.Application)
	if deref(status.PlatformHead) != fakeCommit || deref(status.OriginHead) != headB || status.InSync ||
		deref(status.LastSyncResult) != gitops.CodeHistoryRewritten || status.LastError == nil ||
		status.LastError.Code != gitops.CodeHistoryRewritten || status.LastError.Message != refused ||
		status.HistoryRewrittenAt != nil {
		t.Fatalf("after a refused update: %s", mustJSON(status))
	}

	ts.clock.Advance(time.Minute)
	ts.request(http.MethodPost, "/apps/v3/applications/"+repo.Application+"/reset-to-origin/", adaToken, objects{}).expect(t, http.StatusOK, &status)
	if deref(status.PlatformHead) != headB || !status.InSync || deref(status.HistoryRewrittenAt) != "2026-11-25T10:01:00Z" ||
		status.LastError != nil || deref(status.LastSyncResult) != "success" {
		t.Fatalf("after reset to origin: %s", mustJSON(status))
	}
	if calls := syncer.requests(); calls[len(calls)-1].Mode != gitops.SyncReset {
		t.Fatalf("last sync %+v, want a reset", calls[len(calls)-1])
	}
}

func TestUpdateAndResetRefusals(t *testing.T) {
	syncer := newFakeSyncer()
	ts := newTestServer(t, withSyncer(syncer))
	app := ts.seed.Applications[acmeWeb]
	for _, action := range []string{"update", "reset-to-origin"} {
		ts.request(http.MethodPost, "/apps/v3/applications/"+app+"/"+action+"/", adaToken, nil).
			expectJSON(t, http.StatusConflict, `{"code": "no_repository", "detail": "`+msgNoRepository+`"}`)
		ts.request(http.MethodPost, "/apps/v3/applications/"+ts.seed.Applications[globexWeb]+"/"+action+"/", adaToken, nil).
			expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
		ts.request(http.MethodPost, "/apps/v3/applications/"+app+"/"+action+"/", adaToken, objects{"force": true}).
			expectJSON(t, http.StatusBadRequest, `{"non_field_errors": ["JSON parse error - unknown field \"force\"."]}`)
	}
	// Connected, then a clone check starts over: the sync still runs with
	// what the earlier check pinned.
	bindApplication(t, ts, acmeWeb, sshURL)
	// A sync that fails: 409 with its code, recorded as the last error.
	syncer.respond = func(context.Context, gitops.SyncRequest) gitops.SyncResult {
		return gitops.SyncResult{Code: gitops.CodeUnreachable, Message: "The host did not answer."}
	}
	ts.request(http.MethodPost, "/apps/v3/applications/"+app+"/update/", adaToken, nil).
		expectJSON(t, http.StatusConflict, `{"code": "unreachable", "detail": "The host did not answer."}`)
	if status := syncStatusOf(t, ts, app); status.LastError == nil || status.LastError.Code != gitops.CodeUnreachable {
		t.Fatalf("after a failed sync: %s", mustJSON(status))
	}
}

// A change of the branch the application follows forgets the heads,
// which were of the old branch; a clone check of the new branch sees its head.
func TestBranchChangeForgetsHeads(t *testing.T) {
	ts := newTestServer(t)
	repo := bindApplication(t, ts, acmeWeb, sshURL)
	ts.request(http.MethodPost, "/apps/v3/applications/"+repo.Application+"/update/", adaToken, nil).expect(t, http.StatusOK, nil)
	if status := syncStatusOf(t, ts, repo.Application); deref(status.PlatformHead) != fakeCommit {
		t.Fatalf("after the update: %s", mustJSON(status))
	}
	// The same branch again changes nothing.
	migrateApplication(t, ts, repo.Application, objects{"repository": repo.UUID, "branch": "main"})
	if status := syncStatusOf(t, ts, repo.Application); deref(status.PlatformHead) != fakeCommit {
		t.Fatalf("after migrating to the same branch: %s", mustJSON(status))
	}
	migrateApplication(t, ts, repo.Application, objects{"repository": repo.UUID, "branch": "develop"})
	status := syncStatusOf(t, ts, repo.Application)
	if status.PlatformHead != nil || status.OriginHead != nil || status.LastSyncAt != nil || deref(status.Branch) != "develop" {
		t.Fatalf("after the branch changed: %s", mustJSON(status))
	}
	check(t, ts, repo.UUID, "develop").expect(t, http.StatusAccepted, nil)
	waitIdle(t, ts)
	if status := syncStatusOf(t, ts, repo.Application); deref(status.OriginHead) != fakeCommit || deref(status.Branch) != "develop" {
		t.Fatalf("after the check of the new branch: %s", mustJSON(status))
	}
}
