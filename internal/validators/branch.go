// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package validators

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/divio-community/terraform-provider-divio/internal/gitref"
)

// BranchName checks Git's branch name rules at plan time.
func BranchName() validator.String { return branchNameValidator{} }

type branchNameValidator struct{}

func (branchNameValidator) Description(context.Context) string {
	return "value must be a valid Git branch name (git check-ref-format --branch)"
}

func (v branchNameValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v branchNameValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := gitref.CheckBranchName(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid branch name", err.Error()+".")
	}
}
