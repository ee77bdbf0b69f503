// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/validators"
)

// The plural data sources (divio_applications, divio_repositories,
// divio_repository_webhooks, divio_environment_tracking_branches) enumerate
// what exists, so that import blocks with for_each (Terraform and OpenTofu
// 1.7+) can adopt it without a block per object. They differ only in their
// filters, their enumeration (listing.go, shared with the list resources)
// and the attributes of one element, and share this implementation.

var (
	_ datasource.DataSourceWithConfigure        = (*pluralDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*pluralDataSource)(nil)
)

// pluralDataSource is a data source over one enumeration of listing.go.
type pluralDataSource struct {
	client *divioapi.Client
	spec   pluralSpec
}

// pluralSpec is what tells one plural data source from another.
type pluralSpec struct {
	typeName    string // suffix of the type name, e.g. "applications"
	description string
	filters     map[string]schema.Attribute
	result      string // the list attribute, e.g. "applications"
	resultDoc   string
	element     map[string]schema.Attribute
	// extension is the extension the enumeration needs ("" for none), and
	// instead what to do without it.
	extension, instead string
	// conflicting are filters that cannot be set together.
	conflicting []string
	newModel    func() pluralModel
}

// pluralModel is the configuration and result of a plural data source.
type pluralModel interface {
	// list enumerates the objects the filters select: a slice of a struct
	// with one tfsdk-tagged field per element attribute.
	list(ctx context.Context, c *divioapi.Client) (any, error)
	setResult(list types.List)
}

func (d *pluralDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + d.spec.typeName
}

func (d *pluralDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attributes := map[string]schema.Attribute{d.spec.result: d.resultAttribute()}
	for name, filter := range d.spec.filters {
		attributes[name] = filter
	}
	resp.Schema = schema.Schema{MarkdownDescription: d.spec.description, Attributes: attributes}
}

func (d *pluralDataSource) resultAttribute() schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		MarkdownDescription: d.spec.resultDoc,
		Computed:            true,
		NestedObject:        schema.NestedAttributeObject{Attributes: d.spec.element},
	}
}

func (d *pluralDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	if len(d.spec.conflicting) == 0 {
		return nil
	}
	paths := make([]path.Expression, 0, len(d.spec.conflicting))
	for _, name := range d.spec.conflicting {
		paths = append(paths, path.MatchRoot(name))
	}
	return []datasource.ConfigValidator{datasourcevalidator.Conflicting(paths...)}
}

func (d *pluralDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// Read enumerates, after refusing the type where the server lacks the
// extension it needs (at plan time: data sources are read while planning).
func (d *pluralDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	model := d.spec.newModel()
	resp.Diagnostics.Append(req.Config.Get(ctx, model)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if d.spec.extension != "" && !requireExtension(ctx, d.client, &resp.Diagnostics, nil, d.spec.extension,
		"data.divio_"+d.spec.typeName, d.spec.instead) {
		return
	}
	elements, err := model.list(ctx, d.client)
	if err != nil {
		addListError(&resp.Diagnostics, strings.ReplaceAll(d.spec.typeName, "_", " "), err)
		return
	}
	elementType := schema.NestedAttributeObject{Attributes: d.spec.element}.Type()
	list, diags := types.ListValueFrom(ctx, elementType, elements)
	resp.Diagnostics.Append(diags...)
	model.setResult(list)
	resp.Diagnostics.Append(resp.State.Set(ctx, model)...)
}

// computedStrings are read-only string attributes, by name, with their
// descriptions.
func computedStrings(descriptions map[string]string) map[string]schema.Attribute {
	attributes := make(map[string]schema.Attribute, len(descriptions))
	for name, description := range descriptions {
		attributes[name] = schema.StringAttribute{Computed: true, MarkdownDescription: description}
	}
	return attributes
}

// uuidFilter is an optional filter by UUID, checked at plan time.
func uuidFilter(description string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: description + " A malformed UUID is refused at plan time.",
		Optional:            true,
		Validators:          []validator.String{validators.UUID()},
	}
}

// textFilter is an optional filter by text.
func textFilter(description string) schema.StringAttribute {
	return schema.StringAttribute{MarkdownDescription: description, Optional: true}
}
