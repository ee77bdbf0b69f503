// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

import (
	"context"
	"errors"

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
	if ce, ok := findError[*checkError](err); ok {
		return ce.code, ce.msg
	}
	if code, msg, ok := forbiddenFailure(err); ok {
		return code, msg
	}
	// A deadline explains any error that follows it (closed connections,
	// unexpected EOFs), so it is looked at first.
	switch ctx.Err() {
	case context.DeadlineExceeded:
		return CodeUnreachable, msgTimeout(r.url.Host, r.port, r.op, r.timeout)
	case context.Canceled:
		return CodeInternalError, msgCancelled(r.op)
	}
	if code, msg, ok := r.connectFailure(err); ok {
		return code, msg
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
