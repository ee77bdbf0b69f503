// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

// The access check, step by step: a shallow fetch of the branch's tip,
// optionally the start of a push, and the new-application rule.

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// MaxFiles is how many top-level entries CheckResult.Files lists at most.
const MaxFiles = 1000

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
	set := c.settings()
	spec := targetSpec{URL: req.URL, Branch: req.Branch, Auth: req.Auth,
		PinnedHostKey: req.PinnedHostKey, ExpectedHostKeyFingerprint: req.ExpectedHostKeyFingerprint}
	r, failed := set.newRun(ctx, spec, opCheck, set.checkTimeout, set.maxFetchBytes)
	if failed != nil {
		return *failed
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	a := &accessCheck{run: r, req: req}
	if err := a.steps(ctx); err != nil {
		a.result.Code, a.result.Message = r.explain(ctx, err)
	}
	a.result.HostKey, a.result.HostKeyFingerprint = r.hostKey.authorized(), r.hostKey.fingerprint()
	return a.result
}

// accessCheck is one check's state.
type accessCheck struct {
	*run
	req    CheckRequest
	result CheckResult // filled in as the check goes
}

// steps is the check itself; the result's code and message are set by the
// caller when it fails.
func (r *accessCheck) steps(ctx context.Context) error {
	rem, err := r.open(ctx)
	if err != nil {
		return err
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
