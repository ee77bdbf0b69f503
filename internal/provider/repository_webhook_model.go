// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

// RepositoryWebhookModel is the resource's state.
type RepositoryWebhookModel struct {
	ID               types.String `tfsdk:"id"`
	Application      types.String `tfsdk:"application"`
	Type             types.String `tfsdk:"type"`
	URL              types.String `tfsdk:"url"`
	Secret           types.String `tfsdk:"secret"`
	SecretWO         types.String `tfsdk:"secret_wo"`
	SecretWOVersion  types.Int64  `tfsdk:"secret_wo_version"`
	RotationTriggers types.Map    `tfsdk:"rotation_triggers"`
}

// RepositoryWebhookIdentity identifies a webhook by its application: a
// binding has at most one webhook.
type RepositoryWebhookIdentity struct {
	Application types.String `tfsdk:"application"`
}

// webhookFields maps the API's field errors to the attributes.
var webhookFields = diagnostics.FieldPaths{
	"application": path.Root("application"),
	"type":        path.Root("type"),
	"secret":      path.Root("secret_wo"),
}

// rotates reports whether applying plan over state rotates the webhook.
// After an import the configured version and triggers are adopted (they
// cannot be read back), so the first apply does not rotate a secret the Git
// host already uses.
func rotates(plan, state *RepositoryWebhookModel, imported bool) bool {
	return !imported && !plan.equalRotation(state)
}

// equalRotation reports whether m and other ask for the same rotation.
func (m *RepositoryWebhookModel) equalRotation(other *RepositoryWebhookModel) bool {
	return m.RotationTriggers.Equal(other.RotationTriggers) && m.SecretWOVersion.Equal(other.SecretWOVersion)
}

// setState writes hook into state. The secret is kept out of the state when
// the user supplies it write-only (secret_wo_version set).
func (r *RepositoryWebhookResource) setState(ctx context.Context, hook *divioapi.Webhook, prior *RepositoryWebhookModel, state *tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	model := *prior
	model.ID = types.StringValue(hook.UUID)
	model.Application = types.StringValue(hook.Application)
	model.Type = types.StringValue(hook.Type)
	model.URL = types.StringValue(hook.URL)
	model.Secret = types.StringPointerValue(hook.Secret)
	if hook.SecretChosen || !prior.SecretWOVersion.IsNull() {
		model.Secret = types.StringNull() // the user's own secret stays out of state
	}
	model.SecretWO = types.StringNull()
	if model.RotationTriggers.IsUnknown() {
		model.RotationTriggers = types.MapNull(types.StringType)
	}
	diags.Append(state.Set(ctx, &model)...)
	setIdentity(ctx, identity, RepositoryWebhookIdentity{Application: model.Application}, diags)
}
