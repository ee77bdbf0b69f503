// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package diagnostics

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
)

// ApplicationIDNotFound is data.divio_application's error for an id the
// token cannot see.
func ApplicationIDNotFound(diags *diag.Diagnostics, id string) {
	diags.AddAttributeError(path.Root("id"), "Application not found",
		fmt.Sprintf("No application with id %s is visible to this API token. Check the id, and that the token's user "+
			"is a member of the organisation that owns the application.", id))
}

// ApplicationSlugNotFound is data.divio_application's error for a slug no
// application the token can see has.
func ApplicationSlugNotFound(diags *diag.Diagnostics, slug string) {
	diags.AddAttributeError(path.Root("slug"), "Application not found",
		fmt.Sprintf("No application with slug %q is visible to this API token. Check the slug (it is the "+
			"application's name in its URLs) and that the token's user is a member of its organisation.", slug))
}

// SeveralApplicationsMatch is data.divio_application's error for a slug
// several organisations use.
func SeveralApplicationsMatch(diags *diag.Diagnostics, count int, slug string) {
	diags.AddAttributeError(path.Root("slug"), "Several applications match",
		fmt.Sprintf("%d applications have the slug %q. Set organisation to the UUID of the one you mean, or look the "+
			"application up by id.", count, slug))
}

// NoWebhook is the ephemeral webhook's error for an application without one.
func NoWebhook(diags *diag.Diagnostics, application string) {
	diags.AddAttributeError(path.Root("application"), "No webhook",
		fmt.Sprintf("Application %s has no webhook. Create one with the divio_repository_webhook resource, and read it "+
			"by its id (id = divio_repository_webhook.<name>.id) so that it is read after its creation.", application))
}

// CannotReturnToDivioGit is the plan-time error of an application whose
// repository is set back to null (Divio's own Git server).
func CannotReturnToDivioGit(diags *diag.Diagnostics, attribute path.Path) {
	diags.AddAttributeError(attribute, "Cannot return to Divio's Git server",
		"Once an application uses an external repository, Divio cannot move it back to its own Git server. Set "+
			"repository to the repository it uses.")
}

// ApplicationStaysOnRepository warns, on destroy of a migration, that the
// application keeps its external repository.
func ApplicationStaysOnRepository(diags *diag.Diagnostics) {
	diags.AddWarning("The application stays on its external repository",
		"Once an application uses an external repository, Divio cannot move it back to its own Git server; Terraform "+
			"no longer manages the migration.")
}
