// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

// Every message wording lives here. Messages reach users through the
// control plane's API and Terraform diagnostics: full sentences, what is
// wrong and what to do about it, the offending value quoted. They never
// contain the private key or the token (Check redacts them as a last line
// of defence, see redactSecrets); text a Git host sent is shortened and
// cleaned of control characters before it is quoted.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
)

// Reasons for refused names; they follow "The host %q is ".
const (
	reasonMetadataName  = "the name of a cloud metadata service"
	reasonLocalhostName = "a name of the loopback interface (the platform's own machine)"
)

const notReachable = "which is not reachable from the Divio platform"

// describe says what kind of address addr is; it follows "<addr> is ".
func describe(kind addrKind, addr netip.Addr) string {
	switch kind {
	case kindLoopback:
		return "a loopback address (the platform's own machine)"
	case kindPrivate:
		if addr.Is4() {
			return "a private network address (RFC 1918)"
		}
		return "a private network address (fc00::/7 unique local, or local-use NAT64)"
	case kindLinkLocal:
		if addr.Is4() {
			return "a link-local address (169.254.0.0/16, where cloud metadata services such as 169.254.169.254 answer)"
		}
		return "a link-local address (fe80::/10)"
	case kindCGNAT:
		return "a carrier-grade NAT address (100.64.0.0/10, RFC 6598), used inside provider networks"
	case kindUnspecified:
		return "the unspecified address"
	case kindMulticast:
		return "a multicast address"
	case kindBroadcast:
		return "the broadcast address"
	case kindReserved:
		return "a reserved address that is not routed on the internet"
	}
	return "a public address"
}

const useReachableHost = "Use the public host name of your Git host: Divio connects to it from the internet, so a host on a private network cannot be used."

func msgForbiddenAddress(host, reason string) string {
	return fmt.Sprintf("The host %s in the repository URL is %s, %s. %s", hostForMessage(host), reason, notReachable, useReachableHost)
}

func msgForbiddenResolved(host string, addr netip.Addr, reason string) string {
	return fmt.Sprintf("The host %q resolves to %s, %s, %s. %s", host, addr, reason, notReachable, useReachableHost)
}

func msgForbiddenName(host, reason string) string {
	return fmt.Sprintf("The host %q in the repository URL is %s, %s. %s", host, reason, notReachable, useReachableHost)
}

// hostForMessage writes an IPv6 address in brackets, as in URLs.
func hostForMessage(host string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
}

const checkHostPort = "Check the host name and port in the repository URL, and that the Git host accepts connections from the internet."

// The functions below take any text that comes from elsewhere (errors,
// hosts, user input) already quoted: cleaned and with secrets removed (see
// run.quote). quote is that function where a detail is chosen here.

func msgNotResolved(host, detail string) string {
	return fmt.Sprintf("The Git host %q could not be found: %s. Check the host name in the repository URL.", host, detail)
}

func resolveDetail(err error, quote func(string) string) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && !dnsErr.IsNotFound {
		return "the name could not be looked up (" + quote(dnsErr.Err) + ")"
	}
	return "the name does not resolve"
}

func msgConnect(host string, port int, detail string) string {
	return fmt.Sprintf("The Git host %s could not be reached on port %d: %s. %s", hostForMessage(host), port, detail, checkHostPort)
}

func connectDetail(err error, quote func(string) string) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the connection was refused"
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return "the network is unreachable"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "the connection timed out"
	case err == nil:
		return "no address answered"
	}
	return quote(err.Error())
}

// operation is what a run does, named in the messages every run can end
// with (timeouts, cancellations, unexpected failures).
type operation int

const (
	opCheck  operation = iota // the access check
	opSync                    // Sync
	opLookup                  // RemoteBranchExists
)

// name follows "did not complete" and "failed": "the access check".
func (o operation) name() string {
	switch o {
	case opSync:
		return "the update of the platform's copy of the repository"
	case opLookup:
		return "the branch lookup"
	}
	return "the access check"
}

