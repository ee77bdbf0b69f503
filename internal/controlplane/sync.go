// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

// An application's sync status, and the Control Panel's Update and Reset
// to origin buttons (extensions sync_status, repository_update and
// reset_to_origin): a sync now, of what is new or of the origin exactly.
// Syncs themselves are the job runner's (package jobs).

import (
	"context"
	"errors"
	"net/http"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/jobs"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// msgNoWebhook repeats the Control Panel's warning "You have no webhook set up".
const msgNoWebhook = "You have no webhook set up. The control plane can reach the repository, but without a webhook the application " +
	"does not learn of new commits: use the manual Update to pull them, or configure a webhook (recommended)."

const msgNoRepository = "This application uses Divio's own Git server, which the platform does not sync from: " +
	"Update and Reset to origin are for applications that use an external repository."

// syncStatusView is how the platform's copy of an application's branch
// compares with the remote's, and what keeps them in step.
type syncStatusView struct {
	Application        string            `json:"application"`
	Repository         *string           `json:"repository"`
	State              *string           `json:"state"`
	Branch             *string           `json:"branch"`
	OriginHead         *string           `json:"origin_head"`
	OriginHeadSeenAt   *string           `json:"origin_head_seen_at"`
	PlatformHead       *string           `json:"platform_head"`
	InSync             bool              `json:"in_sync"`
	LastSyncAt         *string           `json:"last_sync_at"`
	LastSyncResult     *string           `json:"last_sync_result"`
	HistoryRewrittenAt *string           `json:"history_rewritten_at"`
	WebhookConfigured  bool              `json:"webhook_configured"`
	WebhookType        *string           `json:"webhook_type"`
	LastDeliveryAt     *string           `json:"last_delivery_at"`
	LastDeliveryResult *string           `json:"last_delivery_result"`
	LastError          *checkErrorView   `json:"last_error"`
	Warnings           []syncWarningView `json:"warnings"`
}

// syncWarningView is a condition worth telling that is not an error.
type syncWarningView struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// syncStatus reads the sync status of an application of the user's organisations.
func (s *Server) syncStatus(ctx context.Context, user store.User, applicationUUID string) (syncStatusView, error) {
	app, err := s.store.GetApplication(ctx, user.UUID, applicationUUID)
	if err != nil {
		return syncStatusView{}, err
	}
	view := syncStatusView{Application: app.UUID, Warnings: []syncWarningView{}}
	if app.RepositoryUUID == nil {
		return view, nil
	}
	repo, err := s.store.LoadRepository(ctx, *app.RepositoryUUID)
	if err != nil {
		return view, err
	}
	state, err := s.store.SyncState(ctx, repo.UUID)
	if err != nil {
		return view, err
	}
	hook, err := s.store.ApplicationWebhook(ctx, app.UUID)
	hasWebhook := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return view, err
	}

	view.Repository, view.State, view.Branch = &repo.UUID, nullable(string(repo.State)), &app.Branch
	view.OriginHead, view.OriginHeadSeenAt = nullable(state.OriginHead), nullableTime(state.OriginHeadSeenAt)
	view.PlatformHead = nullable(state.PlatformHead)
	view.InSync = state.OriginHead != "" && state.OriginHead == state.PlatformHead
	view.LastSyncAt, view.LastSyncResult = nullableTime(state.LastSyncAt), nullable(state.LastSyncResult)
	view.HistoryRewrittenAt = nullableTime(state.HistoryRewrittenAt)
	view.LastError = lastError(repo, state)
	if hasWebhook {
		view.WebhookConfigured, view.WebhookType = true, nullable(string(hook.Type))
		view.LastDeliveryAt, view.LastDeliveryResult = nullableTime(hook.LastDeliveryAt), nullable(hook.LastDeliveryResult)
	} else if repo.State == store.StateCloned {
		view.Warnings = append(view.Warnings, syncWarningView{Code: "no_webhook", Message: msgNoWebhook})
	}
	return view, nil
}

// lastError is the most recent of the last sync's failure and the failure
// of the clone check that left the repository INVALID; nil when neither.
func lastError(repo store.Repository, state store.SyncState) *checkErrorView {
	syncFailed := state.LastErrorCode != ""
	checkFailed := repo.State == store.StateInvalid
	switch {
	case syncFailed && (!checkFailed || !repo.CheckedAt.After(state.LastSyncAt)):
		return &checkErrorView{Code: state.LastErrorCode, Message: state.LastErrorMessage}
	case checkFailed:
		return &checkErrorView{Code: repo.ErrorCode, Message: repo.ErrorMessage}
	}
	return nil
}

// getSyncStatus serves GET /apps/v3/applications/{uuid}/sync-status/.
func (s *Server) getSyncStatus(w http.ResponseWriter, r *http.Request, user store.User) {
	serveObject(s, w, r, func(id string) (syncStatusView, error) {
		return s.syncStatus(r.Context(), user, id)
	}, func(v syncStatusView) syncStatusView { return v })
}

// updateApplication serves POST /apps/v3/applications/{uuid}/update/: the
// Control Panel's Update button, a fast-forward of the platform's copy.
func (s *Server) updateApplication(w http.ResponseWriter, r *http.Request, user store.User) {
	s.serveSync(w, r, user, gitops.SyncUpdate)
}

// resetApplicationToOrigin serves POST /apps/v3/applications/{uuid}/reset-to-origin/:
// the platform's copy made to match the remote's branch, whatever its history.
func (s *Server) resetApplicationToOrigin(w http.ResponseWriter, r *http.Request, user store.User) {
	s.serveSync(w, r, user, gitops.SyncReset)
}

// writeConflict answers 409 with a machine-readable code.
func writeConflict(w http.ResponseWriter, code, detail string) {
	httpx.WriteJSON(w, http.StatusConflict, map[string]string{"code": code, "detail": detail})
}

// errShuttingDown answers a synchronous sync that a stop dropped or interrupted.
var errShuttingDown = &httpx.Error{Status: http.StatusServiceUnavailable, Detail: "The control plane is shutting down; try again."}

// serveSync runs a sync of an application's repository, in its turn among
// the repository's syncs, and answers its outcome: 200 with the sync
// status, or 409 with the failure's code (history_rewritten for an Update
// that cannot fast-forward).
func (s *Server) serveSync(w http.ResponseWriter, r *http.Request, user store.User, mode gitops.SyncMode) {
	id, err := pathUUID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var request struct{}
	if err := httpx.DecodeJSON(r, &request); err != nil {
		s.writeError(w, r, err)
		return
	}
	app, err := s.store.GetApplication(r.Context(), user.UUID, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if app.RepositoryUUID == nil {
		writeConflict(w, gitops.CodeNoRepository, msgNoRepository)
		return
	}
	repo, err := s.store.LoadRepository(r.Context(), *app.RepositoryUUID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !jobs.Connected(repo) {
		writeConflict(w, gitops.CodeNotConnected, jobs.MsgNotConnected)
		return
	}
	outcome, err := s.jobs.SyncNow(r.Context(), repo.UUID, mode)
	switch {
	case r.Context().Err() != nil:
		return // the client is gone; the sync's outcome is stored
	case errors.Is(err, jobs.ErrShuttingDown):
		s.writeError(w, r, errShuttingDown)
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	case !outcome.OK():
		writeConflict(w, outcome.Code, outcome.Message)
		return
	}
	status, err := s.syncStatus(r.Context(), user, app.UUID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, status)
}
