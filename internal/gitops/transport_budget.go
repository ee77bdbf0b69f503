// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

// The byte budget of one operation: every transport counts what it reads
// from the remote against its target's budget.

import (
	"fmt"
	"io"
	"sync/atomic"
)

// tooLargeError: the remote sent more than the check reads.
type tooLargeError struct{ limit int64 }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("the remote sent more than %d bytes", e.limit)
}

// byteBudget bounds what one check reads from the remote, over all its
// connections. It is shared by the readers of one check, and remembers
// being exceeded: go-git does not always keep the error's type when it
// wraps it.
type byteBudget struct {
	left     atomic.Int64
	limit    int64
	exceeded atomic.Bool
}

func newByteBudget(limit int64) *byteBudget {
	b := &byteBudget{limit: limit}
	b.left.Store(limit)
	return b
}

// reader counts what is read through r against the budget.
func (b *byteBudget) reader(r io.Reader) io.Reader { return &budgetReader{r, b} }

type budgetReader struct {
	r io.Reader
	b *byteBudget
}

func (br *budgetReader) Read(p []byte) (int, error) {
	left := br.b.left.Load()
	if left <= 0 {
		// Only an attempt to read past the limit is an error: a stream of
		// exactly the limit ends normally.
		var one [1]byte
		if n, err := br.r.Read(one[:]); n == 0 {
			return 0, err
		}
		br.b.exceeded.Store(true)
		return 0, &tooLargeError{br.b.limit}
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := br.r.Read(p)
	br.b.left.Add(-int64(n))
	return n, err
}
