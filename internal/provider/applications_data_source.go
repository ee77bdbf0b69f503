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

func NewApplicationsDataSource() datasource.DataSource {
	return &pluralDataSource{spec: pluralSpec{
		typeName: "applications",
		description: "Lists the applications the API token can see — all of them, or those of one `organisation` " +
			"whose slug or name contains a text — with what an `import` block and a `divio_application` resource " +
			"need, so that applications set up by hand are adopted without a block per application: `import { " +
			"for_each = … }` (Terraform 1.7+, OpenTofu 1.7+). On Terraform 1.14+, `terraform query` with the list " +
			"resource `divio_application` finds the same applications with the same filters. See the guide " +
			"\"Adopting an organisation's existing applications\".\n\n" +
			"`applications` is a list, in the order the API lists them, rather than a map: the key of a `for_each` is " +
			"yours to choose, and the slug, unique on Divio, is the natural one: `{ for a in " +
			"data.divio_applications.acme.applications : a.slug => a }` gives addresses such as " +
			"`divio_application.app[\"acme-web\"]`, which stay the same when an application is added or removed.\n\n" +
			"**Public API**: `GET /apps/v3/applications/?organisation=<uuid>`, one request per page. Divio's public " +
			"API filters by organisation only: `slug_contains` and `name_contains` are applied by the provider.",
		filters: map[string]schema.Attribute{
			"organisation": uuidFilter("UUID of the organisation whose applications to list, e.g. " +
				"`data.divio_organisation.acme.id`. Default: every organisation the token's user is a member of."),
			"slug_contains": textFilter("Only the applications whose slug contains this text, ignoring case. Default: no filter."),
			"name_contains": textFilter("Only the applications whose name contains this text, ignoring case. Default: no filter."),
		},
		result: "applications",
		resultDoc: "The applications, in the API's order. An attribute the server's answer lacks is null " +
			"(`organisation` excepted, which the filter gives): Divio's public API answers no `plan_group`, `region` " +
			"or `branch` (extension fields), so an adopting configuration takes them from elsewhere (the Control " +
			"Panel shows them; see the guide), and the first apply after the import records them without any API call.",
		element:  applicationItemAttributes(),
		newModel: func() pluralModel { return &applicationsModel{} },
	}}
}

// applicationsModel is divio_applications' configuration and result.
type applicationsModel struct {
	Organisation types.String `tfsdk:"organisation"`
	SlugContains types.String `tfsdk:"slug_contains"`
	NameContains types.String `tfsdk:"name_contains"`
	Applications types.List   `tfsdk:"applications"`
}

// applicationItem is one element of applications.
type applicationItem struct {
	ID           types.String `tfsdk:"id"`
	Slug         types.String `tfsdk:"slug"`
	Name         types.String `tfsdk:"name"`
	Organisation types.String `tfsdk:"organisation"`
	Repository   types.String `tfsdk:"repository"`
	Branch       types.String `tfsdk:"branch"`
	PlanGroup    types.String `tfsdk:"plan_group"`
	Region       types.String `tfsdk:"region"`
}

func applicationItemAttributes() map[string]schema.Attribute {
	return computedStrings(map[string]string{
		"id":           "UUID of the application: the `id` of an `import` block for `divio_application`.",
		"slug":         "Slug of the application (the name in its URLs), unique on Divio: the natural `for_each` key.",
		"name":         "Name of the application (`divio_application`'s `name` must match: it cannot be changed through the API).",
		"organisation": "UUID of the organisation that owns the application (the `organisation` filter where the answer does not say).",
		"repository":   "UUID of the external repository the application uses; null on Divio's own Git server.",
		"branch":       "Branch of `repository` the application tracks. Null where the server does not answer it (Divio's public API does not) and on Divio's own Git server.",
		"plan_group":   "UUID of the application's plan group. Null where the server does not answer it (Divio's public API does not).",
		"region":       "UUID of the application's region. Null where the server does not answer it (Divio's public API does not).",
	})
}

func (m *applicationsModel) list(ctx context.Context, c *divioapi.Client) (any, error) {
	apps, err := listApplications(ctx, c, applicationQuery{
		Organisation: m.Organisation.ValueString(),
		SlugContains: m.SlugContains.ValueString(),
		NameContains: m.NameContains.ValueString(),
	})
	if err != nil {
		return nil, err
	}
	items := make([]applicationItem, 0, len(apps))
	for _, app := range apps {
		if app.Repository == nil {
			app.Branch = nil // as divio_application has it: no branch on Divio's own Git server
		}
		items = append(items, applicationItem{
			ID:           stringOrNull(app.UUID),
			Slug:         stringOrNull(app.Slug),
			Name:         stringOrNull(app.Name),
			Organisation: stringOrNull(cmp.Or(app.Organisation, m.Organisation.ValueString())),
			Repository:   types.StringPointerValue(app.Repository),
			Branch:       types.StringPointerValue(app.Branch),
			PlanGroup:    types.StringPointerValue(app.PlanGroup),
			Region:       types.StringPointerValue(app.Region),
		})
	}
	return items, nil
}

func (m *applicationsModel) setResult(list types.List) { m.Applications = list }
