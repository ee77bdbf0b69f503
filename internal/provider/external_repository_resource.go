package provider

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
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
	_ resource.ResourceWithConfigure      = (*ExternalRepositoryResource)(nil)
	_ resource.ResourceWithImportState    = (*ExternalRepositoryResource)(nil)
	_ resource.ResourceWithIdentity       = (*ExternalRepositoryResource)(nil)
	_ resource.ResourceWithValidateConfig = (*ExternalRepositoryResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*ExternalRepositoryResource)(nil)
)

// Default waits for the access check: a check is a clone of one commit, but
// a slow Git host can take a while.
const (
	defaultCreateTimeout = 10 * time.Minute
	defaultUpdateTimeout = 10 * time.Minute
)

func NewExternalRepositoryResource() resource.Resource { return &ExternalRepositoryResource{} }

// ExternalRepositoryResource binds an application to an external Git
// repository and runs Divio's access check on every change.
type ExternalRepositoryResource struct {
	client *divioapi.Client
}

// externalRepositoryFields puts the API's validation errors on the matching attribute.
var externalRepositoryFields = diagnostics.FieldPaths{
	"application":                   path.Root("application"),
	"url":                           path.Root("url"),
	"branch":                        path.Root("branch"),
	"migrate":                       path.Root("migrate"),
	"write_access":                  path.Root("write_access"),
	"deploy_key":                    path.Root("deploy_key_id"),
	"username":                      path.Root("https").AtName("username"),
	"password":                      path.Root("https").AtName("token_wo"),
	"expected_host_key_fingerprint": path.Root("expected_host_key_fingerprint"),
}

func (r *ExternalRepositoryResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_external_repository"
}

func (r *ExternalRepositoryResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Binds a Divio application to an external Git repository (GitHub, GitLab, Bitbucket or any " +
			"Git host) and runs Divio's access check: a real clone of the branch tip, a push-access test unless " +
			"`write_access` is off, and for a new application a check that the branch holds only `LICENSE`, `README` " +
			"or `README.rst`. Every change re-runs the check in place.\n\n" +
			"~> **Destroying this resource does not unbind the repository.** Once an application uses an external " +
			"repository, Divio cannot move it back to its own Git server; destroy only stops managing the binding " +
			"(with a warning), and creating the resource again adopts the existing binding.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "UUID of the repository binding.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"application": schema.StringAttribute{
				MarkdownDescription: "UUID of the application, e.g. `data.divio_application.app.id`. Changing it replaces the resource (the old application stays bound).",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{validators.UUID()},
			},
			"url": schema.StringAttribute{
				MarkdownDescription: "URL of the repository: `ssh://[user@]host[:port]/path`, scp-style `git@host:path` (SSH, recommended), " +
					"or `https://host[:port]/path`. HTTPS is refused for github.com, gitlab.com and bitbucket.org, which allow " +
					"password authentication: use their SSH URL. Spellings of the same remote are equivalent (no diff).",
				Required:   true,
				Validators: []validator.String{validators.GitURL()},
			},
			"branch": schema.StringAttribute{
				MarkdownDescription: "Branch Divio checks and pulls. Defaults to `main`. It must exist at the remote.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("main"),
				Validators:          []validator.String{validators.BranchName()},
			},
			"migrate": schema.BoolAttribute{
				MarkdownDescription: "`true` when an existing application's code moves to the repository (push your branches " +
					"first); `false` (default) for a new application, whose branch may then hold only `LICENSE`, `README` or `README.rst`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"write_access": schema.BoolAttribute{
				MarkdownDescription: "Whether Divio may push to the repository (default `true`; the Control Panel records " +
					"add-on changes as commits). Write access is required to set the binding up; set it to `false` afterwards " +
					"for read-only mode, when the deploy key may then be read-only.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"deploy_key_id": schema.StringAttribute{
				MarkdownDescription: "UUID of the `divio_repository_deploy_key` Divio authenticates with. Required with SSH URLs, not allowed with HTTPS URLs.",
				Optional:            true,
				Validators:          []validator.String{validators.UUID()},
			},
			"expected_host_key_fingerprint": schema.StringAttribute{
				MarkdownDescription: "SHA-256 fingerprint (`SHA256:…`) the Git host's SSH key must have. When unset, the key seen at " +
					"the first successful check is pinned (`host_key_fingerprint`); a later change of host key fails the check. " +
					"Set this to accept a rotated host key.",
				Optional:   true,
				Validators: []validator.String{validators.SSHFingerprint()},
			},
			"host_key_fingerprint": schema.StringAttribute{
				MarkdownDescription: "Fingerprint of the Git host's SSH key as pinned by Divio (null for HTTPS).",
				Computed:            true,
			},
			"state": schema.StringAttribute{
				MarkdownDescription: "State of the last access check: `CLONED` (success) or `INVALID`. When a refresh finds " +
					"`INVALID` (the deploy key was removed, the branch deleted, …), the plan shows it changing to `CLONED`: " +
					"the apply re-runs the access check in place. The commits Divio has pulled are in the " +
					"`divio_repository_sync_status` data source, not here, so that pushes never show as drift.",
				Computed: true,
			},
		},
		Blocks: map[string]schema.Block{
			"https": schema.SingleNestedBlock{
				MarkdownDescription: "Credentials for an HTTPS URL: a username and a personal access token (never a password). " +
					"Required with HTTPS URLs, not allowed with SSH URLs.",
				Attributes: map[string]schema.Attribute{
					"username": schema.StringAttribute{
						MarkdownDescription: "Username at the Git host.",
						Optional:            true,
					},
					"token_wo": schema.StringAttribute{
						MarkdownDescription: "Personal access token. Write-only: sent to Divio, never stored in the Terraform state or plan. " +
							"Change `token_wo_version` to send a new token.",
						Optional:  true,
						Sensitive: true,
						WriteOnly: true,
					},
					"token_wo_version": schema.Int64Attribute{
						MarkdownDescription: "Any number, required with `token_wo`: change it to make Terraform send `token_wo` again " +
							"(e.g. after rotating the token); Terraform cannot see changes of a write-only value. After an import " +
							"the first apply records the configured version without sending the token (with a warning); change " +
							"it afterwards to send one.",
						Optional: true,
					},
				},
			},
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true}),
		},
	}
}

