// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

// The SSH transport. go-git's own SSH transport is not used: it dials the
// host name itself (through golang.org/x/net/proxy, which honours
// ALL_PROXY), reads ~/.ssh/config through the package-level
// ssh.DefaultSSHConfig (which could send the connection to another host or
// port), cannot be cancelled during the SSH handshake, and can only be
// configured through package-level variables shared by every caller.
// Instead this file dials the address the guard checked, runs the SSH
// handshake with golang.org/x/crypto/ssh under the check's context, and
// speaks the Git protocol over the session with go-git's protocol
// encoders and decoders (packp), exposing the result as go-git's
// transport.UploadPackSession and ReceivePackSession. Nothing global is
// read or changed, so checks with different settings can run at once.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport"
	"golang.org/x/crypto/ssh"
)

// defaultSSHUser is the user when the URL names none, as on every big Git host.
const defaultSSHUser = "git"

// handshakeError: the peer did not complete an SSH handshake (not an SSH
// server, or it hung up before authentication).
type handshakeError struct{ err error }

func (e *handshakeError) Error() string { return "ssh handshake: " + e.err.Error() }
func (e *handshakeError) Unwrap() error { return e.err }

// hostRefusal: the host ended a Git command without answering it, and
// perhaps said why on stderr or in an ERR packet.
type hostRefusal struct{ text string }

func (e *hostRefusal) Error() string {
	if e.text == "" {
		return "the host closed the session without answering"
	}
	return "the host refused: " + e.text
}

// openSSH logs into the host with the deploy key.
func (t *target) openSSH(ctx context.Context) (remote, error) {
	r := t
	if len(r.auth.SSHPrivateKey) == 0 {
		return nil, failure(CodeInternalError, msgNoDeployKey(r.url.Raw))
	}
	signer, err := ssh.ParsePrivateKey(r.auth.SSHPrivateKey)
	if err != nil {
		// x/crypto's parse errors describe the format, never the key.
		return nil, failure(CodeInternalError, msgBadPrivateKey(r.quote(err.Error())))
	}
	r.deployKeyFingerprint = ssh.FingerprintSHA256(signer.PublicKey())
	policy, err := newHostKeyPolicy(r.pinnedHostKey, r.expectedFingerprint, r.quote)
	if err != nil {
		return nil, err
	}
	user := r.url.User
	if user == "" {
		user = defaultSSHUser
	}
	path, err := url.PathUnescape(r.url.Path) // Git decodes ssh:// paths too
	if err != nil {
		return nil, err
	}
	d := &sshDialer{target: r, user: user, auth: ssh.PublicKeys(signer)}
	client, key, err := d.connect(ctx, policy)
	if err != nil {
		return nil, err
	}
	r.hostKey = hostKeySeen{key}
	return &sshRemote{dialer: d, client: client, path: path, hostKey: key}, nil
}

// sshDialer makes SSH connections for one check.
type sshDialer struct {
	target *target
	user   string
	auth   ssh.AuthMethod
}

// attempt is one TCP connection and SSH handshake, offering algos as host
// key algorithms.
type attempt struct {
	client   *ssh.Client
	seen     ssh.PublicKey // the key the host presented, if it got that far
	rejected bool          // seen was not accepted
	err      error
}

var errHostKeyRejected = errors.New("host key rejected")

func (d *sshDialer) try(ctx context.Context, policy *hostKeyPolicy, algos []string) attempt {
	r := d.target
	var a attempt
	conn, err := r.guard.dialHost(ctx, r.url.Host, r.port)
	if err != nil {
		a.err = err
		return a
	}
	// Closing the connection is what interrupts the handshake and every
	// later read when the check's time is up; it also closes the
	// connection for good when the check ends and cancels ctx.
	context.AfterFunc(ctx, func() { conn.Close() })
	// The handshake (version exchange, key exchange, login) must finish
	// within ConnectTimeout too: a host that accepts connections and
	// then stalls counts as unreachable.
	_ = conn.SetDeadline(time.Now().Add(r.connectTimeout))
	cfg := &ssh.ClientConfig{
		User:              d.user,
		Auth:              []ssh.AuthMethod{d.auth},
		HostKeyAlgorithms: algos,
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			a.seen = key
			if !policy.accepts(key) {
				a.rejected = true
				return errHostKeyRejected
			}
			return nil
		},
	}
	hostport := net.JoinHostPort(r.url.Host, strconv.Itoa(r.port))
	c, chans, reqs, err := ssh.NewClientConn(conn, hostport, cfg)
	if err != nil {
		conn.Close()
		a.err = err
		return a
	}
	_ = conn.SetDeadline(time.Time{})
	a.client = ssh.NewClient(c, chans, reqs)
	return a
}

