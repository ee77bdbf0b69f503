// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/validators"
)

var (
	_ resource.ResourceWithConfigure   = (*RepositoryVerificationResource)(nil)
	_ resource.ResourceWithImportState = (*RepositoryVerificationResource)(nil)
	_ resource.ResourceWithIdentity    = (*RepositoryVerificationResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*RepositoryVerificationResource)(nil)
)

// defaultVerifyTimeout bounds a verification: a clone of one commit and a
// push test, but a slow Git host can take a while.
const defaultVerifyTimeout = 10 * time.Minute

func NewRepositoryVerificationResource() resource.Resource { return &RepositoryVerificationResource{} }

// RepositoryVerificationResource is the Control Panel's "Test access": it
// verifies that Divio can clone the repository's branch and push to it.
type RepositoryVerificationResource struct {
	client *divioapi.Client
}

func (r *RepositoryVerificationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_repository_verification"
}

func (r *RepositoryVerificationResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	adopt := []planmodifier.String{replaceUnlessImported{}}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Verifies a `divio_repository` as the Control Panel's **Test access** and Divio's CLI " +
			"do, with Divio's public API: `POST .../check/ {branch, migrate}` (a 4xx answer is read, not an error), " +
			"reading the repository every 2 s (the CLI's cadence) until it is `CLONED` or `INVALID`, then a second " +
			"check that verifies push access (`code` `success`; `waiting` means a check is still running, and the " +
			"state is read again). A repository an earlier check left `INVALID` is checked again: an `INVALID` read " +
			"in the first 8 s after the check may predate it and is trusted only once `CLONING` was seen or the 8 s " +
			"have passed. Throttled calls (429/503 with `Retry-After`) are repeated within the timeout. Create waits " +
			"for the result; a failure is " +
			"an error on the attribute at fault (`Repository verification failed`) and nothing is saved, so the next " +
			"apply verifies again. Give an application `repository = " +
			"divio_repository_verification.<name>.repository`, so that it is created after the verification. When a " +
			"refresh finds the repository no longer `CLONED`, the plan verifies it again (with a warning). Destroy " +
			"forgets the verification and calls nothing.\n\n**Works against api.divio.com**: everything; no extension.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "UUID of the repository (a repository has one verification), the same as `repository`. Read-only.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"repository": schema.StringAttribute{
				MarkdownDescription: "UUID of the repository to verify, e.g. `divio_repository.site.id`. Required; a malformed UUID is refused at plan time. Changing it replaces the verification (the other repository is verified). Public API.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{validators.UUID()},
			},
			"branch": schema.StringAttribute{
				MarkdownDescription: "Branch to verify. Default `main`. An invalid Git branch name is refused at plan time; the branch must exist at the remote (checked on apply). Changing it replaces the verification, i.e. verifies again. Divio does not answer it back, so after an import the first apply records the configured value without any API call. Public API.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("main"),
				PlanModifiers:       adopt,
				Validators:          []validator.String{validators.BranchName()},
			},
			"migrate": schema.BoolAttribute{
				MarkdownDescription: "The check's `migrate` flag. Default `true`, what Divio's CLI sends at every call, " +
					"new applications included (it never sends `false`). Nothing public says what Divio does with `false`; " +
					"the reference control plane then applies the new-application rule (the branch may hold only a readme " +
					"and a licence). Changing it replaces the verification, i.e. verifies again. Divio does not answer it " +
					"back, so after an import the first apply records the configured value without any API call. Public API.",
				Optional:      true,
				Computed:      true,
				Default:       booldefault.StaticBool(true),
				PlanModifiers: []planmodifier.Bool{replaceUnlessImported{}},
			},
			"push_check": schema.BoolAttribute{
				MarkdownDescription: "Whether to verify push access (the second check). Default `true`. " +
					"Divio needs write access to set a repository up; afterwards the deploy key may be made read-only, and " +
					"later verifications (a change of `triggers`, or a repository found no longer `CLONED`) then need " +
					"`push_check = false`. Changing it alone updates in place and verifies nothing. Public API.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"triggers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary string values; default none. A change replaces the verification, i.e. verifies again, e.g. `{ deploy_key = github_repository_deploy_key.divio.id }`. After an import the first apply records them without verifying. Provider-side: works everywhere.",
				Optional:            true,
				ElementType:         types.StringType,
				PlanModifiers:       []planmodifier.Map{replaceUnlessImported{}},
			},
			"state": schema.StringAttribute{
				MarkdownDescription: "The repository's state as last read (`CLONING`, `CLONED` or " +
					"`INVALID`): `CLONED` once verified. A refresh that finds another state plans a new verification. " +
					"Read-only. Public API.",
				Computed: true,
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, CreateDescription: "How long create waits for the verification to finish, a duration such as `15m`. Default `10m`. A verification still running then is an error (`Repository verification did not finish`) and nothing is saved."}),
		},
	}
}

func (r *RepositoryVerificationResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = uuidIdentity("repository", "UUID of the repository.")
}

func (r *RepositoryVerificationResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan plans the state a verification reaches (CLONED), and a new
// verification of a repository a refresh found no longer CLONED.
func (r *RepositoryVerificationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	cloned := types.StringValue(divioapi.RepositoryCloned)
	if !req.State.Raw.IsNull() {
		var state types.String
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("state"), &state)...)
		if !state.Equal(cloned) {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("state"))
		}
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("state"), cloned)...)
}

func (r *RepositoryVerificationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan RepositoryVerificationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	timeout, d := plan.Timeouts.Create(ctx, defaultVerifyTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	started := time.Now()
	opts := plan.verifyOptions()
	opts.Progress = func(repo *divioapi.Repository) {
		tflog.Info(ctx, "waiting for the repository check", map[string]any{
			"repository": repo.UUID, "state": repo.StateName(), "elapsed": time.Since(started).Round(time.Millisecond).String(),
		})
	}
	repo, err := r.client.VerifyRepository(ctx, plan.Repository.ValueString(), opts)
	if !verified(err, timeout, &resp.Diagnostics) {
		return // nothing saved: the next apply verifies again
	}
	plan.fromAPI(repo)
	writeState(ctx, &resp.State, resp.Identity, &plan, plan.identity(), &resp.Diagnostics)
}

func (r *RepositoryVerificationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state RepositoryVerificationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	identity := state.identity()
	repo := readOrForget(ctx, resp, identity, "repository", state.Repository.ValueString(),
		func() (*divioapi.Repository, error) {
			return r.client.GetRepository(ctx, state.Repository.ValueString())
		})
	if repo == nil {
		return
	}
	state.fromAPI(repo)
	if s := repo.StateName(); s != divioapi.RepositoryCloned {
		diagnostics.ReverificationPlanned(&resp.Diagnostics, s)
	}
	writeState(ctx, &resp.State, resp.Identity, &state, identity, &resp.Diagnostics)
}

// Update records push_check, or after an import the configured settings;
// it verifies nothing (every other change replaces).
func (r *RepositoryVerificationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan RepositoryVerificationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if wasImported(ctx, req.Private) {
		clearImported(ctx, resp.Private, &resp.Diagnostics)
	}
	writeState(ctx, &resp.State, resp.Identity, &plan, plan.identity(), &resp.Diagnostics)
}

// Delete forgets the verification: there is nothing to undo on Divio.
func (r *RepositoryVerificationResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

// ImportState takes the repository's UUID.
func (r *RepositoryVerificationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importByUUID(ctx, req, resp, "divio_repository_verification (the repository's UUID)", "repository")
}
