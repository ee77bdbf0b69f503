// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package validators

import (
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// sha256Fingerprint is an SSH key fingerprint as `ssh-keygen -lf` prints it.
var sha256Fingerprint = regexp.MustCompile(`^SHA256:[A-Za-z0-9+/]{43}$`)

// SSHFingerprint checks the form of a SHA-256 SSH key fingerprint.
func SSHFingerprint() validator.String {
	return stringvalidator.RegexMatches(sha256Fingerprint,
		"must be an SSH key fingerprint as ssh-keygen -lf prints it: SHA256: followed by 43 base64 characters")
}
