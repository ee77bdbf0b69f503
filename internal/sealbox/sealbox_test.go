// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package sealbox

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func newTestBox(t *testing.T, fill byte) *Box {
	t.Helper()
	box, err := New(bytes.Repeat([]byte{fill}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return box
}

func TestRoundTrip(t *testing.T) {
	box := newTestBox(t, 1)
	plaintext := []byte("-----BEGIN OPENSSH PRIVATE KEY-----")
	sealed, err := box.Seal(plaintext, []byte("row-1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, plaintext) {
		t.Fatal("sealed value contains the plaintext")
	}
	again, err := box.Seal(plaintext, []byte("row-1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(sealed, again) {
		t.Fatal("sealing twice gave the same bytes; nonces are not fresh")
	}
	opened, err := box.Open(sealed, []byte("row-1"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(opened, plaintext) {
		t.Fatalf("Open = %q, want %q", opened, plaintext)
	}
}

func TestOpenRejects(t *testing.T) {
	box := newTestBox(t, 1)
	sealed, err := box.Seal([]byte("secret"), []byte("row-1"))
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 0x01

	cases := map[string]struct {
		box    *Box
		sealed []byte
		ad     string
	}{
		"tampered ciphertext":    {box, tampered, "row-1"},
		"wrong additional data":  {box, sealed, "row-2"},
		"wrong key":              {newTestBox(t, 2), sealed, "row-1"},
		"shorter than nonce+tag": {box, sealed[:30], "row-1"},
		"empty":                  {box, nil, "row-1"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := tc.box.Open(tc.sealed, []byte(tc.ad)); !errors.Is(err, ErrOpen) {
				t.Fatalf("Open error = %v, want ErrOpen", err)
			}
		})
	}
}

func TestNewRejectsWrongKeyLength(t *testing.T) {
	for _, size := range []int{0, 16, KeySize - 1, KeySize + 1} {
		if _, err := New(make([]byte, size)); err == nil {
			t.Errorf("New with a %d-byte key succeeded", size)
		}
	}
}

func TestKeyFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cp.db.key")
	created, err := CreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode %v, want 0600", perm)
	}
	loaded, err := LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(created, loaded) {
		t.Fatal("loaded key differs from created key")
	}
	if _, err := CreateKeyFile(path); err == nil {
		t.Fatal("CreateKeyFile overwrote an existing file")
	}
	if again, _ := LoadKeyFile(path); !bytes.Equal(again, created) {
		t.Fatal("key file changed after a refused CreateKeyFile")
	}
}

func TestLoadKeyFileRejectsBadContent(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"not base64": "not base64 at all!",
		"too short":  "AAAA",
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadKeyFile(path); err == nil {
			t.Errorf("%s: LoadKeyFile succeeded", name)
		}
	}
	if _, err := LoadKeyFile(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error %v, want one wrapping os.ErrNotExist", err)
	}
}
