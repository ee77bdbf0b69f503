// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package giturl

import (
	"errors"
	"strings"
	"testing"
)

// goodInputs are accepted by Parse, with their canonical form. Validate
// refuses the HTTPS ones on password-auth hosts (see hosts_test.go).
var goodInputs = []struct {
	in, canonical string
}{
	// The three password-auth hosts: scp paths are absolute, ".git" is added.
	{"git@github.com:acme/website", "ssh://git@github.com/acme/website.git"},
	{"git@GitHub.com:Acme/Site", "ssh://git@github.com/Acme/Site.git"},
	{"ssh://git@github.com:22/Acme/Site.git", "ssh://git@github.com/Acme/Site.git"},
	{"ssh://git@github.com/Acme/Site.git/", "ssh://git@github.com/Acme/Site.git"},
	{"git@github.com:/acme/x.git", "ssh://git@github.com/acme/x.git"},
	{"git@www.github.com:acme/x.git", "ssh://git@github.com/acme/x.git"},
	{"ssh://git@GITHUB.COM./acme/x", "ssh://git@github.com/acme/x.git"},
	{"git@gitlab.com:group/sub/project.git", "ssh://git@gitlab.com/group/sub/project.git"},
	{"git@bitbucket.org:team/repo", "ssh://git@bitbucket.org/team/repo.git"},
	{"git@github.com:a/Site.GIT", "ssh://git@github.com/a/Site.GIT"},
	{"ssh://git@github.com:443/acme/x", "ssh://git@github.com:443/acme/x.git"},
	{"github.com:acme/x", "ssh://github.com/acme/x.git"},
	{"https://github.com/acme/website", "https://github.com/acme/website.git"},
	{"https://WWW.GitLab.com./g/p", "https://gitlab.com/g/p.git"},

	// Other hosts: a relative scp path is home-relative.
	{"git@example.com:repo.git", "ssh://git@example.com/~/repo.git"},
	{"git@example.com:/srv/git/repo.git", "ssh://git@example.com/srv/git/repo.git"},
	{"example.com:repo", "ssh://example.com/~/repo"},
	{"git@example.com:~/repo.git", "ssh://git@example.com/~/repo.git"},
	{"git@example.com:~alice/repo.git", "ssh://git@example.com/~alice/repo.git"},
	{"git@example.com:/~/repo.git", "ssh://git@example.com/~/repo.git"},
	{"git@example.com:/~alice/repo.git/", "ssh://git@example.com/~alice/repo.git"},
	{"git@example.com:a/b~c", "ssh://git@example.com/~/a/b~c"},
	{"ssh://git@example.com/~/repo.git", "ssh://git@example.com/~/repo.git"},
	{"ssh://git@example.com/~alice/repo.git", "ssh://git@example.com/~alice/repo.git"},
	{"git@example.com.:x", "ssh://git@example.com/~/x"},
	{"git@git.divio.com:my-app.git", "ssh://git@git.divio.com/~/my-app.git"},
	{"git@example.com:café/x.git", "ssh://git@example.com/~/café/x.git"},
	{"git@example.com:a@b:c", "ssh://git@example.com/~/a@b:c"},
	{"www.example.com:x.git", "ssh://www.example.com/~/x.git"},

	// ssh:// URLs.
	{"ssh://git@example.com:2222/acme/x.git", "ssh://git@example.com:2222/acme/x.git"},
	{"SSH://git@Example.COM:022/acme/x", "ssh://git@example.com/acme/x"},
	{"ssh://example.com/acme/x.git", "ssh://example.com/acme/x.git"},
	{"ssh://root@127.0.0.1:2222/tmp/repos/x.git", "ssh://root@127.0.0.1:2222/tmp/repos/x.git"},
	{"ssh://git@example.com//srv/x.git", "ssh://git@example.com//srv/x.git"},
	{"ssh://git@example.com/%7ealice/x", "ssh://git@example.com/~alice/x"},
	{"ssh://git@example.com/caf%C3%A9/%25x%3f/a%2Fb", "ssh://git@example.com/café/%25x%3F/a/b"},
	{"ssh://git@ssh.dev.azure.com/v3/org/project/repo", "ssh://git@ssh.dev.azure.com/v3/org/project/repo"},
	{"ssh://APKAEIBAERJR2EXAMPLE@git-codecommit.us-east-2.amazonaws.com/v1/repos/Demo", "ssh://APKAEIBAERJR2EXAMPLE@git-codecommit.us-east-2.amazonaws.com/v1/repos/Demo"},
	{"ssh://deploy.bot+ci_1@example.com/x", "ssh://deploy.bot+ci_1@example.com/x"},

	// https:// URLs.
	{"https://example.com:443/a/b.git", "https://example.com/a/b.git"},
	{"HTTPS://EXAMPLE.com/a/b.git/", "https://example.com/a/b.git"},
	{"https://git.example.com:8443/acme/x.git", "https://git.example.com:8443/acme/x.git"},
	{"https://example.com/a/b", "https://example.com/a/b"},
	{"https://dev.azure.com/org/project/_git/repo", "https://dev.azure.com/org/project/_git/repo"},
	{"https://example.com/a%2fb/%7Euser/%41.git", "https://example.com/a%2Fb/~user/A.git"},
	{"https://example.com/~user/x", "https://example.com/~user/x"},

	// IPv6 literals, in brackets.
	{"ssh://git@[::1]:22/x.git", "ssh://git@[::1]/x.git"},
	{"https://[2001:DB8::1]/x.git", "https://[2001:db8::1]/x.git"},
	{"https://[2001:db8:0:0::1]:8443/x.git", "https://[2001:db8::1]:8443/x.git"},
	{"git@[2001:db8::1]:repo.git", "ssh://git@[2001:db8::1]/~/repo.git"},
	{"[::1]:repo", "ssh://[::1]/~/repo"},
}