// sentence starts a sentence with the name.
func (o operation) sentence() string {
	n := o.name()
	return strings.ToUpper(n[:1]) + n[1:]
}

func msgTimeout(host string, port int, op operation, timeout time.Duration) string {
	return fmt.Sprintf("The Git host %s (port %d) did not complete %s within %s. %s Then try again.",
		hostForMessage(host), port, op.name(), timeout, checkHostPort)
}

func msgCancelled(op operation) string {
	return op.sentence() + " was cancelled before it finished. Try again."
}

func msgSSHHandshake(host string, port int, detail string) string {
	return fmt.Sprintf("The SSH connection to %s on port %d failed (%s). Check that the repository URL names the Git host's SSH port (usually 22) and that the host accepts SSH connections from the internet.",
		hostForMessage(host), port, detail)
}

func msgRedirect(host, to string) string {
	return fmt.Sprintf("The Git host %s redirected the request to %q. Divio does not follow redirects to another host, port or scheme: use the repository's clone URL as shown by the Git host where the repository lives now.",
		hostForMessage(host), to)
}

func msgTLS(host, detail string) string {
	return fmt.Sprintf("A secure HTTPS connection to %s could not be established: %s. Divio verifies certificates: the Git host must present a valid certificate for %q from a public certificate authority. Otherwise use an SSH URL.",
		hostForMessage(host), detail, host)
}

// authCausesSSH follows "The most likely causes:" in SSH authentication errors.
func authCausesSSH(keyFingerprint string) string {
	key := "the deploy key"
	if keyFingerprint != "" {
		key = fmt.Sprintf("the deploy key (fingerprint %s)", keyFingerprint)
	}
	return fmt.Sprintf("(1) %s is not installed on the Git host for this repository: add its public key as a deploy key, with write access; "+
		"(2) the deploy key does not have write access to the repository (\"Allow write access\" on GitHub, \"Grant write permissions to this key\" on GitLab); "+
		"(3) the repository URL is wrong: Git hosts answer \"repository not found\" to keys that have no access. Check these values and try again.", key)
}

func msgAuthSSH(host, repo, keyFingerprint, said string) string {
	return fmt.Sprintf("Authentication error: the Git host %s refused access to the repository %q over SSH. The most likely causes: %s%s",
		hostForMessage(host), repo, authCausesSSH(keyFingerprint), hostSaidSuffix(said))
}

func msgAuthHTTPS(host, repo, username, said string) string {
	user := "without a username"
	if username != "" {
		user = fmt.Sprintf("for the user %q", username)
	}
	return fmt.Sprintf("Authentication error: the Git host %s refused access to the repository %q over HTTPS %s. The most likely causes: "+
		"(1) the username or the personal access token is wrong, expired or revoked; "+
		"(2) the token does not grant read and write access to this repository; "+
		"(3) the repository URL is wrong: Git hosts answer \"not found\" when the credentials have no access. Check these values and try again.%s",
		hostForMessage(host), repo, user, hostSaidSuffix(said))
}

const writeFix = "Write access is required to set the repository up; once it is set up, you may instead turn write_access off to use the repository read-only."

func msgWriteDeniedSSH(host, keyFingerprint, said string) string {
	key := "the deploy key"
	if keyFingerprint != "" {
		key = fmt.Sprintf("the deploy key (fingerprint %s)", keyFingerprint)
	}
	return fmt.Sprintf("Authentication error: the deploy key can read the repository but not write to it (the Git host %s refused to start a push). "+
		"Allow write access on %s at the Git host (\"Allow write access\" on GitHub, \"Grant write permissions to this key\" on GitLab). %s%s",
		hostForMessage(host), key, writeFix, hostSaidSuffix(said))
}

func msgWriteDeniedHTTPS(host, username, said string) string {
	return fmt.Sprintf("Authentication error: the personal access token of %q can read the repository but not write to it (the Git host %s refused to start a push). "+
		"Give the token write access to the repository. %s%s",
		username, hostForMessage(host), writeFix, hostSaidSuffix(said))
}

