// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package validators

import (
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

// envAPIURL is the provider's API URL variable (provider.EnvAPIURL; a
// provider test checks that they agree).
const envAPIURL = "DIVIO_API_URL"

// APIURL refuses, at plan time, an API endpoint the client could not use
// (anything but an absolute http or https URL), with the wording the
// provider's Configure uses for the same rule.
func APIURL() validator.String {
	return stringCheck{
		description: "value must be an absolute http:// or https:// URL, e.g. https://api.divio.com",
		check:       divioapi.ValidateBaseURL,
		report: func(diags *diag.Diagnostics, _ path.Path, err error) {
			diagnostics.InvalidAPIURL(diags, err, envAPIURL, false)
		},
	}
}
