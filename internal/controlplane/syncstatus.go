// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"context"
	"errors"
	"net/http"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

// msgNoWebhook repeats the Control Panel's warning "You have no webhook set up".
const msgNoWebhook = "You have no webhook set up. The control plane can reach the repository, but without a webhook the application " +
	"does not learn of new commits: use the manual Update to pull them, or configure a webhook (recommended)."

const msgNoRepository = "This application uses Divio's own Git server, which the platform does not pull from: " +
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

// lastError is the most recent of the last pull's failure and the failure
// of the clone check that left the repository INVALID; nil when neither.
func lastError(repo store.Repository, state store.SyncState) *checkErrorView {
	pullFailed := state.LastErrorCode != ""
	checkFailed := repo.State == store.StateInvalid
	switch {
	case pullFailed && (!checkFailed || !repo.CheckedAt.After(state.LastSyncAt)):
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
