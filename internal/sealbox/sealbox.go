// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package sealbox encrypts small secrets at rest with XChaCha20-Poly1305.
//
// A sealed value is the random 24-byte nonce followed by the ciphertext and
// its tag. Additional data binds a value to its context (for example the
// UUID of the row that holds it), so a sealed value copied to another row
// does not open.
package sealbox

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
)

// KeySize is the length of a key in bytes.
const KeySize = chacha20poly1305.KeySize

// ErrOpen is returned when a sealed value is damaged, was sealed with another
// key, or with other additional data. The causes are indistinguishable by design.
var ErrOpen = errors.New("sealbox: message authentication failed")

// Box seals and opens values with one key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// New returns a Box for a key of exactly KeySize bytes.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("sealbox: key is %d bytes, want %d", len(key), KeySize)
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("sealbox: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext under a fresh random nonce.
func (b *Box) Seal(plaintext, additionalData []byte) ([]byte, error) {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("sealbox: nonce: %w", err)
	}
	return b.aead.Seal(nonce, nonce, plaintext, additionalData), nil
}

// Open decrypts a value made by Seal with the same key and additional data.
func (b *Box) Open(sealed, additionalData []byte) ([]byte, error) {
	if len(sealed) < b.aead.NonceSize()+b.aead.Overhead() {
		return nil, ErrOpen
	}
	nonce, ciphertext := sealed[:b.aead.NonceSize()], sealed[b.aead.NonceSize():]
	plaintext, err := b.aead.Open(nil, nonce, ciphertext, additionalData)
	if err != nil {
		return nil, ErrOpen
	}
	return plaintext, nil
}

// LoadKeyFile reads a key file: the base64 (standard encoding) of KeySize bytes,
// surrounding white space ignored.
func LoadKeyFile(path string) ([]byte, error) {
	content, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read encryption key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(content)))
	if err != nil {
		return nil, fmt.Errorf("encryption key file %s: not valid base64: %w", path, err)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("encryption key file %s: holds %d bytes, want %d", path, len(key), KeySize)
	}
	return key, nil
}

// CreateKeyFile writes a new random key to path, readable by its owner only.
// It refuses to replace an existing file, since that would make every value
// sealed with the old key unreadable.
func CreateKeyFile(path string) ([]byte, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate encryption key: %w", err)
	}
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create encryption key file: %w", err)
	}
	_, writeErr := file.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	closeErr := file.Close()
	if err := errors.Join(writeErr, closeErr); err != nil {
		_ = os.Remove(path) // a truncated key file would fail every later start
		return nil, fmt.Errorf("write encryption key file: %w", err)
	}
	return key, nil
}
