// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

// Sync keeps the platform's own copy ("mirror") of a binding's branch: a
// bare Git repository on disk, written with go-git, updated by webhook
// pulls, the manual Update and Reset to origin. It uses the check's
// transports (the guarded dialer, the pinned host key, the credentials)
// and never trusts a host key on first use.
//
// The first sync fetches the tip of the branch with depth 1: the platform
// serves the branch's files and does not need its history. Every later
// sync is incremental: it sends the mirror's head (and a few of its
// ancestors) as "have" lines and the mirror's shallow boundaries as
// "shallow" lines, so the server sends only the objects the mirror lacks.
//
// Whether the old head is an ancestor of the new one decides between a
// fast-forward and a rewritten history (see ancestry.go). A shallow mirror
// may not hold enough history to tell, so a sync fetches in up to three
// rounds and stops as soon as the answer is known:
//
//  1. tip, only when the old head is a shallow boundary itself (right after
//     the first sync): the new head with depth 1, incrementally (its objects
//     that the mirror lacks). Enough when the new head's parent is the old
//     head (one new commit), or the old head's parent, which the mirror
//     knows by id only (an amended commit), or when it has no parent (a new
//     root, as after a force push of unrelated history). Without this round,
//     recognising an amend of the first-synced commit would fetch the whole
//     history behind it.
//  2. incremental: the new head without a depth limit. The server sends
//     every commit between the old head and the new one, so a fast-forward
//     of any length is recognised, and so is a rewrite that joins the
//     mirror's history. The shallow boundary the tip round left at the new
//     head is not sent, or the server would stop there.
//  3. exact: only when round 2 still cannot tell, because the new head's
//     history runs into a shallow boundary of the mirror that is not part of
//     the old head's history (after a Reset to an older commit, say). The
//     server is told exactly the boundaries of the old head's history, so it
//     sends the new head's history down to where it meets the old head's.
//     The answer is then certain.
//
// A rewritten history is recognised without fetching all of it when the
// rewrite joins the part of history the mirror holds (which grows with
// every fast-forward since the first sync). Otherwise rounds 2 and 3 fetch
// the new history down to where it meets the old one (at worst, to its
// root): a history rewritten beyond the mirror's first sync cannot be told
// from one that merely extends it without looking at it. That is the only
// case in which a sync reads old history; Checker.MaxSyncBytes bounds it.
//
// Concurrency: Sync must not run concurrently on one MirrorDir; the caller
// serialises the pulls of a binding. Within one process Sync also holds a
// lock per directory, so a second Sync of the same directory waits for the
// first. Syncs of different directories run in parallel.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// SyncMode says how a Sync may move the platform's copy of the branch.
type SyncMode int

const (
	// SyncUpdate only fast-forwards: when the remote's branch no longer
	// contains the platform's head, nothing moves (CodeHistoryRewritten).
	SyncUpdate SyncMode = iota
	// SyncReset makes the platform's copy match the remote's branch
	// exactly, whatever happened to its history.
	SyncReset
)

func (m SyncMode) String() string {
	switch m {
	case SyncUpdate:
		return "update"
	case SyncReset:
		return "reset"
	}
	return fmt.Sprintf("SyncMode(%d)", int(m))
}

// SyncRequest says what to sync.
type SyncRequest struct {
	// MirrorDir is the bare repository on disk holding the platform's
	// copy of this binding's repository; the control plane's is
	// <data dir>/mirrors/<repository UUID>. It is created (with its
	// parents) on first use; an existing directory must be empty or a Git
	// repository.
	MirrorDir string
	URL       string // re-validated with giturl.Validate
	Branch    string // "" means DefaultBranch
	Auth      Auth
	// PinnedHostKey is the SSH host key an access check pinned
	// (authorized_keys format). For ssh URLs it is required and the host
	// must present exactly this key: a sync never pins or re-pins.
	PinnedHostKey string
	Mode          SyncMode
}

