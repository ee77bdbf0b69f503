// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"cmp"
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

func NewEnvironmentTrackingBranchesDataSource() datasource.DataSource {
	return &pluralDataSource{spec: pluralSpec{
		typeName: "environment_tracking_branches",
		description: "Lists the environments of the applications the API token can see (those of `organisation`, " +
			"or one `application`; all, or those with one slug) with the branch each tracks: what an `import` block " +
			"and a `divio_environment_tracking_branch` resource need, so that tracking branches set up by hand are " +
			"adopted without a block per environment: `import { for_each = … }` (Terraform 1.7+, OpenTofu 1.7+). " +
			"On Terraform 1.14+, `terraform query` with the list resource `divio_environment_tracking_branch` finds " +
			"the same environments. One application list, then one environment list per application. See the " +
			"guide \"Adopting an organisation's existing applications\".\n\n" +
			"`tracking_branches` is a list rather than a map; key a `for_each` by environment UUID, or by " +
			"application and slug, e.g. `{ for e in data.divio_environment_tracking_branches.acme.tracking_branches " +
			": \"${local.app_slugs[e.application]}/${e.slug}\" => e }` with `app_slugs` from `divio_applications`.\n\n" +
			"**Extension** `tracking_branches`: refused at plan time without it (`Not available on this Divio " +
			"API`); on Divio's public API `data.divio_application` shows each environment's branch.",
		filters: map[string]schema.Attribute{
			"organisation": uuidFilter("UUID of the organisation whose applications' environments to list. " +
				"Default: every organisation the token's user is a member of. Conflicts with `application`."),
			"application": uuidFilter("UUID of an application: only its environments. Default: no filter. An " +
				"application the token cannot see is an error (`Application not found`). Conflicts with `organisation`."),
			"environment_slug": textFilter("Only the environments with this slug, e.g. `test`. Default: every environment."),
		},
		conflicting: []string{"organisation", "application"},
		result:      "tracking_branches",
		resultDoc:   "The environments, application by application in the API's order of the applications.",
		element: computedStrings(map[string]string{
			"environment": "UUID of the environment: the `id` of an `import` block for `divio_environment_tracking_branch`.",
			"application": "UUID of the environment's application.",
			"slug":        "Slug of the environment, e.g. `test`.",
			"branch":      "The branch the environment tracks (`divio_environment_tracking_branch`'s `branch`).",
		}),
		extension: divioapi.ExtTrackingBranches,
		instead: "The Control Panel's Environments settings show each environment's branch, and so does " +
			"data.divio_application (its environments) on Divio's public API.",
		newModel: func() pluralModel { return &trackingBranchesModel{} },
	}}
}

// trackingBranchesModel is divio_environment_tracking_branches'
// configuration and result.
type trackingBranchesModel struct {
	Organisation     types.String `tfsdk:"organisation"`
	Application      types.String `tfsdk:"application"`
	EnvironmentSlug  types.String `tfsdk:"environment_slug"`
	TrackingBranches types.List   `tfsdk:"tracking_branches"`
}

// trackingBranchItem is one element of tracking_branches.
type trackingBranchItem struct {
	Environment types.String `tfsdk:"environment"`
	Application types.String `tfsdk:"application"`
	Slug        types.String `tfsdk:"slug"`
	Branch      types.String `tfsdk:"branch"`
}

func (m *trackingBranchesModel) list(ctx context.Context, c *divioapi.Client) (any, error) {
	q := environmentQuery{
		bindingQuery: bindingQuery{Organisation: m.Organisation.ValueString(), Application: m.Application.ValueString()},
		Slug:         m.EnvironmentSlug.ValueString(),
	}
	found, err := environmentsByApplication(ctx, c, q)
	if err != nil {
		return nil, err
	}
	items := make([]trackingBranchItem, 0, len(found))
	for _, f := range found {
		env := f.Object
		items = append(items, trackingBranchItem{
			Environment: stringOrNull(env.UUID),
			Application: stringOrNull(cmp.Or(env.Application, f.Application.UUID)),
			Slug:        stringOrNull(env.Slug),
			Branch:      stringOrNull(env.Branch),
		})
	}
	return items, nil
}

func (m *trackingBranchesModel) setResult(list types.List) { m.TrackingBranches = list }
