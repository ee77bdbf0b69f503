// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package validators holds the plan-time checks shared by the provider's
// Terraform types, so each rule (and its wording) exists once.
package validators

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
)

// UUID checks that a string is a UUID in canonical form, which is how the
// Divio API names every object.
func UUID() validator.String {
	return stringCheck{
		description: "value must be a UUID such as 8c5f3c1e-3b8a-4f43-9d39-8f5b0c6b2a11",
		check:       CheckUUID,
		report:      diagnostics.InvalidIdentifier,
	}
}

// CheckUUID reports, in words fit for a diagnostic, why s is not a canonical
// UUID. Import IDs use it too.
func CheckUUID(s string) error {
	parsed, err := uuid.Parse(s)
	if err != nil || parsed.String() != s {
		return fmt.Errorf("%q is not a UUID in canonical form (8-4-4-4-12 lowercase hexadecimal digits, e.g. 8c5f3c1e-3b8a-4f43-9d39-8f5b0c6b2a11). Use the id attribute of the object, e.g. data.divio_application.<name>.id", s)
	}
	return nil
}