func hostSaidSuffix(said string) string {
	if said == "" {
		return ""
	}
	return fmt.Sprintf(" The Git host said: %q.", said)
}

const hostKeyWarning = "A changed host key is expected when the Git host replaces its keys, but it is also what an attacker intercepting the connection looks like, so Divio does not accept it silently."

func msgHostKeyChanged(host, pinned, now string) string {
	return fmt.Sprintf("The SSH host key of %s has changed: Divio pinned the key %s when it first reached the repository, but the host now presents %s. %s "+
		"Compare %s with the fingerprints your Git host publishes; if they match, set the expected host key fingerprint to %s to accept the new key.",
		hostForMessage(host), pinned, now, hostKeyWarning, now, now)
}

func msgHostKeyTypeGone(host, keyType, pinned, now string) string {
	presents := "Divio could not see its new key"
	if now != "" {
		presents = "it now presents " + now
	}
	return fmt.Sprintf("The SSH host key of %s has changed: Divio pinned the %s key %s, but the host no longer offers a key of that type; %s. %s "+
		"Compare the new fingerprint with the ones your Git host publishes; if it matches, set the expected host key fingerprint to it to accept the new key.",
		hostForMessage(host), keyType, pinned, presents, hostKeyWarning)
}

func msgHostKeyNotExpected(host, expected string, seen []string) string {
	return fmt.Sprintf("The SSH host key of %s does not have the expected fingerprint %s: the host presents %s. "+
		"Check the expected fingerprint against the ones your Git host publishes, and that the repository URL names the right host.",
		hostForMessage(host), expected, strings.Join(seen, " and "))
}

func msgBadExpectedFingerprint(fp string) string {
	return fmt.Sprintf("The expected host key fingerprint %q is not a SHA-256 fingerprint. Write it as ssh-keygen -lf prints it, \"SHA256:\" followed by 43 base64 characters.", fp)
}

func msgBadPinnedKey(detail string) string {
	return fmt.Sprintf("The pinned SSH host key could not be read (%s), so the host cannot be verified.", detail)
}

func msgNoDeployKey(repo string) string {
	return fmt.Sprintf("No deploy key was given for the SSH URL %q. Create a deploy key for the application and add its public key to the Git host.", repo)
}

func msgBadPrivateKey(detail string) string {
	return fmt.Sprintf("The deploy key's private key could not be read (%s), so Divio cannot log into the Git host. Create a new deploy key.", detail)
}

const trackingBranchRule = "If the application uses custom tracking branches, the branch of its Test environment must exist at the remote."

func msgBranchMissing(branch, repo string, available []string) string {
	found := ""
	if len(available) > 0 {
		found = " Branches found: " + listNames(available, 10) + "."
	}
	return fmt.Sprintf("The remote repository requires a branch: %q has no branch %q. Push the branch (git push <remote> %s) or set the branch Divio should use. %s%s",
		repo, branch, branch, trackingBranchRule, found)
}

func msgEmptyRepository(branch, repo string) string {
	return fmt.Sprintf("The remote repository requires a branch: %q has no commits or branches yet. Create the branch %q with a first commit (for a new application, one holding only a readme file such as README.md, as Git hosts create it) and push it. %s",
		repo, branch, trackingBranchRule)
}

func msgInvalidBranch(branch string) string {
	return fmt.Sprintf("The remote repository requires a branch, but %q is not a valid Git branch name. Use the name of an existing branch, such as %q.",
		branch, DefaultBranch)
}

