// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

// The fetch into the mirror: one upload-pack request (wants, the mirror's
// shallow boundaries, an optional depth, haves) on a session whose ref
// advertisement was already read, and the pack stored in the mirror as a
// pack file with its index.
//
// go-git's Remote.Fetch is not used: it opens its own sessions through
// go-git's global transport registry (see transport_https.go and transport_ssh.go for why this
// package has its own), and it sends every ref of the repository as haves.
// The request is built here instead, from go-git's protocol types.
//
// Thin packs are requested when the server offers them: their deltas may
// use objects the mirror has as bases, so a changed file costs a delta, not
// the whole file. More importantly, only for a thin pack does git's
// upload-pack leave out the objects of the "have" commits' trees when the
// wanted commit is a shallow boundary (a depth 1 fetch: the server cannot
// walk from it to the haves, and marks the haves' trees as already present
// only for thin packs); otherwise it sends the tip's whole tree again.
// go-git cannot store a thin pack as it is (it indexes a fetched pack
// without looking at the objects already stored: "reference delta not
// found"), so storePack completes it first, as git index-pack --fix-thin
// does: it appends the base objects the pack refers to but lacks.

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// fetchSpec is one fetch into the mirror.
type fetchSpec struct {
	want     plumbing.Hash
	haves    []plumbing.Hash // commits whose whole history (down to the shallow boundaries) the mirror holds
	shallows []plumbing.Hash // the boundaries the server is told about
	depth    int             // 0: no depth limit
}

// fetchStats is what one fetch received.
type fetchStats struct {
	objects  int
	bytes    int64           // pack bytes
	shallows []plumbing.Hash // new shallow boundaries the server reported (depth fetches)
}

// errNoShallowSupport: the mirror is shallow but the server cannot be told.
type errNoShallowSupport struct{}

func (errNoShallowSupport) Error() string { return "the server does not support shallow fetches" }

// thinPackAdvertiser is implemented by this package's upload-pack sessions:
// whether the server offered thin-pack, which go-git filters out of the
// advertisement it returns (as go-git itself cannot store thin packs).
type thinPackAdvertiser interface{ advertisedThinPack() bool }

// fetchInto sends spec on sess (whose advertisement is adv) and stores the
// pack in m. sess is closed.
func fetchInto(ctx context.Context, sess transport.UploadPackSession, adv *packp.AdvRefs, m *mirror, spec fetchSpec) (stats fetchStats, err error) {
	defer sess.Close()
	req := packp.NewUploadPackRequestFromCapabilities(adv.Capabilities)
	if t, ok := sess.(thinPackAdvertiser); ok && t.advertisedThinPack() {
		if err := setCapabilities(req, capability.ThinPack); err != nil {
			return stats, err
		}
	}
	req.Wants = []plumbing.Hash{spec.want}
	req.Haves = spec.haves
	if adv.Capabilities.Supports(capability.Shallow) {
		if len(spec.shallows) > 0 || spec.depth > 0 {
			if err := setCapabilities(req, capability.Shallow); err != nil {
				return stats, err
			}
		}
		req.Shallows = spec.shallows
		if spec.depth > 0 {
			req.Depth = packp.DepthCommits(spec.depth)
		}
	} else if len(spec.shallows) > 0 {
		// Without the shallow lines the server would take the mirror's
		// history for complete and leave out objects it lacks.
		return stats, errNoShallowSupport{}
	}
	if adv.Capabilities.Supports(capability.NoProgress) {
		if err := setCapabilities(req, capability.NoProgress); err != nil {
			return stats, err
		}
	}
	resp, err := sess.UploadPack(ctx, req)
	if err != nil {
		return stats, err
	}
	defer resp.Close()
	stats.shallows = resp.Shallows

	pack := &packCounter{r: packReader(req.Capabilities, resp)}
	err = m.storePack(pack)
	stats.objects, stats.bytes = pack.objects(), pack.n
	return stats, err
}

// packCounter counts the bytes of a pack stream and reads the number of
// objects from its header ("PACK", version, count).
type packCounter struct {
	r      io.Reader
	n      int64
	header [12]byte
}

func (c *packCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.n < int64(len(c.header)) {
		copy(c.header[c.n:], p[:n])
	}
	c.n += int64(n)
	return n, err
}

func (c *packCounter) objects() int {
	if c.n < int64(len(c.header)) || !bytes.Equal(c.header[:4], []byte("PACK")) {
		return 0
	}
	return int(binary.BigEndian.Uint32(c.header[8:]))
}

const (
	packHeaderLen  = 12 // "PACK", version, object count
	packTrailerLen = 20 // SHA-1 of what precedes it
)