// badInputs are refused by Parse; want is a part of the message.
var badInputs = []struct {
	in, want string
}{
	{"", "is empty"},

	// Schemes.
	{"http://example.com/x.git", `Use https:// or SSH instead, e.g. "https://example.com/x.git"`},
	{"http://github.com/acme/x", `"git@github.com:acme/x.git"`},
	{"git://example.com/x.git", `unauthenticated and unencrypted. Use ssh:// instead, e.g. "ssh://git@example.com/x.git"`},
	{"file:///srv/repo.git", "file:// URL"},
	{"ssh+git://git@example.com/x", `Write ssh:// instead, e.g. "ssh://git@example.com/x"`},
	{"git+ssh://git@example.com/x", "Write ssh:// instead"},
	{"ftp://example.com/x.git", `"ftp://" in "ftp://example.com/x.git" is not supported`},
	{"https:/example.com/x", `missing the "//"`},
	{"ssh:example.com/x", `starts with "ssh:" but is missing the "//"`},
	{"://example.com/x", `nothing before "://"`},

	// Local paths.
	{"/srv/repo.git", "is a local path"},
	{"./repo", "is a local path"},
	{"../repo", "is a local path"},
	{`C:\repo`, "is a local path"},
	{"C:/repo", "is a local path"},
	{"~/repo", "is a local path"},
	{`\\server\share\repo`, "is a local path"},
	{"example.com/acme/x.git", `no scheme (ssh:// or https://) and no ":" after the host, so Git would read it as a local path. Write a full URL, e.g. "ssh://git@example.com/acme/x.git"`},
	{"repo", "no scheme"},

	// Transport helpers.
	{"ext::ssh -o ProxyCommand=x host", `transport-helper syntax "ext::"`},
	{"foo::bar", `transport-helper syntax "foo::"`},
	{"fd::17", `transport-helper syntax "fd::"`},
	{"::x", "transport-helper"},
	{"example.com::repo", "transport-helper"},

	// Credentials; the secret never appears in the message.
	{"https://user:s3cret@example.com/x.git", `write "https://example.com/x.git" and set the username and token in the https block instead`},
	{"https://tok3n@example.com/x.git", "set the username and token in the https block"},
	{"https://user:s3cret@github.com/x.git", "https block"},
	{"ssh://user:s3cret@example.com/x.git", `contains a password (hidden here). Divio authenticates over SSH with the application's deploy key, not a password: write "ssh://user@example.com/x.git"`},
	{"alice:s3cret@example.com:repo.git", "password"},

	// Whitespace and control characters.
	{"git@example.com:repo.git\n", `a line break (\n) at the end`},
	{" git@example.com:repo.git", "a space at the start"},
	{"git@example.com:re po.git", "a space at position 19"},
	{"git@example.com:re\tpo.git", `a tab (\t)`},
	{"git@example.com:repo\x00.git", "a NUL byte"},
	{"git@example.com:re\u200bpo", "an invisible formatting character (U+200B)"},
	{"git@example.com:re\u202epo", "invisible formatting character"},
	{"git@example.com:re\u00a0po", "whitespace character (U+00A0)"},
	{"git@example.com:re\x7fpo", "control character (U+007F)"},
	{"\xffgit@example.com:x", "not valid UTF-8"},

	// Option injection.
	{"ssh://-oProxyCommand=x/y", `The host "-oProxyCommand=x" in "ssh://-oProxyCommand=x/y" starts with "-"`},
	{"-oProxyCommand=x:y", `host "-oProxyCommand=x"`},
	{"git@host:-x", `The path "-x" in "git@host:-x" starts with "-"`},
	{"ssh://-l@example.com/x", `user name "-l"`},
	{"-l@example.com:x", `user name "-l"`},
	{"ssh://%2DoProxyCommand=x/y", "once percent-decoded"},
	{"ssh://%2dl@example.com/x", "once percent-decoded"},

	// Hosts.
	{"ssh://git@/x.git", "has no host"},
	{"git@:x.git", "has no host"},
	{":x.git", "has no host"},
	{"ssh:///x.git", "has no host"},
	{"https://./x.git", "has no host"},
	{"ssh://git@exa!mple.com/x", `contains '!', which is not allowed in a host name`},
	{"ssh://git@bücher.example/x", "punycode"},
	{"ssh://git@a..b/x", "empty part"},
	{"ssh://git@ex%61mple.com/x", "percent-escape"},
	{"ssh://git@::1/x", "IPv6 address without brackets"},
	{"ssh://git@[::1/x", `"[" without a matching "]"`},
	{"ssh://git@[1.2.3.4]/x", "not a valid IPv6 address"},
	{"ssh://git@[fe80::1%25eth0]/x", "not a valid IPv6 address"},
	{"ssh://git@[example.com]/x", "not a valid IPv6 address"},
	{"https://[::1]x/y", "right after the IPv6 address"},
	{"git@[::1]/x", `the "]" must be followed by ":"`},

	// Users.
	{"ssh://@example.com/x", "empty user name"},
	{"@example.com:x", "empty user name"},
	{"ssh://a@b@example.com/x", `user name "a@b"`},
	{"ssh://g%69t@example.com/x", "characters that are not allowed"},

	// Ports.
	{"ssh://git@example.com:0/x", `port "0" in "ssh://git@example.com:0/x" is out of range`},
	{"ssh://git@example.com:65536/x", "out of range"},
	{"https://example.com:99999999999999999999/x", "out of range"},
	{"https://example.com:/x", "no port"},
	{"https://example.com:8o8o/x", "is not a number"},
	{"ssh://git@github.com:acme/x.git", `write "ssh://git@github.com/acme/x.git", or the scp-style "git@github.com:acme/x.git"`},
	{"git@example.com:2222:acme/x.git", `to use port 2222, write "ssh://git@example.com:2222/~/acme/x.git"`},

	// Paths.
	{"ssh://git@example.com", "has no repository path"},
	{"ssh://git@example.com/", "has no repository path"},
	{"https://example.com///", "has no repository path"},
	{"git@example.com:", "has no repository path"},
	{"git@example.com:/", "has no repository path"},
	{"ssh://git@example.com/%2F", "has no repository path"},
	{"ssh://git@example.com/~", "home directory"},
	{"git@example.com:~/", "home directory"},
	{"git@example.com:/~", "home directory"},
	{"https://example.com/~/", "home directory"},
	{"https://example.com/~%2F", "home directory"},
	{"git@example.com:a~b.git", `Git drops the first character of the path "a~b.git" because the second one is "~", and would ask the server for "~b.git" instead. Rename the path, or write the ssh:// form "ssh://git@example.com/~/a~b.git"`},
	{"git@example.com:a/../b", `a ".." segment`},
	{"https://example.com/a/%2E%2E/b", `a ".." segment`},
	{"ssh://git@example.com/./x", `a "." segment`},
	{`git@example.com:a\b`, "backslash"},
	{"https://example.com/a%5Cb", "backslash"},
	{"git@example.com:a%20b", `use the ssh:// form "ssh://git@example.com/~/a%2520b"`},

	// Queries, fragments and escapes.
	{"https://example.com/x.git?ref=main", `query string or fragment ("?ref=***")`},
	{"https://example.com/x.git#main", `remove everything from "#" on`},
	{"git@example.com:x.git?x", "query string"},
	{"ssh://git@example.com/a%0Ab", `decodes to a line break (\n)`},
	{"ssh://git@example.com/a%00b", "decodes to a NUL byte"},
	{"https://example.com/a%20b", "decodes to a space"},
	{"https://example.com/a%E2%80%8Bb", "decodes to an invisible formatting character"},
	{"https://example.com/a%2", `"%2", which is not a valid percent-escape`},
	{"https://example.com/a%zz", `"%zz"`},
	{"https://example.com/%FF", "valid UTF-8"},

	{"ssh://git@example.com/" + strings.Repeat("a", MaxLength), "longer than the 2048 bytes"},
}

