// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package giturl

import "strings"

// passwordAuthHosts accept an account password over HTTPS. Divio never asks
// for or stores a user's password for another service, so it refuses HTTPS
// URLs for them: a "token" field there could just as well hold the password.
// The value is the name used in messages.
var passwordAuthHosts = map[string]string{
	"github.com":    "GitHub",
	"gitlab.com":    "GitLab",
	"bitbucket.org": "Bitbucket",
}

// IsPasswordAuthHost reports whether the host is github.com, gitlab.com or
// bitbucket.org, or the www. form of one of them.
func (u *URL) IsPasswordAuthHost() bool { return isPasswordAuthHost(u.Host) }

func isPasswordAuthHost(host string) bool {
	_, ok := passwordAuthHosts[bareHost(host)]
	return ok
}

// bareHost lower-cases host, drops a trailing dot, and drops "www." in front
// of a password-auth host ("www.github.com" is github.com). Other hosts
// keep their www.
func bareHost(host string) string {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if bare, ok := strings.CutPrefix(h, "www."); ok {
		if _, known := passwordAuthHosts[bare]; known {
			return bare
		}
	}
	return h
}

// CheckHTTPSAllowed refuses an HTTPS URL for a host that accepts account
// passwords over HTTPS. This is a rule about authentication, not syntax, so
// it is separate from Parse. It returns nil for SSH URLs and other hosts.
func CheckHTTPSAllowed(u *URL) error {
	if u == nil || u.Scheme != HTTPS || !u.IsPasswordAuthHost() {
		return nil
	}
	return errHTTPSNotAllowed(u)
}

// Validate is Parse followed by CheckHTTPSAllowed: the rules the provider and
// the control plane apply to a repository URL.
func Validate(raw string) (*URL, error) {
	u, err := Parse(raw)
	if err != nil {
		return nil, err
	}
	if err := CheckHTTPSAllowed(u); err != nil {
		return nil, err
	}
	return u, nil
}

// SuggestSSH gives the SSH URL to suggest in messages for u, normally
// scp-style: "git@github.com:acme/website.git" for
// https://github.com/acme/website. The user is u's ssh user, or "git".
//
// It falls back to the ssh:// form where scp-style cannot say the same thing:
// an ssh port other than 22, and paths with percent-escapes (Git decodes
// those in ssh:// URLs but sends scp-style paths literally).
func SuggestSSH(u *URL) string {
	user := "git"
	if u.Scheme == SSH && u.User != "" {
		user = u.User
	}
	host, path := u.Host, u.Path
	if isPasswordAuthHost(host) {
		host = bareHost(host)
		path = withGitSuffix(path)
	}
	port := 0
	if u.Scheme == SSH {
		port = u.Port // an https port says nothing about the ssh port
	}
	if port != 0 || strings.Contains(path, "%") {
		return format(SSH, user, host, port, path)
	}
	if isPasswordAuthHost(host) {
		// These hosts ignore the leading slash; it stays only where
		// dropping it would change the reading ("-x" is an option, "~x" a
		// home directory, "a~b" loses its "a" to Git, "22:x" is a port to
		// go-git, "//x" would still be absolute).
		rel := strings.TrimPrefix(path, "/")
		if _, portLike := leadingPort(rel); rel != "" && !strings.ContainsRune("-~/", rune(rel[0])) &&
			(len(rel) <= 1 || rel[1] != '~') && !portLike {
			path = rel
		}
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	// On other hosts "/x" is absolute and "~/x" home-relative, both
	// written as they are, except that Git would drop the first "~" of
	// "~~x"; "/~~x" is read as "~~x".
	if len(path) > 1 && path[0] == '~' && path[1] == '~' {
		path = "/" + path
	}
	return user + "@" + host + ":" + path
}
