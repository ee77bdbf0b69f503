// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/validators"
)

var (
	_ resource.ResourceWithConfigure      = (*RepositoryResource)(nil)
	_ resource.ResourceWithImportState    = (*RepositoryResource)(nil)
	_ resource.ResourceWithIdentity       = (*RepositoryResource)(nil)
	_ resource.ResourceWithValidateConfig = (*RepositoryResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*RepositoryResource)(nil)
)

func NewRepositoryResource() resource.Resource { return &RepositoryResource{} }

// RepositoryResource is an organisation's external Git repository on
// Divio, with the deploy key Divio issues for it. Divio's public API cannot
// change or delete one: every change replaces it.
type RepositoryResource struct {
	client *divioapi.Client
}

// repositoryFields puts the API's validation errors on the matching attribute.
var repositoryFields = diagnostics.FieldPaths{
	"organisation": path.Root("organisation"),
	"url":          path.Root("url"),
	"key_type":     path.Root("key_type"),
	"username":     path.Root("https").AtName("username"),
	"password":     path.Root("https").AtName("password_wo_version"),
}

func (r *RepositoryResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_repository"
}

func (r *RepositoryResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "An external Git repository of a Divio organisation (public API: `POST " +
			"/apps/v3/repositories/`). For an SSH URL Divio issues a deploy key: install `public_key` on the Git host " +
			"**with write access** (e.g. `github_repository_deploy_key` with `read_only = false`), then verify the " +
			"repository with `divio_repository_verification` and give it to a `divio_application`.\n\nDivio's public " +
			"API cannot change or delete a repository: every change of an argument replaces it, and destroy deletes " +
			"it only where the server offers the `repository_deletion` extension (otherwise it stays in the " +
			"organisation, with a warning).\n\n**Works against api.divio.com**: create, read, import (destroy leaves " +
			"the repository on Divio). **Extension**: `repository_deletion` (destroy deletes it).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "UUID of the repository, set by Divio. Read-only. Public API.",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"organisation": schema.StringAttribute{
				MarkdownDescription: "UUID of the organisation the repository belongs to, e.g. `data.divio_organisation.acme.id`. Required; a malformed UUID is refused at plan time. Changing it replaces the repository. Where the server does not answer it back (Divio's CLI does not read it), the first apply after an import records the configured value without any API call. Public API.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{replaceUnlessUnreadAfterImport(func(state, plan string) bool { return state == plan })},
				Validators:          []validator.String{validators.UUID()},
			},
			"url": schema.StringAttribute{
				MarkdownDescription: "URL of the repository: `ssh://[user@]host[:port]/path` or scp-style " +
					"`git@host:path` (SSH, recommended), or `https://host[:port]/path`. Required. Refused at plan time: " +
					"anything else (`Invalid repository URL`), HTTPS for github.com, gitlab.com and bitbucket.org (which " +
					"allow password authentication), an HTTPS URL without the `https` block and an SSH URL with it. " +
					"Spellings of the same remote are equivalent (no replacement); another remote replaces the repository. " +
					"Where the server does not answer it back (Divio's CLI does not read it), the first apply after an import " +
					"records the configured value without any API call. Public API.",
				Required:      true,
				CustomType:    repositoryURLType{},
				PlanModifiers: []planmodifier.String{replaceUnlessUnreadAfterImport(sameRemote)},
			},
			"key_type": schema.StringAttribute{
				MarkdownDescription: "Algorithm of the deploy key Divio issues for an SSH URL: `ED25519`, " +
					"`ECDSA` or `RSA`, as the API spells them. Default `ED25519`. Refused at plan time: any other value, " +
					"and any value with an HTTPS URL (`No deploy key with HTTPS`). Changing a configured value replaces the " +
					"repository (a new key); removing it from the configuration keeps the key. Public API.",
				Optional: true,
				Computed: true,
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplaceIfConfigured(),
				},
				Validators: []validator.String{stringvalidator.OneOf(divioapi.KeyTypes...)},
			},
			"public_key": schema.StringAttribute{
				MarkdownDescription: "The deploy key Divio issued (the API's `auth_info`), one " +
					"`authorized_keys` line: add it to the Git host as a deploy key with write access. Null for HTTPS. " +
					"Read-only; a new key only comes with a new repository. Public API.",
				Computed:      true,
				PlanModifiers: keep,
			},
			"fingerprint_sha256": schema.StringAttribute{
				MarkdownDescription: "SHA-256 fingerprint of `public_key` as `ssh-keygen -lf` prints it and Git hosts show it (`SHA256:…`), computed by the provider. Read-only. Null for HTTPS.",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"dsn": schema.StringAttribute{
				MarkdownDescription: "The Git URL Divio uses for the repository (the API's `dsn`). Read-only. Public API.",
				Computed:            true,
				PlanModifiers:       keep,
			},
		},
		Blocks: map[string]schema.Block{
			"https": schema.SingleNestedBlock{
				MarkdownDescription: "Credentials for an HTTPS URL: a username and a personal access token " +
					"(never a password). Required with an `https://` URL (refused at plan time without it: `HTTPS " +
					"credentials required`), refused with an SSH URL (`HTTPS credentials not used with SSH`). Public API.",
				Attributes: map[string]schema.Attribute{
					"username": schema.StringAttribute{
						MarkdownDescription: "Username at the Git host (the API's `username`). Required in the block. Changing it replaces the repository. Divio does not answer it back, so after an import the first apply records the configured value without any API call. Public API.",
						Optional:            true,
						PlanModifiers:       []planmodifier.String{replaceUnlessImported{}},
					},
					"password_wo": schema.StringAttribute{
						MarkdownDescription: "Personal access token from the Git host (the API's `password`; " +
							"never your account password). Required in the block. Write-only (Terraform 1.11+, OpenTofu 1.11+): " +
							"sent to Divio at creation, never stored in the Terraform state or plan, so changing it alone does " +
							"nothing: change `password_wo_version` with it. Public API.",
						Optional:  true,
						Sensitive: true,
						WriteOnly: true,
					},
					"password_wo_version": schema.Int64Attribute{
						MarkdownDescription: "Any number, required with `password_wo` (refused at plan time " +
							"without it: `password_wo and password_wo_version go together`). Change it to send a new token, which " +
							"replaces the repository (Divio's public API cannot change one). Divio does not answer it back, so " +
							"after an import the first apply records the configured value without any API call. Provider-side: " +
							"works everywhere.",
						Optional:      true,
						PlanModifiers: []planmodifier.Int64{replaceUnlessImported{}},
					},
				},
			},
		},
	}
}

