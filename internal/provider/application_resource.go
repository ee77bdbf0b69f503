// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/validators"
)

var (
	_ resource.ResourceWithConfigure   = (*ApplicationResource)(nil)
	_ resource.ResourceWithImportState = (*ApplicationResource)(nil)
	_ resource.ResourceWithIdentity    = (*ApplicationResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*ApplicationResource)(nil)
)

func NewApplicationResource() resource.Resource { return &ApplicationResource{} }

// ApplicationResource is a Divio application, created with Divio's public
// API; connecting it to an external repository happens at creation.
type ApplicationResource struct {
	client *divioapi.Client
}

var applicationFields = diagnostics.FieldPaths{
	"name": path.Root("name"), "slug": path.Root("slug"), "organisation": path.Root("organisation"),
	"plan_group": path.Root("plan_group"), "region": path.Root("region"), "app_template": path.Root("app_template"),
	"repository": path.Root("repository"), "branch": path.Root("branch"),
}

// The Control Panel steps a user takes instead, where the API cannot.
const (
	migrateInControlPanel = "Migrate it in the Control Panel instead (the application's Repository > Migrate to external " +
		"repository), then set repository and branch to match: the next plan is then empty. Or use " +
		"divio_application_repository on a server that offers it."
	deleteInControlPanel = "Delete the application in the Control Panel instead, then remove it from the state with a " +
		"removed block (or terraform state rm)."
)

func (r *ApplicationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_application"
}

func (r *ApplicationResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	adoptOrReplace := []planmodifier.String{replaceUnlessImported{}}
	uuid := []validator.String{validators.UUID()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Divio application, created with Divio's public API (`POST " +
			"/apps/v3/applications/`). With `repository` and `branch` it is created on an external repository, which " +
			"must be verified first (`divio_repository_verification`). Changing `repository` or `branch` later is the " +
			"Control Panel's \"Migrate to external repository\": done in place where the server offers the " +
			"`application_migration` extension, refused at plan time otherwise. Divio's public API cannot delete an " +
			"application; destroy (and replacement) needs the `application_deletion` extension and " +
			"`deletion_protection = false`, and is refused at plan time otherwise.\n\n**Works against " +
			"api.divio.com**: create, read, import. **Extensions**: `application_migration` (changing `repository` or " +
			"`branch`), `application_deletion` (destroy, replacement).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "UUID of the application, set by Divio. Read-only. Public API.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Human-readable name, sent at creation. Required. Divio's public API cannot rename an application, and replacing it would delete it: a change is refused at plan time (`Cannot change name`); rename it in the Control Panel, then here. Public API.",
				Required:            true,
			},
			"slug": schema.StringAttribute{
				MarkdownDescription: "Slug: the name in the application's URLs, unique on Divio. Required. Changing it replaces the application (refused at plan time while `deletion_protection` is `true`, and without the `application_deletion` extension). Public API.",
				Required:            true,
				PlanModifiers:       replace,
			},
			"organisation": schema.StringAttribute{
				MarkdownDescription: "UUID of the organisation that owns the application, e.g. `data.divio_organisation.acme.id`. Required; a malformed UUID is refused at plan time. Changing it replaces the application (refused at plan time while `deletion_protection` is `true`, and without the `application_deletion` extension). Public API.",
				Required:            true,
				PlanModifiers:       replace,
				Validators:          uuid,
			},
			"plan_group": schema.StringAttribute{
				MarkdownDescription: "UUID of the plan group, e.g. `data.divio_plan_group.web.id`. Required; a malformed UUID is refused at plan time. Changing it replaces the application (refused at plan time while `deletion_protection` is `true`, and without the `application_deletion` extension). Divio does not answer it back, so after an import the first apply records the configured value without any API call. Public API.",
				Required:            true,
				PlanModifiers:       adoptOrReplace,
				Validators:          uuid,
			},
			"region": schema.StringAttribute{
				MarkdownDescription: "UUID of the region, one of the plan group's (`data.divio_plan_group.<name>.regions`), e.g. `data.divio_region.eu.id`. Required; a malformed UUID is refused at plan time. Changing it replaces the application (refused at plan time while `deletion_protection` is `true`, and without the `application_deletion` extension). Divio does not answer it back, so after an import the first apply records the configured value without any API call. Public API.",
				Required:            true,
				PlanModifiers:       adoptOrReplace,
				Validators:          uuid,
			},
			"app_template": schema.StringAttribute{
				MarkdownDescription: "Application template to start from (the API's `app_template`). Optional; no default (none is sent). Changing it replaces the application (refused at plan time while `deletion_protection` is `true`, and without the `application_deletion` extension). Divio does not answer it back, so after an import the first apply records the configured value without any API call. Public API.",
				Optional:            true,
				PlanModifiers:       adoptOrReplace,
			},
			"repository": schema.StringAttribute{
				MarkdownDescription: "UUID of a verified external repository, e.g. " +
					"`divio_repository_verification.site.repository` (so that the application is created after the " +
					"verification). Default null: Divio's own Git server. A malformed UUID is refused at plan time. Set at " +
					"creation with the public API. A change later is a migration, in place: it needs the " +
					"`application_migration` extension and is refused at plan time without it (`Not available on this Divio " +
					"API`; migrate in the Control Panel instead). Going back to null is refused at plan time (`Cannot " +
					"return to Divio's Git server`).",
				Optional:   true,
				Validators: uuid,
			},
			"branch": schema.StringAttribute{
				MarkdownDescription: "Branch of `repository` the application's environments track. Default `main` when `repository` is set, null without one. An invalid Git branch name is refused at plan time; the branch must exist at the remote. Set at creation with the public API. A change later is a migration, in place: it needs the `application_migration` extension and is refused at plan time without it.",
				Optional:            true,
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
				Validators:          []validator.String{validators.BranchName()},
			},
			"deletion_protection": schema.BoolAttribute{
				MarkdownDescription: "Whether the provider refuses to destroy or replace the application. Default `true`: a plan that destroys or replaces it is refused at plan time (`Application is protected from deletion`). Changing it updates the state only, in place, with no API call. To destroy, set it to `false` and apply first; destroy itself needs the `application_deletion` extension. Provider-side: works everywhere.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
			},
		},
	}
}

