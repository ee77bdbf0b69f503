// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

type webhookFound = inApplication[divioapi.Webhook]

func NewRepositoryWebhookListResource() list.ListResource {
	return &enumeratingListResource[bindingListConfig, webhookFound]{spec: listSpec[bindingListConfig, webhookFound]{
		typeName: "_repository_webhook",
		what:     "webhooks",
		description: "Finds the webhooks of the applications the API token can see (those of `organisation`, or " +
			"of one `application`), for `terraform query` (Terraform 1.14+): one application list, then one webhook " +
			"list per application. Each result is the webhook's identity (its `application`), shown as `<application " +
			"slug> (<type>)`; with `include_resource = true` it is the `divio_repository_webhook` an import reads, " +
			"which `-generate-config-out` writes as a resource block and an import block. A secret of your choosing " +
			"and the rotation settings cannot be read back, so the block has none: add `secret_wo`, " +
			"`secret_wo_version` and `rotation_triggers` if you use them, and the apply after the import records " +
			"them without rotating anything.\n\n**Extension** `webhooks`: without it the query fails (`Not " +
			"available on this Divio API`).",
		filters: map[string]listschema.Attribute{
			"organisation": organisationListFilter("applications' webhooks"),
			"application":  applicationListFilter("webhook"),
		},
		extension: divioapi.ExtWebhooks,
		instead:   "The Control Panel shows each application's webhook in its Repository view.",
		find: func(ctx context.Context, c *divioapi.Client, config *bindingListConfig, limit int) ([]webhookFound, error) {
			return webhooksByApplication(ctx, c, config.query(limit))
		},
		displayName: func(found webhookFound) string {
			return applicationName(found.Application) + " (" + found.Object.Type + ")"
		},
		store: storeWebhook,
	}}
}

// bindingListConfig is the list block's config of the types found per
// application.
type bindingListConfig struct {
	Organisation types.String `tfsdk:"organisation"`
	Application  types.String `tfsdk:"application"`
}

func (c *bindingListConfig) query(limit int) bindingQuery {
	return bindingQuery{Organisation: c.Organisation.ValueString(), Application: c.Application.ValueString(), Limit: limit}
}

// storeWebhook is the webhook as its Read stores it after an import: from
// a state holding nothing but the identity (its application).
func storeWebhook(ctx context.Context, found webhookFound, state *tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	imported := RepositoryWebhookModel{
		Application: types.StringValue(found.Application.UUID), RotationTriggers: types.MapNull(types.StringType),
	}
	var model RepositoryWebhookModel
	model.fromAPI(&found.Object, &imported)
	writeState(ctx, state, identity, &model, model.identity(), diags)
}
