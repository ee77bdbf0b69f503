// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

//go:build tools

// Package docs pins tfplugindocs, which generates docs/ from the provider's
// schema, templates/ and examples/.
package main

import (
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)
