// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package gitops runs the access check of Divio's external Git repository
// feature: when an application is bound to a repository, the control plane
// proves that it can reach the repository with the application's
// credentials by doing real Git work with go-git, over SSH (with the
// application's deploy key) or HTTPS (with a username and personal access
// token).
//
// The check reads only the tip of one branch: a shallow (depth 1) fetch of
// that branch into memory, so its cost does not grow with the repository's
// history. With WriteAccess it also opens a receive-pack session, the start
// of a push, and closes it without updating anything; with PushOnly it does
// only that (the second step of Divio's verification, once the branch has
// been read).
//
// The same transports also keep the platform's own copy of a binding's
// branch up to date (Sync: a bare mirror on disk, fetched incrementally)
// and look branches up at the remote (RemoteBranchExists).
//
// The package knows nothing of HTTP APIs or databases; the control plane
// maps CheckResult.Code to its API. The files: check.go (the check step by
// step), fetch.go (the shallow fetch), ssh.go and https.go (the two
// transports), guard.go (the address guard against server-side request
// forgery), mirror.go (Sync), mirrorfetch.go (its incremental fetch),
// ancestry.go (is the old head an ancestor of the new one), lsremote.go
// (RemoteBranchExists), newapp.go (what a new application's branch may
// hold), messages.go (every message wording).
package gitops

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/divio-community/terraform-provider-divio/internal/giturl"
)

// Result codes. Every code but CodeSuccess is a failed check.
const (
	CodeSuccess             = "success"
	CodeInvalidURL          = "invalid_url"
	CodeForbiddenAddress    = "forbidden_address"
	CodeUnreachable         = "unreachable"
	CodeAuthenticationError = "authentication_error"
	CodeHostKeyMismatch     = "host_key_mismatch"
	CodeBranchMissing       = "branch_missing"
	CodeBranchNotEmpty      = "branch_not_empty"
	CodeWriteAccessDenied   = "write_access_denied"
	CodeInternalError       = "internal_error"
	// CodeHistoryRewritten is a Sync's only code of its own: SyncUpdate
	// refused to move the platform's copy because the remote's branch no
	// longer contains it.
	CodeHistoryRewritten = "history_rewritten"

	// Codes the control plane reports itself, for Git work it did not
	// start; defined here so that the Git layer, the control plane's store
	// and its API share one list.

	// CodeCredentialsUnavailable: the repository's stored credentials
	// could not be read (unsealed).
	CodeCredentialsUnavailable = "credentials_unavailable"
	// CodeNotConnected: a sync of a repository that no clone check has
	// connected (or, for SSH, with no pinned host key).
	CodeNotConnected = "not_connected"
	// CodeNoRepository: a sync asked for an application on Divio's own
	// Git server, which has no external repository.
	CodeNoRepository = "no_repository"
)

// Defaults for the Checker's zero values.
const (
	DefaultBranch         = "main"
	DefaultTimeout        = 60 * time.Second
	DefaultConnectTimeout = 15 * time.Second
	DefaultMaxFetchBytes  = 256 << 20
	DefaultSyncTimeout    = 10 * time.Minute
	DefaultMaxSyncBytes   = 4 << 30
)

// minRedactedToken: see redactSecrets.
const minRedactedToken = 8

// MaxFiles is how many top-level entries CheckResult.Files lists at most.
const MaxFiles = 1000

// Auth holds the credentials for one check. Only the ones for the URL's
// scheme are used.
type Auth struct {
	SSHPrivateKey []byte // OpenSSH PEM private key (for ssh URLs); the SSH user comes from the URL (default "git")
	HTTPSUsername string
	HTTPSToken    string // personal access token
}

