// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

//go:build tools

// Package golangcilint pins golangci-lint, which `make lint` builds from the Go
// module proxy into bin/ and runs with the repository's .golangci.yml.
package golangcilint

import (
	_ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"
)
