// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package sshkey generates the SSH key pairs that the control plane issues as
// deploy keys for external Git repositories.
package sshkey

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// KeyType names an SSH key algorithm the way Divio's API does.
type KeyType string

const (
	ED25519 KeyType = "ED25519"
	ECDSA   KeyType = "ECDSA" // NIST P-256
	RSA     KeyType = "RSA"   // 3072 bits
)

// rsaBits follows ssh-keygen's current default for RSA keys.
const rsaBits = 3072

// KeyTypes lists the supported key types in the order the API documents them.
func KeyTypes() []KeyType { return []KeyType{ED25519, ECDSA, RSA} }

// ParseKeyType accepts a key type name in any letter case.
func ParseKeyType(s string) (KeyType, error) {
	for _, t := range KeyTypes() {
		if strings.EqualFold(s, string(t)) {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown SSH key type %q (want one of ED25519, ECDSA, RSA)", s)
}

// KeyPair is a freshly generated key in the forms the control plane stores.
type KeyPair struct {
	Type KeyType
	// AuthorizedKey is one authorized_keys line: no comment, no trailing newline.
	AuthorizedKey string
	// FingerprintSHA256 is "SHA256:<unpadded base64>", as ssh-keygen -lf prints it.
	FingerprintSHA256 string
	// PrivateKeyPEM is the unencrypted private key in OpenSSH format.
	PrivateKeyPEM []byte
}

// Generate creates a new key pair of type t from crypto/rand.
func Generate(t KeyType) (*KeyPair, error) {
	private, err := generatePrivateKey(t)
	if err != nil {
		return nil, fmt.Errorf("generate %s key: %w", t, err)
	}
	public, err := ssh.NewPublicKey(private.Public())
	if err != nil {
		return nil, fmt.Errorf("encode %s public key: %w", t, err)
	}
	block, err := ssh.MarshalPrivateKey(private, "")
	if err != nil {
		return nil, fmt.Errorf("encode %s private key: %w", t, err)
	}
	return &KeyPair{
		Type:              t,
		AuthorizedKey:     strings.TrimSuffix(string(ssh.MarshalAuthorizedKey(public)), "\n"),
		FingerprintSHA256: ssh.FingerprintSHA256(public),
		PrivateKeyPEM:     pem.EncodeToMemory(block),
	}, nil
}

func generatePrivateKey(t KeyType) (crypto.Signer, error) {
	switch t {
	case ED25519:
		_, private, err := ed25519.GenerateKey(rand.Reader)
		return private, err
	case ECDSA:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case RSA:
		return rsa.GenerateKey(rand.Reader, rsaBits)
	default:
		return nil, fmt.Errorf("unknown SSH key type %q", string(t))
	}
}
