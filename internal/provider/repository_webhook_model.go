// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/path"
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

// fromAPI copies hook into the model over prior (what the API does not
// answer: the write-only secret's version, the rotation triggers). The
// secret is kept out of the state when the user chose it.
func (m *RepositoryWebhookModel) fromAPI(hook *divioapi.Webhook, prior *RepositoryWebhookModel) {
	*m = *prior
	m.ID = types.StringValue(hook.UUID)
	m.Application = types.StringValue(hook.Application)
	m.Type = types.StringValue(hook.Type)
	m.URL = types.StringValue(hook.URL)
	m.Secret = types.StringPointerValue(hook.Secret)
	if hook.SecretChosen || !prior.SecretWOVersion.IsNull() {
		m.Secret = types.StringNull() // the user's own secret stays out of state
	}
	m.SecretWO = types.StringNull()
	if m.RotationTriggers.IsUnknown() {
		m.RotationTriggers = types.MapNull(types.StringType)
	}
}

// identity is the webhook's identity.
func (m *RepositoryWebhookModel) identity() RepositoryWebhookIdentity {
	return RepositoryWebhookIdentity{Application: m.Application}
}
