// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

// The fetch: list the remote's refs, then fetch the tip of one branch with
// depth 1 on the same upload-pack session (one SSH channel; two HTTP
// requests for smart HTTP, which is stateless), into memory. Its cost
// depends on the number of refs (protocol version 0 advertises them all)
// and the size of the tip's tree, not on the history: the server sends one
// commit and its trees, and no blobs if it supports partial clone.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/sideband"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/memory"
)

// branchTip is what the check learns about the branch.
type branchTip struct {
	commit  plumbing.Hash
	entries []object.TreeEntry // top level of the commit's tree
}

// missingBranchError: the remote has no such branch (or no refs at all).
type missingBranchError struct {
	branch    string
	available []string // the remote's branches, sorted
	empty     bool     // the repository has no refs at all
}

func (e *missingBranchError) Error() string {
	if e.empty {
		return "the remote repository is empty"
	}
	return fmt.Sprintf("the remote has no branch %q", e.branch)
}

// fetchTip fetches the tip of branch into memory and reads its tree.
func fetchTip(ctx context.Context, rem remote, branch string) (*branchTip, error) {
	sess, err := rem.uploadPack(ctx)
	if err != nil {
		return nil, err
	}
	// Once the tip is read, a failure to hang up cleanly changes nothing.
	defer sess.Close()

	adv, err := sess.AdvertisedReferencesContext(ctx)
	if errors.Is(unwrapGoGit(err), transport.ErrEmptyRemoteRepository) {
		return nil, &missingBranchError{branch: branch, empty: true}
	}
	if err != nil {
		return nil, err
	}
	ref := plumbing.NewBranchReferenceName(branch)
	hash, ok := adv.References[ref.String()]
	if !ok {
		return nil, &missingBranchError{branch: branch, available: branchNames(adv)}
	}

	req, err := tipRequest(adv.Capabilities, hash)
	if err != nil {
		return nil, err
	}
	resp, err := sess.UploadPack(ctx, req)
	if err != nil {
		return nil, err
	}
	defer resp.Close()

	storage := memory.NewStorage()
	if err := packfile.UpdateObjectStorage(storage, packReader(req.Capabilities, resp)); err != nil {
		return nil, fmt.Errorf("reading the fetched pack: %w", err)
	}
	commit, err := object.GetCommit(storage, hash)
	if err != nil {
		return nil, fmt.Errorf("reading commit %s: %w", hash, err)
	}
	tree, err := object.GetTree(storage, commit.TreeHash)
	if err != nil {
		return nil, fmt.Errorf("reading the tree of commit %s: %w", hash, err)
	}
	return &branchTip{commit: hash, entries: tree.Entries}, nil
}

// tipRequest asks for want with depth 1, without progress messages, and
// without blobs where the server supports partial clone.
func tipRequest(adv *capability.List, want plumbing.Hash) (*packp.UploadPackRequest, error) {
	req := packp.NewUploadPackRequestFromCapabilities(adv)
	req.Wants = []plumbing.Hash{want}
	var wanted []capability.Capability
	if adv.Supports(capability.Shallow) {
		wanted = append(wanted, capability.Shallow)
		req.Depth = packp.DepthCommits(1)
	}
	if adv.Supports(capability.NoProgress) {
		wanted = append(wanted, capability.NoProgress)
	}
	if adv.Supports(capability.Filter) {
		wanted = append(wanted, capability.Filter)
		req.Filter = packp.FilterBlobNone()
	}
	if err := setCapabilities(req, wanted...); err != nil {
		return nil, err
	}
	return req, nil
}

// packReader demultiplexes the pack from the side-band, when requested.
func packReader(caps *capability.List, r io.Reader) io.Reader {
	switch {
	case caps.Supports(capability.Sideband64k):
		return sideband.NewDemuxer(sideband.Sideband64k, r)
	case caps.Supports(capability.Sideband):
		return sideband.NewDemuxer(sideband.Sideband, r)
	}
	return r
}

// checkWrite opens a receive-pack session, reads its ref advertisement
// (which the host sends only to clients allowed to push) and closes it
// without sending a command, so no ref is updated.
func checkWrite(ctx context.Context, rem remote) error {
	sess, err := rem.receivePack(ctx)
	if err != nil {
		return err
	}
	defer sess.Close()
	_, err = sess.AdvertisedReferencesContext(ctx)
	return err
}

// branchNames lists the branches a ref advertisement names, sorted.
func branchNames(adv *packp.AdvRefs) []string {
	var names []string
	for name := range adv.References {
		if b, ok := strings.CutPrefix(name, "refs/heads/"); ok {
			names = append(names, b)
		}
	}
	sort.Strings(names)
	return names
}

// setCapabilities asks for each capability in caps (none takes arguments).
func setCapabilities(req *packp.UploadPackRequest, caps ...capability.Capability) error {
	for _, c := range caps {
		if err := req.Capabilities.Set(c); err != nil {
			return fmt.Errorf("asking for capability %s: %w", c, err)
		}
	}
	return nil
}