// CheckRequest says what to check.
type CheckRequest struct {
	URL            string // re-validated with giturl.Validate
	Branch         string // "" means DefaultBranch
	Auth           Auth
	NewApplication bool // a new Divio application: the branch may hold only one readme, one licence and dot files (newapp.go)
	WriteAccess    bool // verify push access (receive-pack advertisement, no ref updated)
	// PushOnly verifies push access alone: the receive-pack advertisement,
	// without reading the branch (Branch and NewApplication are not used).
	PushOnly bool

	// PinnedHostKey is the SSH host key pinned at an earlier check, in
	// authorized_keys format ("ssh-ed25519 AAAA..."); "" when none is
	// pinned yet. The host must present exactly this key.
	PinnedHostKey string
	// ExpectedHostKeyFingerprint ("SHA256:...") is the fingerprint the user
	// expects the host key to have. When set, it replaces PinnedHostKey:
	// that is how a user accepts a rotated host key. Any of the host's key
	// types may match (ed25519, ECDSA or RSA).
	ExpectedHostKeyFingerprint string
}

// CheckResult is the outcome. Message is meant for the user, whatever the
// code, and never contains the private key or the token.
type CheckResult struct {
	Code               string        // CodeSuccess or an error code
	Message            string        // what is wrong and how to fix it (or what was verified)
	Commit             string        // tip of the branch when it was reached
	Files              []string      // top-level entries of the branch tip, sorted (at most MaxFiles)
	HostKey            string        // the remote's SSH host key as seen (authorized_keys format); "" for https
	HostKeyFingerprint string        // SHA256:... of HostKey
	Duration           time.Duration // how long the check took
}

// OK reports whether the check succeeded.
func (r CheckResult) OK() bool { return r.Code == CodeSuccess }

// Checker runs access checks. The zero value is ready to use; a Checker is
// safe for concurrent use and must not be changed while checks run.
type Checker struct {
	// AllowLoopback lets checks connect to loopback addresses
	// (development mode: the demo and the tests).
	AllowLoopback bool
	// Timeout bounds a whole check; 0 means DefaultTimeout.
	Timeout time.Duration
	// ConnectTimeout bounds each TCP connection attempt (one per address
	// a host resolves to); 0 means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver *net.Resolver
	// MaxFetchBytes bounds what one check reads from the remote over all
	// its connections (ref advertisements, the pack of the branch tip,
	// HTTP error pages); 0 means DefaultMaxFetchBytes. Blobs are not
	// fetched from hosts that support partial clone, so only trees count
	// there.
	MaxFetchBytes int64
	// RootCAs verifies HTTPS certificates; nil means the system's roots.
	RootCAs *x509.CertPool
	// SyncTimeout bounds a whole Sync (which, unlike the check, fetches
	// file contents); 0 means DefaultSyncTimeout.
	SyncTimeout time.Duration
	// MaxSyncBytes bounds what one Sync reads from the remote over all its
	// connections; 0 means DefaultMaxSyncBytes.
	MaxSyncBytes int64

	// Test hooks; nil means the real thing.
	lookup func(ctx context.Context, host string) ([]netip.Addr, error)
	dial   func(ctx context.Context, network, address string) (net.Conn, error)
}

// remote opens Git sessions to the repository for one check. Both
// transports implement go-git's session interfaces, so the fetch and the
// write check are written once.
type remote interface {
	uploadPack(ctx context.Context) (transport.UploadPackSession, error)
	receivePack(ctx context.Context) (transport.ReceivePackSession, error)
	close()
}

// checkError is a failure whose code and message are already decided.
type checkError struct {
	code string
	msg  string
}

func (e *checkError) Error() string { return e.msg }

func failure(code, msg string) error { return &checkError{code, msg} }

// stage is the step a failure happened in; it decides what a refusal by
// the host means.
type stage int

const (
	stageConnect stage = iota // reaching and logging into the host
	stageRead                 // upload-pack: listing refs, fetching the tip
	stageWrite                // receive-pack advertisement
)

// run is the state of one check, sync or branch lookup.
type run struct {
	c       *Checker
	op      operation // what the run does, for messages
	req     CheckRequest
	url     *giturl.URL
	branch  string
	port    int
	timeout time.Duration
	guard   *guard
	budget  *byteBudget // what the check may read from the remote

	deployKeyFingerprint string       // SHA256 of the deploy key (ssh)
	hostKey              hostKeySeen  // the host key the connection uses, or the first one seen
	result               *CheckResult // filled in as the check goes
}

