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
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing/format/pktline"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"golang.org/x/crypto/ssh"
)

// defaultSSHUser is the user when the URL names none, as on every big Git host.
const defaultSSHUser = "git"

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
	preferredHostKeyAlgos = concatStrings(hostKeyFamilies...)
)

func concatStrings(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

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
func (r *run) openSSH(ctx context.Context) (remote, error) {
	if len(r.req.Auth.SSHPrivateKey) == 0 {
		return nil, failure(CodeInternalError, msgNoDeployKey(r.url.Raw))
	}
	signer, err := ssh.ParsePrivateKey(r.req.Auth.SSHPrivateKey)
	if err != nil {
		// x/crypto's parse errors describe the format, never the key.
		return nil, failure(CodeInternalError, msgBadPrivateKey(r.quote(err.Error())))
	}
	r.deployKeyFingerprint = ssh.FingerprintSHA256(signer.PublicKey())
	policy, err := newHostKeyPolicy(r.req.PinnedHostKey, r.req.ExpectedHostKeyFingerprint, r.quote)
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
	d := &sshDialer{run: r, user: user, auth: ssh.PublicKeys(signer)}
	client, key, err := d.connect(ctx, policy)
	if err != nil {
		return nil, err
	}
	r.hostKey = hostKeySeen{key}
	return &sshRemote{dialer: d, client: client, path: path, hostKey: key}, nil
}

// sshDialer makes SSH connections for one check.
type sshDialer struct {
	run  *run
	user string
	auth ssh.AuthMethod
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
	r := d.run
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
	_ = conn.SetDeadline(time.Now().Add(r.c.connectTimeout()))
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
	r := d.run
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
	r := d.run
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
	return startSession(sess, service, s.path, s.dialer.run.budget)
}

// sshSession is one git-upload-pack or git-receive-pack command, speaking
// the version 0 protocol the way go-git's own SSH sessions do.
type sshSession struct {
	sess     *ssh.Session
	stdin    io.WriteCloser
	stdout   io.Reader
	stderr   *prefixBuffer
	receive  bool
	adv      *packp.AdvRefs
	thinPack bool // the server advertised thin-pack (which go-git filters out)
	packSent bool // a request was sent; the session ends with the response
	once     sync.Once
}

// advertisedThinPack: see thinPackAdvertiser.
func (s *sshSession) advertisedThinPack() bool { return s.thinPack }

var (
	_ transport.UploadPackSession  = (*sshSession)(nil)
	_ transport.ReceivePackSession = (*sshSession)(nil)
)

func startSession(sess *ssh.Session, service, path string, budget *byteBudget) (*sshSession, error) {
	s := &sshSession{sess: sess, stderr: &prefixBuffer{max: 4096}, receive: service == transport.ReceivePackServiceName}
	var err error
	if s.stdin, err = sess.StdinPipe(); err != nil {
		sess.Close()
		return nil, err
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		sess.Close()
		return nil, err
	}
	s.stdout = budget.reader(stdout)
	sess.Stderr = s.stderr
	if err := sess.Start(service + " " + shellQuote(path)); err != nil {
		// The host refused to run the command.
		sess.Close()
		return nil, &hostRefusal{text: cleanHostText(s.stderr.String())}
	}
	return s, nil
}

func (s *sshSession) AdvertisedReferences() (*packp.AdvRefs, error) {
	return s.AdvertisedReferencesContext(context.Background())
}

// AdvertisedReferencesContext reads the ref advertisement. Reads end when
// the check's context closes the connection.
func (s *sshSession) AdvertisedReferencesContext(ctx context.Context) (*packp.AdvRefs, error) {
	if s.adv != nil {
		return s.adv, nil
	}
	ar := packp.NewAdvRefs()
	err := ar.Decode(s.stdout)
	var errLine *pktline.ErrorLine
	switch {
	case err == nil:
	case errors.Is(err, packp.ErrEmptyAdvRefs):
		// An empty repository: no refs, only a flush-pkt.
		if !s.receive {
			return nil, transport.ErrEmptyRemoteRepository
		}
	case errors.As(err, &errLine):
		return nil, &hostRefusal{text: cleanHostText(errLine.Text)}
	case errors.Is(err, packp.ErrEmptyInput), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// The command ended without a word on stdout: what it said is on
		// stderr, complete once it has exited.
		_ = s.sess.Wait()
		return nil, &hostRefusal{text: cleanHostText(s.stderr.String())}
	default:
		return nil, err
	}
	// Git 2.41+ advertises an empty repository as a zero id with
	// capabilities.
	if !s.receive && ar.IsEmpty() {
		return nil, transport.ErrEmptyRemoteRepository
	}
	s.thinPack = ar.Capabilities.Supports(capability.ThinPack)
	transport.FilterUnsupportedCapabilities(ar.Capabilities)
	s.adv = ar
	return ar, nil
}

// UploadPack sends the request and returns the response, whose body is the
// pack; closing the response closes the session.
func (s *sshSession) UploadPack(ctx context.Context, req *packp.UploadPackRequest) (*packp.UploadPackResponse, error) {
	if s.receive {
		return nil, errors.New("gitops: upload-pack request on a receive-pack session")
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if _, err := s.AdvertisedReferencesContext(ctx); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := req.UploadRequest.Encode(&buf); err != nil {
		return nil, err
	}
	if err := req.UploadHaves.Encode(&buf, true); err != nil {
		return nil, err
	}
	if err := pktline.NewEncoder(&buf).EncodeString("done\n"); err != nil {
		return nil, err
	}
	s.packSent = true
	if _, err := s.stdin.Write(buf.Bytes()); err != nil {
		return nil, err
	}
	if err := s.stdin.Close(); err != nil {
		return nil, err
	}
	resp := packp.NewUploadPackResponse(req)
	if err := resp.Decode(readCloser{s.stdout, s.Close}); err != nil {
		var errLine *pktline.ErrorLine
		if errors.As(err, &errLine) {
			return nil, &hostRefusal{text: cleanHostText(errLine.Text)}
		}
		return nil, fmt.Errorf("reading the upload-pack response: %w", err)
	}
	return resp, nil
}

// ReceivePack is not used: the check never pushes.
func (s *sshSession) ReceivePack(context.Context, *packp.ReferenceUpdateRequest) (*packp.ReportStatus, error) {
	return nil, errors.New("gitops: pushing is not supported")
}

// Close ends the session. Before a request was sent it sends a flush-pkt
// first, which tells upload-pack and receive-pack that the client wants
// nothing: they exit without doing anything.
func (s *sshSession) Close() error {
	s.once.Do(func() {
		if !s.packSent {
			_, _ = s.stdin.Write(pktline.FlushPkt)
			_ = s.stdin.Close()
		}
		_ = s.sess.Close()
	})
	return nil
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

// prefixBuffer keeps the first max bytes written to it: the start of a
// host's error output is the part that explains it.
type prefixBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *prefixBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (b *prefixBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// shellQuote quotes s for the remote shell as Git's sq_quote_buf does:
// inside single quotes, with ' and ! closed, escaped and reopened.
func shellQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\'' || c == '!' {
			b.WriteString(`'\`)
			b.WriteByte(c)
			b.WriteByte('\'')
			continue
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
	return b.String()
}

// isStdBase64 reports whether c is a digit of standard base64 (padding aside).
func isStdBase64(c rune) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}