func (r *ExternalRepositoryResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"application": identityschema.StringAttribute{
				RequiredForImport: true,
				Description:       "UUID of the application; an application has at most one external repository.",
			},
		},
	}
}

func (r *ExternalRepositoryResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig enforces the authentication rules that depend on the URL's
// scheme: a deploy key for SSH, the https block for HTTPS.
func (r *ExternalRepositoryResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config ExternalRepositoryModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() || config.URL.IsUnknown() || config.URL.IsNull() {
		return
	}
	diagnostics.CheckRepositoryAuth(&resp.Diagnostics, diagnostics.RepositoryAuthConfig{
		HTTPS:           config.isHTTPS(),
		DeployKeySet:    !config.DeployKeyID.IsNull(),
		HTTPSBlockSet:   config.HTTPS != nil,
		UsernameSet:     config.HTTPS != nil && !config.HTTPS.Username.IsNull(),
		TokenSet:        config.HTTPS != nil && !config.HTTPS.TokenWO.IsNull(),
		TokenVersionSet: config.HTTPS != nil && !config.HTTPS.TokenWOVersion.IsNull(),
		ExpectedHostKey: !config.ExpectedHostKeyFingerprint.IsNull(),
	})
}

// ModifyPlan refuses, at plan time, a binding created without write access
// (Divio requires write access to set a repository up), and plans a new
// access check for a binding whose last check failed.
func (r *ExternalRepositoryResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	if !req.State.Raw.IsNull() {
		r.modifyUpdatePlan(ctx, req, resp)
		return
	}
	var writeAccess types.Bool
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("write_access"), &writeAccess)...)
	if !writeAccess.IsUnknown() && !writeAccess.ValueBool() {
		diagnostics.WriteAccessRequiredAtSetup(&resp.Diagnostics)
	}
}

// modifyUpdatePlan plans what an update leaves: the binding CLONED (an
// update that does not pass the check fails), so a binding whose last check
// failed shows a change and the apply re-runs the check instead of
// reporting no changes; and the pinned host key, unless the remote or the
// expected key changes.
func (r *ExternalRepositoryResource) modifyUpdatePlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var plan, state ExternalRepositoryModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("state"), types.StringValue(divioapi.RepositoryCloned))...)
	if plan.keepsHostKey(&state) {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("host_key_fingerprint"), state.HostKeyFingerprint)...)
	}
	if wasImported(ctx, req.Private) && plan.HTTPS != nil && state.HTTPS != nil &&
		!plan.HTTPS.TokenWOVersion.Equal(state.HTTPS.TokenWOVersion) {
		diagnostics.ImportedValuesAdopted(&resp.Diagnostics, "https.token_wo_version", "the token is not sent again")
	}
}

