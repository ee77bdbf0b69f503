// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

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
	_ resource.ResourceWithConfigure   = (*RepositoryWebhookResource)(nil)
	_ resource.ResourceWithImportState = (*RepositoryWebhookResource)(nil)
	_ resource.ResourceWithIdentity    = (*RepositoryWebhookResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*RepositoryWebhookResource)(nil)
)

func NewRepositoryWebhookResource() resource.Resource { return &RepositoryWebhookResource{} }

// RepositoryWebhookResource is the webhook a Git host calls so that Divio
// pulls new commits. Its URL and secret are pasted into the Git host (or
// passed to the GitHub/GitLab/Bitbucket provider's webhook resource).
type RepositoryWebhookResource struct {
	client *divioapi.Client
}

// webhookTypes are the Git hosts whose deliveries the platform verifies.
var webhookTypes = []string{"github", "gitlab", "bitbucket"}

func (r *RepositoryWebhookResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_repository_webhook"
}

func (r *RepositoryWebhookResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The webhook that tells Divio to pull when commits land in an application's external " +
			"repository (the application must use one: `divio_application` with `repository`, or " +
			"`divio_application_repository`). Divio gives a URL and, for GitHub and " +
			"GitLab, a shared secret; add them to the Git host:\n\n" +
			"| Git host | Where | Fields |\n|---|---|---|\n" +
			"| GitHub | Settings > Webhooks > Add webhook | **Payload URL**: `url`; **Content type**: `application/json`; **Secret**: `secret`; events: **Just the push event** |\n" +
			"| GitLab | Settings > Webhooks | **URL**: `url`; **Secret token**: `secret`; trigger: **Push events** |\n" +
			"| Bitbucket | Repository settings > Webhooks | **Title**: any; **URL**: `url`; triggers: **Repository push** (the secret is not used: the URL is the credential) |\n\n" +
			"To keep the secret out of the Terraform state, choose it yourself with the write-only `secret_wo` (and " +
			"`secret_wo_version`; Divio never shows a secret you chose back), or read it with the " +
			"`divio_repository_webhook` ephemeral resource.\n\n" +
			"**Import** by the application's UUID. Divio cannot tell `secret_wo_version` and `rotation_triggers`: when " +
			"your configuration sets them, the plan after an import shows them once as an in-place update, and its apply " +
			"records them as configured without rotating anything (a plan-time warning says so). Change them afterwards " +
			"to rotate.\n\n" +
			"**Extension** `webhooks`: every attribute of this type needs it, and the type is refused at plan time " +
			"without it (`Not available on this Divio API`; set the webhook up in the Control Panel instead).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "UUID of the webhook, set by the server. Read-only. Extension `webhooks`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"application": schema.StringAttribute{
				MarkdownDescription: "UUID of the application whose external repository sends the webhook (an application has at most one). Required; a malformed UUID is refused at plan time. Changing it replaces the webhook. Extension `webhooks`.",
				Required:            true,
				PlanModifiers:       replace,
				Validators:          []validator.String{validators.UUID()},
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "Which host's deliveries to expect and verify: `github`, `gitlab` or " +
					"`bitbucket` (other hosts generally send one of these); any other value is refused at plan time. " +
					"Required. Changing it replaces the webhook (a new URL and secret). Extension `webhooks`.",
				Required:      true,
				PlanModifiers: replace,
				Validators:    []validator.String{stringvalidator.OneOf(webhookTypes...)},
			},
			"url": schema.StringAttribute{
				MarkdownDescription: "The URL the Git host must call (GitHub's Payload URL). For Bitbucket it carries the credential, and rotating issues a new one. Read-only, sensitive. Extension `webhooks`.",
				Computed:            true,
				Sensitive:           true,
			},
			"secret": schema.StringAttribute{
				MarkdownDescription: "The shared secret Divio generated (GitHub's Secret, GitLab's Secret token). Null for Bitbucket and when `secret_wo` is used. Read-only, sensitive; a rotation changes it. Extension `webhooks`.",
				Computed:            true,
				Sensitive:           true,
			},
			"secret_wo": schema.StringAttribute{
				MarkdownDescription: "A secret of your choosing, sent to Divio and never stored in the state " +
					"or plan (write-only: Terraform 1.11+, OpenTofu 1.11+). Default none: Divio generates one, in `secret`. " +
					"Refused at plan time: fewer than 16 or more than 256 characters, without `secret_wo_version`, and with " +
					"`type = \"bitbucket\"` (`Bitbucket webhooks have no secret`). Extension `webhooks`.",
				Optional: true,
				// Not Sensitive: a write-only value is never shown or stored
				// anyway, and each sensitive path makes Terraform < 1.12's
				// refresh-only plans exit 2 more often (hashicorp/terraform#36403).
				WriteOnly: true,
				Validators: []validator.String{
					stringvalidator.LengthBetween(16, 256),
					validators.WebhookSecretNotForBitbucket(),
				},
			},
			"secret_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Any number, required with `secret_wo` and refused without it (`secret_wo and secret_wo_version go together`, at plan time). Change it to send a new `secret_wo`: a rotation, in place. After an import the first apply records it without rotating. Extension `webhooks`.",
				Optional:            true,
				Validators:          []validator.Int64{validators.WebhookSecretVersion()},
			},
			"rotation_triggers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary string values; default none. Any change rotates the webhook in place (a new secret, or for Bitbucket a new URL), e.g. `{ rotated = time_rotating.quarterly.id }`. After an import the first apply records them without rotating. Extension `webhooks`.",
				Optional:            true,
				ElementType:         types.StringType,
			},
		},
	}
}

