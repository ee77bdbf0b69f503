// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package giturl

// Every message wording lives here. Messages are shown in Terraform
// diagnostics and control-plane API errors: full sentences, no trailing
// newline, the offending part quoted, and always what to write instead.
// Inputs are quoted with any password, token or query value hidden (see
// redact), because diagnostics end up in CI logs.

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

const (
	exampleSSH   = "ssh://git@git.example.com/acme/website.git"
	exampleHTTPS = "https://git.example.com/acme/website.git"
)

// newError builds an *Error; the message is given with fmt verbs.
func newError(raw, format string, args ...any) *Error {
	return &Error{Input: redact(raw), Message: fmt.Sprintf(format, args...)}
}

// writeInstead is the common ending: an SSH or an HTTPS URL.
func writeInstead() string {
	return fmt.Sprintf("write an SSH URL such as %q or an HTTPS URL such as %q", exampleSSH, exampleHTTPS)
}

func errTooLong(raw string) *Error {
	start := []rune(redact(raw))
	if len(start) > 40 {
		start = start[:40]
	}
	return newError(raw, "The URL starting with %q is %d bytes long, longer than the %d bytes Divio accepts. Use the repository's clone URL as shown by your Git host.",
		string(start), len(raw), MaxLength)
}

func errEmpty() *Error {
	return newError("", "The repository URL is empty. Enter the clone URL of the repository, e.g. %q.", exampleSSH)
}

func errInvalidUTF8(raw string) *Error {
	return newError(raw, "The URL %q is not valid UTF-8 text. Copy the clone URL from your Git host again, e.g. %q.", redact(raw), exampleSSH)
}

func errTransportHelper(raw, transport string) *Error {
	return newError(raw, "The URL %q uses Git's transport-helper syntax %q, which makes Git run a helper program instead of connecting to a Git host. Divio clones only over SSH or HTTPS: %s.",
		redact(raw), transport+"::", writeInstead())
}

func errRefusedChar(raw string, r rune, pos int) *Error {
	where := fmt.Sprintf("at position %d", pos+1)
	switch pos {
	case len([]rune(raw)) - 1:
		where = "at the end"
	case 0:
		where = "at the start"
	}
	return newError(raw, "The URL %q contains %s %s. A Git URL cannot contain whitespace or control characters: remove it.",
		redact(raw), describeRune(r), where)
}

func describeRune(r rune) string {
	switch r {
	case ' ':
		return "a space"
	case '\t':
		return `a tab (\t)`
	case '\n':
		return `a line break (\n)`
	case '\r':
		return `a carriage return (\r)`
	case 0:
		return "a NUL byte"
	}
	switch {
	case unicode.IsSpace(r):
		return fmt.Sprintf("a whitespace character (%U)", r)
	case unicode.IsControl(r):
		return fmt.Sprintf("a control character (%U)", r)
	default:
		return fmt.Sprintf("an invisible formatting character (%U)", r)
	}
}

// alternative parses a rewritten input and returns what to suggest: the SSH
// URL for password-auth hosts, the rewritten URL otherwise, or fallback when
// the rewrite is not valid either.
func alternative(rewritten, fallback string) string {
	u, err := Parse(rewritten)
	if err != nil {
		return fallback
	}
	if u.IsPasswordAuthHost() {
		return fmt.Sprintf("%q", SuggestSSH(u))
	}
	return fmt.Sprintf("%q", u.String())
}

func errHTTP(raw, rest string) *Error {
	return newError(raw, "The URL %q uses http://, which is unencrypted. Use https:// or SSH instead, e.g. %s.",
		redact(raw), alternative("https://"+rest, fmt.Sprintf("%q or %q", exampleHTTPS, exampleSSH)))
}

func errGitProtocol(raw, rest string) *Error {
	rewritten := "ssh://git@" + rest
	if strings.Contains(rest, "@") {
		rewritten = "ssh://" + rest
	}
	return newError(raw, "The URL %q uses the git:// protocol, which is unauthenticated and unencrypted. Use ssh:// instead, e.g. %s.",
		redact(raw), alternative(rewritten, fmt.Sprintf("%q", exampleSSH)))
}

func errFileScheme(raw string) *Error {
	return newError(raw, "The URL %q is a file:// URL, which points at a directory on the local disk. Divio clones the repository from a Git host over the network: %s.",
		redact(raw), writeInstead())
}

