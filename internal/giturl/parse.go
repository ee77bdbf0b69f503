// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package giturl holds the rules for the URL of an external Git repository
// that Divio clones: which spellings are accepted, why the others are refused
// (with a message a user can act on), and the canonical form used to decide
// whether two spellings name the same remote.
//
// The provider's plan-time validators and the control plane both use it, so
// the rules exist once. It knows nothing of Terraform or HTTP.
//
// Git's own reading of a URL (connect.c, transport.c) is the reference: any
// input that Git would read as a local path, a transport helper or a
// command-line option for ssh is refused, as is anything that carries
// credentials, since Divio authenticates with a deploy key (SSH) or with the
// username and token set beside the URL (HTTPS).
//
// The files: parse.go (syntax), hosts.go (the HTTPS-with-password rule and
// the SSH suggestion), canonical.go (canonical and printable forms),
// messages.go (every message wording).
package giturl

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Scheme is the transport Divio uses to reach the repository.
type Scheme string

const (
	SSH   Scheme = "ssh"
	HTTPS Scheme = "https"
)

// MaxLength is the longest input accepted, in bytes. Real clone URLs are far
// shorter; the limit keeps messages and stored state small.
const MaxLength = 2048

// URL is an accepted repository URL, split into the parts Git uses.
type URL struct {
	Scheme   Scheme
	User     string // ssh user, e.g. "git"; empty when not given (always empty for https)
	Host     string // lower-case, no brackets for IPv6, no trailing dot
	Port     int    // 0 when not given or default
	Path     string // as it will be sent to the server: starts with "/" for absolute paths, "~/" (or "~user/") for home-relative ones; escapes as in Canonical
	SCPStyle bool   // written as user@host:path
	Raw      string // the input
}

