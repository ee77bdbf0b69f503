// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

// multiKeyServer is a small SSH Git server in the test process, for what
// githost's sshd cannot show: several host key types at once, and a host
// that allows one session per connection. It runs git-upload-pack and
// git-receive-pack on the requested path for one authorized key.
type multiKeyServer struct {
	port        int
	connections atomic.Int32
}

func hostSigner(t *testing.T, keyType string) ssh.Signer {
	t.Helper()
	var key any
	var err error
	switch keyType {
	case "ed25519":
		_, key, err = ed25519.GenerateKey(rand.Reader)
	case "ecdsa":
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "rsa":
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func authorizedLine(k ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
}

func startMultiKeyServer(t *testing.T, hostKeys []ssh.Signer, client ssh.PublicKey, oneSessionPerConn bool) *multiKeyServer {
	t.Helper()
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if string(key.Marshal()) == string(client.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("unknown key")
		},
	}
	for _, k := range hostKeys {
		cfg.AddHostKey(k)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &multiKeyServer{port: listenerPort(t, l)}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			s.connections.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.serve(conn, cfg, oneSessionPerConn)
			}()
		}
	}()
	return s
}

func (s *multiKeyServer) serve(conn net.Conn, cfg *ssh.ServerConfig, oneSession bool) {
	defer conn.Close()
	_, chans, reqs, err := ssh.NewServerConn(conn, cfg)
	if err != nil {
		return
	}
	go ssh.DiscardRequests(reqs)
	sessions := 0
	for nc := range chans {
		if nc.ChannelType() != "session" || (oneSession && sessions > 0) {
			if err := nc.Reject(ssh.Prohibited, "one session per connection"); err != nil {
				return // the connection is gone
			}
			continue
		}
		sessions++
		ch, chReqs, err := nc.Accept()
		if err != nil {
			return
		}
		go serveGitSession(ch, chReqs)
	}
}

// serveGitSession runs the exec request "git-upload-pack '<path>'" (or
// receive-pack) with the channel as its stdin and stdout.
func serveGitSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	for req := range reqs {
		if req.Type != "exec" {
			if err := req.Reply(false, nil); err != nil {
				return // the channel is gone
			}
			continue
		}
		var payload struct{ Command string }
		if err := ssh.Unmarshal(req.Payload, &payload); err != nil {
			_ = req.Reply(false, nil) // returning closes the channel anyway
			return
		}
		service, quoted, _ := strings.Cut(payload.Command, " ")
		if service != "git-upload-pack" && service != "git-receive-pack" {
			_ = req.Reply(false, nil) // returning closes the channel anyway
			return
		}
		if err := req.Reply(true, nil); err != nil {
			return
		}
		cmd := exec.Command("git", strings.TrimPrefix(service, "git-"), strings.Trim(quoted, "'"))
		cmd.Stdin, cmd.Stdout, cmd.Stderr = ch, ch, ch.Stderr()
		status := uint32(0)
		if err := cmd.Run(); err != nil {
			status = 1
		}
		// The last word: if the client has gone there is no one to tell.
		_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{status}))
		return
	}
}

