// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"net/http"
	"strings"
	"testing"
)

func TestParseUUID(t *testing.T) {
	const canonical = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
	for _, input := range []string{canonical, strings.ToUpper(canonical), "6ba7b8109dad11d180b400c04fd430c8", "{" + canonical + "}", "urn:uuid:" + canonical} {
		if got, ok := parseUUID(input); !ok || got != canonical {
			t.Errorf("parseUUID(%q) = %q, %v; want %s", input, got, ok, canonical)
		}
	}
	for _, input := range []string{"", "xyz", canonical + "0"} {
		if _, ok := parseUUID(input); ok {
			t.Errorf("parseUUID(%q) succeeded", input)
		}
	}
}

func TestMalformedUUIDInPathIsNotFound(t *testing.T) {
	ts := newTestServer(t)
	canonical := ts.seed.Applications[acmeWeb]
	for _, id := range []string{"xyz", strings.ToUpper(canonical), strings.ReplaceAll(canonical, "-", "")} {
		ts.request(http.MethodGet, "/apps/v3/applications/"+id+"/", adaToken, nil).
			expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	}
}

func TestMalformedUUIDFilterIsBadRequest(t *testing.T) {
	ts := newTestServer(t)
	ts.request(http.MethodGet, "/apps/v3/applications/?organisation=xyz", adaToken, nil).
		expectJSON(t, http.StatusBadRequest, `{"organisation": ["“xyz” is not a valid UUID."]}`)
}