// connect logs in, enforcing policy, and returns the client and the host
// key it accepted.
func (d *sshDialer) connect(ctx context.Context, policy *hostKeyPolicy) (*ssh.Client, ssh.PublicKey, error) {
	r := d.target
	first := d.try(ctx, policy, policy.algorithms())
	if first.err == nil {
		return first.client, first.seen, nil
	}
	if first.seen != nil {
		r.hostKey = hostKeySeen{first.seen}
	}
	if ctx.Err() != nil {
		return nil, nil, first.err
	}
	var neg *ssh.AlgorithmNegotiationError
	switch {
	case first.rejected && policy.expected != "":
		// The expected fingerprint may be of another of the host's keys
		// (hosts publish one per type): ask for the other types in turn.
		seen := []ssh.PublicKey{first.seen}
		for i, fam := range hostKeyFamilies {
			if i == familyOf(first.seen.Type()) {
				continue
			}
			a := d.try(ctx, policy, fam)
			switch {
			case a.err == nil:
				return a.client, a.seen, nil
			case a.seen != nil && !a.rejected:
				r.hostKey = hostKeySeen{a.seen}
				return nil, nil, d.loginError(a.err)
			case a.seen != nil:
				seen = append(seen, a.seen)
			case ctx.Err() != nil:
				return nil, nil, a.err
			}
		}
		return nil, nil, failure(CodeHostKeyMismatch, msgHostKeyNotExpected(r.url.Host, policy.expected, fingerprints(seen)))
	case first.rejected:
		return nil, nil, failure(CodeHostKeyMismatch,
			msgHostKeyChanged(r.url.Host, ssh.FingerprintSHA256(policy.pinned), ssh.FingerprintSHA256(first.seen)))
	case policy.pinned != nil && errors.As(first.err, &neg) && neg.What == "host key":
		// The host no longer has a key of the pinned type. Look at the
		// key it has now, without logging in, so the message can show it.
		probe := &hostKeyPolicy{rejectAll: true}
		a := d.try(ctx, probe, preferredHostKeyAlgos)
		now := ""
		if a.seen != nil {
			r.hostKey = hostKeySeen{a.seen}
			now = ssh.FingerprintSHA256(a.seen)
		}
		return nil, nil, failure(CodeHostKeyMismatch,
			msgHostKeyTypeGone(r.url.Host, policy.pinned.Type(), ssh.FingerprintSHA256(policy.pinned), now))
	case first.seen == nil:
		if _, ok := findError[*dialError](first.err); ok {
			return nil, nil, first.err
		}
		if _, ok := findError[*forbiddenError](first.err); ok {
			return nil, nil, first.err
		}
		if _, ok := findError[*resolveError](first.err); ok {
			return nil, nil, first.err
		}
		return nil, nil, &handshakeError{first.err}
	}
	return nil, nil, d.loginError(first.err)
}

// loginError explains a failure after the host key was accepted: the host
// refused the key, or hung up with a reason ("Too many authentication
// failures"). Anything else (a bare EOF, a timeout) is not about the key.
func (d *sshDialer) loginError(err error) error {
	r := d.target
	text := err.Error()
	switch {
	case strings.Contains(text, "unable to authenticate"):
		return failure(CodeAuthenticationError, msgAuthSSH(r.url.Host, r.repoName(), r.deployKeyFingerprint, ""))
	case strings.Contains(text, "ssh: disconnect, reason"):
		_, said, _ := strings.Cut(text, "ssh: disconnect, ")
		return failure(CodeAuthenticationError, msgAuthSSH(r.url.Host, r.repoName(), r.deployKeyFingerprint, r.quote(said)))
	}
	return &handshakeError{err}
}

func fingerprints(keys []ssh.PublicKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprintf("%s (%s)", ssh.FingerprintSHA256(k), k.Type())
	}
	return out
}

// sshRemote runs Git commands over one SSH connection, one session
// (channel) per command.
type sshRemote struct {
	dialer  *sshDialer
	client  *ssh.Client
	path    string
	hostKey ssh.PublicKey
}

func (s *sshRemote) uploadPack(ctx context.Context) (transport.UploadPackSession, error) {
	return s.session(ctx, transport.UploadPackServiceName)
}

func (s *sshRemote) receivePack(ctx context.Context) (transport.ReceivePackSession, error) {
	return s.session(ctx, transport.ReceivePackServiceName)
}

func (s *sshRemote) close() {
	if s.client != nil {
		s.client.Close()
	}
}

func (s *sshRemote) session(ctx context.Context, service string) (*sshSession, error) {
	sess, err := s.client.NewSession()
	var oce *ssh.OpenChannelError
	if errors.As(err, &oce) {
		// Some hosts allow one session per connection: log in again,
		// insisting on the host key the first connection accepted.
		s.client.Close()
		s.client, _, err = s.dialer.connect(ctx, &hostKeyPolicy{pinned: s.hostKey})
		if err != nil {
			return nil, err
		}
		sess, err = s.client.NewSession()
	}
	if err != nil {
		return nil, err
	}
	return startSession(sess, service, s.path, s.dialer.target.budget)
}
