// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package validators

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

// APIURL refuses, at plan time, an API endpoint the client could not use
// (anything but an absolute http or https URL).
func APIURL() validator.String { return apiURLValidator{} }

type apiURLValidator struct{}

func (apiURLValidator) Description(context.Context) string {
	return "value must be an absolute http:// or https:// URL, e.g. https://api.divio.com"
}

func (v apiURLValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v apiURLValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := divioapi.ValidateBaseURL(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Divio API URL",
			err.Error()+" Set api_url (or the DIVIO_API_URL environment variable) to an absolute https:// URL such as https://api.divio.com.")
	}
}