// msgBranchNotEmpty explains a refusal by the new-application rule
// (newapp.go): what the branch may hold, what breaks the rule, the fix.
func msgBranchNotEmpty(branch string, p newApplicationProblems) string {
	var dups []string
	if len(p.readmes) > 0 {
		dups = append(dups, fmt.Sprintf("%d readme files (%s)", len(p.readmes), listNames(p.readmes, maxListedEntries)))
	}
	if len(p.licences) > 0 {
		dups = append(dups, fmt.Sprintf("%d licence files (%s)", len(p.licences), listNames(p.licences, maxListedEntries)))
	}
	holds := "holds " + strings.Join(dups, " and ")
	switch {
	case len(p.others) > 0 && len(dups) == 0:
		holds = "also holds " + listNames(p.others, maxListedEntries)
	case len(p.others) > 0:
		holds += " and also " + listNames(p.others, maxListedEntries)
	}
	return fmt.Sprintf("The branch %q of a new Divio application may hold only a single readme file, a single licence file and dot files, but it %s. "+
		"A readme file is README and a licence file is LICENSE, LICENCE or COPYING, each bare or ending in %s, in any letter case; "+
		"dot files are files (not directories) whose names start with a dot, such as .gitignore. "+
		"Remove the other entries from the branch, keeping at most one readme file and one licence file, or start from a new repository holding only the README that the Git host creates with it. "+
		"If the repository already holds your application's code, migrate the existing application to it instead.",
		branch, holds, textFileEndingsWords())
}

// maxListedEntries is how many entries msgBranchNotEmpty names per list.
const maxListedEntries = 20

// textFileEndingsWords is textFileEndings in words: ".md, .markdown, .rst or .txt".
func textFileEndingsWords() string {
	var endings []string
	for _, e := range textFileEndings {
		if e != "" {
			endings = append(endings, e)
		}
	}
	if len(endings) < 2 {
		return strings.Join(endings, "")
	}
	return strings.Join(endings[:len(endings)-1], ", ") + " or " + endings[len(endings)-1]
}

