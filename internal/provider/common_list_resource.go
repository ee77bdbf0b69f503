// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"cmp"
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework-validators/listresourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/validators"
)

// The list resources (`terraform query`, Terraform 1.14+) find what exists
// so that it can be adopted: each result is the object's identity, a name
// to show, and on request (include_resource) the object exactly as the
// resource's Read stores it right after an import, which
// `-generate-config-out` turns into a resource block. They differ only in
// their filters, their enumeration (listing.go, shared with the plural data
// sources) and the conversion of one object, and share this implementation.

var (
	_ list.ListResourceWithConfigure        = (*enumeratingListResource[any, any])(nil)
	_ list.ListResourceWithConfigValidators = (*enumeratingListResource[any, any])(nil)
)

// listSpec is what tells one list resource from another: C is its
// configuration (filters), T one object found.
type listSpec[C, T any] struct {
	typeName    string // suffix of the managed resource's type name, e.g. "_application"
	what        string // the objects, plural, for messages: "applications"
	description string
	filters     map[string]listschema.Attribute
	// extension is the extension the enumeration needs ("" for none), and
	// instead what to do without it.
	extension, instead string
	// find enumerates the objects config selects, at most limit (0: all).
	find func(ctx context.Context, c *divioapi.Client, config *C, limit int) ([]T, error)
	// displayName names an object for people.
	displayName func(T) string
	// store writes the object into state (the resource's schema) and
	// identity as the resource's Read would right after an import.
	store func(ctx context.Context, object T, state *tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics)
}

// enumeratingListResource is a list resource over one enumeration of
// listing.go.
type enumeratingListResource[C, T any] struct {
	client *divioapi.Client
	spec   listSpec[C, T]
}

func (r *enumeratingListResource[C, T]) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + r.spec.typeName
}

func (r *enumeratingListResource[C, T]) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listschema.Schema{MarkdownDescription: r.spec.description, Attributes: r.spec.filters}
}

// ListResourceConfigValidators refuses organisation and application
// together, where the type has both.
func (r *enumeratingListResource[C, T]) ListResourceConfigValidators(context.Context) []list.ConfigValidator {
	_, byOrganisation := r.spec.filters["organisation"]
	_, byApplication := r.spec.filters["application"]
	if !byOrganisation || !byApplication {
		return nil
	}
	return []list.ConfigValidator{listresourcevalidator.Conflicting(path.MatchRoot("organisation"), path.MatchRoot("application"))}
}

func (r *enumeratingListResource[C, T]) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// List enumerates, then streams one result per object, at most req.Limit
// (none when it is not positive). A failure is one result holding the
// error: a missing extension, an application filter the token cannot see,
// or the API's answer.
func (r *enumeratingListResource[C, T]) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	found, diags := r.find(ctx, req)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	stream.Results = func(push func(list.ListResult) bool) {
		for _, object := range found {
			if !push(r.result(ctx, req, object)) {
				return
			}
		}
	}
}

// find reads the filters and enumerates what they select.
func (r *enumeratingListResource[C, T]) find(ctx context.Context, req list.ListRequest) ([]T, diag.Diagnostics) {
	var diags diag.Diagnostics
	config := new(C)
	diags.Append(req.Config.Get(ctx, config)...)
	if r.client == nil && !diags.HasError() {
		diagnostics.UnconfiguredProvider(&diags, nil)
	}
	if diags.HasError() || (r.spec.extension != "" &&
		!requireExtension(ctx, r.client, &diags, nil, r.spec.extension, "Listing divio"+r.spec.typeName, r.spec.instead)) {
		return nil, diags
	}
	limit := int(max(req.Limit, 0))
	found, err := r.spec.find(ctx, r.client, config, limit)
	if err != nil {
		addListError(&diags, r.spec.what, err)
		return nil, diags
	}
	return limited(found, limit), diags
}

// addListError reports a failed enumeration: on the application filter
// when it names an application the token cannot see.
func addListError(diags *diag.Diagnostics, what string, err error) {
	var notFound *filterNotFound
	if errors.As(err, &notFound) {
		diagnostics.FilterApplicationNotFound(diags, path.Root("application"), notFound.id)
		return
	}
	diagnostics.ListFailed(diags, what, err)
}

// result is the list result of one object: identity and display name
// always, the resource object when the request includes it.
func (r *enumeratingListResource[C, T]) result(ctx context.Context, req list.ListRequest, object T) list.ListResult {
	result := req.NewListResult(ctx)
	result.DisplayName = r.spec.displayName(object)
	state := tfsdk.State{Schema: result.Resource.Schema, Raw: result.Resource.Raw}
	r.spec.store(ctx, object, &state, result.Identity, &result.Diagnostics)
	if req.IncludeResource {
		result.Resource.Raw = state.Raw
	}
	return result
}

// uuidListFilter is an optional filter by UUID, checked at plan time.
func uuidListFilter(description string) listschema.StringAttribute {
	return listschema.StringAttribute{
		MarkdownDescription: description + " A malformed UUID is refused at plan time.",
		Optional:            true,
		Validators:          []validator.String{validators.UUID()},
	}
}

// textListFilter is an optional filter by text.
func textListFilter(description string) listschema.StringAttribute {
	return listschema.StringAttribute{MarkdownDescription: description, Optional: true}
}

// organisationListFilter filters by organisation the objects named.
func organisationListFilter(objects string) listschema.StringAttribute {
	return uuidListFilter("UUID of the organisation whose " + objects + " to list. Default: every organisation " +
		"the token's user is a member of. Conflicts with `application`.")
}

// applicationListFilter filters by application the objects named.
func applicationListFilter(objects string) listschema.StringAttribute {
	return uuidListFilter("UUID of an application: only its " + objects + ". Default: no filter. An application " +
		"the token cannot see is an error (`Application not found`). Conflicts with `organisation`.")
}

// applicationName names an application for people: its slug, or its UUID
// where the answer lacks the slug.
func applicationName(app divioapi.Application) string {
	return cmp.Or(app.Slug, app.UUID)
}