func TestParseAcceptsGoodInputs(t *testing.T) {
	for _, tc := range goodInputs {
		u, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := u.Canonical(); got != tc.canonical {
			t.Errorf("Parse(%q).Canonical() = %q, want %q", tc.in, got, tc.canonical)
		}
		if u.Raw != tc.in {
			t.Errorf("Parse(%q).Raw = %q", tc.in, u.Raw)
		}
	}
}

func TestParseRefusesBadInputs(t *testing.T) {
	for _, tc := range badInputs {
		u, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q) = %q, want an error containing %q", tc.in, u.Canonical(), tc.want)
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%q): error %T is not *Error", tc.in, err)
			continue
		}
		if !strings.Contains(e.Message, tc.want) {
			t.Errorf("Parse(%q):\n  message %s\n  want it to contain %s", tc.in, e.Message, tc.want)
		}
		checkMessage(t, tc.in, e)
	}
}

// checkMessage holds the rules every message follows.
func checkMessage(t *testing.T, in string, e *Error) {
	t.Helper()
	if e.Message == "" || e.Error() != e.Message {
		t.Errorf("Parse(%q): empty message or Error() != Message", in)
	}
	if strings.HasSuffix(e.Message, "\n") || !strings.HasSuffix(e.Message, ".") {
		t.Errorf("Parse(%q): message must be sentences ending with '.', got %q", in, e.Message)
	}
	if strings.Contains(e.Message, "s3cret") || strings.Contains(e.Input, "s3cret") ||
		strings.Contains(e.Message, "tok3n") || strings.Contains(e.Input, "tok3n") {
		t.Errorf("Parse(%q): the secret leaks into the error: %+v", in, e)
	}
}

