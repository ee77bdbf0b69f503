// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"fmt"

	"github.com/divio-community/terraform-provider-divio/internal/gitref"
)

// validateBranch adds a message to invalid under "branch" if name is not a
// valid branch name.
func validateBranch(name string, invalid validationErrors) {
	const field = "branch"
	if name == "" {
		invalid.add(field, "This field may not be blank.")
		return
	}
	if problem := gitref.BranchNameProblem(name); problem != "" {
		invalid.add(field, fmt.Sprintf("%q is not a valid Git branch name: %s.", name, problem))
	}
}
