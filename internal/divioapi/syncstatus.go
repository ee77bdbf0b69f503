// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"net/http"
	"time"
)

// SyncStatus is how the platform's copy of an application's tracked branch
// compares with the external repository's.
type SyncStatus struct {
	Application        string           `json:"application"`
	Repository         *string          `json:"repository"`
	State              *string          `json:"state"`
	Branch             *string          `json:"branch"`
	OriginHead         *string          `json:"origin_head"`
	OriginHeadSeenAt   *time.Time       `json:"origin_head_seen_at"`
	PlatformHead       *string          `json:"platform_head"`
	InSync             bool             `json:"in_sync"`
	LastSyncAt         *time.Time       `json:"last_sync_at"`
	LastSyncResult     *string          `json:"last_sync_result"`
	HistoryRewrittenAt *time.Time       `json:"history_rewritten_at"`
	WebhookConfigured  bool             `json:"webhook_configured"`
	WebhookType        *string          `json:"webhook_type"`
	LastDeliveryAt     *time.Time       `json:"last_delivery_at"`
	LastDeliveryResult *string          `json:"last_delivery_result"`
	LastError          *RepositoryError `json:"last_error"`
	Warnings           []SyncWarning    `json:"warnings"`
}

// SyncWarning is a condition worth telling the user that is not an error,
// such as "no_webhook".
type SyncWarning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// GetSyncStatus returns the sync status of an application: one request.
func (c *Client) GetSyncStatus(ctx context.Context, application string) (*SyncStatus, error) {
	return c.applicationSync(ctx, http.MethodGet, application, "sync-status")
}

// PullUpdate pulls what is new at the remote (the Control Panel's
// Update button); it fails with 409 when history was rewritten.
func (c *Client) PullUpdate(ctx context.Context, application string) (*SyncStatus, error) {
	return c.applicationSync(ctx, http.MethodPost, application, "update")
}

// ResetToOrigin makes the platform's copy match the remote exactly.
func (c *Client) ResetToOrigin(ctx context.Context, application string) (*SyncStatus, error) {
	return c.applicationSync(ctx, http.MethodPost, application, "reset-to-origin")
}

func (c *Client) applicationSync(ctx context.Context, method, application, action string) (*SyncStatus, error) {
	p, err := ObjectPath(applicationsPath, application, action)
	if err != nil {
		return nil, err
	}
	var body any
	if method == http.MethodPost {
		body = map[string]any{}
	}
	var s SyncStatus
	if err := c.Do(ctx, method, p, nil, body, &s); err != nil {
		return nil, err
	}
	return &s, nil
}