func errSSHAlias(raw, scheme, rest string) *Error {
	return newError(raw, "The URL scheme %q in %q is a deprecated alias of ssh://. Write ssh:// instead, e.g. %s.",
		scheme+"://", redact(raw), alternative("ssh://"+rest, fmt.Sprintf("%q", exampleSSH)))
}

func errUnsupportedScheme(raw, scheme string) *Error {
	return newError(raw, "The URL scheme %q in %q is not supported. Divio clones only over SSH or HTTPS: %s.",
		scheme+"://", redact(raw), writeInstead())
}

func errMissingScheme(raw string) *Error {
	return newError(raw, "The URL %q has nothing before \"://\". Start it with ssh:// or https://: %s.", redact(raw), writeInstead())
}

func errSchemeWithoutSlashes(raw, word string) *Error {
	return newError(raw, "The URL %q starts with %q but is missing the \"//\", so Git would read %q as a host name. %s.",
		redact(raw), word+":", word, capitalise(writeInstead()))
}

func errLocalPath(raw string) *Error {
	return newError(raw, "The URL %q is a local path. Divio clones the repository from a Git host over the network: %s.", redact(raw), writeInstead())
}

func errNoScheme(raw string) *Error {
	suggestion := fmt.Sprintf("%q or %q", exampleSSH, exampleHTTPS)
	if strings.Contains(raw, "/") && !strings.Contains(raw, ":") {
		rewritten := "ssh://git@" + raw
		if strings.Contains(raw, "@") {
			rewritten = "ssh://" + raw
		}
		suggestion = alternative(rewritten, suggestion)
	}
	return newError(raw, "The URL %q has no scheme (ssh:// or https://) and no \":\" after the host, so Git would read it as a local path. Write a full URL, e.g. %s.",
		redact(raw), suggestion)
}

func errQueryOrFragment(raw string) *Error {
	part := hideValues(raw[strings.IndexAny(raw, "?#"):])
	return newError(raw, "The URL %q contains a query string or fragment (%q). Git repository URLs have neither: remove everything from %q on.",
		redact(raw), part, part[:1])
}

func errHTTPSCredentials(raw, clean string) *Error {
	return newError(raw, "The URL %q contains a username and token (hidden here). Do not put credentials in the URL: write %q and set the username and token in the https block instead.",
		redact(raw), clean)
}

func errHTTPSUser(raw, clean string) *Error {
	return newError(raw, "The HTTPS URL %q contains a user name (hidden here in case it is a token). Do not put credentials in the URL: write %q and set the username and token in the https block instead.",
		redact(raw), clean)
}

func errSSHPassword(raw, clean string) *Error {
	return newError(raw, "The URL %q contains a password (hidden here). Divio authenticates over SSH with the application's deploy key, not a password: write %q.",
		redact(raw), clean)
}

func errSCPCredentials(raw, user, rest string) *Error {
	_, hostAndPath, _ := strings.Cut(rest, "@")
	return newError(raw, "The URL %q looks like it contains a password (user:password@host, hidden here). Divio authenticates over SSH with the application's deploy key, not a password: write %s.",
		redact(raw), alternative(user+"@"+hostAndPath, fmt.Sprintf("%q", exampleSSH)))
}

func errEmptyUser(raw string) *Error {
	return newError(raw, "The URL %q has an empty user name before \"@\". Write the SSH user (usually git) before the \"@\", e.g. %q.", redact(raw), exampleSSH)
}

func errUserChars(raw, user string) *Error {
	return newError(raw, "The SSH user name %q in %q contains characters that are not allowed. Use only letters, digits, \".\", \"_\", \"+\" and \"-\" (the user is usually git), e.g. %q.",
		user, redact(raw), exampleSSH)
}

func errOptionInjection(raw, part, value string, decoded bool) *Error {
	how := ""
	if decoded {
		how = " once percent-decoded"
	}
	return newError(raw, "The %s %q in %q starts with \"-\"%s, which Git would pass to ssh as a command-line option. Write the real %s, e.g. %q.",
		part, value, redact(raw), how, part, exampleSSH)
}

func errEmptyHost(raw string) *Error {
	return newError(raw, "The URL %q has no host. Write the host name of your Git server, e.g. %q.", redact(raw), exampleSSH)
}

func errHostChar(raw, host string, r rune) *Error {
	return newError(raw, "The host %q in %q contains %q, which is not allowed in a host name. Write only the host name (letters, digits, \".\" and \"-\"), or an IPv6 address in brackets, e.g. %q.",
		host, redact(raw), r, exampleSSH)
}

