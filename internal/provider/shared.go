// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

// Helpers every type shares: the client from the provider, write-only and
// known values, answer fields that may be absent, a verification's outcome.

import (
	"context"
	"errors"
	"time"

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

// known reports a value that is neither null nor unknown.
func known(v interface {
	IsNull() bool
	IsUnknown() bool
}) bool {
	return !v.IsNull() && !v.IsUnknown()
}

// stringOrNull is s, or null for an empty (absent) answer field.
func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// verified reports a successful verification, else adds why it failed.
func verified(err error, timeout time.Duration, diags *diag.Diagnostics) bool {
	var failure *divioapi.VerificationError
	switch {
	case err == nil:
		return true
	case errors.Is(err, context.DeadlineExceeded):
		diagnostics.VerificationTimedOut(diags, timeout.String())
	case errors.As(err, &failure):
		diagnostics.VerificationFailed(diags, failureAttribute(failure), failure.Stage, failure.Code, failure.Message)
	default:
		diagnostics.AddAPIError(diags, "Could not verify the repository", err, diagnostics.FieldPaths{
			"branch": path.Root("branch"), "migrate": path.Root("migrate"),
		})
	}
	return false
}

// keepKnown puts back, after an answer was copied over it, a value the plan
// knew (null included): a create's answer is read only for what Divio's CLI
// reads and for what the plan left unknown, so that an answer spelling a
// member otherwise is never an inconsistent result (and a tainted object).
func keepKnown[T interface{ IsUnknown() bool }](value *T, planned T) {
	if !planned.IsUnknown() {
		*value = planned
	}
}
