// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The three rules of a repository URL: validation, same remote in another
// spelling (semantic equality) and the replace rule.
func TestRepositoryURLRules(t *testing.T) {
	ctx := context.Background()
	for raw, want := range map[string]string{
		"git@github.com:acme/site.git":     "",
		"https://github.com/acme/site.git": "password authentication",
		"file:///srv/site.git":             "Invalid repository URL",
	} {
		var resp xattr.ValidateAttributeResponse
		NewRepositoryURL(raw).ValidateAttribute(ctx, xattr.ValidateAttributeRequest{Path: path.Root("url")}, &resp)
		got := ""
		for _, d := range resp.Diagnostics {
			got += d.Summary() + ": " + d.Detail()
		}
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", raw, got, want)
		}
	}

	user := NewRepositoryURL("git@github.com:acme/site.git")
	for other, same := range map[string]bool{
		"ssh://git@github.com/acme/site.git": true,
		"git@GitHub.com:acme/site":           true,
		"git@github.com:acme/other.git":      false,
	} {
		equal, _ := user.StringSemanticEquals(ctx, NewRepositoryURL(other))
		if equal != same || sameRemote(user.ValueString(), other) != same {
			t.Errorf("%s vs %s: semantically equal %v, same remote %v; want %v", user.ValueString(), other, equal, sameRemote(user.ValueString(), other), same)
		}
	}

	value, err := repositoryURLType{}.ValueFromTerraform(ctx, tftypes.NewValue(tftypes.String, "git@github.com:acme/site.git"))
	if u, ok := value.(RepositoryURL); err != nil || !ok || u.ValueString() != "git@github.com:acme/site.git" {
		t.Errorf("ValueFromTerraform = %#v, %v", value, err)
	}
}