// multiKeyRepo is a repository (served by githost's files, not its sshd)
// and a client key the in-process server accepts.
func multiKeyRepo(t *testing.T) (*githost.Repo, string, ssh.Signer, []byte) {
	t.Helper()
	h := sharedHost(t)
	repo, sha := newRepo(t, h, map[string]string{"README": "x"})
	key := newDeployKey(t, h, nil)
	signer, err := ssh.ParsePrivateKey(key.PrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return repo, sha, signer, key.PrivateKeyPEM
}

func multiKeyRequest(s *multiKeyServer, repo *githost.Repo, pem []byte) CheckRequest {
	return CheckRequest{
		URL:    fmt.Sprintf("ssh://git@127.0.0.1:%d%s", s.port, repo.Path),
		Branch: "main",
		Auth:   Auth{SSHPrivateKey: pem},
	}
}

func TestHostKeyUnpinnedPrefersED25519(t *testing.T) {
	t.Parallel()
	repo, sha, client, pem := multiKeyRepo(t)
	ed, ec, rs := hostSigner(t, "ed25519"), hostSigner(t, "ecdsa"), hostSigner(t, "rsa")
	s := startMultiKeyServer(t, []ssh.Signer{rs, ec, ed}, client.PublicKey(), false)
	res := loopbackChecker().Check(testContext(t), multiKeyRequest(s, repo, pem))
	wantCode(t, res, CodeSuccess)
	if res.Commit != sha {
		t.Errorf("Commit = %q, want %q", res.Commit, sha)
	}
	if res.HostKey != authorizedLine(ed.PublicKey()) {
		t.Errorf("HostKey = %q, want the ed25519 key", res.HostKey)
	}
}

func TestHostKeyExpectedFingerprintOfAnotherKeyType(t *testing.T) {
	t.Parallel()
	repo, sha, client, pem := multiKeyRepo(t)
	ed, ec, rs := hostSigner(t, "ed25519"), hostSigner(t, "ecdsa"), hostSigner(t, "rsa")
	s := startMultiKeyServer(t, []ssh.Signer{ed, ec, rs}, client.PublicKey(), false)

	// The user copied the RSA fingerprint from the host's documentation.
	req := multiKeyRequest(s, repo, pem)
	req.ExpectedHostKeyFingerprint = ssh.FingerprintSHA256(rs.PublicKey())
	req.PinnedHostKey = authorizedLine(ed.PublicKey()) // superseded by the expected fingerprint
	res := loopbackChecker().Check(testContext(t), req)
	wantCode(t, res, CodeSuccess)
	if res.Commit != sha {
		t.Errorf("Commit = %q, want %q", res.Commit, sha)
	}
	if res.HostKeyFingerprint != req.ExpectedHostKeyFingerprint || res.HostKey != authorizedLine(rs.PublicKey()) {
		t.Errorf("HostKey = %q (%s), want the RSA key", res.HostKey, res.HostKeyFingerprint)
	}

	// A fingerprint none of the keys has is refused, naming every key seen.
	other := hostSigner(t, "ed25519")
	req.ExpectedHostKeyFingerprint = ssh.FingerprintSHA256(other.PublicKey())
	res = loopbackChecker().Check(testContext(t), req)
	wantCode(t, res, CodeHostKeyMismatch)
	wantContains(t, res.Message, req.ExpectedHostKeyFingerprint,
		ssh.FingerprintSHA256(ed.PublicKey()), ssh.FingerprintSHA256(ec.PublicKey()), ssh.FingerprintSHA256(rs.PublicKey()))
}

func TestHostKeyPinnedRSA(t *testing.T) {
	t.Parallel()
	repo, _, client, pem := multiKeyRepo(t)
	ed, rs := hostSigner(t, "ed25519"), hostSigner(t, "rsa")
	s := startMultiKeyServer(t, []ssh.Signer{ed, rs}, client.PublicKey(), false)
	req := multiKeyRequest(s, repo, pem)
	req.PinnedHostKey = authorizedLine(rs.PublicKey()) // "ssh-rsa AAAA..."
	res := loopbackChecker().Check(testContext(t), req)
	wantCode(t, res, CodeSuccess)
	if res.HostKey != req.PinnedHostKey {
		t.Errorf("HostKey = %q, want the pinned RSA key", res.HostKey)
	}
}

func TestHostKeyPinnedTypeGone(t *testing.T) {
	t.Parallel()
	repo, _, client, pem := multiKeyRepo(t)
	oldECDSA := hostSigner(t, "ecdsa")
	ed := hostSigner(t, "ed25519")
	s := startMultiKeyServer(t, []ssh.Signer{ed}, client.PublicKey(), false)
	req := multiKeyRequest(s, repo, pem)
	req.PinnedHostKey = authorizedLine(oldECDSA.PublicKey())
	res := loopbackChecker().Check(testContext(t), req)
	wantCode(t, res, CodeHostKeyMismatch)
	wantContains(t, res.Message, "no longer offers a key of that type", ssh.FingerprintSHA256(oldECDSA.PublicKey()), ssh.FingerprintSHA256(ed.PublicKey()))
	if res.HostKeyFingerprint != ssh.FingerprintSHA256(ed.PublicKey()) {
		t.Errorf("HostKeyFingerprint = %q, want the key the host has now", res.HostKeyFingerprint)
	}
}

func TestOneSessionPerConnection(t *testing.T) {
	t.Parallel()
	repo, sha, client, pem := multiKeyRepo(t)
	s := startMultiKeyServer(t, []ssh.Signer{hostSigner(t, "ed25519")}, client.PublicKey(), true)
	req := multiKeyRequest(s, repo, pem)
	req.WriteAccess = true
	res := loopbackChecker().Check(testContext(t), req)
	wantCode(t, res, CodeSuccess)
	if res.Commit != sha {
		t.Errorf("Commit = %q, want %q", res.Commit, sha)
	}
	if n := s.connections.Load(); n != 2 {
		t.Errorf("%d connections, want 2 (the second session needs its own)", n)
	}

	// A host that allows several sessions gets one connection.
	s2 := startMultiKeyServer(t, []ssh.Signer{hostSigner(t, "ed25519")}, client.PublicKey(), false)
	req = multiKeyRequest(s2, repo, pem)
	req.WriteAccess = true
	wantCode(t, loopbackChecker().Check(testContext(t), req), CodeSuccess)
	if n := s2.connections.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

func TestShellQuote(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/srv/repo.git":       `'/srv/repo.git'`,
		"~/acme/site.git":     `'~/acme/site.git'`,
		"/it's/a!repo":        `'/it'\''s/a'\!'repo'`,
		"/$(touch x)`id`.git": "'/$(touch x)`id`.git'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestNormalizeFingerprint(t *testing.T) {
	t.Parallel()
	fp := "SHA256:" + strings.Repeat("a", 43)
	for in, ok := range map[string]bool{
		fp:                         true,
		fp + "=":                   true,
		"SHA256:" + "abc":          false,
		"sha256:" + fp[7:]:         false,
		"MD5:16:27:ac:a5:76:28:2d": false,
		fp[:49] + "!":              false,
	} {
		got, gotOK := normalizeFingerprint(in)
		if gotOK != ok || (ok && got != fp) {
			t.Errorf("normalizeFingerprint(%q) = %q, %v; want ok=%v", in, got, gotOK, ok)
		}
	}
}

func TestHostKeyAlgorithms(t *testing.T) {
	t.Parallel()
	rs := hostSigner(t, "rsa").PublicKey()
	ed := hostSigner(t, "ed25519").PublicKey()
	p := &hostKeyPolicy{pinned: rs}
	if got := strings.Join(p.algorithms(), ","); got != "rsa-sha2-512,rsa-sha2-256" {
		t.Errorf("algorithms for a pinned RSA key = %s", got)
	}
	p = &hostKeyPolicy{pinned: ed}
	if got := strings.Join(p.algorithms(), ","); got != "ssh-ed25519" {
		t.Errorf("algorithms for a pinned ed25519 key = %s", got)
	}
	if got := (&hostKeyPolicy{}).algorithms(); got[0] != ssh.KeyAlgoED25519 {
		t.Errorf("unpinned algorithms start with %s", got[0])
	}
	if !p.accepts(ed) || p.accepts(rs) {
		t.Error("a pinned policy accepts the wrong keys")
	}
	if familyOf(ssh.KeyAlgoRSA) != familyOf(ssh.KeyAlgoRSASHA256) || familyOf(ssh.KeyAlgoECDSA384) != 1 || familyOf("ssh-dss") != -1 {
		t.Error("familyOf groups key types wrongly")
	}
}

var _ io.Writer = (*prefixBuffer)(nil)

func TestPrefixBuffer(t *testing.T) {
	t.Parallel()
	b := &prefixBuffer{max: 5}
	if _, err := b.Write([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	n, err := b.Write([]byte("defgh"))
	if n != 5 || err != nil || b.String() != "abcde" {
		t.Errorf("Write = %d, %v; buffer %q", n, err, b.String())
	}
}
