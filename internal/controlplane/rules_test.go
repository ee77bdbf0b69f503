// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// addressMessage is the message for a refused literal address; the reason
// wording is gitops' (and tested there).
func addressMessage(t *testing.T, host string) string {
	t.Helper()
	allowed, reason := gitops.AddressAllowed(netip.MustParseAddr(host), false)
	if allowed || reason == "" {
		t.Fatalf("gitops allows %s", host)
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "The host " + host + " in the repository URL is " + reason + ". Use the public name of the Git host: Divio connects to it from the internet."
}

func TestHostAddressProblem(t *testing.T) {
	cases := []struct {
		host          string
		allowLoopback bool
		refused       bool
	}{
		{"git.example.com", false, false}, // names are checked when the repository is checked
		{"localhost", false, false},
		{"140.82.112.3", false, false},
		{"2606:50c0:8000::154", false, false},
		{"127.0.0.1", false, true},
		{"127.0.0.1", true, false},
		{"127.1.2.3", true, false},
		{"::1", false, true},
		{"::1", true, false},
		{"::ffff:127.0.0.1", true, false},
		{"10.0.0.1", true, true},
		{"172.16.5.4", false, true},
		{"192.168.1.1", false, true},
		{"fd12:3456::1", false, true},
		{"169.254.169.254", false, true},
		{"fd00:ec2::254", false, true},
		{"fe80::1", false, true},
		{"100.64.0.1", false, true},
		{"100.128.0.1", false, false},
		{"0.0.0.0", false, true},
		{"::", false, true},
		{"224.0.0.1", false, true},
		{"ff02::1", false, true},
		{"255.255.255.255", false, true},
		{"::ffff:10.0.0.1", false, true},
		{"64:ff9b::a9fe:a9fe", false, true}, // NAT64 form of 169.254.169.254
	}
	for _, tc := range cases {
		got := hostAddressProblem(tc.host, tc.allowLoopback)
		switch {
		case !tc.refused && got != "":
			t.Errorf("hostAddressProblem(%q, %v) = %q, want none", tc.host, tc.allowLoopback, got)
		case tc.refused && !tc.allowLoopback && got != addressMessage(t, tc.host):
			t.Errorf("hostAddressProblem(%q) = %q, want %q", tc.host, got, addressMessage(t, tc.host))
		case tc.refused && got == "":
			t.Errorf("hostAddressProblem(%q, %v) accepts it", tc.host, tc.allowLoopback)
		}
	}
}

// A credential is checked once, the same way wherever it is taken: blank
// (white space only included) first, then lengths, then characters.
func TestValidateCredential(t *testing.T) {
	for _, c := range []struct {
		value string
		rule  credentialRule
		want  string
	}{
		{"", passwordRule, msgBlank},
		{" \t\u00a0 ", passwordRule, msgBlank},
		{"tok\x00en", passwordRule, msgPasswordChars},
		{strings.Repeat("x", 1025), passwordRule, "Ensure this field has no more than 1024 characters."},
		{"ada:lovelace", usernameRule, msgUsernameChars},
		{strings.Repeat(" ", 20), secretRule, msgBlank},
		{"short", secretRule, "Ensure this field has at least 16 characters."},
		{" 0123456789abcdef", secretRule, msgSecretChars},
		{"0123456789abcdefé", secretRule, msgSecretChars},
		{"a secret with spaces inside", secretRule, ""},
		{" a token with spaces around ", passwordRule, ""},
	} {
		invalid := httpx.ValidationErrors{}
		validateCredential("field", c.value, c.rule, invalid)
		if got := strings.Join(invalid["field"], " "); got != c.want {
			t.Errorf("%q: %q, want %q", c.value, got, c.want)
		}
	}
}
