// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

// Input rules that more than one endpoint applies, each written once, and
// the messages they share (DRF's wording where DRF has one).

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
	"github.com/divio-community/terraform-provider-divio/internal/gitref"
)

// Messages that more than one endpoint uses.
const (
	msgRequired = "This field is required."
	msgBlank    = "This field may not be blank."
	msgNull     = "This field may not be null."
)

// msgDoesNotExist is DRF's answer for a reference to an object that does
// not exist (or that the user may not see).
func msgDoesNotExist(value string) string {
	return fmt.Sprintf("Object with uuid=%s does not exist.", value)
}

// credentialRule is what a credential (an HTTPS user name or token, a
// webhook's secret) may be.
type credentialRule struct {
	minLength, maxLength int
	// allowed, when set, is the only characters allowed (else any but
	// control characters); refused are characters refused beyond those.
	allowed func(rune) bool
	refused string
	// charsMessage is the message for a character that is not allowed.
	charsMessage string
	// noEdgeSpaces refuses a space at the start or end (with charsMessage).
	noEdgeSpaces bool
}

// validateCredential checks a credential without ever quoting it: not
// blank (empty or white space only: DRF's CharField trims white space
// before it checks), within its lengths, only allowed characters. It
// adds one message, the first rule broken, under field.
func validateCredential(field, value string, rule credentialRule, invalid httpx.ValidationErrors) {
	allowed := rule.allowed
	if allowed == nil {
		allowed = func(r rune) bool { return !unicode.IsControl(r) }
	}
	switch {
	case strings.TrimSpace(value) == "":
		invalid.Add(field, msgBlank)
	case len(value) < rule.minLength:
		invalid.Add(field, fmt.Sprintf("Ensure this field has at least %d characters.", rule.minLength))
	case len(value) > rule.maxLength:
		invalid.Add(field, fmt.Sprintf("Ensure this field has no more than %d characters.", rule.maxLength))
	case strings.ContainsFunc(value, func(r rune) bool { return !allowed(r) }) || strings.ContainsAny(value, rule.refused),
		rule.noEdgeSpaces && (strings.HasPrefix(value, " ") || strings.HasSuffix(value, " ")):
		invalid.Add(field, rule.charsMessage)
	}
}

// validateBranch adds a message under "branch" if name is not a valid
// branch name.
func validateBranch(name string, invalid httpx.ValidationErrors) {
	const field = "branch"
	if name == "" {
		invalid.Add(field, msgBlank)
		return
	}
	if problem := gitref.BranchNameProblem(name); problem != "" {
		invalid.Add(field, fmt.Sprintf("%q is not a valid Git branch name: %s.", name, problem))
	}
}

// hostAddressProblem returns the message for a repository host that is a
// literal IP address the control plane must not connect to (private,
// link-local and metadata, CGNAT, unspecified, multicast, reserved; loopback
// unless allowLoopback), or "". The rules are gitops' own, so that a URL is
// refused at once for the same reasons its access check would refuse it.
// Host names are resolved and checked by the access check, not here.
func hostAddressProblem(host string, allowLoopback bool) string {
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return ""
	}
	allowed, reason := gitops.AddressAllowed(addr, allowLoopback)
	if allowed {
		return ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("The host %s in the repository URL is %s. Use the public name of the Git host: Divio connects to it from the internet.", host, reason)
}