func errHostNonASCII(raw, host string) *Error {
	return newError(raw, "The host %q in %q contains non-ASCII characters. Write the host in its ASCII (punycode, \"xn--...\") form.", host, redact(raw))
}

func errHostPercent(raw, host string) *Error {
	return newError(raw, "The host %q in %q contains a percent-escape. Write the host name as it is, without %% escapes, e.g. %q.", host, redact(raw), exampleSSH)
}

func errHostLabel(raw, host string) *Error {
	return newError(raw, "The host %q in %q has an empty part (a leading dot or two dots in a row). Write the host name exactly, e.g. %q.", host, redact(raw), "git.example.com")
}

func errNumericHost(raw, host string) *Error {
	return newError(raw, "The host %q in %q is a number but not an IPv4 address in dotted-decimal form; resolvers read such forms "+
		"(a single number, hexadecimal, or fewer than four parts) as addresses of their own. Write four numbers from 0 to 255 "+
		"separated by dots, without leading zeros, e.g. %q, or use the host name.", host, redact(raw), "192.0.2.10")
}

func errIPv6NeedsBrackets(raw, host string) *Error {
	return newError(raw, "The host %q in %q is an IPv6 address without brackets. Write IPv6 addresses in brackets, e.g. %q.", host, redact(raw), "ssh://git@[2001:db8::1]/acme/website.git")
}

func errBadIPv6(raw, host string) *Error {
	return newError(raw, "The host %q in %q is not a valid IPv6 address. Brackets are only for IPv6 addresses (without a zone), e.g. %q; write host names and IPv4 addresses without them.",
		host, redact(raw), "[2001:db8::1]")
}

func errUnclosedBracket(raw string) *Error {
	return newError(raw, "The URL %q has a \"[\" without a matching \"]\". Write IPv6 addresses in brackets, e.g. %q.", redact(raw), "ssh://git@[2001:db8::1]/acme/website.git")
}

func errAfterIPv6(raw, after string) *Error {
	return newError(raw, "The URL %q has %q right after the IPv6 address. Only a port may follow the \"]\", then the path, e.g. %q.", redact(raw), after, "ssh://git@[2001:db8::1]:2222/acme/website.git")
}

func errSCPAfterIPv6(raw string) *Error {
	return newError(raw, "In the scp-style URL %q the \"]\" must be followed by \":\" and the path, e.g. %q.", redact(raw), "git@[2001:db8::1]:acme/website.git")
}

func errEmptyPort(raw string) *Error {
	return newError(raw, "The URL %q has a \":\" after the host but no port. Remove the \":\" or write a port between 1 and 65535.", redact(raw))
}

func errPortNotNumber(raw string, scheme Scheme, port, user, host, path string) *Error {
	if scheme == SSH {
		// "ssh://git@host:acme/site.git" mixes the two SSH spellings.
		userAt := ""
		if user != "" {
			userAt = user + "@"
		}
		return newError(raw, "The port %q in %q is not a number. In ssh:// URLs the path follows a \"/\", not a \":\": write %q, or the scp-style %q.",
			port, redact(raw), "ssh://"+userAt+host+"/"+port+path, userAt+host+":"+port+path)
	}
	return newError(raw, "The port %q in %q is not a number. Write a port between 1 and 65535 after the \":\", or leave the port out.", port, redact(raw))
}

func errPortRange(raw, port string) *Error {
	return newError(raw, "The port %q in %q is out of range. Write a port between 1 and 65535, or leave it out to use the default.", port, redact(raw))
}

func errEmptyPath(raw string) *Error {
	return newError(raw, "The URL %q has no repository path. Add the path of the repository after the host, e.g. %q.", redact(raw), exampleSSH)
}

func errHomeOnly(raw string) *Error {
	return newError(raw, "The URL %q names a home directory, not a repository. Add the repository's path after \"~/\", e.g. %q.", redact(raw), "ssh://git@git.example.com/~/website.git")
}

func errBadEscape(raw, escape string) *Error {
	return newError(raw, "The URL %q contains %q, which is not a valid percent-escape (\"%%\" must be followed by two hexadecimal digits). Write %q for a literal \"%%\", or remove it.",
		redact(raw), escape, "%25")
}

