// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package giturl

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckHTTPSAllowedRefusesPasswordHosts(t *testing.T) {
	tests := []struct{ in, name, suggestion string }{
		{"https://github.com/acme/website", "GitHub (github.com)", "git@github.com:acme/website.git"},
		{"https://github.com/acme/website.git", "GitHub (github.com)", "git@github.com:acme/website.git"},
		{"https://GitHub.com/Acme/Website/", "GitHub (github.com)", "git@github.com:Acme/Website.git"},
		{"https://www.github.com/acme/x", "GitHub (github.com)", "git@github.com:acme/x.git"},
		{"https://github.com./acme/x", "GitHub (github.com)", "git@github.com:acme/x.git"},
		{"https://github.com:443/acme/x", "GitHub (github.com)", "git@github.com:acme/x.git"},
		{"https://gitlab.com/group/sub/project", "GitLab (gitlab.com)", "git@gitlab.com:group/sub/project.git"},
		{"https://WWW.GITLAB.COM/g/p.git", "GitLab (gitlab.com)", "git@gitlab.com:g/p.git"},
		{"https://bitbucket.org/team/repo", "Bitbucket (bitbucket.org)", "git@bitbucket.org:team/repo.git"},
		{"https://www.bitbucket.org./team/repo", "Bitbucket (bitbucket.org)", "git@bitbucket.org:team/repo.git"},
	}
	for _, tc := range tests {
		u, err := Parse(tc.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.in, err)
		}
		if !u.IsPasswordAuthHost() {
			t.Errorf("Parse(%q).IsPasswordAuthHost() = false", tc.in)
		}
		err = CheckHTTPSAllowed(u)
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("CheckHTTPSAllowed(%q) = %v, want *Error", tc.in, err)
		}
		for _, want := range []string{
			tc.name + " allows password authentication over HTTPS",
			"Divio does not accept HTTPS URLs for it",
			"Use the SSH URL \"" + tc.suggestion + "\" instead",
		} {
			if !strings.Contains(e.Message, want) {
				t.Errorf("CheckHTTPSAllowed(%q):\n  message %s\n  want it to contain %s", tc.in, e.Message, want)
			}
		}
		checkMessage(t, tc.in, e)
		if _, err := Validate(tc.in); err == nil || err.Error() != e.Message {
			t.Errorf("Validate(%q) = %v, want the CheckHTTPSAllowed error", tc.in, err)
		}
		// The suggestion names the same repository over SSH.
		if !Equivalent(tc.suggestion, "ssh://git@"+strings.TrimPrefix(u.Canonical(), "https://")) {
			t.Errorf("SuggestSSH for %q = %q, not the same repository", tc.in, tc.suggestion)
		}
	}
}

func TestCheckHTTPSAllowedAcceptsOthers(t *testing.T) {
	for _, in := range []string{
		"git@github.com:acme/website.git",
		"ssh://git@www.gitlab.com/g/p.git",
		"https://example.com/acme/x.git",
		"https://git.example.com/acme/x.git",
		"https://github.com.example.com/acme/x.git",
		"https://notgithub.com/acme/x.git",
		"https://gist.github.com/acme/x.git",
		"https://github.community/acme/x.git",
		"https://bitbucket.example.org/scm/x.git",
		"https://dev.azure.com/org/project/_git/repo",
		"https://[2001:db8::1]/x.git",
	} {
		u, err := Validate(in)
		if err != nil {
			t.Errorf("Validate(%q): %v", in, err)
			continue
		}
		if strings.HasPrefix(in, "https://") && u.IsPasswordAuthHost() {
			t.Errorf("Parse(%q).IsPasswordAuthHost() = true", in)
		}
	}
	if err := CheckHTTPSAllowed(nil); err != nil {
		t.Errorf("CheckHTTPSAllowed(nil) = %v", err)
	}
}

func TestValidateRefusesSyntaxToo(t *testing.T) {
	for _, tc := range badInputs {
		if _, err := Validate(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}

func TestSuggestSSH(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://github.com/acme/website", "git@github.com:acme/website.git"},
		{"ssh://deploy@github.com/acme/website.git", "deploy@github.com:acme/website.git"},
		{"ssh://git@github.com:443/acme/x", "ssh://git@github.com:443/acme/x.git"},
		{"https://github.com/-x", "git@github.com:/-x.git"},
		{"https://github.com/22:x", "git@github.com:/22:x.git"},
		{"https://example.com/acme/x.git", "git@example.com:/acme/x.git"},
		{"https://example.com:8443/acme/x.git", "git@example.com:/acme/x.git"},
		{"https://example.com/a%C3%A9.git", "ssh://git@example.com/a%C3%A9.git"},
		{"git@example.com:x.git", "git@example.com:~/x.git"},
		{"ssh://bob@example.com/~alice/x", "bob@example.com:~alice/x"},
		{"https://[2001:db8::1]/x.git", "git@[2001:db8::1]:/x.git"},
	}
	for _, tc := range tests {
		u, err := Parse(tc.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.in, err)
		}
		got := SuggestSSH(u)
		if got != tc.want {
			t.Errorf("SuggestSSH(%q) = %q, want %q", tc.in, got, tc.want)
		}
		s, err := Parse(got)
		if err != nil || s.Scheme != SSH {
			t.Errorf("SuggestSSH(%q) = %q does not parse as SSH: %v", tc.in, got, err)
		}
	}
}
