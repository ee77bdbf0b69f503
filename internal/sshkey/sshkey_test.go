// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package sshkey

import (
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestParseKeyType(t *testing.T) {
	for input, want := range map[string]KeyType{"ed25519": ED25519, "Ecdsa": ECDSA, "RSA": RSA} {
		got, err := ParseKeyType(input)
		if err != nil || got != want {
			t.Errorf("ParseKeyType(%q) = %q, %v; want %q", input, got, err, want)
		}
	}
	if _, err := ParseKeyType("DSA"); err == nil {
		t.Error("ParseKeyType(\"DSA\") succeeded; want an error")
	}
}

func TestGenerateRejectsUnknownType(t *testing.T) {
	if _, err := Generate("DSA"); err == nil {
		t.Fatal("Generate(\"DSA\") succeeded; want an error")
	}
}

// TestGenerateMatchesSSHKeygen checks every key type against OpenSSH itself,
// since the fingerprint and key line are what users compare with their Git host.
func TestGenerateMatchesSSHKeygen(t *testing.T) {
	sshKeygen, err := exec.LookPath("ssh-keygen")
	if err != nil {
		t.Fatalf("ssh-keygen is required for this test: %v", err)
	}
	cases := []struct {
		keyType  KeyType
		wireType string
		bits     string
	}{
		{ED25519, ssh.KeyAlgoED25519, "256"},
		{ECDSA, ssh.KeyAlgoECDSA256, "256"},
		{RSA, ssh.KeyAlgoRSA, "3072"},
	}
	for _, tc := range cases {
		t.Run(string(tc.keyType), func(t *testing.T) {
			pair, err := Generate(tc.keyType)
			if err != nil {
				t.Fatal(err)
			}
			if pair.Type != tc.keyType {
				t.Errorf("Type = %q, want %q", pair.Type, tc.keyType)
			}
			if strings.ContainsAny(pair.AuthorizedKey, "\r\n") || len(strings.Fields(pair.AuthorizedKey)) != 2 {
				t.Errorf("AuthorizedKey %q is not one line of exactly type and key", pair.AuthorizedKey)
			}

			publicFile := filepath.Join(t.TempDir(), "key.pub")
			if err := os.WriteFile(publicFile, []byte(pair.AuthorizedKey+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(sshKeygen, "-lf", publicFile).CombinedOutput()
			if err != nil {
				t.Fatalf("ssh-keygen -lf: %v: %s", err, out)
			}
			// Output: "<bits> SHA256:<hash> <comment> (<TYPE>)".
			fields := strings.Fields(string(out))
			if len(fields) < 3 {
				t.Fatalf("unexpected ssh-keygen output %q", out)
			}
			if fields[0] != tc.bits {
				t.Errorf("ssh-keygen reports %s bits, want %s", fields[0], tc.bits)
			}
			if fields[1] != pair.FingerprintSHA256 {
				t.Errorf("fingerprint %q, ssh-keygen says %q", pair.FingerprintSHA256, fields[1])
			}
			if got := fields[len(fields)-1]; got != "("+string(tc.keyType)+")" {
				t.Errorf("ssh-keygen reports type %s, want (%s)", got, tc.keyType)
			}

			public, _, _, _, err := ssh.ParseAuthorizedKey([]byte(pair.AuthorizedKey))
			if err != nil {
				t.Fatal(err)
			}
			if public.Type() != tc.wireType {
				t.Errorf("public key type %q, want %q", public.Type(), tc.wireType)
			}
			assertSignsForPublicKey(t, pair.PrivateKeyPEM, public)
		})
	}
}

func assertSignsForPublicKey(t *testing.T, privatePEM []byte, public ssh.PublicKey) {
	t.Helper()
	if !strings.HasPrefix(string(privatePEM), "-----BEGIN OPENSSH PRIVATE KEY-----") {
		t.Fatalf("private key is not in OpenSSH format: %.40q", privatePEM)
	}
	signer, err := ssh.ParsePrivateKey(privatePEM)
	if err != nil {
		t.Fatalf("parse private key: %v", err)
	}
	if string(signer.PublicKey().Marshal()) != string(public.Marshal()) {
		t.Fatal("private key does not belong to the public key")
	}
	message := []byte("deploy key check")
	signature, err := signer.Sign(rand.Reader, message)
	if err != nil {
		t.Fatal(err)
	}
	if err := public.Verify(message, signature); err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
	if err := public.Verify([]byte("something else"), signature); err == nil {
		t.Fatal("signature verifies for a different message")
	}
}
