// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

// clientFrom extracts the API client the provider passed to a type's
// Configure. It returns nil (and no error) before the provider is configured,
// which the framework does during validation.
func clientFrom(providerData any, diags *diag.Diagnostics) *divioapi.Client {
	if providerData == nil {
		return nil
	}
	client, ok := providerData.(*divioapi.Client)
	if !ok {
		diagnostics.UnconfiguredProvider(diags, providerData)
		return nil
	}
	return client
}

// writeOnlyString reads a write-only attribute, which only the
// configuration carries (never the plan or state).
func writeOnlyString(ctx context.Context, config tfsdk.Config, p path.Path, diags *diag.Diagnostics) string {
	var value types.String
	diags.Append(config.GetAttribute(ctx, p, &value)...)
	return value.ValueString()
}
