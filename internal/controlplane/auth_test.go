// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"net/http"
	"testing"
)

func TestAuthentication(t *testing.T) {
	ts := newTestServer(t)
	notProvided := `{"detail": "Authentication credentials were not provided."}`
	invalid := `{"detail": "Invalid token."}`
	cases := map[string]struct {
		header string
		want   string
	}{
		"no header":        {"", notProvided},
		"another scheme":   {"Bearer " + adaToken, notProvided},
		"unknown token":    {"Token not-a-token", invalid},
		"empty token":      {"Token ", invalid},
		"token with space": {"Token " + adaToken + " x", invalid},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var headers []string
			if tc.header != "" {
				headers = []string{"Authorization", tc.header}
			}
			resp := ts.request(http.MethodGet, "/apps/v3/applications/", "", nil, headers...)
			resp.expectJSON(t, http.StatusUnauthorized, tc.want)
			if got := resp.header.Get("WWW-Authenticate"); got != "Token" {
				t.Errorf("WWW-Authenticate = %q, want Token", got)
			}
		})
	}
	// The scheme is case-insensitive, as in DRF.
	if resp := ts.request(http.MethodGet, "/iam/v3/me/", "", nil, "Authorization", "token "+adaToken); resp.status != http.StatusOK {
		t.Errorf("lower-case scheme: status %d, want 200", resp.status)
	}
}
