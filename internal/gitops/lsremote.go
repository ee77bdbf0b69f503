// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

// RemoteBranchExists: the ls-remote of one branch, through the same
// guarded transports, pinned host key and credentials as the check. It
// reads the ref advertisement of an upload-pack session (the refs listing
// of Git's protocol version 0, which this package speaks) and hangs up
// without fetching anything.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// RemoteBranchExists looks branch up at the repository url. exists is
// true when the remote has the branch; res then has CodeSuccess and the
// branch's head in Commit. When the remote has no such branch, res has
// CodeBranchMissing and a message naming the branches it has; when the
// remote could not be asked, res has the error's code and message, as a
// check's would. Like a Sync, the lookup never pins a host key: for an ssh
// URL, pinnedHostKey (authorized_keys format) is required and the host
// must present exactly that key. ctx and Checker.Timeout bound the lookup.
func (c *Checker) RemoteBranchExists(ctx context.Context, url, branch string, auth Auth, pinnedHostKey string) (exists bool, res CheckResult) {
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			exists = false
			res = CheckResult{Code: CodeInternalError, Message: msgInternal(opLookup, quoteExternal(fmt.Sprint(p), auth))}
		}
		res.Duration = time.Since(start)
		res.Message = redactSecrets(res.Message, auth, minRedactedToken)
	}()
	set := c.settings()
	spec := targetSpec{URL: url, Branch: branch, Auth: auth, PinnedHostKey: pinnedHostKey, RequirePinned: true}
	r, failed := set.newRun(ctx, spec, opLookup, set.checkTimeout, set.maxFetchBytes)
	if failed != nil {
		return false, *failed
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	head, err := r.lookupBranch(ctx)
	res.HostKey, res.HostKeyFingerprint = r.hostKey.authorized(), r.hostKey.fingerprint()
	if err != nil {
		res.Code, res.Message = r.explain(ctx, err)
		return false, res
	}
	res.Code, res.Commit, res.Message = CodeSuccess, head.String(), msgBranchExists(r.branch, head.String())
	return true, res
}

func (r *run) lookupBranch(ctx context.Context) (plumbing.Hash, error) {
	rem, err := r.open(ctx)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	defer rem.close()
	sess, _, head, err := advertisedBranch(ctx, rem, r.branch)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	sess.Close() // a flush-pkt: nothing is wanted
	return head, nil
}

// advertisedBranch opens an upload-pack session and reads the head of
// branch from its ref advertisement. On success the session is open, its
// advertisement read, ready for a request; on failure it is closed.
func advertisedBranch(ctx context.Context, rem remote, branch string) (transport.UploadPackSession, *packp.AdvRefs, plumbing.Hash, error) {
	sess, err := rem.uploadPack(ctx)
	if err != nil {
		return nil, nil, plumbing.ZeroHash, stageError(stageRead, err)
	}
	adv, err := sess.AdvertisedReferencesContext(ctx)
	if err == nil {
		if hash, ok := adv.References[plumbing.NewBranchReferenceName(branch).String()]; ok {
			return sess, adv, hash, nil
		}
		err = &missingBranchError{branch: branch, available: branchNames(adv)}
	} else if errors.Is(unwrapGoGit(err), transport.ErrEmptyRemoteRepository) {
		err = &missingBranchError{branch: branch, empty: true}
	}
	sess.Close()
	return nil, nil, plumbing.ZeroHash, stageError(stageRead, err)
}