func (r *ExternalRepositoryResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan ExternalRepositoryModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	token := writeOnlyString(ctx, req.Config, path.Root("https").AtName("token_wo"), &resp.Diagnostics)
	timeout, d := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	repo, err := r.createOrAdopt(ctx, &plan, token, &resp.Diagnostics)
	if err != nil {
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not bind the external repository", err, externalRepositoryFields)
		return
	}
	repo = r.waitForCheck(ctx, &plan, repo, "create", timeout, &resp.Diagnostics)
	if repo == nil {
		return // no half-made binding in state: the next apply adopts it
	}
	var state ExternalRepositoryModel
	state.fromAPI(repo, &plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	setIdentity(ctx, resp.Identity, ExternalRepositoryIdentity{Application: state.Application}, &resp.Diagnostics)
}

// createOrAdopt creates the binding, or updates the application's existing
// one: bindings cannot be deleted, so one left by an earlier destroy or a
// failed create is taken over.
func (r *ExternalRepositoryResource) createOrAdopt(ctx context.Context, plan *ExternalRepositoryModel, token string, diags *diag.Diagnostics) (*divioapi.Repository, error) {
	existing, err := r.client.ListRepositories(ctx, divioapi.RepositoryFilter{Application: plan.Application.ValueString()})
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		diagnostics.BindingAdopted(diags, plan.Application.ValueString(), existing[0].UUID)
		var current ExternalRepositoryModel
		current.fromAPI(&existing[0], nil)
		patch := plan.patchFrom(&current, token)
		if plan.HTTPS != nil { // the stored token is unknown to us: always send the configured one
			patch["username"], patch["password"] = plan.HTTPS.Username.ValueString(), token
		}
		if len(patch) == 0 {
			return r.client.CheckRepository(ctx, existing[0].UUID)
		}
		return r.client.UpdateRepository(ctx, existing[0].UUID, patch)
	}
	create := divioapi.CreateRepositoryRequest{
		Application:                plan.Application.ValueString(),
		URL:                        plan.URL.ValueString(),
		Branch:                     plan.Branch.ValueString(),
		Migrate:                    plan.Migrate.ValueBool(),
		WriteAccess:                plan.WriteAccess.ValueBool(),
		DeployKey:                  plan.DeployKeyID.ValueString(),
		ExpectedHostKeyFingerprint: plan.ExpectedHostKeyFingerprint.ValueString(),
	}
	if plan.HTTPS != nil {
		create.Username, create.Password = plan.HTTPS.Username.ValueString(), token
	}
	return r.client.CreateRepository(ctx, create)
}

// waitForCheck waits for the access check started by a create or update and
// reports its failure; it returns nil when there is nothing to save.
func (r *ExternalRepositoryResource) waitForCheck(ctx context.Context, plan *ExternalRepositoryModel, repo *divioapi.Repository, operation string, timeout time.Duration, diags *diag.Diagnostics) *divioapi.Repository {
	started := time.Now()
	repo, err := r.client.WaitForCheck(ctx, repo.UUID, func(repo *divioapi.Repository) {
		tflog.Info(ctx, "waiting for the external repository access check", map[string]any{
			"id": repo.UUID, "state": repo.State, "elapsed": time.Since(started).Round(time.Millisecond).String(),
		})
	})
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		diagnostics.AccessCheckTimedOut(diags, operation, timeout.String())
		return nil
	case err != nil:
		diagnostics.AddAPIError(diags, "Could not read the external repository's access check", err, nil)
		return nil
	case repo.State != divioapi.RepositoryCloned:
		code, message := "unknown", "The access check failed without a reason."
		if repo.Error != nil {
			code, message = repo.Error.Code, repo.Error.Message
		}
		diagnostics.AccessCheckFailed(diags, plan.checkFailureAttribute(code), code, message)
		return nil
	}
	tflog.Info(ctx, "external repository access check passed", map[string]any{"id": repo.UUID})
	return repo
}

