// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

// The shared paths of the resources' lifecycles, so that every type handles
// a vanished object, a no-op update and an import the same way.

// forgetRemoved drops from state an object that no longer exists (deleted
// out of band), so that the next plan creates it again. Terraform before
// 1.12 neither stores nor sends identities, and the framework refuses a
// Read that ends without one even when it removes the resource ("Missing
// Resource Identity After Read"): the identity is set from the prior state
// first.
func forgetRemoved(ctx context.Context, resp *resource.ReadResponse, identity any, what, id string) {
	tflog.Warn(ctx, what+" no longer exists; removing it from state", map[string]any{"id": id})
	setIdentity(ctx, resp.Identity, identity, &resp.Diagnostics)
	resp.State.RemoveResource(ctx)
}

// writeState is how every Create, Read and Update ends: the model into
// state and the identity beside it, so that no path forgets the identity.
func writeState(ctx context.Context, state *tfsdk.State, target *tfsdk.ResourceIdentity, model, identity any, diags *diag.Diagnostics) {
	diags.Append(state.Set(ctx, model)...)
	setIdentity(ctx, target, identity, diags)
}

// setIdentity sets a resource's identity when the CLI supports identities
// (target is nil otherwise).
func setIdentity(ctx context.Context, target *tfsdk.ResourceIdentity, identity any, diags *diag.Diagnostics) {
	if target != nil {
		diags.Append(target.Set(ctx, identity)...)
	}
}

// privateState is the private state of a request or response.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// importedKey marks, in private state, an object imported and not applied
// since. What only the configuration knows — the version of a write-only
// value, rotation triggers — cannot be read back on import; the first apply
// adopts it as configured instead of treating it as a change (which would
// send a secret or rotate one that the Git host already uses).
const importedKey = "imported"

// markImported sets the marker on an import.
func markImported(ctx context.Context, resp *resource.ImportStateResponse) {
	if resp.Private != nil {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, importedKey, []byte("true"))...)
	}
}

// wasImported reports whether the object is imported and not applied since.
func wasImported(ctx context.Context, private privateState) bool {
	if private == nil {
		return false
	}
	value, _ := private.GetKey(ctx, importedKey)
	return string(value) == "true"
}

// clearImported removes the marker once an apply has adopted the configuration.
func clearImported(ctx context.Context, private privateState, diags *diag.Diagnostics) {
	if private != nil {
		diags.Append(private.SetKey(ctx, importedKey, nil)...)
	}
}

// readOrForget reads a resource's object with read. When the object is gone
// (404, or read finds none: nil without an error) it forgets the resource
// and returns nil; other errors are reported and also give nil. Every
// resource's Read goes through it.
func readOrForget[T any](ctx context.Context, resp *resource.ReadResponse, identity any, what, id string, read func() (*T, error)) *T {
	obj, err := read()
	if divioapi.IsNotFound(err) || (err == nil && obj == nil) {
		forgetRemoved(ctx, resp, identity, what, id)
		return nil
	}
	if err != nil {
		diagnostics.AddAPIError(&resp.Diagnostics, "Could not read the "+what, err, nil)
		return nil
	}
	return obj
}

// requireExtension adds the plan-time error when the server does not offer
// extension, and reports whether it does. Before the provider is
// configured (validation) it has nothing to ask and answers true.
func requireExtension(ctx context.Context, client *divioapi.Client, diags *diag.Diagnostics, attribute *path.Path, extension, what, instead string) bool {
	if client == nil {
		return true
	}
	offered, err := client.Extensions(ctx)
	if err != nil {
		diagnostics.AddAPIError(diags, "Could not ask the Divio API which extensions it offers", err, nil)
		return false
	}
	if !offered.Has(extension) {
		diagnostics.ExtensionMissing(diags, attribute, extension, what, instead)
		return false
	}
	return true
}

// hasExtension reports whether the server offers extension, without a
// diagnostic (false when it cannot tell).
func hasExtension(ctx context.Context, client *divioapi.Client, extension string) bool {
	if client == nil {
		return false
	}
	offered, err := client.Extensions(ctx)
	return err == nil && offered.Has(extension)
}