func TestParseFields(t *testing.T) {
	tests := []struct {
		in   string
		want URL
	}{
		{"git@example.com:repo.git", URL{Scheme: SSH, User: "git", Host: "example.com", Path: "~/repo.git", SCPStyle: true}},
		{"git@Example.com.:/srv/Repo.git/", URL{Scheme: SSH, User: "git", Host: "example.com", Path: "/srv/Repo.git", SCPStyle: true}},
		{"git@github.com:Acme/Site", URL{Scheme: SSH, User: "git", Host: "github.com", Path: "/Acme/Site", SCPStyle: true}},
		{"git@www.github.com:acme/site", URL{Scheme: SSH, User: "git", Host: "www.github.com", Path: "/acme/site", SCPStyle: true}},
		{"Git@example.com:~bob/x", URL{Scheme: SSH, User: "Git", Host: "example.com", Path: "~bob/x", SCPStyle: true}},
		{"ssh://git@example.com:2222/~/x.git", URL{Scheme: SSH, User: "git", Host: "example.com", Port: 2222, Path: "~/x.git"}},
		{"ssh://example.com:22/x", URL{Scheme: SSH, Host: "example.com", Path: "/x"}},
		{"HTTPS://Example.com:8443/A/B.git", URL{Scheme: HTTPS, Host: "example.com", Port: 8443, Path: "/A/B.git"}},
		{"https://example.com/~bob/x", URL{Scheme: HTTPS, Host: "example.com", Path: "/~bob/x"}},
		{"ssh://git@[2001:DB8::1]:2222/x", URL{Scheme: SSH, User: "git", Host: "2001:db8::1", Port: 2222, Path: "/x"}},
		{"[::1]:x", URL{Scheme: SSH, Host: "::1", Path: "~/x", SCPStyle: true}},
		{"git@example.com:/~/x", URL{Scheme: SSH, User: "git", Host: "example.com", Path: "~/x", SCPStyle: true}},
	}
	for _, tc := range tests {
		u, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		tc.want.Raw = tc.in
		if *u != tc.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tc.in, *u, tc.want)
		}
	}
}

