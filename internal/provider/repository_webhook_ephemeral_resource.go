// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/validators"
)

var _ ephemeral.EphemeralResourceWithConfigure = (*RepositoryWebhookEphemeralResource)(nil)

func NewRepositoryWebhookEphemeralResource() ephemeral.EphemeralResource {
	return &RepositoryWebhookEphemeralResource{}
}

// RepositoryWebhookEphemeralResource reads a webhook's URL and secret
// without writing them to the state or plan, e.g. to feed the GitHub
// provider's webhook resource through a write-only argument.
type RepositoryWebhookEphemeralResource struct {
	client *divioapi.Client
}

// RepositoryWebhookEphemeralModel is the ephemeral resource's data.
type RepositoryWebhookEphemeralModel struct {
	ID          types.String `tfsdk:"id"`
	Application types.String `tfsdk:"application"`
	Type        types.String `tfsdk:"type"`
	URL         types.String `tfsdk:"url"`
	Secret      types.String `tfsdk:"secret"`
}

func (e *RepositoryWebhookEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_repository_webhook"
}

func (e *RepositoryWebhookEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the URL and secret of an application's webhook without storing them in " +
			"the Terraform state or plan (Terraform 1.10+ / OpenTofu 1.11+). **Extension** `webhooks`: refused " +
			"without it when it is opened, at plan time (`Not available on this Divio API`).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "UUID of the webhook, e.g. `divio_repository_webhook.push.id`. Exactly " +
					"one of `id` and `application` (checked at plan time, as is a malformed UUID). Prefer it to " +
					"`application` when the webhook is created in the same configuration: it is unknown until the webhook " +
					"exists, so the webhook is read during apply, after its creation, instead of during the first plan " +
					"(when it does not exist yet). Extension `webhooks`.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{validators.UUID(), stringvalidator.ExactlyOneOf(path.MatchRoot("application"))},
			},
			"application": schema.StringAttribute{
				MarkdownDescription: "UUID of the application whose webhook to read (for a webhook managed elsewhere). Exactly one of `id` and `application` (checked at plan time, as is a malformed UUID). Extension `webhooks`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{validators.UUID()},
			},
			"type":   schema.StringAttribute{Computed: true, MarkdownDescription: "`github`, `gitlab` or `bitbucket`. Read-only."},
			"url":    schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: "The URL the Git host must call. Read-only, sensitive."},
			"secret": schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: "The shared secret Divio generated (null for Bitbucket, and for a secret you chose with `secret_wo`, which Divio never shows back). Read-only, sensitive."},
		},
	}
}

func (e *RepositoryWebhookEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (e *RepositoryWebhookEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var data RepositoryWebhookEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !requireExtension(ctx, e.client, &resp.Diagnostics, nil, divioapi.ExtWebhooks, "ephemeral.divio_repository_webhook", webhookInControlPanel) {
		return
	}
	hook := e.find(ctx, &data, &resp.Diagnostics)
	if hook == nil {
		return
	}
	data.ID = types.StringValue(hook.UUID)
	data.Application = types.StringValue(hook.Application)
	data.Type = types.StringValue(hook.Type)
	data.URL = types.StringValue(hook.URL)
	data.Secret = types.StringPointerValue(hook.Secret)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &data)...)
}

// find reads the webhook by id, or as the application's webhook.
func (e *RepositoryWebhookEphemeralResource) find(ctx context.Context, data *RepositoryWebhookEphemeralModel, diags *diag.Diagnostics) *divioapi.Webhook {
	if !data.ID.IsNull() {
		hook, err := e.client.GetWebhook(ctx, data.ID.ValueString())
		if err != nil {
			diagnostics.AddAPIError(diags, "Could not read the webhook", err, nil)
			return nil
		}
		return hook
	}
	hooks, err := e.client.ListWebhooks(ctx, data.Application.ValueString())
	if err != nil {
		diagnostics.AddAPIError(diags, "Could not read the webhook", err, nil)
		return nil
	}
	if len(hooks) == 0 {
		diagnostics.NoWebhook(diags, data.Application.ValueString())
		return nil
	}
	return &hooks[0]
}
