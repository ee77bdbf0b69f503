// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package diagnostics

import (
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
)

// The wording of the plural data sources (divio_applications and the
// others), which enumerate what exists for import blocks with for_each.

// ListFailed reports an enumeration the API refused or did not answer;
// what is plural, e.g. "applications".
func ListFailed(diags *diag.Diagnostics, what string, err error) {
	AddAPIError(diags, "Could not list the "+what, err, nil)
}

// FilterApplicationNotFound reports an application filter naming an
// application the token cannot see.
func FilterApplicationNotFound(diags *diag.Diagnostics, attribute path.Path, id string) {
	diags.AddAttributeError(attribute, "Application not found",
		"No application with id "+id+" is visible to this API token. Check the id, and that the token's user is a "+
			"member of the organisation that owns the application; or filter by organisation instead.")
}
