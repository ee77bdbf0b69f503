// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package giturl

import (
	"net/url"
	"strconv"
	"testing"
)

func TestEquivalent(t *testing.T) {
	groups := [][]string{
		{"git@GitHub.com:Acme/Site", "ssh://git@github.com:22/Acme/Site.git", "ssh://git@github.com/Acme/Site.git/"},
		{"https://example.com:443/a/b.git", "https://EXAMPLE.com/a/b.git/"},
		{"git@github.com:acme/x", "git@github.com:/acme/x.git", "git@www.github.com:acme/x", "ssh://git@GITHUB.COM./acme/x", "ssh://git@www.github.com/acme/x.git//"},
		{"git@example.com:x.git", "ssh://git@example.com/~/x.git", "git@example.com:~/x.git", "ssh://git@example.com/%7E/x.git", "git@example.com:/~/x.git"},
		{"ssh://git@[::1]:22/x", "ssh://git@[0:0::1]/x", "git@[::1]:/x"},
		{"https://example.com/%7euser/x", "https://example.com/~user/x"},
		{"https://example.com/a%2fb", "https://example.com/a%2Fb"},
		{"ssh://git@example.com/a%2fb", "ssh://git@example.com/a/b", "git@example.com:/a/b"},
		{"SSH://git@example.com:0022/x", "ssh://git@example.com/x", "git@example.com:/x"},
		{"https://gitlab.com/g/p", "https://www.gitlab.com/g/p.git"},
	}
	for _, g := range groups {
		for _, a := range g {
			for _, b := range g {
				if !Equivalent(a, b) {
					ca, _ := Canonical(a)
					cb, _ := Canonical(b)
					t.Errorf("Equivalent(%q, %q) = false (%q vs %q)", a, b, ca, cb)
				}
			}
		}
	}
}

func TestNotEquivalent(t *testing.T) {
	pairs := []struct{ a, b, why string }{
		{"git@example.com:x.git", "deploy@example.com:x.git", "different user"},
		{"git@github.com:acme/x", "github.com:acme/x", "user given vs not"},
		{"ssh://git@example.com:2222/x.git", "ssh://git@example.com/x.git", "different port"},
		{"https://example.com:8443/x.git", "https://example.com/x.git", "different https port"},
		{"ssh://git@example.com/a.git", "ssh://git@example.com/b.git", "different path"},
		{"git@example.com:Acme/x", "git@example.com:acme/x", "paths are case-sensitive"},
		{"git@github.com:Acme/x", "git@github.com:acme/x", "paths are case-sensitive on github too"},
		{"git@example.com:x.git", "git@example.com:/x.git", "relative vs absolute on a generic host"},
		{"ssh://git@example.com/~alice/x", "ssh://git@example.com/~/x", "another user's home"},
		{"ssh://git@example.com/x.git", "https://example.com/x.git", "different scheme"},
		{"https://example.com/a", "https://example.com/a.git", "no .git added for generic hosts"},
		{"git@www.example.com:x", "git@example.com:x", "www. is only dropped for the password-auth hosts"},
		{"https://example.com/~user/x", "ssh://git@example.com/~user/x", "different scheme, ~ is plain in https"},
		{"https://example.com/a%2Fb", "https://example.com/a/b", "an escaped slash is not a slash to an HTTP server"},
		{"example.com/x.git", "example.com/x.git", "neither parses"},
		{"git@example.com:x.git", "example.com/x.git", "one does not parse"},
	}
	for _, p := range pairs {
		if Equivalent(p.a, p.b) {
			t.Errorf("Equivalent(%q, %q) = true; want false (%s)", p.a, p.b, p.why)
		}
	}
}

func TestCanonicalIsIdempotent(t *testing.T) {
	for _, tc := range goodInputs {
		c1, err := Canonical(tc.in)
		if err != nil {
			t.Fatalf("Canonical(%q): %v", tc.in, err)
		}
		c2, err := Canonical(c1)
		if err != nil || c2 != c1 {
			t.Errorf("Canonical(%q) = %q, but Canonical of that = %q, %v", tc.in, c1, c2, err)
		}
	}
}

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"git@example.com:repo.git", "ssh://git@example.com/~/repo.git"},
		{"git@example.com:/srv/repo.git", "ssh://git@example.com/srv/repo.git"},
		{"git@www.github.com:acme/x", "ssh://git@www.github.com/acme/x"},
		{"ssh://git@example.com:2222/x/", "ssh://git@example.com:2222/x"},
		{"git@[::1]:x", "ssh://git@[::1]/~/x"},
		{"https://Example.com:443/a", "https://example.com/a"},
		{"https://[2001:db8::1]:8443/a", "https://[2001:db8::1]:8443/a"},
	}
	for _, tc := range tests {
		u, err := Parse(tc.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.in, err)
		}
		if got := u.String(); got != tc.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
		checkStdlibReads(t, u)
	}
}

// checkStdlibReads checks that net/url (which go-git uses for URL forms)
// reads String() with the same scheme, host and port.
func checkStdlibReads(t interface {
	Helper()
	Errorf(string, ...any)
}, u *URL) {
	t.Helper()
	s := u.String()
	p, err := url.Parse(s)
	if err != nil {
		t.Errorf("net/url cannot parse %q (from %q): %v", s, u.Raw, err)
		return
	}
	wantPort := ""
	if u.Port != 0 {
		wantPort = strconv.Itoa(u.Port)
	}
	if p.Scheme != string(u.Scheme) || p.Hostname() != u.Host || p.Port() != wantPort || p.User.Username() != u.User {
		t.Errorf("net/url reads %q (from %q) as scheme %q user %q host %q port %q", s, u.Raw, p.Scheme, p.User.Username(), p.Hostname(), p.Port())
	}
}
