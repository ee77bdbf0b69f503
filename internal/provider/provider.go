// Package provider is the Terraform glue of the Divio provider: one file per
// Terraform type, each translating between Terraform values and the
// divioapi client. Domain rules live in their own packages.
package provider

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/validators"
)

var (
	_ provider.Provider                       = (*DivioProvider)(nil)
	_ provider.ProviderWithListResources      = (*DivioProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*DivioProvider)(nil)
	_ provider.ProviderWithActions            = (*DivioProvider)(nil)
)

// Environment variables the provider reads its settings from when the
// provider block leaves them out.
const (
	EnvAPIURL   = "DIVIO_API_URL"
	EnvAPIToken = "DIVIO_API_TOKEN"
)

// New returns a constructor of the provider at the given version, in the
// shape providerserver expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &DivioProvider{version: version} }
}

// DivioProvider is the provider; it holds nothing but its version, the API
// client is built per Configure call.
type DivioProvider struct {
	version string
}

// DivioProviderModel is the provider block.
type DivioProviderModel struct {
	APIURL        types.String `tfsdk:"api_url"`
	APIToken      types.String `tfsdk:"api_token"`
	UseExtensions types.Bool   `tfsdk:"use_extensions"`
}

func (p *DivioProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "divio"
	resp.Version = p.version
}

func (p *DivioProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manage Divio applications and their external Git repositories as code: the repository " +
			"and the deploy key Divio issues for it, its verification, the application that uses it, and (where the " +
			"server offers them) the webhook, the sync status, tracking branches and migrating an existing application.",
		Attributes: map[string]schema.Attribute{
			"api_url": schema.StringAttribute{
				MarkdownDescription: "Base URL of the Divio API. Defaults to the `" + EnvAPIURL +
					"` environment variable, then to `" + divioapi.DefaultBaseURL + "`. Must be an absolute " +
					"`https://` URL (`http://` is accepted, with a warning unless it points at this machine); anything " +
					"else is refused at plan time (`Invalid Divio API URL`). Must be known at plan time.",
				Optional:   true,
				Validators: []validator.String{validators.APIURL()},
			},
			"api_token": schema.StringAttribute{
				MarkdownDescription: "Divio API token, sent as `Authorization: Token …`. Defaults to the `" +
					EnvAPIToken + "` environment variable. Prefer the environment variable: a value " +
					"written in configuration ends up in version control. Without a token every plan fails (`Missing " +
					"Divio API token`); one with whitespace or control characters, such as a trailing newline, is refused " +
					"(`Malformed Divio API token`). Must be known at plan time.",
				Optional:  true,
				Sensitive: true,
			},
			"use_extensions": schema.BoolAttribute{
				MarkdownDescription: "Whether to use what a server offers beyond Divio's public API. Default " +
					"`true`. The provider asks the server once per run which extensions it has (api.divio.com has none); " +
					"types and attributes that need a missing one are refused at plan time (`Not available on this Divio " +
					"API`). `false` keeps to the public API and asks nothing: every extension is then refused at plan time, " +
					"whatever the server offers.",
				Optional: true,
			},
		},
	}
}

func (p *DivioProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config DivioProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if config.APIURL.IsUnknown() {
		diagnostics.UnknownProviderValue(&resp.Diagnostics, "api_url", EnvAPIURL)
	}
	if config.APIToken.IsUnknown() {
		diagnostics.UnknownProviderValue(&resp.Diagnostics, "api_token", EnvAPIToken)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	apiURL, urlFromEnv := valueOrEnv(config.APIURL, EnvAPIURL)
	if apiURL == "" {
		apiURL, urlFromEnv = divioapi.DefaultBaseURL, false
	}
	if err := divioapi.ValidateBaseURL(apiURL); err != nil {
		diagnostics.InvalidAPIURL(&resp.Diagnostics, err, EnvAPIURL, urlFromEnv)
	} else if isPlainHTTPToRemote(apiURL) {
		diagnostics.PlainHTTP(&resp.Diagnostics, apiURL)
	}

	token, tokenFromEnv := valueOrEnv(config.APIToken, EnvAPIToken)
	if token == "" {
		diagnostics.MissingToken(&resp.Diagnostics, EnvAPIToken)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	client, err := divioapi.New(divioapi.Config{
		BaseURL:   apiURL,
		Token:     token,
		UserAgent: fmt.Sprintf("terraform-provider-divio/%s Terraform/%s", p.version, req.TerraformVersion),
		// Unknown or unset means the default, true.
		DisableExtensions: !config.UseExtensions.IsNull() && !config.UseExtensions.IsUnknown() && !config.UseExtensions.ValueBool(),
	})
	if err != nil {
		// The URL passed ValidateBaseURL above, so New refused the token:
		// the token rule (no whitespace or control characters) is the
		// client's, and is written there only.
		diagnostics.MalformedToken(&resp.Diagnostics, EnvAPIToken, tokenFromEnv)
		return
	}
	tflog.Debug(ctx, "configured Divio API client", map[string]any{"api_url": apiURL})
	resp.DataSourceData = client
	resp.ResourceData = client
	resp.EphemeralResourceData = client
	resp.ActionData = client
	resp.ListResourceData = client
}

func (p *DivioProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewRepositoryResource,
		NewRepositoryVerificationResource,
		NewApplicationResource,
		NewApplicationRepositoryResource,
		NewRepositoryWebhookResource,
		NewEnvironmentTrackingBranchResource,
	}
}

func (p *DivioProvider) ListResources(context.Context) []func() list.ListResource {
	return []func() list.ListResource{}
}

func (p *DivioProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewApplicationDataSource,
		NewOrganisationDataSource,
		NewPlanGroupDataSource,
		NewRegionDataSource,
		NewRepositorySyncStatusDataSource,
	}
}

func (p *DivioProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewRepositoryWebhookEphemeralResource,
	}
}

func (p *DivioProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{
		NewRepositoryUpdateAction,
		NewRepositoryResetToOriginAction,
	}
}

// valueOrEnv returns the configured value, else the environment variable's,
// and whether it came from the environment (for the wording of errors).
func valueOrEnv(v types.String, envVar string) (string, bool) {
	if !v.IsNull() {
		return v.ValueString(), false
	}
	if env, ok := os.LookupEnv(envVar); ok {
		return env, true
	}
	return "", false
}

// isPlainHTTPToRemote reports an http:// URL whose host is not loopback:
// the token would cross a network unencrypted.
func isPlainHTTPToRemote(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}