// storePack stores the pack read from r in the mirror, completing it first
// if it is thin: it is spooled to a temporary file, whose delta bases are
// then looked up, and written to go-git's pack writer with the missing
// bases appended (header count and trailer adjusted). go-git's index
// builder moves the deltas to a base that comes later in the pack.
func (m *mirror) storePack(r io.Reader) (err error) {
	wrap := func(err error) error { return &mirrorError{m.dir, err} }
	tmp, err := os.CreateTemp(filepath.Join(m.dir, "objects", "pack"), "tmp_fetch_")
	if err != nil {
		return wrap(err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	size, err := io.Copy(tmp, r)
	if err != nil {
		return fmt.Errorf("reading the pack: %w", err)
	}
	if size == 0 {
		return nil // nothing sent
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return wrap(err)
	}
	count, bases, err := m.externalBases(tmp)
	if err != nil {
		return fmt.Errorf("reading the pack: %w", err)
	}
	if count == 0 {
		return nil
	}
	if size < packHeaderLen+packTrailerLen {
		return fmt.Errorf("reading the pack: %w", packfile.ErrMalformedPackFile)
	}

	w, err := m.st.PackfileWriter()
	if err != nil {
		return wrap(err)
	}
	defer func() {
		// Close indexes the pack and moves it into place; a pack that
		// does not parse is left out.
		if cerr := w.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("storing the pack: %w", cerr)
		}
	}()
	h := sha1.New()
	out := io.MultiWriter(w, h)
	var header [packHeaderLen]byte
	copy(header[:], "PACK")
	binary.BigEndian.PutUint32(header[4:], 2)
	binary.BigEndian.PutUint32(header[8:], uint32(count+len(bases)))
	if _, err := out.Write(header[:]); err != nil {
		return wrap(err)
	}
	body := io.NewSectionReader(tmp, packHeaderLen, size-packHeaderLen-packTrailerLen)
	if _, err := io.Copy(out, body); err != nil {
		return wrap(err)
	}
	for _, base := range bases {
		if err := m.writePackEntry(out, base); err != nil {
			return err
		}
	}
	if _, err := w.Write(h.Sum(nil)); err != nil {
		return wrap(err)
	}
	return nil
}

// externalBases reads the pack's header and object headers and lists the
// bases of its REF_DELTA objects that the mirror has and the pack does not
// hold as a whole object. (The server refers to an object by id only when
// it is outside the pack: it sends ofs-delta otherwise.)
func (m *mirror) externalBases(pack io.Reader) (count int, bases []plumbing.Hash, err error) {
	sc := packfile.NewScanner(pack)
	_, n, err := sc.Header()
	if err != nil {
		return 0, nil, err
	}
	inPack := map[plumbing.Hash]bool{}
	refs := map[plumbing.Hash]bool{}
	var order []plumbing.Hash
	for range n {
		oh, err := sc.NextObjectHeader()
		if err != nil {
			return 0, nil, err
		}
		switch oh.Type {
		case plumbing.REFDeltaObject:
			if !refs[oh.Reference] {
				refs[oh.Reference] = true
				order = append(order, oh.Reference)
			}
		case plumbing.OFSDeltaObject:
		default:
			hasher := plumbing.NewHasher(oh.Type, oh.Length)
			if _, _, err := sc.NextObject(hasher); err != nil {
				return 0, nil, err
			}
			inPack[hasher.Sum()] = true
		}
	}
	for _, h := range order {
		if inPack[h] {
			continue
		}
		if err := m.st.HasEncodedObject(h); err == nil {
			bases = append(bases, h)
		} else if !errors.Is(err, plumbing.ErrObjectNotFound) {
			return 0, nil, &mirrorError{m.dir, err}
		}
	}
	return int(n), bases, nil
}

// writePackEntry writes object h of the mirror to w as a whole pack entry:
// its type and size, then its zlib-compressed content.
func (m *mirror) writePackEntry(w io.Writer, h plumbing.Hash) error {
	obj, err := m.st.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return &mirrorError{m.dir, err}
	}
	size := obj.Size()
	var hdr []byte
	b := byte(obj.Type())<<4 | byte(size&0x0f)
	for size >>= 4; size > 0; size >>= 7 {
		hdr = append(hdr, b|0x80)
		b = byte(size & 0x7f)
	}
	hdr = append(hdr, b)
	if _, err := w.Write(hdr); err != nil {
		return &mirrorError{m.dir, err}
	}
	rd, err := obj.Reader()
	if err != nil {
		return &mirrorError{m.dir, err}
	}
	defer rd.Close()
	zw := zlib.NewWriter(w)
	if _, err := io.Copy(zw, rd); err != nil {
		return &mirrorError{m.dir, err}
	}
	if err := zw.Close(); err != nil {
		return &mirrorError{m.dir, err}
	}
	return nil
}
