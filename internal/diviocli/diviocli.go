// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package diviocli reads the settings Divio's own CLI (divio/divio-cli)
// keeps, so that a user who ran `divio login` needs no other set-up: the
// zone (DIVIO_ZONE), the endpoint it implies, and the API token the CLI
// stores in ~/.netrc under the endpoint's host.
package diviocli

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/bgentry/go-netrc/netrc"
)

// Names and defaults as divio-cli has them.
const (
	// EnvZone selects the zone (cloud.py get_divio_zone): a domain such
	// as "divio.com", or a whole endpoint URL.
	EnvZone = "DIVIO_ZONE"
	// EnvNetrcPath overrides where the netrc file is (config.py
	// get_netrc_path).
	EnvNetrcPath = "NETRC_PATH"
	// DefaultZone is Divio's public cloud.
	DefaultZone = "divio.com"
)

// urlZone is a zone given as an endpoint URL (cloud.py get_endpoint).
var urlZone = regexp.MustCompile(`^https?://`)

// Zone is the zone getenv selects: DIVIO_ZONE, else divio.com.
func Zone(getenv func(string) string) string {
	if zone := getenv(EnvZone); zone != "" {
		return zone
	}
	return DefaultZone
}

// Endpoint is the CLI's endpoint for zone: https://control.<zone>, or the
// zone itself when it is a URL.
func Endpoint(zone string) string {
	if urlZone.MatchString(zone) {
		return zone
	}
	return "https://control." + zone
}

// APIURL is where the CLI sends its v3 requests for zone: the endpoint
// with its first "control" replaced by "api" (api_requests.py,
// SingleHostSession.request), e.g. https://api.divio.com.
func APIURL(zone string) string {
	return strings.TrimRight(strings.Replace(Endpoint(zone), "control", "api", 1), "/")
}

// NetrcHost is the machine the CLI files the token under: the endpoint's
// host name, e.g. control.divio.com.
func NetrcHost(zone string) string {
	u, err := url.Parse(Endpoint(zone))
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// NetrcPath is where the CLI keeps its netrc file: NETRC_PATH, else
// .netrc in the home directory.
func NetrcPath(getenv func(string) string) string {
	if p := getenv(EnvNetrcPath); p != "" {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ".netrc"
	}
	return filepath.Join(home, ".netrc")
}

// Token returns the password (the API token) of machine host in the netrc
// file at path. found is false when the file or the machine does not
// exist, or the machine has no password; the "default" machine is not used,
// as the CLI does not use it. err is a file that exists but cannot be read
// or parsed; it names the line, never the file's content (a token).
func Token(path, host string) (token string, found bool, err error) {
	if host == "" {
		return "", false, nil
	}
	m, err := netrc.FindMachine(path, host)
	var parseErr *netrc.Error
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", false, nil
	case errors.As(err, &parseErr):
		return "", false, fmt.Errorf("%s is not a valid netrc file (line %d)", path, parseErr.LineNum)
	case err != nil:
		return "", false, fmt.Errorf("reading %s: %w", path, err)
	case m == nil || m.IsDefault() || m.Password == "":
		return "", false, nil
	}
	return m.Password, true, nil
}
