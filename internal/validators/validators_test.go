// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package validators

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// run applies v to value and returns the error details (empty: accepted).
func run(v validator.String, value types.String) string {
	resp := &validator.StringResponse{}
	v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("attr"), ConfigValue: value}, resp)
	var details []string
	for _, d := range resp.Diagnostics.Errors() {
		details = append(details, d.Summary()+": "+d.Detail())
	}
	return strings.Join(details, "\n")
}

func TestValidators(t *testing.T) {
	cases := []struct {
		name      string
		validator validator.String
		value     string
		want      string // "" = accepted; else a substring of the error
	}{
		{"uuid ok", UUID(), "8c5f3c1e-3b8a-4f43-9d39-8f5b0c6b2a11", ""},
		{"uuid upper case", UUID(), "8C5F3C1E-3B8A-4F43-9D39-8F5B0C6B2A11", "canonical form"},
		{"uuid slug", UUID(), "acme-web", "not a UUID"},
		{"uuid braces", UUID(), "{8c5f3c1e-3b8a-4f43-9d39-8f5b0c6b2a11}", "not a UUID"},
		{"api url https", APIURL(), "https://api.divio.com", ""},
		{"api url loopback http", APIURL(), "http://127.0.0.1:8765", ""},
		{"api url ftp", APIURL(), "ftp://api.divio.com", "DIVIO_API_URL"},
		{"api url no scheme", APIURL(), "api.divio.com", "https://"},
		{"branch ok", BranchName(), "release/2026-11", ""},
		{"branch double dot", BranchName(), "a..b", "not a valid Git branch name"},
		{"branch option", BranchName(), "-delete", "not a valid Git branch name"},
		{"fingerprint ok", SSHFingerprint(), "SHA256:" + strings.Repeat("A", 43), ""},
		{"fingerprint md5", SSHFingerprint(), "MD5:aa:bb:cc", "SHA256:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := run(c.validator, types.StringValue(c.value))
			switch {
			case c.want == "" && got != "":
				t.Errorf("%q refused: %s", c.value, got)
			case c.want != "" && !strings.Contains(got, c.want):
				t.Errorf("%q: error %q does not contain %q", c.value, got, c.want)
			}
		})
	}
}

// Unknown and null values are decided later (or not at all): never refused.
func TestValidatorsSkipUnknownAndNull(t *testing.T) {
	for _, v := range []validator.String{UUID(), APIURL(), BranchName()} {
		for _, value := range []types.String{types.StringUnknown(), types.StringNull()} {
			if got := run(v, value); got != "" {
				t.Errorf("%T refused %v: %s", v, value, got)
			}
		}
	}
}
