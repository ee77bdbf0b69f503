// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

// The transport layer: a target is one repository and everything needed to
// open Git sessions to it; open picks the transport by the URL's scheme.
// The operations (check.go, lsremote.go, sync.go) only see the remote it
// returns.

import (
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/divio-community/terraform-provider-divio/internal/giturl"
)

// remote opens Git sessions to the repository for one check. Both
// transports implement go-git's session interfaces, so the fetch and the
// write check are written once.
type remote interface {
	uploadPack(ctx context.Context) (transport.UploadPackSession, error)
	receivePack(ctx context.Context) (transport.ReceivePackSession, error)
	close()
}

// targetSpec is what an operation asks to reach, as its caller wrote it.
type targetSpec struct {
	URL    string // re-validated with giturl.Validate
	Branch string // "" means DefaultBranch
	Auth   Auth
	// PinnedHostKey and ExpectedHostKeyFingerprint: see CheckRequest.
	PinnedHostKey              string
	ExpectedHostKeyFingerprint string
	// RequirePinned refuses to trust an SSH host key on first use: the
	// operation needs PinnedHostKey (Sync, RemoteBranchExists).
	RequirePinned bool
}

// target is one repository to open sessions to: the parsed URL, the
// credentials, the host key policy's inputs, the address guard and the
// limits. It also keeps what opening learnt, for results and messages.
type target struct {
	url                 *giturl.URL
	port                int
	auth                Auth
	pinnedHostKey       string
	expectedFingerprint string
	requirePinned       bool
	guard               *guard
	budget              *byteBudget // what the operation may read from the remote
	rootCAs             *x509.CertPool
	connectTimeout      time.Duration

	deployKeyFingerprint string      // SHA256 of the deploy key (ssh)
	hostKey              hostKeySeen // the host key the connection uses, or the first one seen
}

// open connects and logs into the host with the scheme's transport.
// Its failures are marked as the connect stage's.
func (t *target) open(ctx context.Context) (remote, error) {
	rem, err := t.connect(ctx)
	if err != nil {
		return nil, stageError(stageConnect, err)
	}
	return rem, nil
}

// connect opens the remote over the URL's transport.
func (t *target) connect(ctx context.Context) (remote, error) {
	if t.requirePinned && t.url.Scheme == giturl.SSH && strings.TrimSpace(t.pinnedHostKey) == "" {
		return nil, failure(CodeHostKeyMismatch, msgNoPinnedHostKey(t.url.Host))
	}
	switch t.url.Scheme {
	case giturl.SSH:
		return t.openSSH(ctx)
	case giturl.HTTPS:
		return t.openHTTPS(ctx)
	}
	return nil, errors.New("unsupported scheme " + string(t.url.Scheme))
}

// quote prepares text from elsewhere for a message (see quoteExternal).
func (t *target) quote(s string) string { return quoteExternal(s, t.auth) }

// repoName is the URL as the user wrote it, for messages (giturl has
// refused any URL carrying credentials).
func (t *target) repoName() string { return t.url.Raw }

// authMessage explains a refused read, naming the credentials used.
func (t *target) authMessage(said string) string {
	if t.url.Scheme == giturl.HTTPS {
		return msgAuthHTTPS(t.url.Host, t.repoName(), t.auth.HTTPSUsername, said)
	}
	return msgAuthSSH(t.url.Host, t.repoName(), t.deployKeyFingerprint, said)
}

// writeDeniedMessage explains a refused push, naming the credentials used.
func (t *target) writeDeniedMessage(said string) string {
	if t.url.Scheme == giturl.HTTPS {
		return msgWriteDeniedHTTPS(t.url.Host, t.auth.HTTPSUsername, said)
	}
	return msgWriteDeniedSSH(t.url.Host, t.deployKeyFingerprint, said)
}

// run is one operation on a target: what explain needs to word its
// failures.
type run struct {
	*target
	op      operation // what the run does, for messages
	branch  string
	timeout time.Duration
}

// newRun validates the URL and the branch of spec and prepares a run that
// may take timeout and read budget bytes; on invalid input it returns the
// failed result instead.
func (s *settings) newRun(ctx context.Context, spec targetSpec, op operation, timeout time.Duration, budget int64) (*run, *CheckResult) {
	u, err := giturl.Validate(spec.URL)
	if err != nil {
		return nil, &CheckResult{Code: CodeInvalidURL, Message: err.Error()}
	}
	branch := spec.Branch
	if branch == "" {
		branch = DefaultBranch
	}
	if !validBranch(branch) {
		return nil, &CheckResult{Code: CodeBranchMissing, Message: msgInvalidBranch(quoteExternal(branch, spec.Auth))}
	}
	t := &target{
		url: u, port: u.Port, auth: spec.Auth, pinnedHostKey: spec.PinnedHostKey,
		expectedFingerprint: spec.ExpectedHostKeyFingerprint, requirePinned: spec.RequirePinned,
		guard: s.newGuard(), budget: newByteBudget(budget), rootCAs: s.rootCAs, connectTimeout: s.connectTimeout,
	}
	if t.port == 0 {
		t.port = defaultPort(u.Scheme)
	}
	r := &run{target: t, op: op, branch: branch, timeout: timeout}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < r.timeout {
		r.timeout = time.Until(deadline).Round(time.Millisecond) // for the message
	}
	return r, nil
}

// validBranch applies Git's rules for ref names to refs/heads/<branch>.
func validBranch(branch string) bool {
	if strings.HasPrefix(branch, "-") || branch == "HEAD" {
		return false
	}
	return plumbing.NewBranchReferenceName(branch).Validate() == nil
}

func defaultPort(s giturl.Scheme) int {
	if s == giturl.HTTPS {
		return 443
	}
	return 22
}
