// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

// Ancestry in a shallow mirror: is the platform's old head an ancestor of
// the remote's new head? The mirror holds only part of the history (the
// first sync fetches the tip alone), so the walk can run into commits that
// are not there. Three answers, then:
//
//   - yes: the walk from the new head reached the old head;
//   - no: every path from the new head ended at a root, or at a commit
//     known to be an ancestor of the old head (the old head's own
//     ancestors in the mirror, and the parents they name even when those
//     are missing), from where the old head cannot be reached since
//     history has no cycles;
//   - unknown: some path ended at a missing commit not known to be an
//     ancestor of the old head; the old head may lie behind it. The caller
//     fetches more and asks again.
//
// Both walks run at once, newest commit first (as git's merge-base does),
// so that the walk from the new head meets the old head's ancestors where
// the two histories join rather than walking on to the end of the mirror's
// history. Commit dates only order the work: the answer does not depend on
// them, so clock skew costs time, never correctness.

import (
	"container/heap"
	"errors"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

type ancestry int

const (
	ancestryUnknown ancestry = iota
	ancestryYes
	ancestryNo
)

func (a ancestry) String() string {
	switch a {
	case ancestryYes:
		return "yes"
	case ancestryNo:
		return "no"
	}
	return "unknown"
}

// commitGraph reads commits' parents and dates from a store, remembering
// what it read (a walk may look at a commit from both sides).
type commitGraph struct {
	s     storer.EncodedObjectStorer
	nodes map[plumbing.Hash]*graphNode
}

type graphNode struct {
	present bool
	parents []plumbing.Hash
	when    time.Time
}

func newCommitGraph(s storer.EncodedObjectStorer) *commitGraph {
	return &commitGraph{s: s, nodes: map[plumbing.Hash]*graphNode{}}
}

// node returns what the store knows of commit h; present is false when
// the store does not have it.
func (g *commitGraph) node(h plumbing.Hash) (*graphNode, error) {
	if n, ok := g.nodes[h]; ok {
		return n, nil
	}
	n := &graphNode{}
	c, err := object.GetCommit(g.s, h)
	switch {
	case errors.Is(err, plumbing.ErrObjectNotFound):
	case err != nil:
		return nil, err
	default:
		n.present, n.parents, n.when = true, c.ParentHashes, c.Committer.When
	}
	g.nodes[h] = n
	return n, nil
}

// side says which walk a queued commit belongs to.
type side uint8

const (
	sideNew side = iota // ancestors of the new head
	sideOld             // ancestors of the old head
)

type queued struct {
	hash plumbing.Hash
	side side
	when time.Time
	seq  int // insertion order, to break ties reproducibly
}

// dateQueue pops the newest commit first; missing commits (zero time) come
// last.
type dateQueue []queued

func (q dateQueue) Len() int { return len(q) }
func (q dateQueue) Less(i, j int) bool {
	if !q[i].when.Equal(q[j].when) {
		return q[i].when.After(q[j].when)
	}
	return q[i].seq < q[j].seq
}
func (q dateQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *dateQueue) Push(x any) {
	e, ok := x.(queued)
	if !ok {
		panic("gitops: dateQueue.Push takes queued values only")
	}
	*q = append(*q, e)
}
func (q *dateQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// pop takes the newest commit off the queue.
func (q *dateQueue) pop() queued {
	e, ok := heap.Pop(q).(queued)
	if !ok {
		panic("gitops: dateQueue holds something else than queued")
	}
	return e
}

// isAncestor answers whether old is an ancestor of tip (a commit is its own
// ancestor) from what the store holds. maxSteps bounds the commits visited
// (0: no bound); when it is reached the answer is unknown.
func (g *commitGraph) isAncestor(old, tip plumbing.Hash, maxSteps int) (ancestry, error) {
	if old == tip {
		return ancestryYes, nil
	}
	w := &ancestryWalk{
		g: g, old: old,
		seenNew:  map[plumbing.Hash]bool{tip: true},
		seenOld:  map[plumbing.Hash]bool{old: true},
		known:    map[plumbing.Hash]bool{old: true},
		frontier: map[plumbing.Hash]bool{},
	}
	if err := w.push(tip, sideNew); err != nil {
		return ancestryUnknown, err
	}
	if err := w.push(old, sideOld); err != nil {
		return ancestryUnknown, err
	}
	for steps := 0; w.q.Len() > 0; steps++ {
		if w.settled() {
			return ancestryNo, nil
		}
		if maxSteps > 0 && steps >= maxSteps {
			return ancestryUnknown, nil
		}
		e := w.q.pop()
		n, err := g.node(e.hash)
		if err != nil {
			return ancestryUnknown, err
		}
		reached := false
		if e.side == sideOld {
			err = w.visitOld(n)
		} else {
			reached, err = w.visitNew(e.hash, n)
		}
		if err != nil {
			return ancestryUnknown, err
		}
		if reached {
			return ancestryYes, nil
		}
	}
	if w.settled() {
		return ancestryNo, nil
	}
	return ancestryUnknown, nil
}

// ancestryWalk is the state of one isAncestor: both walks, in one queue.
type ancestryWalk struct {
	g        *commitGraph
	old      plumbing.Hash
	q        dateQueue
	seq      int
	newLeft  int                    // queued commits of the new side
	seenNew  map[plumbing.Hash]bool // queued once by the new side
	seenOld  map[plumbing.Hash]bool
	known    map[plumbing.Hash]bool // old and commits known to be its ancestors
	frontier map[plumbing.Hash]bool // missing commits the new side reached
}

func (w *ancestryWalk) push(h plumbing.Hash, s side) error {
	n, err := w.g.node(h)
	if err != nil {
		return err
	}
	w.seq++
	heap.Push(&w.q, queued{hash: h, side: s, when: n.when, seq: w.seq})
	if s == sideNew {
		w.newLeft++
	}
	return nil
}

// settled reports whether the new side is done and each missing commit
// it reached is a known ancestor of old.
func (w *ancestryWalk) settled() bool {
	if w.newLeft > 0 {
		return false
	}
	for h := range w.frontier {
		if !w.known[h] {
			return false
		}
	}
	return true
}

// visitOld takes in a commit of old's history: its parents (even missing
// ones) are known ancestors of old, and are walked in turn.
func (w *ancestryWalk) visitOld(n *graphNode) error {
	if !n.present {
		return nil
	}
	for _, p := range n.parents {
		w.known[p] = true
		if !w.seenOld[p] {
			w.seenOld[p] = true
			if err := w.push(p, sideOld); err != nil {
				return err
			}
		}
	}
	return nil
}

// visitNew takes in commit h of the new head's history; reached reports
// that old is h or one of its parents.
func (w *ancestryWalk) visitNew(h plumbing.Hash, n *graphNode) (reached bool, err error) {
	w.newLeft--
	switch {
	case h == w.old:
		return true, nil
	case w.known[h]:
		// A proper ancestor of old: old is not behind it.
		return false, nil
	case !n.present:
		w.frontier[h] = true
		return false, nil
	}
	for _, p := range n.parents {
		if p == w.old {
			return true, nil
		}
		if !w.seenNew[p] {
			w.seenNew[p] = true
			if err := w.push(p, sideNew); err != nil {
				return false, err
			}
		}
	}
	return false, nil
}

// boundaries lists the commits of head's history in the store that miss a
// parent: where the store's copy of that history ends. It walks the whole
// history the store holds.
func (g *commitGraph) boundaries(head plumbing.Hash) ([]plumbing.Hash, error) {
	var out []plumbing.Hash
	seen := map[plumbing.Hash]bool{head: true}
	stack := []plumbing.Hash{head}
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n, err := g.node(h)
		if err != nil {
			return nil, err
		}
		if !n.present {
			continue
		}
		missing, err := g.missesParent(n)
		if err != nil {
			return nil, err
		}
		if missing {
			out = append(out, h)
		}
		for _, p := range n.parents {
			if !seen[p] {
				seen[p] = true
				stack = append(stack, p)
			}
		}
	}
	return out, nil
}

// missesParent reports whether the store lacks a parent of n.
func (g *commitGraph) missesParent(n *graphNode) (bool, error) {
	for _, p := range n.parents {
		pn, err := g.node(p)
		if err != nil {
			return false, err
		}
		if !pn.present {
			return true, nil
		}
	}
	return false, nil
}

// recentAncestors lists head and up to limit of its ancestors in the store,
// nearest first: the "have" lines of a fetch.
func (g *commitGraph) recentAncestors(head plumbing.Hash, limit int) ([]plumbing.Hash, error) {
	out := []plumbing.Hash{head}
	seen := map[plumbing.Hash]bool{head: true}
	for i := 0; i < len(out) && len(out) <= limit; i++ {
		n, err := g.node(out[i])
		if err != nil {
			return nil, err
		}
		for _, p := range n.parents {
			pn, err := g.node(p)
			if err != nil {
				return nil, err
			}
			if pn.present && !seen[p] && len(out) <= limit {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out, nil
}
