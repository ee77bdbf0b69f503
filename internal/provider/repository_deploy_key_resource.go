package provider

import (
	"context"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/validators"
)

var (
	_ resource.ResourceWithConfigure   = (*RepositoryDeployKeyResource)(nil)
	_ resource.ResourceWithImportState = (*RepositoryDeployKeyResource)(nil)
	_ resource.ResourceWithIdentity    = (*RepositoryDeployKeyResource)(nil)
)

func NewRepositoryDeployKeyResource() resource.Resource { return &RepositoryDeployKeyResource{} }

// RepositoryDeployKeyResource is the SSH key pair the platform uses to reach
// an application's external repository. The private half never leaves the
// control plane; rotating the key means replacing the resource.
type RepositoryDeployKeyResource struct {
	client *divioapi.Client
}

// RepositoryDeployKeyModel is the resource's state.
type RepositoryDeployKeyModel struct {
	ID                types.String `tfsdk:"id"`
	Application       types.String `tfsdk:"application"`
	KeyType           types.String `tfsdk:"key_type"`
	PublicKey         types.String `tfsdk:"public_key"`
	FingerprintSHA256 types.String `tfsdk:"fingerprint_sha256"`
	CreatedAt         types.String `tfsdk:"created_at"`
}

// RepositoryDeployKeyIdentity is the resource identity: the key's UUID.
type RepositoryDeployKeyIdentity struct {
	ID types.String `tfsdk:"id"`
}

// deployKeyTypes are the key_type values, as written in configuration; the
// API spells them in upper case.
var deployKeyTypes = []string{"ed25519", "ecdsa", "rsa"}

// deployKeyFields puts the API's validation errors on the matching attribute.
var deployKeyFields = diagnostics.FieldPaths{
	"application": path.Root("application"),
	"key_type":    path.Root("key_type"),
}

func (r *RepositoryDeployKeyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_repository_deploy_key"
}

func (r *RepositoryDeployKeyResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "An SSH key pair issued by Divio for an application's external Git repository. " +
			"Divio generates the pair and keeps the private half; add `public_key` to the Git host as a deploy key " +
			"(with write access) before binding the repository. Every argument forces a new key, which is how a " +
			"key is rotated: use `create_before_destroy` and update the Git host's deploy key in the same apply.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "UUID of the deploy key.",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"application": schema.StringAttribute{
				MarkdownDescription: "UUID of the application the key is for, e.g. `data.divio_application.app.id`. Changing it creates a new key.",
				Required:            true,
				PlanModifiers:       replace,
				Validators:          []validator.String{validators.UUID()},
			},
			"key_type": schema.StringAttribute{
				MarkdownDescription: "Key algorithm: `ed25519` (default), `ecdsa` (NIST P-256) or `rsa` (3072 bits). " +
					"Use `rsa` only for Git hosts that accept nothing else. Changing it creates a new key.",
				Optional:      true,
				Computed:      true,
				Default:       stringdefault.StaticString("ed25519"),
				PlanModifiers: replace,
				Validators:    []validator.String{stringvalidator.OneOf(deployKeyTypes...)},
			},
			"public_key": schema.StringAttribute{
				MarkdownDescription: "The public key as one `authorized_keys` line (e.g. `ssh-ed25519 AAAA…`), to add to the Git host as a deploy key.",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"fingerprint_sha256": schema.StringAttribute{
				MarkdownDescription: "SHA-256 fingerprint of the public key as `ssh-keygen -lf` prints it and Git hosts show it (`SHA256:…`).",
				Computed:            true,
				PlanModifiers:       keep,
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the key was issued (RFC 3339).",
				Computed:            true,
				PlanModifiers:       keep,
			},
		},
	}
}

func (r *RepositoryDeployKeyResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{
				RequiredForImport: true,
				Description:       "UUID of the deploy key.",
			},
		},
	}
}

func (r *RepositoryDeployKeyResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *RepositoryDeployKeyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan RepositoryDeployKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	key, err := r.client.CreateDeployKey(ctx, divioapi.CreateDeployKeyRequest{
		Application: plan.Application.ValueString(),
		KeyType:     strings.ToUpper(plan.KeyType.ValueString()),
	})
	if err != nil {
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not create the deploy key", err, deployKeyFields)
		return
	}
	tflog.Info(ctx, "created deploy key", map[string]any{"id": key.UUID, "fingerprint": key.FingerprintSHA256})
	r.setState(ctx, key, &resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *RepositoryDeployKeyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state RepositoryDeployKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	key, err := r.client.GetDeployKey(ctx, state.ID.ValueString())
	if divioapi.IsNotFound(err) {
		forgetRemoved(ctx, resp, RepositoryDeployKeyIdentity{ID: state.ID}, "deploy key", state.ID.ValueString())
		return
	}
	if err != nil {
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not read the deploy key", err, nil)
		return
	}
	r.setState(ctx, key, &resp.State, resp.Identity, &resp.Diagnostics)
}

// Update is never called with a change (every argument forces replacement);
// it exists to satisfy the interface and keeps the planned state.
func (r *RepositoryDeployKeyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan RepositoryDeployKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	setIdentity(ctx, resp.Identity, RepositoryDeployKeyIdentity{ID: plan.ID}, &resp.Diagnostics)
}

func (r *RepositoryDeployKeyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state RepositoryDeployKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.client.DeleteDeployKey(ctx, state.ID.ValueString())
	switch {
	case err == nil, divioapi.IsNotFound(err):
	case divioapi.IsBadRequest(err):
		// The key is used by a repository binding, which Divio cannot
		// remove; refusing would make every destroy of a binding fail.
		diagnostics.DeployKeyInUse(&resp.Diagnostics, state.ID.ValueString(), err)
	default:
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not delete the deploy key", err, nil)
	}
}

func (r *RepositoryDeployKeyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importByUUID(ctx, req, resp, "divio_repository_deploy_key", "id")
}

// setState writes an API deploy key into the resource state and identity.
func (r *RepositoryDeployKeyResource) setState(ctx context.Context, key *divioapi.DeployKey, state *tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	model := RepositoryDeployKeyModel{
		ID:                types.StringValue(key.UUID),
		Application:       types.StringValue(key.Application),
		KeyType:           types.StringValue(strings.ToLower(key.KeyType)),
		PublicKey:         types.StringValue(key.PublicKey),
		FingerprintSHA256: types.StringValue(key.FingerprintSHA256),
		CreatedAt:         types.StringValue(key.CreatedAt.UTC().Format(time.RFC3339)),
	}
	diags.Append(state.Set(ctx, &model)...)
	setIdentity(ctx, identity, RepositoryDeployKeyIdentity{ID: model.ID}, diags)
}