func (r *ApplicationResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = uuidIdentity("id", "UUID of the application.")
}

func (r *ApplicationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan refuses at plan time what the server cannot do: rename,
// migrate without the extension, delete a protected application or without
// the extension.
func (r *ApplicationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var plan, state ApplicationModel
	if !req.Plan.Raw.IsNull() {
		resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	}
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	imported := wasImported(ctx, req.Private)
	switch {
	case req.State.Raw.IsNull():
		r.planCreate(ctx, &plan, resp)
	case req.Plan.Raw.IsNull() || plan.replaces(&state, imported):
		r.checkDeletable(ctx, &state, &resp.Diagnostics)
	case !imported:
		r.checkUpdate(ctx, &plan, &state, &resp.Diagnostics)
	}
}

// planCreate plans the default branch of an application on a repository.
func (r *ApplicationResource) planCreate(ctx context.Context, plan *ApplicationModel, resp *resource.ModifyPlanResponse) {
	if !plan.Branch.IsUnknown() {
		return
	}
	branch := types.StringNull()
	if !plan.Repository.IsNull() {
		branch = types.StringValue("main")
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("branch"), branch)...)
}

func (r *ApplicationResource) checkDeletable(ctx context.Context, state *ApplicationModel, diags *diag.Diagnostics) {
	if state.DeletionProtection.ValueBool() {
		diagnostics.DeletionProtected(diags, state.Slug.ValueString())
		return
	}
	requireExtension(ctx, r.client, diags, nil, divioapi.ExtApplicationDeletion, "Deleting an application", deleteInControlPanel)
}

func (r *ApplicationResource) checkUpdate(ctx context.Context, plan, state *ApplicationModel, diags *diag.Diagnostics) {
	if !plan.Name.IsUnknown() && !plan.Name.Equal(state.Name) {
		diagnostics.NotChangeable(diags, "name", "Rename it in the Control Panel")
	}
	if !plan.movesRepository(state) {
		return
	}
	attribute := path.Root("repository")
	if plan.Repository.IsNull() {
		diagnostics.CannotReturnToDivioGit(diags, attribute)
		return
	}
	requireExtension(ctx, r.client, diags, &attribute, divioapi.ExtApplicationMigration,
		"Changing the repository or branch of an existing application (\"Migrate to external repository\")", migrateInControlPanel)
}

