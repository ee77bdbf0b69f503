package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/validators"
)

var _ ephemeral.EphemeralResourceWithConfigure = (*RepositoryWebhookEphemeralResource)(nil)

func NewRepositoryWebhookEphemeralResource() ephemeral.EphemeralResource {
	return &RepositoryWebhookEphemeralResource{}
}

// RepositoryWebhookEphemeralResource reads a webhook's URL and secret
// without writing them to the state or plan, e.g. to feed the GitHub
// provider's webhook resource through a write-only argument.
type RepositoryWebhookEphemeralResource struct {
	client *divioapi.Client
}

// RepositoryWebhookEphemeralModel is the ephemeral resource's data.
type RepositoryWebhookEphemeralModel struct {
	Application types.String `tfsdk:"application"`
	Type        types.String `tfsdk:"type"`
	URL         types.String `tfsdk:"url"`
	Secret      types.String `tfsdk:"secret"`
}

func (e *RepositoryWebhookEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_repository_webhook"
}

func (e *RepositoryWebhookEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the URL and secret of an application's webhook without storing them in the Terraform " +
			"state or plan (Terraform 1.10+ / OpenTofu 1.11+).",
		Attributes: map[string]schema.Attribute{
			"application": schema.StringAttribute{
				MarkdownDescription: "UUID of the application whose webhook to read.",
				Required:            true,
				Validators:          []validator.String{validators.UUID()},
			},
			"type":   schema.StringAttribute{Computed: true, MarkdownDescription: "`github`, `gitlab` or `bitbucket`."},
			"url":    schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: "The URL the Git host must call."},
			"secret": schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: "The shared secret (null for Bitbucket)."},
		},
	}
}

func (e *RepositoryWebhookEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (e *RepositoryWebhookEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var data RepositoryWebhookEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	hooks, err := e.client.ListWebhooks(ctx, data.Application.ValueString())
	if err != nil {
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not read the webhook", err, nil)
		return
	}
	if len(hooks) == 0 {
		resp.Diagnostics.AddAttributeError(path.Root("application"), "No webhook",
			fmt.Sprintf("Application %s has no webhook. Create one with the divio_repository_webhook resource.", data.Application.ValueString()))
		return
	}
	data.Type = types.StringValue(hooks[0].Type)
	data.URL = types.StringValue(hooks[0].URL)
	data.Secret = types.StringPointerValue(hooks[0].Secret)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &data)...)
}
