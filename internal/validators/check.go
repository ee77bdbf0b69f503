// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package validators

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// stringCheck is a validator.String made of a rule and its diagnostic: the
// rule lives in a domain package (giturl, gitref, divioapi), the wording in
// internal/diagnostics. Unknown and null values are left to later checks.
type stringCheck struct {
	description string
	check       func(string) error
	report      func(diags *diag.Diagnostics, attribute path.Path, err error)
}

func (v stringCheck) Description(context.Context) string { return v.description }

func (v stringCheck) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		v.report(&resp.Diagnostics, req.Path, err)
	}
}
