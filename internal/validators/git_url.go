// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package validators

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/divio-community/terraform-provider-divio/internal/giturl"
)

// GitURL applies the Git URL rules of internal/giturl at plan time: the
// accepted schemes, the refused forms, and HTTPS refused for hosts that allow
// password authentication. The control plane applies the same rules.
func GitURL() validator.String { return gitURLValidator{} }

type gitURLValidator struct{}

func (gitURLValidator) Description(context.Context) string {
	return "value must be an ssh://, scp-style (git@host:path) or https:// Git URL; HTTPS is refused for GitHub, GitLab and Bitbucket"
}

func (v gitURLValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v gitURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := giturl.Validate(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid repository URL", err.Error())
	}
}
