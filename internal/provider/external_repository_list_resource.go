package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/validators"
)

var _ list.ListResourceWithConfigure = (*ExternalRepositoryListResource)(nil)

func NewExternalRepositoryListResource() list.ListResource { return &ExternalRepositoryListResource{} }

// ExternalRepositoryListResource lists existing bindings with their
// identities, for `terraform query` and generated import blocks.
type ExternalRepositoryListResource struct {
	client *divioapi.Client
}

// ExternalRepositoryListModel is the list block's configuration.
type ExternalRepositoryListModel struct {
	Organisation types.String `tfsdk:"organisation"`
}

func (l *ExternalRepositoryListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_external_repository"
}

func (l *ExternalRepositoryListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the external repository bindings visible to the API token (optionally of one " +
			"organisation), with the identity to import each (`terraform query`, Terraform 1.14 and later).",
		Attributes: map[string]schema.Attribute{
			"organisation": schema.StringAttribute{
				MarkdownDescription: "UUID of an organisation; only its bindings are listed. Unset: all organisations of the token's user.",
				Optional:            true,
				Validators:          []validator.String{validators.UUID()},
			},
		},
	}
}

func (l *ExternalRepositoryListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (l *ExternalRepositoryListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var config ExternalRepositoryListModel
	if diags := req.Config.Get(ctx, &config); diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	repos, err := l.client.ListRepositories(ctx, divioapi.RepositoryFilter{Organisation: config.Organisation.ValueString()})
	if err != nil {
		var diags diag.Diagnostics
		diagnostics.AddAPIError(&diags, "Could not list external repository bindings", err, nil)
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	stream.Results = func(push func(list.ListResult) bool) {
		for i, repo := range repos {
			if req.Limit > 0 && int64(i) >= req.Limit {
				return
			}
			result := req.NewListResult(ctx)
			result.DisplayName = repo.Application + " → " + repo.URL
			result.Diagnostics.Append(result.Identity.Set(ctx, ExternalRepositoryIdentity{Application: types.StringValue(repo.Application)})...)
			if req.IncludeResource {
				var model ExternalRepositoryModel
				model.fromAPI(&repo, nil)
				result.Diagnostics.Append(result.Resource.Set(ctx, &model)...)
			}
			if !push(result) {
				return
			}
		}
	}
}