func TestErrorInputIsRedacted(t *testing.T) {
	tests := []struct{ in, input string }{
		{"https://user:s3cret@example.com/x.git", "https://***@example.com/x.git"},
		{"https://tok3n@example.com/x.git", "https://***@example.com/x.git"},
		{"ssh://user:s3cret@example.com/x.git", "ssh://user:***@example.com/x.git"},
		{"alice:s3cret@example.com:repo.git", "alice:***@example.com:repo.git"},
		{"https://example.com/x.git?access_token=s3cret&a=b", "https://example.com/x.git?access_token=***&a=***"},
		{"http://user:s3cret@example.com/x.git", "http://***@example.com/x.git"},
		{"git@example.com:-x", "git@example.com:-x"},
	}
	for _, tc := range tests {
		_, err := Parse(tc.in)
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("Parse(%q): %v, want *Error", tc.in, err)
		}
		if e.Input != tc.input {
			t.Errorf("Parse(%q).Input = %q, want %q", tc.in, e.Input, tc.input)
		}
		checkMessage(t, tc.in, e)
	}
}

func TestTableSizes(t *testing.T) {
	// The brief asks for at least 40 refusals and 30 accepted spellings.
	if len(badInputs) < 40 || len(goodInputs) < 30 {
		t.Fatalf("tables too small: %d bad, %d good", len(badInputs), len(goodInputs))
	}
}

// Numeric and shorthand IPv4 forms are refused: resolvers read them as
// addresses (2852039166 and 0xa9fea9fe are 169.254.169.254, 127.1 is
// 127.0.0.1), which would slip past a check of the dotted form.
func TestNumericHostForms(t *testing.T) {
	for _, raw := range []string{
		"ssh://git@2852039166/acme/site.git",
		"ssh://git@0xa9fea9fe/acme/site.git",
		"git@127.1:acme/site.git",
		"https://10.1/acme/site.git",
		"ssh://git@010.0.0.1/acme/site.git",
		"ssh://git@256.1.1.1/acme/site.git",
		"ssh://git@example.0x7f/acme/site.git",
	} {
		_, err := Parse(raw)
		if err == nil || !strings.Contains(err.Error(), "dotted-decimal") {
			t.Errorf("Parse(%q) = %v, want the dotted-decimal message", raw, err)
		}
	}
	for _, raw := range []string{"ssh://git@192.0.2.10/acme/site.git", "git@git2.example.com:acme/site.git", "ssh://git@host-1/acme.git", "git@1password.example:acme/site.git"} {
		if _, err := Parse(raw); err != nil {
			t.Errorf("Parse(%q) = %v, want it accepted", raw, err)
		}
	}
}