func (r *ApplicationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan ApplicationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	app, err := r.client.CreateApplication(ctx, plan.createRequest())
	switch {
	case errors.Is(err, divioapi.ErrOutcomeUnknown):
		app = r.recoverCreate(ctx, &plan, err, &resp.Diagnostics)
	case err != nil:
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not create the application", err, applicationFields)
	}
	if app == nil {
		return
	}
	if app.UUID == "" {
		diagnostics.AnswerLacks(&resp.Diagnostics, "application", "uuid", "by its slug "+plan.Slug.ValueString()+" in the Control Panel", app.Words)
		return
	}
	plan.fromCreate(app)
	writeState(ctx, &resp.State, resp.Identity, &plan, plan.identity(), &resp.Diagnostics)
}

// recoverCreate looks for the application a create whose answer (lost) was
// lost may have made: slugs are unique, so the public list by slug tells.
// It returns the application if it was created; otherwise it reports why
// not, or that it cannot tell, in diags and returns nil.
func (r *ApplicationResource) recoverCreate(ctx context.Context, plan *ApplicationModel, lost error, diags *diag.Diagnostics) *divioapi.Application {
	apps, err := r.client.ListApplications(ctx, divioapi.ApplicationFilter{Slug: plan.Slug.ValueString(), Organisation: plan.Organisation.ValueString()})
	switch {
	case err != nil:
		diagnostics.OutcomeUnknown(diags, "application", "by its slug "+plan.Slug.ValueString()+" in the Control Panel", lost)
	case len(apps) == 1 && (apps[0].Name == "" || apps[0].Name == plan.Name.ValueString()): // name: when answered
		return &apps[0] // created: the answer was lost on the way back
	default:
		// Not created: say so with the original error.
		diagnostics.AddAPIError(diags, "Could not create the application", lost, applicationFields)
	}
	return nil
}

func (r *ApplicationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state ApplicationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	app := readOrForget(ctx, resp, state.identity(), "application", state.ID.ValueString(),
		func() (*divioapi.Application, error) { return r.client.GetApplication(ctx, state.ID.ValueString()) })
	if app == nil {
		return
	}
	state.fromAPI(app)
	writeState(ctx, &resp.State, resp.Identity, &state, state.identity(), &resp.Diagnostics)
}

// Update migrates the application to another repository or branch (an
// extension, refused at plan time without it). After an import it only
// records what the configuration says.
func (r *ApplicationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state ApplicationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	imported := wasImported(ctx, req.Private)
	if imported {
		clearImported(ctx, resp.Private, &resp.Diagnostics)
	}
	if !imported && plan.movesRepository(&state) {
		// Checked again now that every value is known: at plan time an
		// unknown branch or repository hid the move.
		if r.checkUpdate(ctx, &plan, &state, &resp.Diagnostics); resp.Diagnostics.HasError() {
			return
		}
		app, err := r.client.MigrateApplicationRepository(ctx, state.ID.ValueString(), divioapi.MigrateRepositoryRequest{
			Repository: plan.Repository.ValueString(), Branch: plan.Branch.ValueString(),
		})
		if err != nil {
			diagnostics.AddAPIError(&resp.Diagnostics, "Could not migrate the application to the repository", err, applicationFields)
			return
		}
		plan.fromAPI(app)
	}
	writeState(ctx, &resp.State, resp.Identity, &plan, plan.identity(), &resp.Diagnostics)
}

// Delete deletes the application (an extension; ModifyPlan refused the
// plan when the server lacks it or deletion_protection is on, and Delete
// checks both again).
func (r *ApplicationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state ApplicationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if state.DeletionProtection.ValueBool() {
		diagnostics.DeletionProtectedOnDestroy(&resp.Diagnostics, state.Slug.ValueString())
		return
	}
	// Checked again: a tainted application, or a replacement an unknown
	// value hid at plan time, reaches Delete without ModifyPlan's check.
	if !requireExtension(ctx, r.client, &resp.Diagnostics, nil, divioapi.ExtApplicationDeletion, "Deleting an application", deleteInControlPanel) {
		return
	}
	if err := r.client.DeleteApplication(ctx, state.ID.ValueString()); err != nil && !divioapi.IsNotFound(err) {
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not delete the application", err, nil)
	}
}

func (r *ApplicationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importByUUID(ctx, req, resp, "divio_application", "id")
}
