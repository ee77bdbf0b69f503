// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestCheck(t *testing.T) {
	docs := fstest.MapFS{
		"index.md": {Data: []byte(`---
page_title: "x"
---
# Divio Provider

- [good](https://registry.terraform.io/providers/divio-community/divio/latest/docs/guides/ci-pipeline)
- [good, anchor](https://registry.terraform.io/providers/divio-community/divio/latest/docs/guides/ci-pipeline#the-token)
- [relative from the index](guides/ci-pipeline)
- [md](guides/ci-pipeline.md)
- [no such page](https://registry.terraform.io/providers/divio-community/divio/latest/docs/guides/nope)
- [elsewhere](https://developer.hashicorp.com/terraform/language/import)
`)},
		"guides/ci-pipeline.md": {Data: []byte(`# A CI pipeline

## The token

See [the other guide](troubleshooting), [its section](troubleshooting#authentication-error),
[this section](#the-token), [a resource](../resources/repository#nestedblock--https).

Bad: [md](troubleshooting.md), [md with anchor](troubleshooting.md#authentication-error),
[missing anchor](troubleshooting#nope), [missing page](nope), [absolute path](/docs/guides/troubleshooting),
[outside](../../x), [index](..), [reference][ref]

` + "```hcl\n# [not a link](inside.md)\n```\n" + "`[code](code.md)`\n\n[ref]: compatibility.md\n")},
		"guides/troubleshooting.md": {Data: []byte("# Troubleshooting\n\n## Authentication error\n")},
		"resources/repository.md":   {Data: []byte("# divio_repository\n\n<a id=\"nestedblock--https\"></a>\n### Nested Schema for `https`\n")},
	}
	problems, err := check(docs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`guides/ci-pipeline.md:8: "troubleshooting.md" ends in .md`,
		`guides/ci-pipeline.md:8: "troubleshooting.md#authentication-error" ends in .md`,
		`guides/ci-pipeline.md:9: "troubleshooting#nope" on the Terraform registry: resolves to docs/guides/troubleshooting.md, which has no anchor #nope`,
		`guides/ci-pipeline.md:9: "nope" on the Terraform registry`,
		`guides/ci-pipeline.md:9: "/docs/guides/troubleshooting" is absolute`,
		`guides/ci-pipeline.md:10: "../../x" on the Terraform registry`,
		`guides/ci-pipeline.md:10: ".." on the Terraform registry`,
		`guides/ci-pipeline.md:17: "compatibility.md" ends in .md`,
		`index.md:8: "guides/ci-pipeline" on the Terraform registry: resolves to https://registry.terraform.io/providers/divio-community/divio/latest/guides/ci-pipeline`,
		`index.md:9: "guides/ci-pipeline.md" ends in .md: the registries serve pages without it (write "https://registry.terraform.io/providers/divio-community/divio/latest/docs/guides/ci-pipeline")`,
		`index.md:10: resolves to https://registry.terraform.io/providers/divio-community/divio/latest/docs/guides/nope, but there is no docs/guides/nope.md`,
	}
	if len(problems) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(problems), len(want), strings.Join(problems, "\n"))
	}
	for i := range min(len(problems), len(want)) {
		if !strings.HasPrefix(problems[i], want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i, problems[i], want[i])
		}
	}
}

func TestRelativeFromTheIndexFailsOnOpenTofu(t *testing.T) {
	// "docs/guides/x" works on the Terraform registry (the index is …/docs)
	// but not on OpenTofu's (the index is …/<version>).
	docs := fstest.MapFS{
		"index.md":          {Data: []byte("[x](docs/guides/x)\n")},
		"guides/x.md":       {Data: []byte("# X\n")},
		"resources/y.md":    {Data: []byte("[x](../guides/x)\n")},
		"data-sources/z.md": {Data: []byte("[y](../resources/y)\n")},
	}
	problems, err := check(docs)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || !strings.Contains(problems[0], "index.md:1: \"docs/guides/x\" on the OpenTofu registry") {
		t.Fatalf("got %q", problems)
	}
}

func TestSlug(t *testing.T) {
	for heading, want := range map[string]string{
		"`GET /extensions/v1/`":         "get-extensionsv1",
		"Discovery (*extension*)":       "discovery-extension",
		"The Control Panel's errors":    "the-control-panels-errors",
		"Nested Schema for `https`":     "nested-schema-for-https",
		"[A link](somewhere) and_under": "a-link-and_under",
	} {
		if got := slug(heading); got != want {
			t.Errorf("slug(%q) = %q, want %q", heading, got, want)
		}
	}
}
