// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
)

// The examples that use only this provider are complete configurations:
// each passes `validate` on the real CLI.
func TestAccExamples_validate(t *testing.T) {
	root := acctest.RepositoryRoot(t)
	for _, dir := range []string{"quickstart", "https-self-hosted", "migrate-existing-application"} {
		t.Run(dir, func(t *testing.T) {
			w := acctest.NewWorkdir(t)
			files, err := filepath.Glob(filepath.Join(root, "examples", dir, "*.tf"))
			if err != nil || len(files) == 0 {
				t.Fatalf("no .tf files in examples/%s (err=%v)", dir, err)
			}
			for _, file := range files {
				content, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				// The workdir has its own required_providers block.
				w.Write("example_"+filepath.Base(file), withoutTerraformBlock(string(content)))
			}
			w.Must("validate", "-no-color")
		})
	}
}

// withoutTerraformBlock drops a top-level terraform { … } block.
func withoutTerraformBlock(hcl string) string {
	start := strings.Index(hcl, "\nterraform {")
	if start < 0 {
		return hcl
	}
	depth := 0
	for i := start + 1; i < len(hcl); i++ {
		switch hcl[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return hcl[:start] + hcl[i+1:]
			}
		}
	}
	return hcl
}
