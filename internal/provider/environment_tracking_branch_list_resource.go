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

type environmentFound = inApplication[divioapi.Environment]

func NewEnvironmentTrackingBranchListResource() list.ListResource {
	return &enumeratingListResource[trackingBranchListConfig, environmentFound]{spec: listSpec[trackingBranchListConfig, environmentFound]{
		typeName: "_environment_tracking_branch",
		what:     "environments",
		description: "Finds the environments of the applications the API token can see (those of `organisation`, " +
			"or of one `application`; all, or those with one `environment_slug`) with the branch each tracks, for " +
			"`terraform query` (Terraform 1.14+): one application list, then one environment list per application. " +
			"Every environment tracks a branch, so every environment is found. Each result is the identity " +
			"(`environment`), shown as `<application slug>/<environment slug> (<branch>)`; with `include_resource = " +
			"true` it is the `divio_environment_tracking_branch` an import reads, which `-generate-config-out` " +
			"writes as a resource block and an import block.\n\n**Extension** `tracking_branches`: without it the " +
			"query fails (`Not available on this Divio API`).",
		filters: map[string]listschema.Attribute{
			"organisation":     organisationListFilter("applications' environments"),
			"application":      applicationListFilter("environments"),
			"environment_slug": textListFilter("Only the environments with this slug, e.g. `test`. Default: every environment."),
		},
		extension: divioapi.ExtTrackingBranches,
		instead: "The Control Panel's Environments settings show each environment's branch, and so does " +
			"data.divio_application (its environments) on Divio's public API.",
		find: func(ctx context.Context, c *divioapi.Client, config *trackingBranchListConfig, limit int) ([]environmentFound, error) {
			q := environmentQuery{bindingQuery: config.query(limit), Slug: config.EnvironmentSlug.ValueString()}
			return environmentsByApplication(ctx, c, q)
		},
		displayName: func(found environmentFound) string {
			return applicationName(found.Application) + "/" + found.Object.Slug + " (" + found.Object.Branch + ")"
		},
		store: func(ctx context.Context, found environmentFound, state *tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
			var model EnvironmentTrackingBranchModel
			model.fromAPI(&found.Object)
			writeState(ctx, state, identity, &model, model.identity(), diags)
		},
	}}
}

// trackingBranchListConfig is the list block's config of
// divio_environment_tracking_branch.
type trackingBranchListConfig struct {
	bindingListConfig
	EnvironmentSlug types.String `tfsdk:"environment_slug"`
}