// Error is a refusal. Message is a full sentence (or two) meant for the user:
// it says what is wrong and what to write instead. Input is the refused input
// with any password, token or query value replaced by "***", so that an
// Error can be logged.
type Error struct {
	Input   string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Parse applies every syntax rule to raw. It refuses with an *Error.
// Parse does not apply the HTTPS-with-password rule; Validate does.
func Parse(raw string) (*URL, error) {
	if err := checkText(raw); err != nil {
		return nil, err
	}
	if scheme, rest, ok := splitScheme(raw); ok {
		switch scheme {
		case "ssh":
			return parseAuthorityURL(raw, SSH, rest)
		case "https":
			return parseAuthorityURL(raw, HTTPS, rest)
		case "http":
			return nil, errHTTP(raw, rest)
		case "git":
			return nil, errGitProtocol(raw, rest)
		case "file":
			return nil, errFileScheme(raw)
		case "ssh+git", "git+ssh":
			return nil, errSSHAlias(raw, scheme, rest)
		default:
			return nil, errUnsupportedScheme(raw, scheme)
		}
	}
	if strings.HasPrefix(raw, "://") {
		return nil, errMissingScheme(raw)
	}
	if isLocalPath(raw) {
		return nil, errLocalPath(raw)
	}
	if !looksSCP(raw) {
		return nil, errNoScheme(raw)
	}
	return parseSCP(raw)
}

// checkText holds the rules that apply to the input as a whole, before it is
// split into parts.
func checkText(raw string) error {
	switch {
	case len(raw) > MaxLength:
		return errTooLong(raw)
	case raw == "":
		return errEmpty()
	case !utf8.ValidString(raw):
		return errInvalidUTF8(raw)
	}
	// Before the character check: "ext::sh -c ..." contains spaces, but the
	// helper syntax is what the user needs to hear about.
	if transport, ok := transportHelper(raw); ok {
		return errTransportHelper(raw, transport)
	}
	if pos, r, ok := firstRefusedRune(raw); ok {
		return errRefusedChar(raw, r, pos)
	}
	return nil
}

// transportHelper reports whether Git would hand raw to a remote helper
// program ("<transport>::<address>", e.g. ext::, fd::). Git requires a
// scheme-like name before "::"; any run of name characters (even an empty
// one) is refused here.
func transportHelper(raw string) (string, bool) {
	i := strings.Index(raw, "::")
	if i < 0 {
		return "", false
	}
	for _, c := range []byte(raw[:i]) {
		if !isAlnum(c) && !strings.ContainsRune("+-._", rune(c)) {
			return "", false
		}
	}
	return raw[:i], true
}

// refusedRune is whitespace, control characters (NUL included) and invisible
// formatting characters such as zero-width spaces and bidi overrides, which
// would make the URL read differently from what it is.
func refusedRune(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

// firstRefusedRune returns the 0-based rune position of the first refused
// rune in s.
func firstRefusedRune(s string) (int, rune, bool) {
	pos := 0
	for _, r := range s {
		if refusedRune(r) {
			return pos, r, true
		}
		pos++
	}
	return 0, 0, false
}

// splitScheme recognises "<scheme>://" the way Git does (is_url), returning
// the scheme lower-cased and the text after "://".
func splitScheme(raw string) (string, string, bool) {
	i := strings.Index(raw, "://")
	if i <= 0 || !isSchemeName(raw[:i]) {
		return "", "", false
	}
	return strings.ToLower(raw[:i]), raw[i+3:], true
}

func isSchemeName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for _, c := range []byte(s) {
		if !isAlnum(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// isLocalPath recognises what Git (on any platform) reads as a path on the
// local disk: absolute, UNC and drive-letter paths, and relative or
// home-relative ones ("./repo", "~/repo"; but ".x@host:y" is scp-style, as
// for Git). A single letter before ":" is a Windows drive ("C:repo"), never
// a host.
func isLocalPath(raw string) bool {
	switch raw[0] {
	case '/', '\\':
		return true
	case '.', '~':
		return !looksSCP(raw)
	}
	return len(raw) >= 2 && isAlpha(raw[0]) && raw[1] == ':'
}

// looksSCP is Git's url_is_local_not_ssh the other way round: a ":" with no
// "/" before it makes an scp-style address.
func looksSCP(raw string) bool {
	colon := strings.IndexByte(raw, ':')
	slash := strings.IndexByte(raw, '/')
	return colon >= 0 && (slash < 0 || colon < slash)
}

// parseAuthorityURL parses the text after "ssh://" or "https://".
func parseAuthorityURL(raw string, scheme Scheme, rest string) (*URL, error) {
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		return nil, errQueryOrFragment(raw)
	}
	authority, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	u := &URL{Scheme: scheme, Raw: raw}
	hostport := authority
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		userinfo := authority[:at]
		hostport = authority[at+1:]
		if scheme == HTTPS {
			// Any user name is refused: with GitHub-style hosts a token
			// alone is a valid user name, so it is a credential too.
			clean := "https://" + hostport + path
			if strings.Contains(userinfo, ":") {
				return nil, errHTTPSCredentials(raw, clean)
			}
			return nil, errHTTPSUser(raw, clean)
		}
		if user, _, hasPassword := strings.Cut(userinfo, ":"); hasPassword {
			return nil, errSSHPassword(raw, "ssh://"+user+"@"+hostport+path)
		}
		if err := checkUser(raw, userinfo); err != nil {
			return nil, err
		}
		u.User = userinfo
	}
	host, portText, hasPort, err := splitHostPort(raw, hostport)
	if err != nil {
		return nil, err
	}
	if u.Host, err = checkHost(raw, host); err != nil {
		return nil, err
	}
	if hasPort {
		if u.Port, err = parsePort(raw, scheme, portText, u.User, host, path); err != nil {
			return nil, err
		}
		if u.Port == defaultPort(scheme) {
			u.Port = 0
		}
	}
	if u.Path, err = urlPath(raw, scheme, path); err != nil {
		return nil, err
	}
	return u, nil
}

func defaultPort(s Scheme) int {
	if s == HTTPS {
		return 443
	}
	return 22
}

// splitHostPort splits "host", "host:port", "[v6]" or "[v6]:port". The host
// keeps its brackets for checkHost.
func splitHostPort(raw, hostport string) (host, port string, hasPort bool, err error) {
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return "", "", false, errUnclosedBracket(raw)
		}
		host, after := hostport[:end+1], hostport[end+1:]
		if after == "" {
			return host, "", false, nil
		}
		if after[0] != ':' {
			return "", "", false, errAfterIPv6(raw, after)
		}
		return host, after[1:], true, nil
	}
	host, port, hasPort = strings.Cut(hostport, ":")
	if hasPort && strings.Contains(port, ":") {
		if _, err := netip.ParseAddr(hostport); err == nil {
			return "", "", false, errIPv6NeedsBrackets(raw, hostport)
		}
	}
	return host, port, hasPort, nil
}

// parsePort accepts 1 to 65535; leading zeros are tolerated (ssh reads "022"
// as 22) and dropped.
func parsePort(raw string, scheme Scheme, text, user, host, path string) (int, error) {
	if text == "" {
		return 0, errEmptyPort(raw)
	}
	for _, c := range []byte(text) {
		if !isDigit(c) {
			return 0, errPortNotNumber(raw, scheme, text, user, host, path)
		}
	}
	trimmed := strings.TrimLeft(text, "0")
	if len(trimmed) > 5 {
		return 0, errPortRange(raw, text)
	}
	n, _ := strconv.Atoi(trimmed) // "" (all zeros) gives 0
	if n < 1 || n > 65535 {
		return 0, errPortRange(raw, text)
	}
	return n, nil
}

