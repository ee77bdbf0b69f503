// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package validators

import (
	"context"
	"math/big"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// webhookConfig is a divio_repository_webhook configuration: values are a
// string, an int, unknownValue or nil (null).
type webhookConfig struct {
	typ, secret, version any
}

const unknownValue = "<unknown>"

var webhookSchema = schema.Schema{Attributes: map[string]schema.Attribute{
	"type":              schema.StringAttribute{Required: true},
	"secret_wo":         schema.StringAttribute{Optional: true, WriteOnly: true},
	"secret_wo_version": schema.Int64Attribute{Optional: true},
}}

func tfValue(typ tftypes.Type, v any) tftypes.Value {
	switch v := v.(type) {
	case nil:
		return tftypes.NewValue(typ, nil)
	case int:
		return tftypes.NewValue(typ, big.NewFloat(float64(v)))
	case string:
		if v == unknownValue {
			return tftypes.NewValue(typ, tftypes.UnknownValue)
		}
		return tftypes.NewValue(typ, v)
	}
	panic("unexpected value")
}

// validateWebhook runs the two secret rules as the framework does, on their
// attributes, and returns the errors as "attribute: summary" lines.
func validateWebhook(t *testing.T, c webhookConfig) string {
	t.Helper()
	ctx := context.Background()
	objType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"type": tftypes.String, "secret_wo": tftypes.String, "secret_wo_version": tftypes.Number,
	}}
	config := tfsdk.Config{Schema: webhookSchema, Raw: tftypes.NewValue(objType, map[string]tftypes.Value{
		"type":              tfValue(tftypes.String, c.typ),
		"secret_wo":         tfValue(tftypes.String, c.secret),
		"secret_wo_version": tfValue(tftypes.Number, c.version),
	})}
	var diags diag.Diagnostics

	var secret types.String
	diags.Append(config.GetAttribute(ctx, path.Root("secret_wo"), &secret)...)
	secretResp := &validator.StringResponse{}
	WebhookSecretNotForBitbucket().ValidateString(ctx, validator.StringRequest{
		Path: path.Root("secret_wo"), PathExpression: path.MatchRoot("secret_wo"), ConfigValue: secret, Config: config,
	}, secretResp)
	diags.Append(secretResp.Diagnostics...)

	var version types.Int64
	diags.Append(config.GetAttribute(ctx, path.Root("secret_wo_version"), &version)...)
	versionResp := &validator.Int64Response{}
	WebhookSecretVersion().ValidateInt64(ctx, validator.Int64Request{
		Path: path.Root("secret_wo_version"), PathExpression: path.MatchRoot("secret_wo_version"), ConfigValue: version, Config: config,
	}, versionResp)
	diags.Append(versionResp.Diagnostics...)

	var lines []string
	for _, d := range diags.Errors() {
		line := d.Summary()
		if withPath, ok := d.(diag.DiagnosticWithPath); ok {
			line = withPath.Path().String() + ": " + line
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

func TestWebhookSecretRules(t *testing.T) {
	const (
		bitbucket = "secret_wo: Bitbucket webhooks have no secret"
		together  = "secret_wo_version: secret_wo and secret_wo_version go together"
	)
	secret := "0123456789abcdef0123"
	cases := []struct {
		name   string
		config webhookConfig
		want   string
	}{
		{"github without secret", webhookConfig{"github", nil, nil}, ""},
		{"github with secret and version", webhookConfig{"github", secret, 1}, ""},
		{"github with unknown secret and version", webhookConfig{"github", unknownValue, 1}, ""},
		{"secret without version", webhookConfig{"github", secret, nil}, together},
		{"unknown secret without version", webhookConfig{"gitlab", unknownValue, nil}, together},
		{"version without secret", webhookConfig{"github", nil, 1}, together},
		{"bitbucket without secret", webhookConfig{"bitbucket", nil, nil}, ""},
		{"bitbucket with secret", webhookConfig{"bitbucket", secret, 1}, bitbucket},
		{"bitbucket with unknown secret", webhookConfig{"bitbucket", unknownValue, 1}, bitbucket},
		{"bitbucket with secret, no version", webhookConfig{"bitbucket", secret, nil}, bitbucket + "\n" + together},
		{"unknown type with secret", webhookConfig{unknownValue, secret, 1}, ""},
		{"unknown version with secret", webhookConfig{"github", secret, unknownValue}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := validateWebhook(t, c.config); got != c.want {
				t.Errorf("got errors\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}
