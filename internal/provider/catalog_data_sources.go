// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

// The catalogue data sources look an object up by name in one of Divio's
// public lists (organisations, regions), so that nobody pastes UUIDs. They
// share one shape: name in, id out. Plan groups, listed per organisation,
// have their own (plan_group_data_source.go) over the same findByName.

// namedObject is an object of a catalogue, by name.
type namedObject struct {
	ID   string
	Name string
}

// catalogDataSource is a data source over one catalogue.
type catalogDataSource struct {
	client      *divioapi.Client
	typeName    string // suffix of the type name, e.g. "organisation"
	what        string // for messages, e.g. "organisation"
	description string
	list        func(ctx context.Context, c *divioapi.Client) ([]namedObject, error)
}

// catalogModel is the configuration and result of a catalogue data source.
type catalogModel struct {
	ID   types.String `tfsdk:"id"`
	Name types.String `tfsdk:"name"`
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

func NewRegionDataSource() datasource.DataSource {
	return &catalogDataSource{typeName: "region", what: "region",
		description: "Looks up a region by name (public API: `GET /apps/v3/regions/`). Works against api.divio.com; no extension. No match is an error that lists the names you can see.",
		list: func(ctx context.Context, c *divioapi.Client) ([]namedObject, error) {
			regions, err := c.ListRegions(ctx) // unfiltered, as `divio regions list`
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
	found := lookUpByName(objects, data.Name.ValueString(), d.what, &resp.Diagnostics)
	if found == nil {
		return
	}
	data.ID, data.Name = types.StringValue(found.ID), types.StringValue(found.Name)
	resp.Diagnostics.Append(resp.State.Set(ctx, &data)...)
}

// lookUpByName is findByName with the error on the name attribute when
// nothing matches.
func lookUpByName(objects []namedObject, name, what string, diags *diag.Diagnostics) *namedObject {
	found, names := findByName(objects, name)
	if found == nil {
		diagnostics.NoSuchName(diags, what, name, names)
	}
	return found
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
