// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

// The platform's copy of a branch on disk (a bare repository written with
// go-git) and the per-directory lock of Sync; the sync itself is sync.go.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	format "github.com/go-git/go-git/v5/plumbing/format/config"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// mirrorError: the mirror on disk could not be read or written.
type mirrorError struct {
	dir string
	err error
}

// Error leaves out the mirror's path, which says nothing to users.
func (e *mirrorError) Error() string {
	return strings.ReplaceAll(e.err.Error(), e.dir, "…")
}

func (e *mirrorError) Unwrap() error { return e.err }

// mirror is the platform's copy of a repository, opened for one sync.
type mirror struct {
	dir      string
	st       *filesystem.Storage
	graph    *commitGraph    // renewed after every fetch
	shallows []plumbing.Hash // the shallow boundaries, all present in st
}

// openMirror opens the bare repository dir, creating it (HEAD pointing at
// ref) if dir is missing or empty.
func openMirror(dir string, ref plumbing.ReferenceName) (*mirror, error) {
	wrap := func(err error) error { return &mirrorError{dir, err} }
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		err = os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return nil, wrap(err)
	}
	m := &mirror{dir: dir, st: filesystem.NewStorage(osfs.New(dir), cache.NewObjectLRUDefault())}
	if len(entries) == 0 {
		if err := m.init(ref); err != nil {
			return nil, wrap(err)
		}
	} else if _, err := m.st.Reference(plumbing.HEAD); err != nil {
		return nil, wrap(fmt.Errorf("the directory exists but is not a Git repository (%w)", err))
	}
	// Packs that a failed sync left half-written.
	if tmp, _ := filepath.Glob(filepath.Join(dir, "objects", "pack", "tmp_*")); len(tmp) > 0 {
		for _, f := range tmp {
			_ = os.Remove(f)
		}
	}
	m.graph = newCommitGraph(m.st)
	listed, err := m.st.Shallow()
	if err != nil {
		return nil, wrap(err)
	}
	for _, h := range listed {
		if ok, err := m.has(h); err != nil {
			return nil, err
		} else if ok {
			m.shallows = append(m.shallows, h)
		}
	}
	return m, nil
}

// init creates a bare repository (as git.PlainInit would; the go-git
// package itself is not used, to keep its SSH and config dependencies out).
func (m *mirror) init(ref plumbing.ReferenceName) error {
	if err := m.st.Init(); err != nil {
		return err
	}
	cfg := config.NewConfig()
	cfg.Core.IsBare = true
	// Without it, git (2.39) takes the repository for non-bare when
	// given --git-dir from inside another work tree.
	cfg.Core.RepositoryFormatVersion = format.Version_0
	if err := m.st.SetConfig(cfg); err != nil {
		return err
	}
	return m.st.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, ref))
}

// head is where ref points, or the zero hash.
func (m *mirror) head(ref plumbing.ReferenceName) (plumbing.Hash, error) {
	r, err := m.st.Reference(ref)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return plumbing.ZeroHash, nil
	}
	if err != nil {
		return plumbing.ZeroHash, &mirrorError{m.dir, err}
	}
	return r.Hash(), nil
}

func (m *mirror) has(h plumbing.Hash) (bool, error) {
	n, err := m.graph.node(h)
	if err != nil {
		return false, &mirrorError{m.dir, err}
	}
	return n.present, nil
}

// afterFetch records the shallow boundaries once new objects are in: the
// commits (of the old boundaries and the candidates) that are present and
// miss a parent. A boundary whose parents have arrived is one no longer.
func (m *mirror) afterFetch(candidates []plumbing.Hash) error {
	m.graph = newCommitGraph(m.st)
	seen := map[plumbing.Hash]bool{}
	var keep []plumbing.Hash
	for _, h := range append(slices.Clone(m.shallows), candidates...) {
		if seen[h] {
			continue
		}
		seen[h] = true
		n, err := m.graph.node(h)
		if err != nil {
			return &mirrorError{m.dir, err}
		}
		if !n.present {
			continue
		}
		missing, err := m.graph.missesParent(n)
		if err != nil {
			return &mirrorError{m.dir, err}
		}
		if missing {
			keep = append(keep, h)
		}
	}
	slices.SortFunc(keep, func(a, b plumbing.Hash) int { return strings.Compare(a.String(), b.String()) })
	if slices.Equal(keep, m.shallows) {
		return nil
	}
	if err := m.st.SetShallow(keep); err != nil {
		return &mirrorError{m.dir, err}
	}
	m.shallows = keep
	return nil
}

// setHead points ref at head (where it pointed at old, or nowhere when old
// is zero) and HEAD at ref.
func (m *mirror) setHead(ref plumbing.ReferenceName, head, old plumbing.Hash) error {
	var prev *plumbing.Reference
	if !old.IsZero() {
		prev = plumbing.NewHashReference(ref, old)
	}
	if err := m.st.CheckAndSetReference(plumbing.NewHashReference(ref, head), prev); err != nil {
		return &mirrorError{m.dir, err}
	}
	return m.setHEAD(ref)
}

// setHEAD points HEAD at ref, the branch the binding tracks.
func (m *mirror) setHEAD(ref plumbing.ReferenceName) error {
	if cur, err := m.st.Reference(plumbing.HEAD); err == nil && cur.Type() == plumbing.SymbolicReference && cur.Target() == ref {
		return nil
	}
	if err := m.st.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, ref)); err != nil {
		return &mirrorError{m.dir, err}
	}
	return nil
}

// mirrorLocks serialises Syncs of one directory within the process.
var mirrorLocks = struct {
	sync.Mutex
	m map[string]*dirLock
}{m: map[string]*dirLock{}}

type dirLock struct {
	ch    chan struct{} // holds a token while locked
	users int           // holders and waiters; the entry goes when none is left
}

// lockMirror waits (as long as ctx allows) until no other Sync of dir runs
// in this process.
func lockMirror(ctx context.Context, dir string) (unlock func(), err error) {
	key, err := filepath.Abs(dir)
	if err != nil {
		return nil, &mirrorError{dir, err}
	}
	mirrorLocks.Lock()
	l := mirrorLocks.m[key]
	if l == nil {
		l = &dirLock{ch: make(chan struct{}, 1)}
		mirrorLocks.m[key] = l
	}
	l.users++
	mirrorLocks.Unlock()
	release := func() {
		mirrorLocks.Lock()
		if l.users--; l.users == 0 {
			delete(mirrorLocks.m, key)
		}
		mirrorLocks.Unlock()
	}
	select {
	case l.ch <- struct{}{}:
		return func() { <-l.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
