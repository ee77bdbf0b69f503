// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
)

// replaceUnlessImported replaces the resource when the attribute changes,
// except on the first apply after an import: an import cannot read back
// what only the configuration knows (a write-only value's version,
// triggers, a verification's settings on Divio's public API), so that
// apply adopts the configured value instead of replacing anything.
type replaceUnlessImported struct{}

var (
	_ planmodifier.String = replaceUnlessImported{}
	_ planmodifier.Bool   = replaceUnlessImported{}
	_ planmodifier.Int64  = replaceUnlessImported{}
	_ planmodifier.Map    = replaceUnlessImported{}
)

func (replaceUnlessImported) Description(context.Context) string {
	return "A change replaces the resource, except on the first apply after an import, which adopts the configured value."
}

func (m replaceUnlessImported) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

// requiresReplace is the decision for every attribute type.
func (replaceUnlessImported) requiresReplace(ctx context.Context, plan tfsdk.Plan, state tfsdk.State, stateValue, planValue attr.Value, private privateState) bool {
	if state.Raw.IsNull() || plan.Raw.IsNull() || planValue.IsUnknown() || planValue.Equal(stateValue) {
		return false
	}
	return !wasImported(ctx, private)
}

func (m replaceUnlessImported) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	resp.RequiresReplace = m.requiresReplace(ctx, req.Plan, req.State, req.StateValue, req.PlanValue, req.Private)
}

func (m replaceUnlessImported) PlanModifyBool(ctx context.Context, req planmodifier.BoolRequest, resp *planmodifier.BoolResponse) {
	resp.RequiresReplace = m.requiresReplace(ctx, req.Plan, req.State, req.StateValue, req.PlanValue, req.Private)
}

func (m replaceUnlessImported) PlanModifyInt64(ctx context.Context, req planmodifier.Int64Request, resp *planmodifier.Int64Response) {
	resp.RequiresReplace = m.requiresReplace(ctx, req.Plan, req.State, req.StateValue, req.PlanValue, req.Private)
}

func (m replaceUnlessImported) PlanModifyMap(ctx context.Context, req planmodifier.MapRequest, resp *planmodifier.MapResponse) {
	resp.RequiresReplace = m.requiresReplace(ctx, req.Plan, req.State, req.StateValue, req.PlanValue, req.Private)
}

// replaceUnlessUnreadAfterImport replaces the resource when the attribute
// changes, except where an import could not read it: a server that answers
// only what Divio's CLI reads (a repository's GET has no url or
// organisation) leaves it null, and the first apply adopts the configured
// value. A value that was read is never adopted: changing it replaces.
func replaceUnlessUnreadAfterImport(same func(state, plan string) bool) planmodifier.String {
	return stringplanmodifier.RequiresReplaceIf(func(ctx context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
		if req.StateValue.IsNull() && wasImported(ctx, req.Private) {
			return
		}
		resp.RequiresReplace = !same(req.StateValue.ValueString(), req.PlanValue.ValueString())
	}, "A change replaces the resource, except that the first apply after an import adopts a value the import could not read.",
		"A change replaces the resource, except that the first apply after an import adopts a value the import could not read.")
}
