// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package validators

import (
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/giturl"
)

// GitURL applies the Git URL rules of internal/giturl at plan time: the
// accepted schemes, the refused forms, and HTTPS refused for hosts that allow
// password authentication. The control plane applies the same rules.
func GitURL() validator.String {
	return stringCheck{
		description: "value must be an ssh://, scp-style (git@host:path) or https:// Git URL; HTTPS is refused for GitHub, GitLab and Bitbucket",
		check:       func(raw string) error { _, err := giturl.Validate(raw); return err },
		report:      diagnostics.InvalidRepositoryURL,
	}
}