func (r *ExternalRepositoryResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state ExternalRepositoryModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	repo, err := r.lookup(ctx, &state)
	if divioapi.IsNotFound(err) || (err == nil && repo == nil) {
		forgetRemoved(ctx, resp, ExternalRepositoryIdentity{Application: state.Application}, "external repository binding", state.ID.ValueString())
		return
	}
	if err != nil {
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not read the external repository binding", err, nil)
		return
	}
	if repo.State == divioapi.RepositoryInvalid && repo.Error != nil {
		diagnostics.AccessCheckInvalid(&resp.Diagnostics, repo.Error.Code, repo.Error.Message)
	}
	prior := state
	state.fromAPI(repo, &prior)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	setIdentity(ctx, resp.Identity, ExternalRepositoryIdentity{Application: state.Application}, &resp.Diagnostics)
}

// lookup reads the binding by id (one request), or by application after an
// import, when only the application is known.
func (r *ExternalRepositoryResource) lookup(ctx context.Context, state *ExternalRepositoryModel) (*divioapi.Repository, error) {
	if !state.ID.IsNull() && !state.ID.IsUnknown() {
		return r.client.GetRepository(ctx, state.ID.ValueString())
	}
	repos, err := r.client.ListRepositories(ctx, divioapi.RepositoryFilter{Application: state.Application.ValueString()})
	if err != nil || len(repos) == 0 {
		return nil, err
	}
	return &repos[0], nil
}

func (r *ExternalRepositoryResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state ExternalRepositoryModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	token := writeOnlyString(ctx, req.Config, path.Root("https").AtName("token_wo"), &resp.Diagnostics)
	timeout, d := plan.Timeouts.Update(ctx, defaultUpdateTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// On failure the prior state stays: the next plan shows the change again.
	resp.State.Raw = req.State.Raw.Copy()
	if wasImported(ctx, req.Private) {
		state.adoptImported(&plan)
		clearImported(ctx, resp.Private, &resp.Diagnostics)
	}

	patch := plan.patchFrom(&state, token)
	repo, err := r.sendUpdate(ctx, &state, patch)
	if repo == nil && err == nil { // only the timeouts, the URL's spelling or adopted values changed
		state.URL, state.Timeouts = plan.URL, plan.Timeouts
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		setIdentity(ctx, resp.Identity, ExternalRepositoryIdentity{Application: state.Application}, &resp.Diagnostics)
		return
	}
	if err != nil {
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not update the external repository binding", err, externalRepositoryFields)
		return
	}
	repo = r.waitForCheck(ctx, &plan, repo, "update", timeout, &resp.Diagnostics)
	if repo == nil {
		if _, sentToken := patch["password"]; sentToken && state.HTTPS != nil {
			// Divio now holds the token that failed: forget which version
			// was sent, so that the next apply sends the configured token
			// again, even if it is the previous one.
			resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("https").AtName("token_wo_version"), types.Int64Null())...)
		}
		return
	}
	var newState ExternalRepositoryModel
	newState.fromAPI(repo, &plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, &newState)...)
	setIdentity(ctx, resp.Identity, ExternalRepositoryIdentity{Application: newState.Application}, &resp.Diagnostics)
}

// sendUpdate sends patch, or asks for a new check of a binding whose last
// check failed when there is nothing to send. It returns nil, nil when
// there is nothing to do.
func (r *ExternalRepositoryResource) sendUpdate(ctx context.Context, state *ExternalRepositoryModel, patch divioapi.RepositoryPatch) (*divioapi.Repository, error) {
	switch {
	case len(patch) > 0:
		return r.client.UpdateRepository(ctx, state.ID.ValueString(), patch)
	case state.State.ValueString() != divioapi.RepositoryCloned:
		return r.client.CheckRepository(ctx, state.ID.ValueString())
	}
	return nil, nil
}

// Delete only stops managing the binding: Divio cannot unbind a repository.
func (r *ExternalRepositoryResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state ExternalRepositoryModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	diagnostics.BindingNotDeleted(&resp.Diagnostics, state.Application.ValueString(), state.URL.ValueString())
}

// ImportState takes the application's UUID (an application has at most one
// binding), as an ID or as the identity's application attribute.
func (r *ExternalRepositoryResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importByUUID(ctx, req, resp, "divio_external_repository (the application's UUID)", "application")
}

// timeoutsNull is an unset timeouts block, for states built without a plan.
func timeoutsNull() timeouts.Value {
	return timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
		"create": types.StringType,
		"update": types.StringType,
	})}
}
