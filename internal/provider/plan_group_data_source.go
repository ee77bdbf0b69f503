// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/validators"
)

var _ datasource.DataSourceWithConfigure = (*PlanGroupDataSource)(nil)

func NewPlanGroupDataSource() datasource.DataSource { return &PlanGroupDataSource{} }

// PlanGroupDataSource looks a plan group up by name among those of an
// organisation, as Divio's CLI does: the list filtered by organisation,
// then the plan group's own GET for its regions.
type PlanGroupDataSource struct {
	client *divioapi.Client
}

// PlanGroupModel is the configuration and result of divio_plan_group.
type PlanGroupModel struct {
	Organisation types.String `tfsdk:"organisation"`
	Name         types.String `tfsdk:"name"`
	ID           types.String `tfsdk:"id"`
	Regions      types.List   `tfsdk:"regions"`
}

func (d *PlanGroupDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_plan_group"
}

func (d *PlanGroupDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an application plan group by name among those an organisation may use, as " +
			"Divio's CLI does (public API: `GET /billing/v3/application-plan-groups/?organisation=<uuid>`, then the " +
			"plan group's own `GET /billing/v3/application-plan-groups/<uuid>/` for its regions). Works against " +
			"api.divio.com; no extension. No match is an error that lists the names you can see.",
		Attributes: map[string]schema.Attribute{
			"organisation": schema.StringAttribute{
				MarkdownDescription: "UUID of the organisation whose plan groups to search, e.g. `data.divio_organisation.acme.id`. Required: Divio's CLI always lists plan groups per organisation. A malformed UUID is refused at plan time.",
				Required:            true,
				Validators:          []validator.String{validators.UUID()},
			},
			"name": schema.StringAttribute{MarkdownDescription: "Name of the plan group (exact; case-insensitive if no exact match).", Required: true},
			"id":   schema.StringAttribute{MarkdownDescription: "UUID of the plan group.", Computed: true},
			"regions": schema.ListAttribute{
				MarkdownDescription: "UUIDs of the regions the plan group offers, from the plan group's own GET (a `divio_application`'s `region` must be one of them).",
				Computed:            true, ElementType: types.StringType,
			},
		},
	}
}

func (d *PlanGroupDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *PlanGroupDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var data PlanGroupModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	groups, err := d.client.ListPlanGroups(ctx, data.Organisation.ValueString())
	if err != nil {
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not list the plan groups", err, nil)
		return
	}
	objects := make([]namedObject, 0, len(groups))
	for _, g := range groups {
		objects = append(objects, namedObject{ID: g.UUID, Name: g.Name})
	}
	found := lookUpByName(objects, data.Name.ValueString(), "plan group", &resp.Diagnostics)
	if found == nil {
		return
	}
	group, err := d.client.GetPlanGroup(ctx, found.ID)
	if err != nil {
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not read the plan group", err, nil)
		return
	}
	regions, diags := types.ListValueFrom(ctx, types.StringType, group.Regions)
	resp.Diagnostics.Append(diags...)
	data.ID, data.Name, data.Regions = types.StringValue(found.ID), types.StringValue(found.Name), regions
	resp.Diagnostics.Append(resp.State.Set(ctx, &data)...)
}