// SyncResult is the outcome of a Sync. Message is meant for the user,
// whatever the code, and never contains the private key or the token.
type SyncResult struct {
	// Code is CodeSuccess, CodeHistoryRewritten (SyncUpdate only: the
	// remote's branch no longer contains the platform's head; nothing was
	// moved), or one of the check's error codes: CodeUnreachable,
	// CodeAuthenticationError, CodeHostKeyMismatch, CodeBranchMissing,
	// CodeForbiddenAddress, CodeInvalidURL, CodeInternalError.
	Code    string
	Message string
	// OriginHead is the remote branch's head as seen by this sync; "" if
	// the remote was not reached or has no such branch.
	OriginHead string
	// PlatformHead is the head of the platform's copy after the sync
	// (unchanged when the sync failed); "" when there is none yet.
	PlatformHead string
	// PreviousHead is the head of the platform's copy before the sync; ""
	// on the first sync.
	PreviousHead string
	// HistoryRewritten: PreviousHead is not an ancestor of OriginHead. A
	// SyncReset that succeeded moved the platform's copy across the
	// rewrite; a SyncUpdate refused (CodeHistoryRewritten).
	HistoryRewritten bool
	FetchedObjects   int           // objects received, over all fetches of this sync
	FetchedBytes     int64         // pack bytes received, over all fetches of this sync
	Duration         time.Duration // how long the sync took
}

// OK reports whether the sync succeeded.
func (r SyncResult) OK() bool { return r.Code == CodeSuccess }

const (
	// cheapWalkSteps bounds the ancestry walk before the incremental
	// round has run: until then an unknown answer only costs a fetch that
	// is cheap anyway, and the walk must not cost more than it.
	cheapWalkSteps = 2000
	// maxHaves is how many commits (the old head and its nearest
	// ancestors) a fetch sends as haves. Everything reachable from the old
	// head is common already; its ancestors only matter when the server no
	// longer has the old head itself (rewritten away and pruned).
	maxHaves = 16
	// maxSessions bounds the upload-pack sessions of one sync, in case the
	// remote's branch keeps moving while it runs.
	maxSessions = 8
)

// fetchRound is a kind of fetch; a sync goes through them in order.
type fetchRound int

const (
	roundTip fetchRound = iota
	roundIncremental
	roundExact
)

// Sync brings the platform's copy of the branch (req.MirrorDir) up to date
// with the remote, as req.Mode allows, and always returns a result; ctx and
// Checker.SyncTimeout bound it. It must not run concurrently on one
// MirrorDir (see the top of sync.go); syncs of different directories may
// run in parallel.
func (c *Checker) Sync(ctx context.Context, req SyncRequest) (res SyncResult) {
	start := time.Now()
	s := &syncRun{req: req, res: &SyncResult{}}
	defer func() {
		// As in Check: a decoder panicking on the remote's data fails this
		// sync, not the control plane.
		if p := recover(); p != nil {
			r := s.res
			*s.res = SyncResult{Code: CodeInternalError, Message: msgInternal(opSync, quoteExternal(fmt.Sprint(p), req.Auth)),
				OriginHead: r.OriginHead, PlatformHead: r.PlatformHead, PreviousHead: r.PreviousHead,
				FetchedObjects: r.FetchedObjects, FetchedBytes: r.FetchedBytes}
		}
		res = *s.res
		res.Duration = time.Since(start)
		res.Message = redactSecrets(res.Message, req.Auth, minRedactedToken)
	}()
	c.sync(ctx, s)
	return res
}

// syncRun is the state of one Sync.
type syncRun struct {
	*run
	req SyncRequest
	m   *mirror
	ref plumbing.ReferenceName // refs/heads/<branch>
	old plumbing.Hash          // the mirror's head before the sync
	res *SyncResult
}

