// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"net/http"
	"time"
)

// webhooksPath is a project extension (see the control-plane-api guide):
// the webhook that tells the platform to pull.
const webhooksPath = "/apps/v3/webhooks/"

// Webhook is an application binding's webhook. Secret is null for
// Bitbucket, whose URL carries the credential, and for a secret the caller
// chose (SecretChosen), which is never shown back.
type Webhook struct {
	UUID               string     `json:"uuid"`
	Application        string     `json:"application"`
	Repository         string     `json:"repository"`
	Type               string     `json:"type"`
	URL                string     `json:"url"`
	Secret             *string    `json:"secret"`
	SecretChosen       bool       `json:"secret_chosen"`
	CreatedAt          time.Time  `json:"created_at"`
	RotatedAt          *time.Time `json:"rotated_at"`
	LastDeliveryAt     *time.Time `json:"last_delivery_at"`
	LastDeliveryResult *string    `json:"last_delivery_result"`
}

// CreateWebhookRequest creates a webhook; Secret "" lets the API generate one.
type CreateWebhookRequest struct {
	Application string `json:"application"`
	Type        string `json:"type"`
	Secret      string `json:"secret,omitempty"`
}

// RotateWebhookRequest rotates a webhook's secret (or Bitbucket URL);
// Secret "" lets the API generate one.
type RotateWebhookRequest struct {
	Secret string `json:"secret,omitempty"`
}

// CreateWebhook creates the webhook of an application's binding.
func (c *Client) CreateWebhook(ctx context.Context, r CreateWebhookRequest) (*Webhook, error) {
	var w Webhook
	if err := c.Do(ctx, http.MethodPost, webhooksPath, nil, r, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// GetWebhook returns the webhook id, with its secret.
func (c *Client) GetWebhook(ctx context.Context, id string) (*Webhook, error) {
	return getObject[Webhook](ctx, c, webhooksPath, id)
}

// ListWebhooks returns the webhooks of an application ("" = all visible).
func (c *Client) ListWebhooks(ctx context.Context, application string) ([]Webhook, error) {
	return ListAll[Webhook](ctx, c, webhooksPath, filter("application", application))
}

// RotateWebhook issues a new secret (GitHub, GitLab) or URL (Bitbucket).
func (c *Client) RotateWebhook(ctx context.Context, id string, r RotateWebhookRequest) (*Webhook, error) {
	p, err := ObjectPath(webhooksPath, id, "rotate")
	if err != nil {
		return nil, err
	}
	var w Webhook
	if err := c.Do(ctx, http.MethodPost, p, nil, r, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// DeleteWebhook deletes the webhook id.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	p, err := ObjectPath(webhooksPath, id)
	if err != nil {
		return err
	}
	return c.Do(ctx, http.MethodDelete, p, nil, nil, nil)
}
