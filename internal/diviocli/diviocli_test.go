// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package diviocli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// The zone, endpoint, API URL and netrc host as divio-cli derives them.
func TestZoneEndpointAPIURL(t *testing.T) {
	for _, tc := range []struct {
		zoneEnv, zone, endpoint, api, host string
	}{
		{"", "divio.com", "https://control.divio.com", "https://api.divio.com", "control.divio.com"},
		{"eu.aldryn.io", "eu.aldryn.io", "https://control.eu.aldryn.io", "https://api.eu.aldryn.io", "control.eu.aldryn.io"},
		{"http://control.local.test:8000/", "http://control.local.test:8000/", "http://control.local.test:8000/", "http://api.local.test:8000", "control.local.test"},
	} {
		zone := Zone(env(map[string]string{EnvZone: tc.zoneEnv}))
		if zone != tc.zone || Endpoint(zone) != tc.endpoint || APIURL(zone) != tc.api || NetrcHost(zone) != tc.host {
			t.Errorf("DIVIO_ZONE=%q: zone %q, endpoint %q, API %q, host %q; want %q, %q, %q, %q", tc.zoneEnv,
				zone, Endpoint(zone), APIURL(zone), NetrcHost(zone), tc.zone, tc.endpoint, tc.api, tc.host)
		}
	}
}

func TestNetrcPath(t *testing.T) {
	if got := NetrcPath(env(map[string]string{EnvNetrcPath: "/x/netrc"})); got != "/x/netrc" {
		t.Errorf("NETRC_PATH: %q", got)
	}
	home, _ := os.UserHomeDir()
	if got := NetrcPath(env(nil)); got != filepath.Join(home, ".netrc") {
		t.Errorf("default: %q", got)
	}
}

// The token is the password of the endpoint's machine, as `divio login`
// writes it; the default machine and other hosts are not used.
func TestToken(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cli := write("cli", "machine github.com login x password gh\nmachine control.divio.com\n\tlogin ada@example.com\n\tpassword tok-123\n")
	def := write("default", "default login x password not-this\n")
	broken := write("broken", "machine control.divio.com login ada password tok-secret oops\n")

	for _, tc := range []struct {
		path, host, token string
		found, err        bool
	}{
		{cli, "control.divio.com", "tok-123", true, false},
		{cli, "control.eu.aldryn.io", "", false, false},
		{def, "control.divio.com", "", false, false},
		{filepath.Join(dir, "missing"), "control.divio.com", "", false, false},
		{broken, "control.divio.com", "", false, true},
	} {
		token, found, err := Token(tc.path, tc.host)
		if token != tc.token || found != tc.found || (err != nil) != tc.err {
			t.Errorf("Token(%s, %s) = %q, %v, %v", filepath.Base(tc.path), tc.host, token, found, err)
		}
		if err != nil && strings.Contains(err.Error(), "tok-secret") {
			t.Errorf("the error shows the file's content: %v", err)
		}
	}
}