func errDecodedChar(raw string, r rune) *Error {
	return newError(raw, "The path in %q contains a percent-escape that decodes to %s. Repository paths cannot contain whitespace or control characters: remove it.",
		redact(raw), describeRune(r))
}

func errDecodedUTF8(raw string) *Error {
	return newError(raw, "The path in %q contains percent-escapes that do not decode to valid UTF-8 text. Remove them, or write the characters as they are.", redact(raw))
}

func errBackslash(raw string) *Error {
	return newError(raw, "The URL %q contains a backslash (possibly percent-encoded). Git URLs separate path segments with \"/\": write e.g. %q.", redact(raw), exampleSSH)
}

func errDotSegment(raw, seg string) *Error {
	return newError(raw, "The path in %q contains a %q segment. Write the repository path without \".\" or \"..\" segments, e.g. %q.", redact(raw), seg, exampleSSH)
}

func errSCPPercent(raw string, u *URL, path string) *Error {
	return newError(raw, "The scp-style URL %q contains \"%%\". Git sends scp-style paths as written, without percent-decoding, so an escape would reach the server as it is. Write the path without escapes, or, if the \"%%\" is really part of the path, use the ssh:// form %q.",
		redact(raw), sshURLFor(u, strings.ReplaceAll(path, "%", "%25")))
}

func errSCPTilde(raw string, u *URL, path string) *Error {
	return newError(raw, "In the scp-style URL %q, Git drops the first character of the path %q because the second one is \"~\", and would ask the server for %q instead. Rename the path, or write the ssh:// form %q to mean it as written.",
		redact(raw), path, path[1:], sshURLFor(u, path))
}

func errSCPPort(raw string, u *URL, port, rest string) *Error {
	n, _ := strconv.Atoi(port)
	return newError(raw, "In the scp-style URL %q, %q after the host is read by Git as part of the path but by go-git as a port. The scp-style form cannot carry a port: to use port %s, write %q.",
		redact(raw), port+":", port, sshURLFor(&URL{User: u.User, Host: u.Host, Port: n}, rest))
}

// sshURLFor spells an scp-style address as an ssh:// URL with the same
// meaning, for suggestions.
func sshURLFor(u *URL, path string) string {
	switch {
	case strings.HasPrefix(path, "/"), strings.HasPrefix(path, "~"):
	case isPasswordAuthHost(u.Host):
		path = "/" + path
	default:
		path = "~/" + path
	}
	return format(SSH, u.User, u.Host, u.Port, path)
}

func errHTTPSNotAllowed(u *URL) *Error {
	host := bareHost(u.Host)
	return newError(u.Raw, "%s (%s) allows password authentication over HTTPS, so Divio does not accept HTTPS URLs for it: Divio never asks for or stores your account password. Use the SSH URL %q instead, and add the application's deploy key to the repository.",
		passwordAuthHosts[host], host, SuggestSSH(u))
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// redact hides what may be a secret before an input is quoted or stored in
// an Error: the password in "scheme://user:password@", the whole user
// information of non-SSH URLs (a token alone is a valid GitHub user name),
// the password in scp-style "user:password@host:path", and the values of a
// query string or fragment ("?access_token=...").
func redact(raw string) string {
	s := raw
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i] + hideValues(s[i:])
	}
	if i := strings.Index(s, "://"); i > 0 {
		rest := s[i+3:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		at := strings.LastIndexByte(rest[:end], '@')
		if at < 0 {
			return s
		}
		userinfo := rest[:at]
		switch strings.ToLower(s[:i]) {
		case "ssh", "ssh+git", "git+ssh":
			if user, _, ok := strings.Cut(userinfo, ":"); ok {
				userinfo = user + ":***"
			}
		default:
			userinfo = "***"
		}
		return s[:i+3] + userinfo + rest[at:]
	}
	if c := strings.IndexByte(s, ':'); c >= 0 && !strings.ContainsAny(s[:c], "@/") && looksLikeCredentials(s[c+1:]) {
		after := s[c+1:]
		return s[:c+1] + "***" + after[strings.IndexByte(after, '@'):]
	}
	return s
}

// hideValues replaces every "=value" in a query string or fragment with
// "=***".
func hideValues(q string) string {
	var b strings.Builder
	hiding := false
	for _, r := range q {
		switch {
		case r == '&' || r == ';' || r == '#' || r == '?':
			hiding = false
			b.WriteRune(r)
		case hiding:
		case r == '=':
			hiding = true
			b.WriteString("=***")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
