// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package provider is the Terraform glue of the Divio provider: one file per
// Terraform type, each translating between Terraform values and the
// divioapi client. Domain rules live in their own packages.
package provider

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
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
	"github.com/divio-community/terraform-provider-divio/internal/diviocli"
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
					"` environment variable, then to the zone Divio's CLI uses (`DIVIO_ZONE`, e.g. `eu.example.com` gives " +
					"`https://api.eu.example.com`), then to `" + divioapi.DefaultBaseURL + "`. Must be an absolute " +
					"`https://` URL (`http://` is accepted, with a warning unless it points at this machine); anything " +
					"else is refused at plan time (`Invalid Divio API URL`). Must be known at plan time.",
				Optional:   true,
				Validators: []validator.String{validators.APIURL()},
			},
			"api_token": schema.StringAttribute{
				MarkdownDescription: "Divio API token, sent as `Authorization: Token …`. Defaults to the `" +
					EnvAPIToken + "` environment variable, then to the token Divio's CLI keeps after `divio login`: the " +
					"password of machine `control.<zone>` in `~/.netrc` (or the file `NETRC_PATH` names), where the zone is " +
					"`DIVIO_ZONE` or `divio.com` — used only when the API URL is that zone's (`https://api.<zone>`), so that " +
					"the token never goes to another host. Prefer the environment variable or the CLI's login: a value " +
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

	apiURL := resolveAPIURL(config.APIURL, &resp.Diagnostics)
	token, tokenSource := resolveToken(config.APIToken, apiURL, &resp.Diagnostics)
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
		diagnostics.MalformedToken(&resp.Diagnostics, tokenSource, EnvAPIToken)
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
	return []func() list.ListResource{
		NewApplicationListResource,
		NewRepositoryListResource,
		NewRepositoryWebhookListResource,
		NewEnvironmentTrackingBranchListResource,
	}
}

func (p *DivioProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewApplicationDataSource,
		NewApplicationsDataSource,
		NewOrganisationDataSource,
		NewPlanGroupDataSource,
		NewRegionDataSource,
		NewRepositoriesDataSource,
		NewRepositorySyncStatusDataSource,
		NewRepositoryWebhooksDataSource,
		NewEnvironmentTrackingBranchesDataSource,
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

// resolveAPIURL is api_url, else DIVIO_API_URL, else the API of the zone
// DIVIO_ZONE selects (as Divio's CLI), else https://api.divio.com; a URL
// that cannot be used is reported on api_url, naming where it came from.
func resolveAPIURL(configured types.String, diags *diag.Diagnostics) string {
	apiURL, envVar := configured.ValueString(), ""
	switch {
	case !configured.IsNull():
	case os.Getenv(EnvAPIURL) != "":
		apiURL, envVar = os.Getenv(EnvAPIURL), EnvAPIURL
	case os.Getenv(diviocli.EnvZone) != "":
		apiURL, envVar = diviocli.APIURL(diviocli.Zone(os.Getenv)), diviocli.EnvZone
	default:
		apiURL = divioapi.DefaultBaseURL
	}
	if err := divioapi.ValidateBaseURL(apiURL); err != nil {
		diagnostics.InvalidAPIURL(diags, err, cmp.Or(envVar, EnvAPIURL), envVar != "")
	} else if isPlainHTTPToRemote(apiURL) {
		diagnostics.PlainHTTP(diags, apiURL)
	}
	return apiURL
}

// resolveToken is api_token, else DIVIO_API_TOKEN, else the token Divio's
// CLI keeps in its netrc file for the zone's endpoint — only when apiURL is
// that zone's API, so that a token never goes to another host than the
// one it was filed for. source says where the token came from.
func resolveToken(configured types.String, apiURL string, diags *diag.Diagnostics) (token, source string) {
	switch {
	case configured.ValueString() != "": // null and "" alike: not set
		return configured.ValueString(), "api_token"
	case os.Getenv(EnvAPIToken) != "":
		return os.Getenv(EnvAPIToken), "the " + EnvAPIToken + " environment variable"
	}
	zone := diviocli.Zone(os.Getenv)
	zoneAPI, host, file := diviocli.APIURL(zone), diviocli.NetrcHost(zone), diviocli.NetrcPath(os.Getenv)
	if strings.TrimRight(apiURL, "/") != zoneAPI {
		diagnostics.MissingToken(diags, EnvAPIToken, fmt.Sprintf("not in %s, which Divio's CLI fills for %s, not for %s", file, zoneAPI, apiURL))
		return "", ""
	}
	token, found, err := diviocli.Token(file, host)
	switch {
	case err != nil:
		diagnostics.UnreadableNetrc(diags, err, EnvAPIToken)
	case !found:
		diagnostics.MissingToken(diags, EnvAPIToken, fmt.Sprintf("%s has no password for machine %s", file, host))
	}
	return token, fmt.Sprintf("%s (machine %s)", file, host)
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
