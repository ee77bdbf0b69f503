// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/provider"
	"github.com/divio-community/terraform-provider-divio/internal/validators"
)

// configure runs the provider's Configure on a provider block with the
// given attributes (the others null) and returns its diagnostics.
func configure(t *testing.T, attrs map[string]string) diag.Diagnostics {
	t.Helper()
	ctx := context.Background()
	p := provider.New("test")()
	var schemaResp fwprovider.SchemaResponse
	p.Schema(ctx, fwprovider.SchemaRequest{}, &schemaResp)
	typ, ok := schemaResp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("the provider schema is not an object")
	}
	values := map[string]tftypes.Value{}
	for name, attrType := range typ.AttributeTypes {
		values[name] = tftypes.NewValue(attrType, nil)
		if v, ok := attrs[name]; ok {
			values[name] = tftypes.NewValue(attrType, v)
		}
	}
	var resp fwprovider.ConfigureResponse
	p.Configure(ctx, fwprovider.ConfigureRequest{
		Config: tfsdk.Config{Schema: schemaResp.Schema, Raw: tftypes.NewValue(typ, values)},
	}, &resp)
	return resp.Diagnostics
}

// The token rule is divioapi's; the provider reports what it refuses on
// api_token, naming where the token came from.
func TestConfigureMalformedToken(t *testing.T) {
	t.Setenv(provider.EnvAPIURL, "")
	for _, tc := range []struct {
		name, token, env, source string
	}{
		{"attribute", "abc def", "", "The token from api_token contains whitespace"},
		{"environment", "", "abc\n", "The token from the " + provider.EnvAPIToken + " environment variable contains whitespace"},
		{"control character", "abc\x00", "", "The token from api_token contains whitespace or control characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(provider.EnvAPIToken, tc.env)
			attrs := map[string]string{"api_url": "https://api.divio.com"}
			if tc.token != "" {
				attrs["api_token"] = tc.token
			}
			diags := configure(t, attrs)
			if len(diags) != 1 || diags[0].Summary() != "Malformed Divio API token" || !strings.Contains(diags[0].Detail(), tc.source) {
				t.Fatalf("want one Malformed Divio API token naming %q, got %v", tc.source, diags)
			}
			withPath, ok := diags[0].(diag.DiagnosticWithPath)
			if !ok || !withPath.Path().Equal(path.Root("api_token")) {
				t.Errorf("not on api_token: %v", diags[0])
			}
		})
	}
	if diags := configure(t, map[string]string{"api_url": "https://api.divio.com", "api_token": "good-token"}); diags.HasError() {
		t.Errorf("a good token refused: %v", diags)
	}
}

// Wording outside the provider names its environment variables literally;
// it must name the ones the provider reads.
func TestWordingNamesTheProvidersEnvironmentVariables(t *testing.T) {
	var diags diag.Diagnostics
	diagnostics.AddAPIError(&diags, "Could not read", &divioapi.Error{StatusCode: 403, Detail: "Forbidden."}, nil)
	if len(diags) != 1 || !strings.Contains(diags[0].Detail(), provider.EnvAPIToken) {
		t.Errorf("refused token does not name %s: %v", provider.EnvAPIToken, diags)
	}

	var resp validator.StringResponse
	validators.APIURL().ValidateString(context.Background(), validator.StringRequest{
		Path: path.Root("api_url"), ConfigValue: types.StringValue("ftp://api.divio.com"),
	}, &resp)
	if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics[0].Detail(), provider.EnvAPIURL) {
		t.Errorf("invalid API URL does not name %s: %v", provider.EnvAPIURL, resp.Diagnostics)
	}
}