func msgTooLarge(branch string, limit int64) string {
	return fmt.Sprintf("The Git host sent more than the %s Divio reads during the access check, which fetches only the tip of the branch %q. If your Git host supports partial clone (uploadpack.allowFilter), enable it: Divio then fetches no file contents.",
		formatBytes(limit), branch)
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func msgInternal(op operation, detail string) string {
	return fmt.Sprintf("%s failed unexpectedly: %s. Try again; if it keeps failing, contact Divio support.", op.sentence(), detail)
}

func msgSuccess(branch, commit string, write bool) string {
	access := "can read"
	if write {
		access = "can read and write"
	}
	return fmt.Sprintf("Divio %s the repository; the branch %q is at commit %s.", access, branch, shortHash(commit))
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// listNames joins names, quoted, showing at most limit of them.
func listNames(names []string, limit int) string {
	quoted := make([]string, 0, min(len(names), limit))
	for i, n := range names {
		if i == limit {
			break
		}
		quoted = append(quoted, strconv.Quote(n))
	}
	s := strings.Join(quoted, ", ")
	if len(names) > limit {
		s += fmt.Sprintf(" and %d more", len(names)-limit)
	}
	return s
}

// maxHostText bounds quoted text from a Git host or an error.
const maxHostText = 300

// cleanHostText makes text from elsewhere (a host's stderr, an error)
// fit in a message: one line, no control characters, no HTML page, at
// most maxHostText characters.
func cleanHostText(s string) string {
	lower := strings.ToLower(s)
	if strings.Contains(lower, "<html") || strings.Contains(lower, "<!doctype") {
		return ""
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxHostText {
		s = string(r[:maxHostText]) + "…"
	}
	return s
}

// quoteExternal prepares text from elsewhere (a host, an error, user
// input) for a message: secrets removed, then cleaned.
func quoteExternal(s string, a Auth) string {
	return cleanHostText(redactSecrets(s, a, 1))
}

// redactSecrets replaces the token (if at least minToken bytes long) and the
// private key (whole, or any of its lines) in s. Text from elsewhere is
// redacted when it is quoted (quoteExternal); Check redacts the finished
// message once more, as a last line of defence, sparing tokens so short
// that they could be a word of the message itself.
func redactSecrets(s string, a Auth, minToken int) string {
	if a.HTTPSToken != "" && len(a.HTTPSToken) >= minToken {
		s = strings.ReplaceAll(s, a.HTTPSToken, "***")
	}
	if key := strings.TrimSpace(string(a.SSHPrivateKey)); key != "" {
		s = strings.ReplaceAll(s, key, "***")
		for _, line := range strings.Split(key, "\n") {
			if line = strings.TrimSpace(line); len(line) >= 16 && !strings.HasPrefix(line, "-----") {
				s = strings.ReplaceAll(s, line, "***")
			}
		}
	}
	return s
}

// Sync and RemoteBranchExists.

func msgNoPinnedHostKey(host string) string {
	return fmt.Sprintf("No SSH host key is pinned for %s, so the host cannot be verified: Divio only pulls from a host whose key an access check has pinned. "+
		"Run the access check of the repository first.", hostForMessage(host))
}

func msgSyncCreated(branch, head string) string {
	return fmt.Sprintf("The platform's copy of the branch %q was created at commit %s.", branch, shortHash(head))
}

func msgSyncUpToDate(branch, head string) string {
	return fmt.Sprintf("The platform's copy of the branch %q is up to date with the remote at commit %s.", branch, shortHash(head))
}

func msgSyncFastForwarded(branch, from, to string) string {
	return fmt.Sprintf("The platform's copy of the branch %q was updated from commit %s to %s.", branch, shortHash(from), shortHash(to))
}

func msgSyncReset(branch, from, to string, rewritten bool) string {
	if !rewritten {
		return fmt.Sprintf("The platform's copy of the branch %q was reset to the remote's commit %s (it was at %s, which the remote's branch still contains).",
			branch, shortHash(to), shortHash(from))
	}
	return fmt.Sprintf("The platform's copy of the branch %q was reset to the remote's commit %s. It was at %s, which the remote's branch no longer contains: "+
		"history at the remote was rewritten (for example by a force push), and the platform's copy now follows the rewritten history.",
		branch, shortHash(to), shortHash(from))
}

func msgHistoryRewritten(branch, origin, platform string) string {
	return fmt.Sprintf("History at the remote was rewritten (for example by a force push): the remote's branch %q, now at commit %s, no longer contains the platform's head %s. "+
		"Update only fast-forwards, so the platform's copy was left unchanged. Use Reset to origin to make the platform's copy match the remote's branch exactly.",
		branch, shortHash(origin), shortHash(platform))
}

func msgSyncTooLarge(branch string, limit int64) string {
	return fmt.Sprintf("The Git host sent more than the %s Divio reads in one update of the platform's copy of the branch %q. Try again later; if it keeps failing, contact Divio support.",
		formatBytes(limit), branch)
}

func msgMirror(detail string) string {
	return fmt.Sprintf("The platform's copy of the repository could not be read or written (%s). Try again; if it keeps failing, use Reset to origin or contact Divio support.", detail)
}

func msgMirrorDamaged(branch, head string) string {
	return fmt.Sprintf("The platform's copy of the branch %q is damaged: its head commit %s is missing, so Update cannot tell whether the remote's branch still contains it. "+
		"Use Reset to origin to make the platform's copy match the remote's branch again.", branch, shortHash(head))
}

func msgMirrorRebuilt(branch, from, to string) string {
	return fmt.Sprintf("The platform's copy of the branch %q was damaged (its head commit %s was missing) and was reset to the remote's commit %s.",
		branch, shortHash(from), shortHash(to))
}

func msgOriginKeptMoving(branch string) string {
	return fmt.Sprintf("The remote's branch %q changed again and again while the platform's copy was being updated. Try again once pushes to the branch have settled.", branch)
}

func msgNoShallowSupport(host string) string {
	return fmt.Sprintf("The Git host %s no longer supports shallow fetches, which the platform's copy of the repository relies on since its first update. Contact Divio support.",
		hostForMessage(host))
}

func msgBranchExists(branch, commit string) string {
	return fmt.Sprintf("The branch %q exists at the remote, at commit %s.", branch, shortHash(commit))
}
