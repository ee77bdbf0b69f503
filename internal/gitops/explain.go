// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

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
			return CodeWriteAccessDenied, r.writeDeniedMessage(said)
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
