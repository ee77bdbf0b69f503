// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/validators"
)

var (
	_ resource.ResourceWithConfigure   = (*ApplicationRepositoryResource)(nil)
	_ resource.ResourceWithImportState = (*ApplicationRepositoryResource)(nil)
	_ resource.ResourceWithIdentity    = (*ApplicationRepositoryResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*ApplicationRepositoryResource)(nil)
)

func NewApplicationRepositoryResource() resource.Resource { return &ApplicationRepositoryResource{} }

// ApplicationRepositoryResource moves an existing application to an
// external repository: the Control Panel's "Migrate to external
// repository", an extension of Divio's public API.
type ApplicationRepositoryResource struct {
	client *divioapi.Client
}

func (r *ApplicationRepositoryResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_application_repository"
}

func (r *ApplicationRepositoryResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Moves an existing application (one on Divio's own Git server, or already on an " +
			"external repository) to an external repository: the Control Panel's **Migrate to external repository**. " +
			"Create verifies the repository (as `divio_repository_verification` does, with `migrate`) and then " +
			"migrates. **Extension** `application_migration`: every attribute of this type needs it, and the type is " +
			"refused at plan time without it (`Not available on this Divio API`; migrate in the Control Panel " +
			"instead, then import the `divio_application`). Push your branches to the repository first. Destroy only " +
			"stops managing it: an application cannot return to Divio's own Git server.",
		Attributes: map[string]schema.Attribute{
			"application": schema.StringAttribute{
				MarkdownDescription: "UUID of the application to migrate, e.g. `data.divio_application.web.id`. Required; a malformed UUID is refused at plan time. Changing it replaces the resource (the new application is migrated; the old one stays on its repository). Extension `application_migration`.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{validators.UUID()},
			},
			"repository": schema.StringAttribute{
				MarkdownDescription: "UUID of the `divio_repository` to move to; install its `public_key` on the Git host with write access first. Required; a malformed UUID is refused at plan time. A change verifies and migrates again, in place. Extension `application_migration`.",
				Required:            true,
				Validators:          []validator.String{validators.UUID()},
			},
			"branch": schema.StringAttribute{
				MarkdownDescription: "Branch the application tracks. Default `main`. An invalid Git branch name is refused at plan time; the branch must exist at the remote (checked on apply). A change verifies and migrates again, in place. Extension `application_migration`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("main"),
				Validators:          []validator.String{validators.BranchName()},
			},
			"migrate": schema.BoolAttribute{
				MarkdownDescription: "Verify as a migration. Default `true`: the branch may hold any code. " +
					"`false` checks it as for a new application (a single readme, a licence and dot files). A change verifies " +
					"and migrates again, in place. Extension `application_migration`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{
				Create: true,
				CreateDescription: "How long create may take: the verification and then the migration, a duration " +
					"such as `20m`. Default `10m`. When it ends first, create fails (`Repository verification did not " +
					"finish`, or `Could not migrate the application`) and nothing is saved: apply again.",
				Update: true,
				UpdateDescription: "How long an update (a change of `repository`, `branch` or `migrate`: verify and " +
					"migrate again) may take, a duration such as `20m`. Default `10m`. When it ends first, the update " +
					"fails (`Repository verification did not finish`, or `Could not migrate the application`) and the " +
					"state keeps the previous migration: apply again. A change of `timeouts` alone updates the state " +
					"only.",
			}),
		},
	}
}

func (r *ApplicationRepositoryResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = uuidIdentity("application", "UUID of the application.")
}

func (r *ApplicationRepositoryResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan refuses the type at plan time where the server lacks the extension.
func (r *ApplicationRepositoryResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	requireExtension(ctx, r.client, &resp.Diagnostics, nil, divioapi.ExtApplicationMigration,
		"divio_application_repository (\"Migrate to external repository\")",
		"Migrate the application in the Control Panel (its Repository > Migrate to external repository), then set "+
			"the divio_application's repository and branch to match.")
}

func (r *ApplicationRepositoryResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan ApplicationRepositoryModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, defaultMigrationTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.migrate(ctx, &plan, "create", timeout, &resp.State, &resp.Diagnostics, resp.Identity)
}

func (r *ApplicationRepositoryResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state ApplicationRepositoryModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	identity := state.identity()
	app := readOrForget(ctx, resp, identity, "application", state.Application.ValueString(),
		func() (*divioapi.Application, error) {
			return r.client.GetApplication(ctx, state.Application.ValueString())
		})
	if app == nil {
		return
	}
	state.fromAPI(app)
	writeState(ctx, &resp.State, resp.Identity, &state, identity, &resp.Diagnostics)
}

// migrate verifies the repository and moves the application to it, both
// within timeout (operation, "create" or "update", names it in errors).
func (r *ApplicationRepositoryResource) migrate(ctx context.Context, plan *ApplicationRepositoryModel, operation string, timeout time.Duration, state *tfsdk.State, diags *diag.Diagnostics, identity *tfsdk.ResourceIdentity) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err := r.client.VerifyRepository(ctx, plan.Repository.ValueString(), divioapi.VerifyOptions{
		Branch: plan.Branch.ValueString(), Migrate: plan.Migrate.ValueBool(),
	})
	if operation == "update" && errors.Is(err, context.DeadlineExceeded) {
		diagnostics.MigrationVerificationTimedOut(diags, timeout.String())
		return
	}
	if !verified(err, timeout, diags) {
		return
	}
	app, err := r.client.MigrateApplicationRepository(ctx, plan.Application.ValueString(), divioapi.MigrateRepositoryRequest{
		Repository: plan.Repository.ValueString(), Branch: plan.Branch.ValueString(),
	})
	if err != nil {
		diagnostics.AddAPIError(diags, "Could not migrate the application", err, diagnostics.FieldPaths{
			"repository": path.Root("repository"), "branch": path.Root("branch"),
		})
		return
	}
	plan.Repository = types.StringPointerValue(app.Repository)
	writeState(ctx, state, identity, plan, plan.identity(), diags)
}

// Update verifies and migrates again when the migration changes; a change
// of timeouts alone is only recorded.
func (r *ApplicationRepositoryResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state ApplicationRepositoryModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.sameMigration(&state) {
		writeState(ctx, &resp.State, resp.Identity, &plan, plan.identity(), &resp.Diagnostics)
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, defaultMigrationTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.migrate(ctx, &plan, "update", timeout, &resp.State, &resp.Diagnostics, resp.Identity)
}

// Delete only stops managing the migration: an application cannot return
// to Divio's own Git server.
func (r *ApplicationRepositoryResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	diagnostics.ApplicationStaysOnRepository(&resp.Diagnostics)
}

func (r *ApplicationRepositoryResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importByUUID(ctx, req, resp, "divio_application_repository (the application's UUID)", "application")
}