func (c *Checker) sync(ctx context.Context, s *syncRun) {
	req := s.req
	fail := func(code, msg string) { s.res.Code, s.res.Message = code, msg }
	if req.Mode != SyncUpdate && req.Mode != SyncReset {
		fail(CodeInternalError, msgInternal(opSync, "unknown sync mode "+req.Mode.String()))
		return
	}
	if strings.TrimSpace(req.MirrorDir) == "" {
		fail(CodeInternalError, msgMirror("no directory was given for it"))
		return
	}
	set := c.settings()
	spec := targetSpec{URL: req.URL, Branch: req.Branch, Auth: req.Auth, PinnedHostKey: req.PinnedHostKey, RequirePinned: true}
	r, failed := set.newRun(ctx, spec, opSync, set.syncTimeout, set.maxSyncBytes)
	timeout := set.syncTimeout
	if r != nil {
		s.run, timeout = r, r.timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	unlock, err := lockMirror(ctx, req.MirrorDir)
	if err != nil {
		if r == nil {
			fail(failed.Code, failed.Message)
			return
		}
		fail(r.explain(ctx, err))
		return
	}
	defer unlock()

	// The heads are reported even when the request is refused.
	branch := req.Branch
	if branch == "" {
		branch = DefaultBranch
	}
	s.ref = plumbing.NewBranchReferenceName(branch)
	m, err := openMirror(req.MirrorDir, s.ref)
	if err == nil {
		s.m = m
		s.old, err = m.head(s.ref)
		s.res.PreviousHead, s.res.PlatformHead = hashString(s.old), hashString(s.old)
	}
	switch {
	case failed != nil:
		fail(failed.Code, failed.Message)
	case err != nil:
		fail(r.explain(ctx, err))
	default:
		if err := s.steps(ctx); err != nil {
			fail(r.explain(ctx, err))
		}
	}
}

func hashString(h plumbing.Hash) string {
	if h.IsZero() {
		return ""
	}
	return h.String()
}

// steps is the sync itself. It sets the result's code and message when it
// succeeds or refuses a rewritten history; the caller explains errors.
func (s *syncRun) steps(ctx context.Context) error {
	rem, err := s.open(ctx)
	if err != nil {
		return err
	}
	defer rem.close()

	sess, adv, head, err := advertisedBranch(ctx, rem, s.branch)
	if err != nil {
		return err
	}
	// sess is the open session, if any: first and follow use it up.
	defer func() {
		if sess != nil {
			sess.Close() // a flush-pkt: nothing more is wanted
		}
	}()
	s.res.OriginHead = head.String()

	scratch, rebuilt, err := s.fromScratch()
	if err != nil {
		return err
	}
	open := sess
	sess = nil
	if scratch {
		return s.first(ctx, open, adv, head, rebuilt)
	}
	return s.follow(ctx, rem, open, adv, head)
}

// fromScratch reports whether the mirror has no head to build on, so the
// sync fetches the tip as a first sync does: there is none yet, or its
// commit is missing (rebuilt; only a Reset may rebuild, an Update refuses).
func (s *syncRun) fromScratch() (scratch, rebuilt bool, err error) {
	if s.old.IsZero() {
		return true, false, nil
	}
	present, err := s.m.has(s.old)
	switch {
	case err != nil:
		return false, false, err
	case present:
		return false, false, nil
	case s.req.Mode == SyncUpdate:
		return false, false, failure(CodeInternalError, msgMirrorDamaged(s.branch, s.old.String()))
	}
	return true, true, nil
}

// follow moves the mirror from its head to the remote's head as the mode
// allows, fetching in rounds (see the top of this file) until it knows
// whether the old head is an ancestor of the new one. sess is the open
// session whose advertisement named head; follow uses it up or closes it.
func (s *syncRun) follow(ctx context.Context, rem remote, sess transport.UploadPackSession, adv *packp.AdvRefs, head plumbing.Hash) error {
	defer func() {
		if sess != nil {
			sess.Close()
		}
	}()
	// The tip round only pays when the old head is itself a shallow
	// boundary (right after the first sync, or a Reset that left the head
	// without its parents): then the commit the new head was built on may
	// be the old head's missing parent, which the mirror knows by id only.
	// Otherwise the incremental round costs no more and always decides a
	// fast-forward.
	firstRound := roundIncremental
	if slices.Contains(s.m.shallows, s.old) {
		firstRound = roundTip
	}
	round, sessions := firstRound, 1
	for {
		if head == s.old {
			return s.upToDate()
		}
		have, err := s.m.has(head)
		if err != nil {
			return err
		}
		if have {
			steps := cheapWalkSteps
			if round > roundIncremental {
				steps = 0 // the answer is due: walk all the mirror holds
			}
			a, err := s.m.graph.isAncestor(s.old, head, steps)
			if err != nil {
				return &mirrorError{s.m.dir, err}
			}
			if a != ancestryUnknown {
				return s.finish(head, a)
			}
			if round == roundTip {
				round = roundIncremental // the tip is here already
			}
		}
		if round > roundExact {
			// Not expected: after the exact round the walk is complete.
			return failure(CodeInternalError, msgInternal(opSync, "could not tell whether the remote's branch still contains the platform's head"))
		}
		if sess == nil {
			if sessions == maxSessions {
				return failure(CodeInternalError, msgOriginKeptMoving(s.branch))
			}
			sessions++
			var now plumbing.Hash
			if sess, adv, now, err = advertisedBranch(ctx, rem, s.branch); err != nil {
				return err
			}
			if now != head {
				// The branch moved meanwhile: start over with its new head.
				head, round = now, firstRound
				s.res.OriginHead = head.String()
				continue
			}
		}
		open := sess
		sess = nil
		if err := s.fetch(ctx, open, adv, head, round); err != nil {
			return err
		}
		round++
	}
}

// first fetches the tip of the branch into a mirror that has no head for it
// (or whose head is missing: rebuilt) and points the branch at it.
func (s *syncRun) first(ctx context.Context, sess transport.UploadPackSession, adv *packp.AdvRefs, head plumbing.Hash, rebuilt bool) error {
	if err := s.fetchSpec(ctx, sess, adv, fetchSpec{want: head, depth: 1}); err != nil {
		return err
	}
	if err := s.m.setHead(s.ref, head, s.old); err != nil {
		return err
	}
	s.res.PlatformHead = head.String()
	s.res.Code, s.res.Message = CodeSuccess, msgSyncCreated(s.branch, head.String())
	if rebuilt {
		s.res.Message = msgMirrorRebuilt(s.branch, s.old.String(), head.String())
	}
	return nil
}

func (s *syncRun) upToDate() error {
	if err := s.m.setHEAD(s.ref); err != nil {
		return err
	}
	s.res.Code, s.res.Message = CodeSuccess, msgSyncUpToDate(s.branch, s.old.String())
	return nil
}

// finish moves the branch to head as the mode allows, now that ancestry is
// known.
func (s *syncRun) finish(head plumbing.Hash, a ancestry) error {
	rewritten := a == ancestryNo
	s.res.HistoryRewritten = rewritten
	if s.req.Mode == SyncUpdate && rewritten {
		s.res.Code, s.res.Message = CodeHistoryRewritten, msgHistoryRewritten(s.branch, head.String(), s.old.String())
		return nil
	}
	if err := s.m.setHead(s.ref, head, s.old); err != nil {
		return err
	}
	s.res.PlatformHead = head.String()
	s.res.Code = CodeSuccess
	if s.req.Mode == SyncUpdate {
		s.res.Message = msgSyncFastForwarded(s.branch, s.old.String(), head.String())
	} else {
		s.res.Message = msgSyncReset(s.branch, s.old.String(), head.String(), rewritten)
	}
	return nil
}

// fetch runs one round (see the top of this file) for head.
func (s *syncRun) fetch(ctx context.Context, sess transport.UploadPackSession, adv *packp.AdvRefs, head plumbing.Hash, round fetchRound) error {
	haves, err := s.m.graph.recentAncestors(s.old, maxHaves)
	if err != nil {
		sess.Close()
		return &mirrorError{s.m.dir, err}
	}
	spec := fetchSpec{want: head, haves: haves}
	switch round {
	case roundTip:
		spec.depth, spec.shallows = 1, s.m.shallows
	case roundIncremental:
		// Leaving out head's own boundary is always safe: if the server
		// could reach head from the haves, it has nothing to send.
		spec.shallows = slices.DeleteFunc(slices.Clone(s.m.shallows), func(h plumbing.Hash) bool { return h == head })
	case roundExact:
		// Exactly where the old head's history ends in the mirror: the
		// server then assumes no more than the mirror holds, and walks
		// past every other boundary.
		if spec.shallows, err = s.m.graph.boundaries(s.old); err != nil {
			sess.Close()
			return &mirrorError{s.m.dir, err}
		}
	}
	return s.fetchSpec(ctx, sess, adv, spec)
}

func (s *syncRun) fetchSpec(ctx context.Context, sess transport.UploadPackSession, adv *packp.AdvRefs, spec fetchSpec) error {
	stats, err := fetchInto(ctx, sess, adv, s.m, spec)
	s.res.FetchedObjects += stats.objects
	s.res.FetchedBytes += stats.bytes
	if errors.As(err, new(errNoShallowSupport)) {
		return failure(CodeInternalError, msgNoShallowSupport(s.url.Host))
	}
	if err != nil {
		return stageError(stageRead, err)
	}
	return s.m.afterFetch(append(stats.shallows, spec.want))
}
