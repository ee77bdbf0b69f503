// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

// Which SSH host keys a check accepts (pinned, expected or any on first
// use) and which algorithms it offers to make the host show them.

import (
	"bytes"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Host key algorithms by family. A server has at most one key per family
// (ECDSA aside, where the curve is part of the key type); asking for one
// family at a time makes it show that family's key.
var (
	familyED25519 = []string{ssh.KeyAlgoED25519}
	familyECDSA   = []string{ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521}
	familyRSA     = []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}

	hostKeyFamilies = [][]string{familyED25519, familyECDSA, familyRSA}

	// preferredHostKeyAlgos is the order used when no key is pinned, so
	// the key pinned after the first check is, where the host has one, an
	// ed25519 key. (x/crypto's default prefers ECDSA and RSA.) SHA-1
	// ssh-rsa signatures are not accepted.
	preferredHostKeyAlgos = slices.Concat(hostKeyFamilies...)
)

// algorithmsFor returns the host key algorithms that make a server present
// a key of keyType.
func algorithmsFor(keyType string) []string {
	switch keyType {
	case ssh.KeyAlgoRSA:
		return familyRSA
	default:
		// ssh-ed25519, ecdsa-sha2-nistp256, sk-... : the algorithm is
		// the key type.
		return []string{keyType}
	}
}

// familyOf returns the index in hostKeyFamilies of a key type, or -1.
func familyOf(keyType string) int {
	if keyType == ssh.KeyAlgoRSA {
		keyType = ssh.KeyAlgoRSASHA512
	}
	for i, fam := range hostKeyFamilies {
		for _, algo := range fam {
			if algo == keyType {
				return i
			}
		}
	}
	return -1
}

// hostKeyPolicy decides which host keys a check accepts.
type hostKeyPolicy struct {
	pinned    ssh.PublicKey // nil when none is pinned
	expected  string        // "SHA256:<base64>" without padding, or ""
	rejectAll bool          // only look at the key, never log in
}

func newHostKeyPolicy(pinned, expected string, quote func(string) string) (*hostKeyPolicy, error) {
	p := &hostKeyPolicy{}
	if expected = strings.TrimSpace(expected); expected != "" {
		fp, ok := normalizeFingerprint(expected)
		if !ok {
			return nil, failure(CodeHostKeyMismatch, msgBadExpectedFingerprint(quote(expected)))
		}
		p.expected = fp
		// The expected fingerprint replaces the pin: it is how a user
		// accepts a rotated key.
		return p, nil
	}
	if pinned = strings.TrimSpace(pinned); pinned != "" {
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(pinned))
		if err != nil {
			return nil, failure(CodeInternalError, msgBadPinnedKey(quote(err.Error())))
		}
		p.pinned = key
	}
	return p, nil
}

// normalizeFingerprint accepts "SHA256:<base64>" with or without padding.
func normalizeFingerprint(fp string) (string, bool) {
	b64, ok := strings.CutPrefix(fp, "SHA256:")
	if !ok {
		return "", false
	}
	b64 = strings.TrimRight(b64, "=")
	if len(b64) != 43 {
		return "", false
	}
	for _, c := range b64 {
		if !isStdBase64(c) {
			return "", false
		}
	}
	return "SHA256:" + b64, true
}

func (p *hostKeyPolicy) accepts(key ssh.PublicKey) bool {
	switch {
	case p.rejectAll:
		return false
	case p.expected != "":
		return ssh.FingerprintSHA256(key) == p.expected
	case p.pinned != nil:
		return bytes.Equal(key.Marshal(), p.pinned.Marshal())
	}
	return true // nothing pinned yet: the caller pins what it sees
}

func (p *hostKeyPolicy) algorithms() []string {
	if p.expected == "" && p.pinned != nil {
		return algorithmsFor(p.pinned.Type())
	}
	return preferredHostKeyAlgos
}

// hostKeySeen is the host key a check reports.
type hostKeySeen struct{ key ssh.PublicKey }

func (h hostKeySeen) authorized() string {
	if h.key == nil {
		return ""
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(h.key)))
}

func (h hostKeySeen) fingerprint() string {
	if h.key == nil {
		return ""
	}
	return ssh.FingerprintSHA256(h.key)
}
