// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

// One Git command over an SSH session, as go-git's session interfaces.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing/format/pktline"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"golang.org/x/crypto/ssh"
)

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
