// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/validators"
)

var (
	_ datasource.DataSourceWithConfigure        = (*ApplicationDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*ApplicationDataSource)(nil)
)

func NewApplicationDataSource() datasource.DataSource { return &ApplicationDataSource{} }

// ApplicationDataSource looks up a Divio application by id or slug.
type ApplicationDataSource struct {
	client *divioapi.Client
}

// ApplicationDataSourceModel is the data source's configuration and result.
type ApplicationDataSourceModel struct {
	ID           types.String `tfsdk:"id"`
	Slug         types.String `tfsdk:"slug"`
	Organisation types.String `tfsdk:"organisation"`
	Name         types.String `tfsdk:"name"`
	RepositoryID types.String `tfsdk:"repository_id"`
	Environments types.List   `tfsdk:"environments"`
}

// environmentAttrTypes is the object type of one element of environments.
var environmentAttrTypes = map[string]attr.Type{
	"id":     types.StringType,
	"slug":   types.StringType,
	"branch": types.StringType,
}

func (d *ApplicationDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_application"
}

func (d *ApplicationDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up a Divio application by `id` or by `slug`, with its environments and the " +
			"external repository it uses (if any). Public API.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "UUID of the application to read. Exactly one of `id` and `slug` must be set (checked at plan time, as is a malformed UUID). Public API.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{validators.UUID()},
			},
			"slug": schema.StringAttribute{
				MarkdownDescription: "Slug of the application to read (the name in its URLs). Exactly one of `id` and `slug` must be set (checked at plan time). Public API.",
				Optional:            true,
				Computed:            true,
			},
			"organisation": schema.StringAttribute{
				MarkdownDescription: "UUID of the organisation that owns the application. Optional: when " +
					"looking up by `slug`, setting it restricts the search to that organisation. A malformed UUID is " +
					"refused at plan time. Public API.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{validators.UUID()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Human-readable name of the application.",
				Computed:            true,
			},
			"repository_id": schema.StringAttribute{
				MarkdownDescription: "UUID of the external Git repository bound to the application, or null when the " +
					"application uses Divio's own Git server.",
				Computed: true,
			},
			"environments": schema.ListNestedAttribute{
				MarkdownDescription: "The application's environments (e.g. `test`, `live`), ordered by slug.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":     schema.StringAttribute{Computed: true, MarkdownDescription: "UUID of the environment."},
						"slug":   schema.StringAttribute{Computed: true, MarkdownDescription: "Slug of the environment, e.g. `test`."},
						"branch": schema.StringAttribute{Computed: true, MarkdownDescription: "Git branch the environment tracks (`divio_environment_tracking_branch` changes it, where the server offers `tracking_branches`)."},
					},
				},
			},
		},
	}
}

func (d *ApplicationDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("slug")),
	}
}

func (d *ApplicationDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *ApplicationDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var data ApplicationDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}

	app := d.findApplication(ctx, data, resp)
	if app == nil {
		return
	}
	id := cmp.Or(app.UUID, data.ID.ValueString())
	envs, err := d.client.ListEnvironments(ctx, divioapi.EnvironmentFilter{Application: id})
	if err != nil {
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not list the application's environments", err, nil)
		return
	}

	// Divio's CLI reads slug, organisation and repository of an
	// application: every other field may be missing, and is then null
	// (or, for id and slug, what the configuration looked it up by).
	if app.UUID != "" {
		data.ID = types.StringValue(app.UUID)
	}
	if app.Slug != "" {
		data.Slug = types.StringValue(app.Slug)
	}
	data.Name = stringOrNull(app.Name)
	if app.Organisation != "" {
		data.Organisation = types.StringValue(app.Organisation)
	}
	data.RepositoryID = types.StringPointerValue(app.Repository)
	data.Environments = environmentsValue(envs, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &data)...)
}

// findApplication resolves the configured id or slug to one application,
// reporting on the attribute that was used when there is none (or several).
func (d *ApplicationDataSource) findApplication(ctx context.Context, data ApplicationDataSourceModel, resp *datasource.ReadResponse) *divioapi.Application {
	if !data.ID.IsNull() {
		app, err := d.client.GetApplication(ctx, data.ID.ValueString())
		if divioapi.IsNotFound(err) {
			diagnostics.ApplicationIDNotFound(&resp.Diagnostics, data.ID.ValueString())
			return nil
		}
		if err != nil {
			diagnostics.AddAPIError(&resp.Diagnostics, "Could not read the application", err, nil)
			return nil
		}
		return app
	}

	apps, err := d.client.ListApplications(ctx, divioapi.ApplicationFilter{
		Slug:         data.Slug.ValueString(),
		Organisation: data.Organisation.ValueString(),
	})
	if err != nil {
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not look up the application", err,
			diagnostics.FieldPaths{"slug": path.Root("slug"), "organisation": path.Root("organisation")})
		return nil
	}
	switch len(apps) {
	case 1:
		return &apps[0]
	case 0:
		diagnostics.ApplicationSlugNotFound(&resp.Diagnostics, data.Slug.ValueString())
	default:
		diagnostics.SeveralApplicationsMatch(&resp.Diagnostics, len(apps), data.Slug.ValueString())
	}
	return nil
}

// environmentsValue converts the API's environments to the list attribute,
// ordered by slug so the order does not depend on the API's.
func environmentsValue(envs []divioapi.Environment, diags *diag.Diagnostics) types.List {
	sorted := slices.Clone(envs)
	slices.SortFunc(sorted, func(a, b divioapi.Environment) int { return strings.Compare(a.Slug, b.Slug) })
	elems := make([]attr.Value, 0, len(sorted))
	for _, env := range sorted {
		obj, d := types.ObjectValue(environmentAttrTypes, map[string]attr.Value{
			"id":     types.StringValue(env.UUID),
			"slug":   types.StringValue(env.Slug),
			"branch": stringOrNull(env.Branch),
		})
		diags.Append(d...)
		elems = append(elems, obj)
	}
	list, d := types.ListValue(types.ObjectType{AttrTypes: environmentAttrTypes}, elems)
	diags.Append(d...)
	return list
}
