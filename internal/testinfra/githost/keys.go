// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package githost

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Access is what a deploy key may do.
type Access int

const (
	ReadWrite Access = iota // fetch and push (git-shell)
	ReadOnly                // fetch only (git-upload-pack)
)

func (a Access) String() string {
	switch a {
	case ReadWrite:
		return "read-write"
	case ReadOnly:
		return "read-only"
	}
	return fmt.Sprintf("Access(%d)", int(a))
}

// ErrKeyNotAuthorized is returned by RevokeKey for a key that is not authorized.
var ErrKeyNotAuthorized = errors.New("githost: key is not authorized")

// readOnlyScript is the forced command of read-only keys. The client's
// command arrives in SSH_ORIGINAL_COMMAND; only `git-upload-pack '<path>'`
// (clone, fetch, ls-remote) is handed on to git-shell, which in turn refuses
// anything that is not exactly one quoted argument.
const readOnlyScript = `#!/bin/sh
# Forced command for read-only deploy keys, written by githost.
case "$SSH_ORIGINAL_COMMAND" in
"git-upload-pack '"*"'")
	exec %s -c "$SSH_ORIGINAL_COMMAND"
	;;
esac
echo "githost: this deploy key is read-only; refused: ${SSH_ORIGINAL_COMMAND:-an interactive login}" >&2
exit 1
`

type authorizedKey struct {
	pub     ssh.PublicKey
	comment string
	access  Access
}

func keyID(k ssh.PublicKey) string { return string(k.Marshal()) }

// AuthorizeKey installs publicKey (an authorized_keys line without options,
// e.g. "ssh-ed25519 AAAA... comment") as a deploy key with the given access,
// or changes the access of a key already installed. sshd reads
// authorized_keys on every login, so this takes effect at once.
func (h *Host) AuthorizeKey(publicKey string, access Access) error {
	if access != ReadWrite && access != ReadOnly {
		return fmt.Errorf("githost: unknown access %v", access)
	}
	pub, comment, options, _, err := ssh.ParseAuthorizedKey([]byte(publicKey))
	if err != nil {
		return fmt.Errorf("githost: parsing public key: %w", err)
	}
	if len(options) > 0 {
		return fmt.Errorf("githost: public key has authorized_keys options %q; pass the bare key", options)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	id := keyID(pub)
	found := false
	for i := range h.keys {
		if keyID(h.keys[i].pub) == id {
			h.keys[i].access, found = access, true
		}
	}
	if !found {
		h.keys = append(h.keys, authorizedKey{pub: pub, comment: comment, access: access})
	}
	return h.writeAuthorizedKeysLocked()
}

// RevokeKey removes a deploy key. It returns ErrKeyNotAuthorized if the key
// is not installed.
func (h *Host) RevokeKey(publicKey string) error {
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(publicKey))
	if err != nil {
		return fmt.Errorf("githost: parsing public key: %w", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	id := keyID(pub)
	kept := h.keys[:0]
	for _, k := range h.keys {
		if keyID(k.pub) != id {
			kept = append(kept, k)
		}
	}
	if len(kept) == len(h.keys) {
		return ErrKeyNotAuthorized
	}
	h.keys = kept
	return h.writeAuthorizedKeysLocked()
}

// writeAuthorizedKeysLocked replaces authorized_keys by rename, so a login
// racing with a change sees either the old file or the new one.
func (h *Host) writeAuthorizedKeysLocked() error {
	var b strings.Builder
	for _, k := range h.keys {
		command := h.gitShell + ` -c \"$SSH_ORIGINAL_COMMAND\"`
		if k.access == ReadOnly {
			command = h.readOnlyPath()
		}
		line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k.pub)))
		fmt.Fprintf(&b, "command=\"%s\",no-port-forwarding,no-pty,no-agent-forwarding,no-X11-forwarding %s", command, line)
		if k.comment != "" {
			b.WriteString(" " + k.comment)
		}
		b.WriteString("\n")
	}
	return writeFileAtomic(filepath.Join(h.Dir, "authorized_keys"), []byte(b.String()), 0o600)
}

func (h *Host) readOnlyPath() string { return filepath.Join(h.Dir, "git-readonly") }

func (h *Host) writeReadOnlyCommand() error {
	return writeFileAtomic(h.readOnlyPath(), []byte(fmt.Sprintf(readOnlyScript, h.gitShell)), 0o700)
}

// HostKeyFingerprint is the "SHA256:..." fingerprint of the current host key,
// as ssh-keygen -l and ssh print it.
func (h *Host) HostKeyFingerprint() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return ssh.FingerprintSHA256(h.hostPub)
}

// HostPublicKey is the current host key as "ssh-ed25519 AAAA...".
func (h *Host) HostPublicKey() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(h.hostPub)))
}

// KnownHostsLine is a known_hosts line for this host: "[127.0.0.1]:<port>
// ssh-ed25519 AAAA...", the form ssh uses for a port other than 22.
func (h *Host) KnownHostsLine() string {
	return fmt.Sprintf("[127.0.0.1]:%d %s", h.Port, h.HostPublicKey())
}

// RotateHostKey generates a new host key and restarts sshd on the same port,
// so clients that pinned the old key see "host key changed".
func (h *Host) RotateHostKey() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return errors.New("githost: host is closed")
	}
	if err := h.writeHostKeyLocked(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	return h.restart(ctx)
}

func (h *Host) writeHostKey() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.writeHostKeyLocked()
}

func (h *Host) writeHostKeyLocked() error {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	block, err := ssh.MarshalPrivateKey(priv, "githost host key")
	if err != nil {
		return err
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(h.hostKeyPath, pem.EncodeToMemory(block), 0o600); err != nil {
		return err
	}
	if err := writeFileAtomic(h.hostKeyPath+".pub", ssh.MarshalAuthorizedKey(sshPub), 0o644); err != nil {
		return err
	}
	h.hostPub = sshPub
	return nil
}

// writeKeyPair writes a new ed25519 private key in OpenSSH format to path
// (mode 0600, as ssh insists) and its public half to path.pub, and returns
// the public key line.
func writeKeyPair(path, comment string) (string, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return "", err
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return "", err
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))) + " " + comment
	if err := writeFileAtomic(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return "", err
	}
	if err := writeFileAtomic(path+".pub", []byte(line+"\n"), 0o644); err != nil {
		return "", err
	}
	return line, nil
}

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("githost: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("githost: writing %s: %w", path, err)
	}
	return nil
}
