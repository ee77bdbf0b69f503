// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package validators

import (
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/gitref"
)

// BranchName checks Git's branch name rules at plan time.
func BranchName() validator.String {
	return stringCheck{
		description: "value must be a valid Git branch name (git check-ref-format --branch)",
		check:       gitref.CheckBranchName,
		report:      diagnostics.InvalidBranchName,
	}
}