// checkUser refuses user names that ssh could misread: Git passes
// "user@host" to ssh as one argument, so a leading "-" is an option.
func checkUser(raw, user string) error {
	if user == "" {
		return errEmptyUser(raw)
	}
	if user[0] == '-' {
		return errOptionInjection(raw, "user name", user, false)
	}
	if dec, ok := decodedLeadingDash(user); ok {
		return errOptionInjection(raw, "user name", dec, true)
	}
	for _, c := range []byte(user) {
		if !isAlnum(c) && !strings.ContainsRune("._+-", rune(c)) {
			return errUserChars(raw, user)
		}
	}
	return nil
}

// checkHost validates a host as written (brackets included for IPv6) and
// returns it normalised: lower-case, no trailing dot, IPv6 in its shortest
// form without brackets.
func checkHost(raw, host string) (string, error) {
	if host == "" {
		return "", errEmptyHost(raw)
	}
	if host[0] == '[' {
		inner := strings.TrimSuffix(host[1:], "]")
		addr, err := netip.ParseAddr(inner)
		if strings.Contains(inner, "%") || err != nil || !addr.Is6() {
			return "", errBadIPv6(raw, host)
		}
		return addr.String(), nil
	}
	if host[0] == '-' {
		return "", errOptionInjection(raw, "host", host, false)
	}
	if dec, ok := decodedLeadingDash(host); ok {
		return "", errOptionInjection(raw, "host", dec, true)
	}
	for _, r := range host {
		switch {
		case r >= utf8.RuneSelf:
			return "", errHostNonASCII(raw, host)
		case r == '%':
			return "", errHostPercent(raw, host)
		case !isAlnum(byte(r)) && r != '.' && r != '-' && r != '_':
			return "", errHostChar(raw, host, r)
		}
	}
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "" {
		return "", errEmptyHost(raw)
	}
	labels := strings.Split(h, ".")
	for _, label := range labels {
		if label == "" {
			return "", errHostLabel(raw, host)
		}
	}
	// A host whose last part is a number is an IPv4 address to resolvers,
	// which also read "2852039166", "0xa9fea9fe" or "127.1": only the plain
	// dotted-decimal form is accepted, so that what is checked is what Git
	// connects to.
	if isNumber(labels[len(labels)-1]) {
		if addr, err := netip.ParseAddr(h); err != nil || !addr.Is4() || addr.String() != h {
			return "", errNumericHost(raw, host)
		}
	}
	return h, nil
}

// isNumber reports a decimal number or a 0x-prefixed hexadecimal one.
func isNumber(label string) bool {
	digits := "0123456789"
	if rest, ok := strings.CutPrefix(label, "0x"); ok {
		label, digits = rest, "0123456789abcdef"
	}
	return strings.Trim(label, digits) == ""
}

// decodedLeadingDash catches "%2D..." in a user or host: Git percent-decodes
// URL-form addresses before handing them to ssh.
func decodedLeadingDash(s string) (string, bool) {
	if !strings.HasPrefix(s, "%") {
		return "", false
	}
	if badEscape(s) != "" {
		return "", false
	}
	dec := unescape(s)
	return dec, strings.HasPrefix(dec, "-")
}

