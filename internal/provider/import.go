// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/validators"
)

// importByUUID imports a resource whose import ID (or identity attribute)
// is the UUID held in attribute; what names it is for the error message.
func importByUUID(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse, what, attribute string) {
	if req.ID != "" {
		if err := validators.CheckUUID(req.ID); err != nil {
			diagnostics.InvalidImportID(&resp.Diagnostics, what, err)
			return
		}
	}
	resource.ImportStatePassthroughWithIdentity(ctx, path.Root(attribute), path.Root(attribute), req, resp)
	markImported(ctx, resp)
}

// uuidIdentity is the identity schema of a resource identified by the one
// UUID attribute that importByUUID imports it by.
func uuidIdentity(attribute, description string) identityschema.Schema {
	return identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		attribute: identityschema.StringAttribute{RequiredForImport: true, Description: description},
	}}
}
