// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

import (
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
)

// testGraph builds commit graphs in memory; commits made with missing are
// not stored, as the parents a shallow mirror lacks.
type testGraph struct {
	t     *testing.T
	st    *memory.Storage
	clock time.Time
}

func newTestGraph(t *testing.T) *testGraph {
	return &testGraph{t: t, st: memory.NewStorage(), clock: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// at makes a commit dated at minute (relative to the graph's clock).
func (g *testGraph) at(minute int, name string, store bool, parents ...plumbing.Hash) plumbing.Hash {
	g.t.Helper()
	sig := object.Signature{Name: "t", Email: "t@example.com", When: g.clock.Add(time.Duration(minute) * time.Minute)}
	c := &object.Commit{Author: sig, Committer: sig, Message: name, TreeHash: plumbing.ZeroHash, ParentHashes: parents}
	obj := g.st.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		g.t.Fatal(err)
	}
	if store {
		if _, err := g.st.SetEncodedObject(obj); err != nil {
			g.t.Fatal(err)
		}
	}
	return obj.Hash()
}

// chain makes n stored commits on top of parent, a minute apart from
// minute, and returns them in order.
func (g *testGraph) chain(minute, n int, name string, parent plumbing.Hash) []plumbing.Hash {
	var out []plumbing.Hash
	for i := range n {
		var parents []plumbing.Hash
		if !parent.IsZero() {
			parents = []plumbing.Hash{parent}
		}
		parent = g.at(minute+i, name+string(rune('a'+i%26))+string(rune('0'+i/26)), true, parents...)
		out = append(out, parent)
	}
	return out
}

func (g *testGraph) check(old, tip plumbing.Hash, maxSteps int, want ancestry) {
	g.t.Helper()
	got, err := newCommitGraph(g.st).isAncestor(old, tip, maxSteps)
	if err != nil {
		g.t.Fatal(err)
	}
	if got != want {
		g.t.Errorf("isAncestor = %s, want %s", got, want)
	}
}

func TestIsAncestor(t *testing.T) {
	t.Run("linear", func(t *testing.T) {
		g := newTestGraph(t)
		c := g.chain(0, 5, "c", plumbing.ZeroHash)
		g.check(c[0], c[4], 0, ancestryYes)
		g.check(c[3], c[4], 0, ancestryYes)
		g.check(c[4], c[4], 0, ancestryYes)
		g.check(c[4], c[0], 0, ancestryNo) // a rewind
	})
	t.Run("merge", func(t *testing.T) {
		g := newTestGraph(t)
		o := g.at(0, "o", true)
		x := g.chain(1, 3, "x", o)
		y := g.chain(1, 30, "y", o)
		m := g.at(100, "m", true, x[2], y[29])
		g.check(o, m, 0, ancestryYes)
		g.check(x[0], m, 0, ancestryYes)
		g.check(y[29], m, 0, ancestryYes)
		g.check(x[2], y[29], 0, ancestryNo)
	})
	t.Run("new root", func(t *testing.T) {
		g := newTestGraph(t)
		old := g.chain(0, 3, "c", plumbing.ZeroHash)
		root := g.at(10, "r", true)
		g.check(old[2], root, 0, ancestryNo)
	})
	t.Run("amend of a shallow head", func(t *testing.T) {
		// The mirror holds the old head only; its parent p is missing.
		g := newTestGraph(t)
		p := g.at(0, "p", false)
		old := g.at(1, "old", true, p)
		amended := g.at(2, "amended", true, p)
		g.check(old, amended, 0, ancestryNo)
		g.check(old, amended, 5, ancestryNo)
	})
	t.Run("fast-forward beyond what was fetched", func(t *testing.T) {
		// Only the new tip is here: its parent is missing and not known
		// to be an ancestor of old.
		g := newTestGraph(t)
		p := g.at(0, "p", false)
		old := g.at(1, "old", true, p)
		between := g.at(2, "between", false, old)
		tip := g.at(3, "tip", true, between)
		g.check(old, tip, 0, ancestryUnknown)
	})
	t.Run("rewrite that joins the mirror's history", func(t *testing.T) {
		g := newTestGraph(t)
		base := g.at(0, "base", false)
		c := g.chain(1, 200, "c", base) // the mirror's history since the first sync
		rewritten := g.chain(300, 3, "r", c[150])
		g.check(c[199], rewritten[2], 0, ancestryNo)
		g.check(c[150], rewritten[2], 0, ancestryYes)
	})
	t.Run("new history runs into an old boundary", func(t *testing.T) {
		// A boundary b (parent missing) that is not in old's history:
		// old may be behind it.
		g := newTestGraph(t)
		old := g.chain(0, 3, "o", plumbing.ZeroHash)
		missing := g.at(5, "missing", false, old[2])
		b := g.at(6, "b", true, missing)
		tip := g.at(7, "tip", true, b)
		g.check(old[2], tip, 0, ancestryUnknown)
		// Once the missing commit is there, the answer is known.
		g.at(5, "missing", true, old[2])
		g.check(old[2], tip, 0, ancestryYes)
	})
	t.Run("boundary in old's history", func(t *testing.T) {
		// new reaches old's own boundary (first sync): what lies behind it
		// is old's history, where old is not.
		g := newTestGraph(t)
		p := g.at(0, "p", false)
		first := g.at(1, "first", true, p)
		c := g.chain(2, 10, "c", first)
		side := g.chain(20, 2, "s", first)
		g.check(c[9], side[1], 0, ancestryNo)
	})
	t.Run("clock skew", func(t *testing.T) {
		// Dates going backwards along the new side cost steps, not
		// correctness.
		g := newTestGraph(t)
		c := g.chain(1000, 50, "c", plumbing.ZeroHash)
		a := g.at(10, "a", true, c[49])
		b := g.at(5, "b", true, a)
		g.check(c[49], b, 0, ancestryYes)
		g.check(c[10], b, 0, ancestryYes)
		rewrite := g.at(1, "rw", true, c[30])
		g.check(c[49], rewrite, 0, ancestryNo)
	})
	t.Run("step bound", func(t *testing.T) {
		g := newTestGraph(t)
		c := g.chain(0, 100, "c", plumbing.ZeroHash)
		g.check(c[0], c[99], 10, ancestryUnknown)
		g.check(c[0], c[99], 0, ancestryYes)
	})
}

func TestBoundariesAndHaves(t *testing.T) {
	g := newTestGraph(t)
	p := g.at(0, "p", false)
	first := g.at(1, "first", true, p)
	c := g.chain(2, 30, "c", first)
	q := g.at(40, "q", false)
	m := g.at(41, "m", true, c[29], q) // a merge whose second parent is missing
	cg := newCommitGraph(g.st)
	got, err := cg.boundaries(m)
	if err != nil {
		t.Fatal(err)
	}
	want := map[plumbing.Hash]bool{first: true, m: true}
	if len(got) != len(want) || !want[got[0]] || !want[got[1]] {
		t.Errorf("boundaries = %v, want first and m", got)
	}
	haves, err := cg.recentAncestors(m, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(haves) != 6 || haves[0] != m || haves[1] != c[29] || haves[5] != c[25] {
		t.Errorf("haves = %v", haves)
	}
}