// Check runs the access check described by req and always returns a
// result; ctx and Checker.Timeout bound it.
func (c *Checker) Check(ctx context.Context, req CheckRequest) (res CheckResult) {
	start := time.Now()
	defer func() {
		// The remote's data is untrusted: should a decoder panic on it,
		// that is this check's failure, not the control plane's.
		if p := recover(); p != nil {
			res = CheckResult{Code: CodeInternalError, Message: msgInternal(opCheck, quoteExternal(fmt.Sprint(p), req.Auth))}
		}
		res.Duration = time.Since(start)
		res.Message = redactSecrets(res.Message, req.Auth, minRedactedToken)
	}()
	return c.check(ctx, req)
}

func (c *Checker) check(ctx context.Context, req CheckRequest) CheckResult {
	r, failed := c.newRun(ctx, req, opCheck, c.timeout(), c.maxFetchBytes())
	if failed != nil {
		return *failed
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	if err := r.steps(ctx); err != nil {
		r.result.Code, r.result.Message = r.explain(ctx, err)
	}
	r.result.HostKey, r.result.HostKeyFingerprint = r.hostKey.authorized(), r.hostKey.fingerprint()
	return *r.result
}

// newRun validates the URL and the branch of req and prepares a run that
// may take timeout and read budget bytes; on invalid input it returns the
// failed result instead.
func (c *Checker) newRun(ctx context.Context, req CheckRequest, op operation, timeout time.Duration, budget int64) (*run, *CheckResult) {
	u, err := giturl.Validate(req.URL)
	if err != nil {
		return nil, &CheckResult{Code: CodeInvalidURL, Message: err.Error()}
	}
	branch := req.Branch
	if branch == "" {
		branch = DefaultBranch
	}
	if !validBranch(branch) {
		return nil, &CheckResult{Code: CodeBranchMissing, Message: msgInvalidBranch(quoteExternal(branch, req.Auth))}
	}

	r := &run{c: c, op: op, req: req, url: u, branch: branch, port: u.Port, timeout: timeout,
		budget: newByteBudget(budget), result: &CheckResult{}}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < r.timeout {
		r.timeout = time.Until(deadline).Round(time.Millisecond) // for the message
	}
	if r.port == 0 {
		r.port = defaultPort(u.Scheme)
	}
	r.guard = &guard{allowLoopback: c.AllowLoopback, lookup: c.lookupFunc(), dial: c.dialFunc(), connectTimeout: c.connectTimeout()}
	return r, nil
}

// openRemote connects and logs into the host with the scheme's transport.
func (r *run) openRemote(ctx context.Context) (remote, error) {
	switch r.url.Scheme {
	case giturl.SSH:
		return r.openSSH(ctx)
	case giturl.HTTPS:
		return r.openHTTPS(ctx)
	}
	return nil, errors.New("unsupported scheme " + string(r.url.Scheme))
}

// steps is the check itself; the result's code and message are set by the
// caller when it fails.
func (r *run) steps(ctx context.Context) error {
	rem, err := r.openRemote(ctx)
	if err != nil {
		return stageError(stageConnect, err)
	}
	defer rem.close()

	if r.req.PushOnly {
		if err := checkWrite(ctx, rem); err != nil {
			return stageError(stageWrite, err)
		}
		r.result.Code, r.result.Message = CodeSuccess, msgPushAccess
		return nil
	}
	tip, err := fetchTip(ctx, rem, r.branch)
	if err != nil {
		return stageError(stageRead, err)
	}
	r.result.Commit = tip.commit.String()
	r.result.Files = tip.files()

	if r.req.WriteAccess {
		if err := checkWrite(ctx, rem); err != nil {
			return stageError(stageWrite, err)
		}
	}
	if r.req.NewApplication {
		if p := checkNewApplicationTree(tip.entries); !p.empty() {
			return failure(CodeBranchNotEmpty, msgBranchNotEmpty(r.branch, p))
		}
	}
	r.result.Code = CodeSuccess
	r.result.Message = msgSuccess(r.branch, r.result.Commit, r.req.WriteAccess)
	return nil
}

// msgPushAccess is the message of a successful push-only check.
const msgPushAccess = "Divio can write to the repository: the host accepted the start of a push (nothing was pushed)."

// stagedError remembers in which step an error happened.
type stagedError struct {
	stage stage
	err   error
}

func (e *stagedError) Error() string { return e.err.Error() }
func (e *stagedError) Unwrap() error { return e.err }

func stageError(s stage, err error) error {
	var ce *checkError
	if errors.As(err, &ce) {
		return ce
	}
	return &stagedError{s, err}
}

// explain turns a failure into a code and a message.
func (r *run) explain(ctx context.Context, err error) (string, string) {
	st := stageConnect
	if se, ok := findError[*stagedError](err); ok {
		st = se.stage
	}
	host := r.url.Host
	if ce, ok := findError[*checkError](err); ok {
		return ce.code, ce.msg
	}
	if fe, ok := findError[*forbiddenError](err); ok {
		return CodeForbiddenAddress, fe.msg
	}
	// A deadline explains any error that follows it (closed connections,
	// unexpected EOFs), so it is looked at first.
	switch ctx.Err() {
	case context.DeadlineExceeded:
		return CodeUnreachable, msgTimeout(host, r.port, r.op, r.timeout)
	case context.Canceled:
		return CodeInternalError, msgCancelled(r.op)
	}
	if re, ok := findError[*resolveError](err); ok {
		return CodeUnreachable, msgNotResolved(host, resolveDetail(re.err, r.quote))
	}
	if de, ok := findError[*dialError](err); ok {
		return CodeUnreachable, msgConnect(host, r.port, connectDetail(de.err, r.quote))
	}
	if he, ok := findError[*handshakeError](err); ok {
		if isTimeout(he.err) {
			return CodeUnreachable, msgConnect(host, r.port, "the SSH handshake timed out")
		}
		return CodeUnreachable, msgSSHHandshake(host, r.port, r.quote(he.err.Error()))
	}
	if re, ok := findError[*redirectError](err); ok {
		return CodeUnreachable, msgRedirect(host, r.quote(re.to))
	}
	if tlsProblem(err) {
		return CodeUnreachable, msgTLS(host, r.quote(tlsDetail(err)))
	}
	if _, ok := findError[*tooLargeError](err); ok || r.budget.exceeded.Load() {
		if r.op == opSync {
			return CodeInternalError, msgSyncTooLarge(r.branch, r.budget.limit)
		}
		return CodeInternalError, msgTooLarge(r.branch, r.budget.limit)
	}
	if mb, ok := findError[*missingBranchError](err); ok {
		if mb.empty {
			return CodeBranchMissing, msgEmptyRepository(r.branch, r.repoName())
		}
		return CodeBranchMissing, msgBranchMissing(r.branch, r.repoName(), mb.available)
	}
	if refused(err) && (st == stageRead || st == stageWrite) {
		said := r.quote(hostSaid(err))
		if st == stageWrite {
			if r.url.Scheme == giturl.HTTPS {
				return CodeWriteAccessDenied, msgWriteDeniedHTTPS(host, r.req.Auth.HTTPSUsername, said)
			}
			return CodeWriteAccessDenied, msgWriteDeniedSSH(host, r.deployKeyFingerprint, said)
		}
		return CodeAuthenticationError, r.authMessage(said)
	}
	if st == stageRead && errors.Is(unwrapGoGit(err), transport.ErrEmptyRemoteRepository) {
		return CodeBranchMissing, msgEmptyRepository(r.branch, r.repoName())
	}
	if me, ok := findError[*mirrorError](err); ok {
		return CodeInternalError, msgMirror(r.quote(me.Error()))
	}
	return CodeInternalError, msgInternal(r.op, r.quote(err.Error()))
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// quote prepares text from elsewhere for a message (see quoteExternal).
func (r *run) quote(s string) string { return quoteExternal(s, r.req.Auth) }

func (r *run) authMessage(said string) string {
	if r.url.Scheme == giturl.HTTPS {
		return msgAuthHTTPS(r.url.Host, r.repoName(), r.req.Auth.HTTPSUsername, said)
	}
	return msgAuthSSH(r.url.Host, r.repoName(), r.deployKeyFingerprint, said)
}

// repoName is the URL as the user wrote it, for messages (giturl has
// refused any URL carrying credentials).
func (r *run) repoName() string { return r.url.Raw }

// refused reports whether the host turned the request down: it could not
// find the repository for these credentials, or said why not.
func refused(err error) bool {
	e := unwrapGoGit(err)
	if _, ok := findError[*hostRefusal](err); ok {
		return true
	}
	return errors.Is(e, transport.ErrRepositoryNotFound) ||
		errors.Is(e, transport.ErrAuthenticationRequired) ||
		errors.Is(e, transport.ErrAuthorizationFailed)
}

// hostSaid is the host's own explanation of a refusal, if it gave one.
func hostSaid(err error) string {
	if hr, ok := findError[*hostRefusal](err); ok {
		return hr.text
	}
	// go-git's HTTP errors end with the response body: "authorization
	// failed: <body>".
	e := unwrapGoGit(err)
	for _, sentinel := range []error{transport.ErrRepositoryNotFound, transport.ErrAuthenticationRequired, transport.ErrAuthorizationFailed} {
		if errors.Is(e, sentinel) {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(e.Error(), sentinel.Error()), ":"))
		}
	}
	return ""
}

