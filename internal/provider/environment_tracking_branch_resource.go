// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/validators"
)

var (
	_ resource.ResourceWithConfigure   = (*EnvironmentTrackingBranchResource)(nil)
	_ resource.ResourceWithImportState = (*EnvironmentTrackingBranchResource)(nil)
	_ resource.ResourceWithIdentity    = (*EnvironmentTrackingBranchResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*EnvironmentTrackingBranchResource)(nil)
)

func NewEnvironmentTrackingBranchResource() resource.Resource {
	return &EnvironmentTrackingBranchResource{}
}

// EnvironmentTrackingBranchResource sets the Git branch an environment
// deploys from ("custom tracking branches").
type EnvironmentTrackingBranchResource struct {
	client *divioapi.Client
}

func (r *EnvironmentTrackingBranchResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_environment_tracking_branch"
}

func (r *EnvironmentTrackingBranchResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The Git branch an environment tracks (Divio's custom tracking branches), e.g. " +
			"`develop` for `test`. With an external repository the branch must exist at the remote (checked on " +
			"apply). Destroying the resource stops managing the setting; the environment keeps tracking the branch. " +
			"**Extension** `tracking_branches`: every attribute of this type needs it, and the type is refused at " +
			"plan time without it (`Not available on this Divio API`; set the branch in the Control Panel instead).",
		Attributes: map[string]schema.Attribute{
			"environment": schema.StringAttribute{
				MarkdownDescription: "UUID of the environment, e.g. from `data.divio_application.app.environments`. Required; a malformed UUID is refused at plan time. Changing it replaces the resource (the old environment keeps its branch). Extension `tracking_branches`.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{validators.UUID()},
			},
			"branch": schema.StringAttribute{
				MarkdownDescription: "Branch to track. Required; no default. An invalid Git branch name is refused at plan time; with an external repository the branch must exist there (checked on apply). A change updates the environment in place. Extension `tracking_branches`.",
				Required:            true,
				Validators:          []validator.String{validators.BranchName()},
			},
		},
	}
}

func (r *EnvironmentTrackingBranchResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = uuidIdentity("environment", "UUID of the environment.")
}

func (r *EnvironmentTrackingBranchResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan refuses the type at plan time where the server cannot change
// an environment's branch (Divio's public API cannot).
func (r *EnvironmentTrackingBranchResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	requireExtension(ctx, r.client, &resp.Diagnostics, nil, divioapi.ExtTrackingBranches, "divio_environment_tracking_branch",
		"Set the environment's branch in the Control Panel (the application's Environments settings, custom tracking branches).")
}

func (r *EnvironmentTrackingBranchResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.setBranch(ctx, req.Plan.Get, &resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *EnvironmentTrackingBranchResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state EnvironmentTrackingBranchModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	env := readOrForget(ctx, resp, state.identity(), "environment", state.Environment.ValueString(),
		func() (*divioapi.Environment, error) {
			return r.client.GetEnvironment(ctx, state.Environment.ValueString())
		})
	if env == nil {
		return
	}
	var model EnvironmentTrackingBranchModel
	model.fromAPI(env)
	writeState(ctx, &resp.State, resp.Identity, &model, model.identity(), &resp.Diagnostics)
}

// setBranch sets the planned branch (Create and Update alike); the API checks it exists at the remote.
func (r *EnvironmentTrackingBranchResource) setBranch(ctx context.Context, getPlan func(context.Context, any) diag.Diagnostics, state *tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	var plan EnvironmentTrackingBranchModel
	diags.Append(getPlan(ctx, &plan)...)
	if diags.HasError() {
		return
	}
	env, err := r.client.SetEnvironmentBranch(ctx, plan.Environment.ValueString(), plan.Branch.ValueString())
	if err != nil {
		diagnostics.AddAPIError(diags, "Could not set the environment's tracking branch", err, diagnostics.FieldPaths{"branch": path.Root("branch")})
		return
	}
	var model EnvironmentTrackingBranchModel
	model.fromAPI(env)
	writeState(ctx, state, identity, &model, model.identity(), diags)
}

func (r *EnvironmentTrackingBranchResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.setBranch(ctx, req.Plan.Get, &resp.State, resp.Identity, &resp.Diagnostics)
}

// Delete stops managing the setting: an environment always tracks a branch.
func (r *EnvironmentTrackingBranchResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

func (r *EnvironmentTrackingBranchResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importByUUID(ctx, req, resp, "divio_environment_tracking_branch (the environment's UUID)", "environment")
}
