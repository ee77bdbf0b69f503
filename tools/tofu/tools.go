// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

//go:build tools

// Package tofu pins the OpenTofu CLI used by the acceptance tests. HashiCorp's
// release downloads are unreachable from our machines, so we build a
// Terraform-compatible CLI from the Go module proxy instead.
package tofu

import (
	_ "github.com/opentofu/opentofu/cmd/tofu"
)
