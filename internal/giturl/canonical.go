// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package giturl

import (
	"strconv"
	"strings"
)

// Canonical is the form used to compare two spellings of one remote, and the
// form to store, so that the provider shows no perpetual diff when the API
// echoes a normalised URL. It is always a URL (never scp-style):
//
//   - scheme and host lower-case, no trailing dot in the host, IPv6 in its
//     shortest form;
//   - default port (22 for ssh, 443 for https) dropped;
//   - trailing slashes removed;
//   - ssh paths percent-decoded, as Git decodes them, except "%", "?" and
//     "#" (written %25, %3F, %23); https paths with upper-case hex in
//     escapes and escapes of unreserved characters decoded (RFC 3986);
//   - home-relative paths written the way Git spells them in ssh URLs,
//     ssh://user@host/~/path;
//   - for github.com, gitlab.com and bitbucket.org (and their www. forms,
//     which become the bare host), ".git" added when missing.
//
// Paths and user names keep their case. Parsing a canonical form gives the
// same canonical form again.
func (u *URL) Canonical() string {
	host, path := u.Host, u.Path
	if isPasswordAuthHost(host) {
		host = bareHost(host)
		path = withGitSuffix(path)
	}
	return format(u.Scheme, u.User, host, u.Port, path)
}

// String gives a form that Git and go-git both accept:
// ssh://user@host[:port]/path or https://host[:port]/path, with home-relative
// paths as ssh://user@host/~/path. Unlike Canonical it keeps the host as
// given and adds no ".git". It is never scp-style: go-git reads
// "host:22:path" and bracketed IPv6 hosts differently from Git.
func (u *URL) String() string {
	return format(u.Scheme, u.User, u.Host, u.Port, u.Path)
}

func format(scheme Scheme, user, host string, port int, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(string(scheme)))
	b.WriteString("://")
	if user != "" && scheme != HTTPS {
		b.WriteString(user)
		b.WriteByte('@')
	}
	if strings.Contains(host, ":") {
		b.WriteString("[" + host + "]")
	} else {
		b.WriteString(host)
	}
	if port != 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(port))
	}
	if strings.HasPrefix(path, "~") {
		b.WriteByte('/')
	}
	b.WriteString(path)
	return b.String()
}

// withGitSuffix adds ".git" unless the path already ends with it (in any
// case: "Site.GIT" is not turned into "Site.GIT.git").
func withGitSuffix(path string) string {
	if strings.HasSuffix(strings.ToLower(path), ".git") {
		return path
	}
	return path + ".git"
}

// Canonical parses raw and returns its canonical form.
func Canonical(raw string) (string, error) {
	u, err := Parse(raw)
	if err != nil {
		return "", err
	}
	return u.Canonical(), nil
}

// Equivalent reports whether a and b both parse and name the same remote,
// i.e. have the same canonical form.
func Equivalent(a, b string) bool {
	ca, err := Canonical(a)
	if err != nil {
		return false
	}
	cb, err := Canonical(b)
	return err == nil && ca == cb
}

// badEscape returns the first malformed percent-escape in s ("%" not
// followed by two hex digits), or "".
func badEscape(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return s[i:min(i+3, len(s))]
		}
		i += 2
	}
	return ""
}

// normalizeEscapes writes escapes with upper-case hex and decodes escapes of
// unreserved characters (RFC 3986, 6.2.2): "%7e" and "~" are one character
// to every server, and Git decodes ssh:// URLs anyway. s must have no
// malformed escapes.
func normalizeEscapes(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		c := unhex(s[i+1])<<4 | unhex(s[i+2])
		if isAlnum(c) || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteString(strings.ToUpper(s[i+1 : i+3]))
		}
		i += 2
	}
	return b.String()
}

// escapeSSHPath escapes, in a decoded ssh path, the characters that would
// otherwise be read as an escape, a query or a fragment.
func escapeSSHPath(dec string) string {
	return strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(dec)
}

// unescape decodes every escape. s must have no malformed escapes.
func unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
