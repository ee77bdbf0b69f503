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

func NewApplicationListResource() list.ListResource {
	return &enumeratingListResource[applicationListConfig, divioapi.Application]{spec: listSpec[applicationListConfig, divioapi.Application]{
		typeName: "_application",
		what:     "applications",
		description: "Finds the applications the API token can see, for `terraform query` (Terraform 1.14+): all " +
			"of them, those of one `organisation`, those whose slug or name contains a text (public API: `GET " +
			"/apps/v3/applications/`, every page). Each result is the application's identity (`id`), shown by its " +
			"slug; with `include_resource = true` it is the `divio_application` an import reads, which " +
			"`-generate-config-out` writes as a resource block and an import block. Where the server does not " +
			"answer `plan_group` and `region` (Divio's public API), the block has them as `null # REQUIRED`: fill " +
			"them in, and the apply after the import records them without any API call.\n\n**Works against " +
			"api.divio.com**; no extension.",
		filters: map[string]listschema.Attribute{
			"organisation": uuidListFilter("UUID of the organisation whose applications to list. Default: every " +
				"organisation the token's user is a member of."),
			"slug_contains": textListFilter("Only the applications whose slug contains this text, ignoring case. Default: no filter."),
			"name_contains": textListFilter("Only the applications whose name contains this text, ignoring case. Default: no filter."),
		},
		find: func(ctx context.Context, c *divioapi.Client, config *applicationListConfig, _ int) ([]divioapi.Application, error) {
			return listApplications(ctx, c, applicationQuery{
				Organisation: config.Organisation.ValueString(),
				SlugContains: config.SlugContains.ValueString(),
				NameContains: config.NameContains.ValueString(),
			})
		},
		displayName: func(app divioapi.Application) string { return applicationName(app) },
		store:       storeApplication,
	}}
}

// applicationListConfig is the list block's config of divio_application.
type applicationListConfig struct {
	Organisation types.String `tfsdk:"organisation"`
	SlugContains types.String `tfsdk:"slug_contains"`
	NameContains types.String `tfsdk:"name_contains"`
}

// storeApplication is the application as its Read stores it after an
// import: from a state holding nothing but the identity.
func storeApplication(ctx context.Context, app divioapi.Application, state *tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	model := ApplicationModel{ID: types.StringValue(app.UUID)} // every other attribute null
	model.fromAPI(&app)
	writeState(ctx, state, identity, &model, model.identity(), diags)
}
