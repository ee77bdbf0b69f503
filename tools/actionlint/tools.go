// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

//go:build tools

// Package actionlint pins actionlint, which `make lint-workflows` builds from
// the Go module proxy into bin/ and runs on .github/workflows/.
package actionlint

import (
	_ "github.com/rhysd/actionlint/cmd/actionlint"
)