func (r *RepositoryResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = uuidIdentity("id", "UUID of the repository.")
}

func (r *RepositoryResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig enforces the credentials each kind of URL needs: a
// deploy key (key_type) for SSH, the https block for HTTPS.
func (r *RepositoryResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config RepositoryModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() || !known(config.URL) {
		return
	}
	if !config.isHTTPS() {
		if config.HTTPS != nil {
			diagnostics.HTTPSBlockWithSSH(&resp.Diagnostics)
		}
		return
	}
	if !config.KeyType.IsNull() {
		diagnostics.KeyTypeWithHTTPS(&resp.Diagnostics)
	}
	if config.HTTPS == nil || config.HTTPS.Username.IsNull() || config.HTTPS.PasswordWO.IsNull() {
		diagnostics.HTTPSCredentialsRequired(&resp.Diagnostics)
		return
	}
	if config.HTTPS.PasswordWOVersion.IsNull() {
		diagnostics.PasswordVersionRequired(&resp.Diagnostics)
	}
}

// ModifyPlan plans the deploy key's type: ED25519 unless configured; for
// HTTPS no key at all (key_type, public_key and its fingerprint null).
func (r *RepositoryResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || !req.State.Raw.IsNull() {
		return
	}
	var plan RepositoryModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !known(plan.URL) || !plan.KeyType.IsUnknown() {
		return
	}
	if !plan.isHTTPS() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("key_type"), types.StringValue("ED25519"))...)
		return
	}
	for _, name := range []string{"key_type", "public_key", "fingerprint_sha256"} {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(name), types.StringNull())...)
	}
}

func (r *RepositoryResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan RepositoryModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	password := writeOnlyString(ctx, req.Config, path.Root("https").AtName("password_wo"), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	repo, err := r.client.CreateRepository(ctx, plan.createRequest(password))
	if errors.Is(err, divioapi.ErrOutcomeUnknown) {
		diagnostics.OutcomeUnknown(&resp.Diagnostics, "repository", "in the Control Panel (the organisation's repositories)", err)
		return
	}
	if err != nil {
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not create the repository", err, repositoryFields)
		return
	}
	if repo.UUID == "" {
		diagnostics.AnswerLacks(&resp.Diagnostics, "repository", "uuid", "in the Control Panel (the organisation's repositories)", repo.Words)
		return
	}
	var state RepositoryModel
	state.fromCreate(repo, &plan)
	writeState(ctx, &resp.State, resp.Identity, &state, state.identity(), &resp.Diagnostics)
}

func (r *RepositoryResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state RepositoryModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	repo := readOrForget(ctx, resp, state.identity(), "repository", state.ID.ValueString(),
		func() (*divioapi.Repository, error) { return r.client.GetRepository(ctx, state.ID.ValueString()) })
	if repo == nil {
		return
	}
	prior := state
	state.fromAPI(repo, &prior)
	writeState(ctx, &resp.State, resp.Identity, &state, state.identity(), &resp.Diagnostics)
}

// Update changes nothing on Divio, which cannot change a repository: it
// records another spelling of the same URL, or after an import the
// token's version.
func (r *RepositoryResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state RepositoryModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if wasImported(ctx, req.Private) {
		clearImported(ctx, resp.Private, &resp.Diagnostics)
	}
	state.URL, state.Organisation = plan.URL, plan.Organisation
	if state.HTTPS != nil && plan.HTTPS != nil {
		state.HTTPS.PasswordWOVersion = plan.HTTPS.PasswordWOVersion
		state.HTTPS.PasswordWO = types.StringNull()
	}
	writeState(ctx, &resp.State, resp.Identity, &state, state.identity(), &resp.Diagnostics)
}

// Delete deletes the repository where the server can (an extension);
// Divio's public API cannot, and the repository then stays, with a warning.
func (r *RepositoryResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state RepositoryModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !hasExtension(ctx, r.client, divioapi.ExtRepositoryDeletion) {
		diagnostics.RepositoryKept(&resp.Diagnostics, state.ID.ValueString())
		return
	}
	err := r.client.DeleteRepository(ctx, state.ID.ValueString())
	if err != nil && !divioapi.IsNotFound(err) {
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not delete the repository", err, nil)
	}
}

// ImportState takes the repository's UUID, or "<organisation UUID>/<repository
// UUID>" for a server whose answers do not name the organisation.
func (r *RepositoryResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if organisation, id, ok := strings.Cut(req.ID, "/"); ok {
		if validators.CheckUUID(organisation) != nil || validators.CheckUUID(id) != nil {
			diagnostics.InvalidImportID(&resp.Diagnostics, "divio_repository (<repository UUID> or <organisation UUID>/<repository UUID>)", errors.New("both parts must be UUIDs"))
			return
		}
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("organisation"), organisation)...)
		req.ID = id
	}
	importByUUID(ctx, req, resp, "divio_repository", "id")
}
