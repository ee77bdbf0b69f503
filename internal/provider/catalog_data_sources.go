package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

// The catalogue data sources look an object up by name in one of Divio's
// public lists (organisations, plan groups, regions), so that nobody pastes
// UUIDs. They share one shape: name in, id (and a few fields) out.

// namedObject is an object of a catalogue, by name.
type namedObject struct {
	ID      string
	Name    string
	Regions []string // plan groups only
}

// catalogDataSource is a data source over one catalogue.
type catalogDataSource struct {
	client      *divioapi.Client
	typeName    string // suffix of the type name, e.g. "organisation"
	what        string // for messages, e.g. "organisation"
	description string
	regions     bool // whether the result has regions (plan groups)
	list        func(ctx context.Context, c *divioapi.Client) ([]namedObject, error)
}

// catalogModel is the configuration and result of a catalogue data source.
type catalogModel struct {
	ID      types.String `tfsdk:"id"`
	Name    types.String `tfsdk:"name"`
	Regions types.List   `tfsdk:"regions"`
}

func NewOrganisationDataSource() datasource.DataSource {
	return &catalogDataSource{typeName: "organisation", what: "organisation",
		description: "Looks up one of your Divio organisations by name (public API: `GET /iam/v3/organisations/`). Works against api.divio.com; no extension. No match is an error that lists the names you can see.",
		list: func(ctx context.Context, c *divioapi.Client) ([]namedObject, error) {
			orgs, err := c.ListOrganisations(ctx)
			objects := make([]namedObject, 0, len(orgs))
			for _, o := range orgs {
				objects = append(objects, namedObject{ID: o.UUID, Name: o.Name})
			}
			return objects, err
		}}
}

func NewPlanGroupDataSource() datasource.DataSource {
	return &catalogDataSource{typeName: "plan_group", what: "plan group", regions: true,
		description: "Looks up an application plan group by name (public API: `GET /billing/v3/application-plan-groups/`), with the regions it offers. Works against api.divio.com; no extension. No match is an error that lists the names you can see.",
		list: func(ctx context.Context, c *divioapi.Client) ([]namedObject, error) {
			groups, err := c.ListPlanGroups(ctx)
			objects := make([]namedObject, 0, len(groups))
			for _, g := range groups {
				objects = append(objects, namedObject{ID: g.UUID, Name: g.Name, Regions: g.Regions})
			}
			return objects, err
		}}
}

func NewRegionDataSource() datasource.DataSource {
	return &catalogDataSource{typeName: "region", what: "region",
		description: "Looks up a region by name (public API: `GET /apps/v3/regions/`). Works against api.divio.com; no extension. No match is an error that lists the names you can see.",
		list: func(ctx context.Context, c *divioapi.Client) ([]namedObject, error) {
			regions, err := c.ListRegions(ctx)
			objects := make([]namedObject, 0, len(regions))
			for _, r := range regions {
				objects = append(objects, namedObject{ID: r.UUID, Name: r.Name})
			}
			return objects, err
		}}
}

func (d *catalogDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + d.typeName
}

func (d *catalogDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: d.description,
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{MarkdownDescription: "Name of the " + d.what + " (exact; case-insensitive if no exact match).", Required: true},
			"id":   schema.StringAttribute{MarkdownDescription: "UUID of the " + d.what + ".", Computed: true},
			"regions": schema.ListAttribute{
				MarkdownDescription: "`divio_plan_group` only: UUIDs of the regions the plan group offers (a `divio_application`'s `region` must be one of them). Always null for `divio_organisation` and `divio_region`.",
				Computed:            true, ElementType: types.StringType,
			},
		},
	}
}

func (d *catalogDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *catalogDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var data catalogModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	objects, err := d.list(ctx, d.client)
	if err != nil {
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not list the "+d.what+"s", err, nil)
		return
	}
	found, names := findByName(objects, data.Name.ValueString())
	if found == nil {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "No such "+d.what,
			fmt.Sprintf("No %s is named %q. Those you can see: %s.", d.what, data.Name.ValueString(), names))
		return
	}
	data.ID, data.Name = types.StringValue(found.ID), types.StringValue(found.Name)
	data.Regions = types.ListNull(types.StringType)
	if d.regions {
		regions, diags := types.ListValueFrom(ctx, types.StringType, found.Regions)
		resp.Diagnostics.Append(diags...)
		data.Regions = regions
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &data)...)
}

// findByName finds the object named name: exactly, else the only one
// whose name matches without regard to case. It also returns the names
// there are, for the error message.
func findByName(objects []namedObject, name string) (*namedObject, string) {
	var folded []*namedObject
	names := make([]string, 0, len(objects))
	for i := range objects {
		if objects[i].Name == name {
			return &objects[i], ""
		}
		if strings.EqualFold(objects[i].Name, name) {
			folded = append(folded, &objects[i])
		}
		names = append(names, fmt.Sprintf("%q", objects[i].Name))
	}
	if len(folded) == 1 {
		return folded[0], ""
	}
	if len(names) == 0 {
		return nil, "none"
	}
	return nil, strings.Join(names, ", ")
}
