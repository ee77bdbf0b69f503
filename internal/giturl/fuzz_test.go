// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package giturl

import (
	"errors"
	"strings"
	"testing"
)

// fuzzSeeds are the table inputs plus a few shapes the tables do not cover.
func fuzzSeeds(f *testing.F) {
	for _, tc := range goodInputs {
		f.Add(tc.in)
	}
	for _, tc := range badInputs {
		f.Add(tc.in)
	}
	for _, s := range []string{
		"ssh://git@h/%7E", "git@h:~x", "ssh://h/~/%2D", "https://h/%25", "git@[::ffff:1.2.3.4]:x",
		"ssh://git@h:00000000022/x", "git@h:a//b/", "ssh://git@h/a?b", "h:1:x", "x@y@z:w",
		"git@github.com:/-x", "https://github.com/~x", "ssh://git@github.com/22:x",
	} {
		f.Add(s)
	}
}

func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		u, err := Parse(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || u != nil {
				t.Fatalf("Parse(%q) = %v, %T; want nil, *Error", s, u, err)
			}
			if e.Message == "" || e.Error() != e.Message || strings.HasSuffix(e.Message, "\n") {
				t.Fatalf("Parse(%q): bad message %q", s, e.Message)
			}
			return
		}
		checkAccepted(t, s, u)
	})
}

// checkAccepted holds the invariants of every accepted URL.
func checkAccepted(t *testing.T, s string, u *URL) {
	t.Helper()
	for _, part := range []string{u.User, u.Host, u.Path} {
		if strings.HasPrefix(part, "-") {
			t.Fatalf("Parse(%q) = %+v: a part starts with '-'", s, *u)
		}
	}
	if !strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(u.Path, "~") {
		t.Fatalf("Parse(%q).Path = %q: neither absolute nor home-relative", s, u.Path)
	}
	if u.Scheme == HTTPS && (u.User != "" || u.SCPStyle || strings.HasPrefix(u.Path, "~")) {
		t.Fatalf("Parse(%q) = %+v: impossible https URL", s, *u)
	}

	c := u.Canonical()
	if _, r, bad := firstRefusedRune(c); bad {
		t.Fatalf("Canonical(%q) = %q contains %U", s, c, r)
	}
	u2, err := Parse(c)
	if err != nil {
		t.Fatalf("Canonical(%q) = %q does not parse: %v", s, c, err)
	}
	if c2 := u2.Canonical(); c2 != c {
		t.Fatalf("Canonical(%q) = %q, but Canonical(%q) = %q", s, c, c, c2)
	}
	if strings.HasPrefix(u2.Host, "-") || strings.HasPrefix(u2.Path, "-") {
		t.Fatalf("Canonical(%q) = %q has a host or path starting with '-'", s, c)
	}

	str := u.String()
	u3, err := Parse(str)
	if err != nil {
		t.Fatalf("String of %q = %q does not parse: %v", s, str, err)
	}
	if u3.Scheme != u.Scheme || u3.User != u.User || u3.Host != u.Host || u3.Port != u.Port || u3.Path != u.Path {
		t.Fatalf("String of %q = %q parses to other parts: %+v vs %+v", s, str, *u3, *u)
	}
	if u3.Canonical() != c {
		t.Fatalf("String of %q = %q is not equivalent: %q vs %q", s, str, u3.Canonical(), c)
	}
	checkStdlibReads(t, u)

	sug := SuggestSSH(u)
	us, err := Parse(sug)
	if err != nil || us.Scheme != SSH {
		t.Fatalf("SuggestSSH(%q) = %q does not parse as SSH: %v", s, sug, err)
	}
	switch {
	case u.Scheme == SSH && u.User != "":
		if us.Canonical() != c {
			t.Fatalf("SuggestSSH(%q) = %q names another repository: %q vs %q", s, sug, us.Canonical(), c)
		}
	case us.User != "git" || us.Host != u2.Host || (u.Scheme == HTTPS && us.Port != 0):
		t.Fatalf("SuggestSSH(%q) = %q: want git@%s", s, sug, u2.Host)
	}

	_, verr := Validate(s)
	if (verr != nil) != (CheckHTTPSAllowed(u) != nil) {
		t.Fatalf("Validate(%q) = %v, but CheckHTTPSAllowed says otherwise", s, verr)
	}
}

func FuzzCanonical(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Canonical(s)
		if err != nil {
			if c != "" || Equivalent(s, s) {
				t.Fatalf("Canonical(%q) = %q, %v; refused inputs are equivalent to nothing", s, c, err)
			}
			return
		}
		if !strings.HasPrefix(c, "ssh://") && !strings.HasPrefix(c, "https://") {
			t.Fatalf("Canonical(%q) = %q: not a URL", s, c)
		}
		if strings.HasSuffix(c, "/") {
			t.Fatalf("Canonical(%q) = %q ends with '/'", s, c)
		}
		if c2, err := Canonical(c); err != nil || c2 != c {
			t.Fatalf("Canonical(%q) = %q, then %q, %v", s, c, c2, err)
		}
		if !Equivalent(s, c) || !Equivalent(c, s) || !Equivalent(s, s) {
			t.Fatalf("%q and its canonical form %q are not equivalent", s, c)
		}
		// A trailing slash never matters.
		if len(s) < MaxLength && !strings.HasSuffix(s, "/") && !Equivalent(s, s+"/") {
			t.Fatalf("%q and %q are not equivalent", s, s+"/")
		}
		u, _ := Parse(c)
		if u.IsPasswordAuthHost() && (!strings.HasSuffix(strings.ToLower(c), ".git") || strings.HasPrefix(u.Host, "www.")) {
			t.Fatalf("Canonical(%q) = %q: password-auth host not normalised", s, c)
		}
	})
}
