// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

//go:build tools

// Package goreleaser pins GoReleaser, which builds the release archives
// (`make release-check` runs `goreleaser check` and a snapshot build).
package main

import (
	_ "github.com/goreleaser/goreleaser/v2"
)