// findError is errors.As that also looks inside go-git's
// UnexpectedError and PermanentError, which do not unwrap.
func findError[T error](err error) (T, bool) {
	var target T
	for err != nil {
		if errors.As(err, &target) {
			return target, true
		}
		next := unwrapGoGitOnce(err)
		if next == err {
			break
		}
		err = next
	}
	return target, false
}

// unwrapGoGit strips go-git's non-unwrapping wrappers wherever they are in
// the chain, so that errors.Is works.
func unwrapGoGit(err error) error {
	for {
		next := unwrapGoGitOnce(err)
		if next == err {
			return err
		}
		err = next
	}
}

func unwrapGoGitOnce(err error) error {
	var ue *plumbing.UnexpectedError
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	var pe *plumbing.PermanentError
	if errors.As(err, &pe) && pe.Err != nil {
		return pe.Err
	}
	return err
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

func (c *Checker) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Checker) connectTimeout() time.Duration {
	if c.ConnectTimeout > 0 {
		return c.ConnectTimeout
	}
	return DefaultConnectTimeout
}

func (c *Checker) maxFetchBytes() int64 {
	if c.MaxFetchBytes > 0 {
		return c.MaxFetchBytes
	}
	return DefaultMaxFetchBytes
}

func (c *Checker) syncTimeout() time.Duration {
	if c.SyncTimeout > 0 {
		return c.SyncTimeout
	}
	return DefaultSyncTimeout
}

func (c *Checker) maxSyncBytes() int64 {
	if c.MaxSyncBytes > 0 {
		return c.MaxSyncBytes
	}
	return DefaultMaxSyncBytes
}

func (c *Checker) lookupFunc() func(context.Context, string) ([]netip.Addr, error) {
	if c.lookup != nil {
		return c.lookup
	}
	res := c.Resolver
	if res == nil {
		res = net.DefaultResolver
	}
	return func(ctx context.Context, host string) ([]netip.Addr, error) {
		return res.LookupNetIP(ctx, "ip", host)
	}
}

func (c *Checker) dialFunc() func(context.Context, string, string) (net.Conn, error) {
	if c.dial != nil {
		return c.dial
	}
	d := &net.Dialer{KeepAlive: 30 * time.Second}
	return d.DialContext
}

// files lists the top-level entries of the tip, sorted, at most MaxFiles.
func (t *branchTip) files() []string {
	names := make([]string, 0, len(t.entries))
	for _, e := range t.entries {
		names = append(names, e.Name)
	}
	sort.Strings(names)
	if len(names) > MaxFiles {
		names = names[:MaxFiles]
	}
	return names
}