func (r *RepositoryWebhookResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = uuidIdentity("application", "UUID of the application; its binding has at most one webhook.")
}

func (r *RepositoryWebhookResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// webhookInControlPanel is where webhooks are set up without the extension.
const webhookInControlPanel = "Set the webhook up in the Control Panel (the application's Repository view: choose the " +
	"webhook type, then paste its URL and secret into the Git host)."

// ModifyPlan refuses the type at plan time where the server lacks webhooks,
// and plans a new URL and secret only when the webhook rotates.
func (r *RepositoryWebhookResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	if !requireExtension(ctx, r.client, &resp.Diagnostics, nil, divioapi.ExtWebhooks, "divio_repository_webhook", webhookInControlPanel) {
		return
	}
	if req.State.Raw.IsNull() {
		return
	}
	var plan, state RepositoryWebhookModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	imported := wasImported(ctx, req.Private)
	if rotates(&plan, &state, imported) {
		return // url and secret stay unknown: a rotation changes them
	}
	if imported && !plan.equalRotation(&state) {
		diagnostics.ImportedValuesAdopted(&resp.Diagnostics, "secret_wo_version and rotation_triggers", "the webhook is not rotated")
	}
	plan.URL, plan.Secret = state.URL, state.Secret
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (r *RepositoryWebhookResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan RepositoryWebhookModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	secret := writeOnlyString(ctx, req.Config, path.Root("secret_wo"), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	hook, err := r.client.CreateWebhook(ctx, divioapi.CreateWebhookRequest{
		Application: plan.Application.ValueString(), Type: plan.Type.ValueString(), Secret: secret,
	})
	if err != nil {
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not create the webhook", err, webhookFields)
		return
	}
	var model RepositoryWebhookModel
	model.fromAPI(hook, &plan)
	writeState(ctx, &resp.State, resp.Identity, &model, model.identity(), &resp.Diagnostics)
}

func (r *RepositoryWebhookResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state RepositoryWebhookModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	hook := readOrForget(ctx, resp, state.identity(), "webhook", state.ID.ValueString(),
		func() (*divioapi.Webhook, error) { return r.find(ctx, &state) })
	if hook == nil {
		return
	}
	var model RepositoryWebhookModel
	model.fromAPI(hook, &state)
	writeState(ctx, &resp.State, resp.Identity, &model, model.identity(), &resp.Diagnostics)
}

// find reads the webhook of state: by its UUID, or after an import by
// application the application's webhook (nil when it has none).
func (r *RepositoryWebhookResource) find(ctx context.Context, state *RepositoryWebhookModel) (*divioapi.Webhook, error) {
	if !state.ID.IsNull() {
		return r.client.GetWebhook(ctx, state.ID.ValueString())
	}
	hooks, err := r.client.ListWebhooks(ctx, state.Application.ValueString())
	if err != nil || len(hooks) == 0 {
		return nil, err
	}
	return &hooks[0], nil
}

func (r *RepositoryWebhookResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state RepositoryWebhookModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	secret := writeOnlyString(ctx, req.Config, path.Root("secret_wo"), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	imported := wasImported(ctx, req.Private)
	if imported {
		clearImported(ctx, resp.Private, &resp.Diagnostics)
	}
	if !rotates(&plan, &state, imported) {
		plan.URL, plan.Secret = state.URL, state.Secret
		writeState(ctx, &resp.State, resp.Identity, &plan, plan.identity(), &resp.Diagnostics)
		return
	}
	hook, err := r.client.RotateWebhook(ctx, state.ID.ValueString(), divioapi.RotateWebhookRequest{Secret: secret})
	if err != nil {
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not rotate the webhook", err, webhookFields)
		return
	}
	var model RepositoryWebhookModel
	model.fromAPI(hook, &plan)
	writeState(ctx, &resp.State, resp.Identity, &model, model.identity(), &resp.Diagnostics)
}

func (r *RepositoryWebhookResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state RepositoryWebhookModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.DeleteWebhook(ctx, state.ID.ValueString()); err != nil && !divioapi.IsNotFound(err) {
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not delete the webhook", err, nil)
	}
}

// ImportState takes the application's UUID.
func (r *RepositoryWebhookResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importByUUID(ctx, req, resp, "divio_repository_webhook (the application's UUID)", "application")
}