// urlPath checks the path of an ssh:// or https:// URL (starting with "/")
// and returns it as URL.Path.
func urlPath(raw string, scheme Scheme, path string) (string, error) {
	if strings.Trim(path, "/") == "" {
		return "", errEmptyPath(raw)
	}
	if bad := badEscape(path); bad != "" {
		return "", errBadEscape(raw, bad)
	}
	norm := normalizeEscapes(path)
	// Decode, then check: an escape must not smuggle in what is refused
	// when written plainly. Git decodes ssh:// URLs itself.
	dec := unescape(norm)
	if !utf8.ValidString(dec) {
		return "", errDecodedUTF8(raw)
	}
	if _, r, ok := firstRefusedRune(dec); ok {
		return "", errDecodedChar(raw, r)
	}
	if strings.Contains(dec, `\`) {
		return "", errBackslash(raw)
	}
	if strings.Trim(dec, "/") == "" {
		return "", errEmptyPath(raw)
	}
	if seg, ok := dotSegment(dec); ok {
		return "", errDotSegment(raw, seg)
	}
	// "/~" is a home directory to Git over ssh, and no repository over
	// https either; refusing both keeps every https URL expressible over ssh.
	if strings.TrimRight(dec, "/") == "/~" {
		return "", errHomeOnly(raw)
	}
	if scheme == SSH {
		// Git and go-git decode the whole ssh:// URL, so "%2F" is "/" to
		// them; only what would be misread stays escaped.
		norm = escapeSSHPath(dec)
	}
	norm = strings.TrimRight(norm, "/")
	// Git sends "/~user/x" and "/~/x" without the leading slash, so the
	// server expands the home directory. HTTPS has no such rule.
	if scheme == SSH && strings.HasPrefix(norm, "/~") {
		norm = norm[1:]
	}
	return norm, nil
}

// parseSCP parses "[user@]host:path" and "[user@][v6]:path".
func parseSCP(raw string) (*URL, error) {
	if strings.ContainsAny(raw, "?#") {
		return nil, errQueryOrFragment(raw)
	}
	u := &URL{Scheme: SSH, SCPStyle: true, Raw: raw}
	rest := raw
	if i := strings.IndexAny(raw, "@:["); i >= 0 && raw[i] == '@' {
		if err := checkUser(raw, raw[:i]); err != nil {
			return nil, err
		}
		u.User, rest = raw[:i], raw[i+1:]
	}
	var host, path string
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return nil, errUnclosedBracket(raw)
		}
		if !strings.HasPrefix(rest[end+1:], ":") {
			return nil, errSCPAfterIPv6(raw)
		}
		host, path = rest[:end+1], rest[end+2:]
	} else {
		var found bool
		if host, path, found = strings.Cut(rest, ":"); !found {
			return nil, errNoScheme(raw) // unreachable after looksSCP; kept for safety
		}
	}
	// "alice:secret@host:repo" is, to Git, host "alice" and path
	// "secret@host:repo"; nobody means that.
	if u.User == "" && looksLikeCredentials(path) {
		return nil, errSCPCredentials(raw, host, path)
	}
	var err error
	if u.Host, err = checkHost(raw, host); err != nil {
		return nil, err
	}
	if u.User == "" && isSchemeWord(u.Host) {
		return nil, errSchemeWithoutSlashes(raw, u.Host)
	}
	if u.Path, err = scpPath(raw, u, path); err != nil {
		return nil, err
	}
	return u, nil
}

// scpPath checks the path of an scp-style address (the text after the
// host's ":") and returns it as URL.Path.
func scpPath(raw string, u *URL, path string) (string, error) {
	if port, ok := leadingPort(path); ok {
		return "", errSCPPort(raw, u, port, path[len(port)+1:])
	}
	if strings.Contains(path, "%") {
		return "", errSCPPercent(raw, u, path)
	}
	if strings.Contains(path, `\`) {
		return "", errBackslash(raw)
	}
	if strings.HasPrefix(path, "-") {
		return "", errOptionInjection(raw, "path", path, false)
	}
	path = strings.TrimRight(path, "/")
	if path == "" {
		return "", errEmptyPath(raw)
	}
	if seg, ok := dotSegment(path); ok {
		return "", errDotSegment(raw, seg)
	}
	// Git (connect.c) skips the first character of an ssh path whose
	// second character is "~": "/~/x" becomes "~/x" as in ssh:// URLs, but
	// "a~b" becomes "~b", another user's home. Refuse the surprising case.
	if len(path) >= 2 && path[1] == '~' {
		if path[0] != '/' {
			return "", errSCPTilde(raw, u, path)
		}
		path = path[1:]
	}
	switch {
	case path == "~":
		return "", errHomeOnly(raw)
	case strings.HasPrefix(path, "~"), strings.HasPrefix(path, "/"):
		return path, nil
	case isPasswordAuthHost(u.Host):
		// These hosts read "acme/site" and "/acme/site" alike.
		return "/" + path, nil
	default:
		// Git sends a relative scp path as is; the server reads it
		// relative to the login's home directory.
		return "~/" + path, nil
	}
}

// leadingPort finds "<1-5 digits>:" at the start of an scp path, which Git
// reads as part of the path and go-git as a port.
func leadingPort(path string) (string, bool) {
	i := 0
	for i < len(path) && i < 6 && isDigit(path[i]) {
		i++
	}
	if i == 0 || i > 5 || i >= len(path) || path[i] != ':' {
		return "", false
	}
	return path[:i], true
}

// looksLikeCredentials reports whether an scp path starts with
// "<something>@<host>:", i.e. the input was "user:password@host:path".
func looksLikeCredentials(path string) bool {
	at := strings.IndexByte(path, '@')
	if at < 0 {
		return false
	}
	if slash := strings.IndexByte(path, '/'); slash >= 0 && slash < at {
		return false
	}
	return strings.Contains(path[at+1:], ":")
}

// isSchemeWord catches "https:/host/x" and "ssh:host/x", which Git would read
// as scp-style with host "https" or "ssh".
func isSchemeWord(host string) bool {
	switch host {
	case "ssh", "https", "http", "git", "file":
		return true
	}
	return false
}

// dotSegment finds a "." or ".." path segment.
func dotSegment(path string) (string, bool) {
	for _, seg := range strings.Split(path, "/") {
		if seg == "." || seg == ".." {
			return seg, true
		}
	}
	return "", false
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlnum(c byte) bool { return isAlpha(c) || isDigit(c) }
