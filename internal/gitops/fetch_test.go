// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
)

// countingConn counts the bytes the check reads from the network.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestCheckCostDoesNotGrowWithHistory: what the check reads from the
// network is the same for 10 and 10,000 commits of history (each commit
// rewrites a file, so the long history holds some 30,000 objects).
func TestCheckCostDoesNotGrowWithHistory(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	received := map[int]int64{}
	for _, commits := range []int{10, 10_000} {
		repo, _ := newRepo(t, h, nil)
		sha, err := repo.GenerateHistory(testContext(t), "main", commits)
		if err != nil {
			t.Fatal(err)
		}
		var n atomic.Int64
		c := loopbackChecker()
		c.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return countingConn{conn, &n}, nil
		}
		res := c.Check(testContext(t), sshRequest(repo, key))
		wantCode(t, res, CodeSuccess)
		if res.Commit != sha {
			t.Fatalf("Commit = %q, want %q", res.Commit, sha)
		}
		received[commits] = n.Load()
	}
	t.Logf("bytes received: %v", received)
	// SSH framing and the digits in the commit message vary a little.
	if d := received[10_000] - received[10]; d > 512 || d < -512 {
		t.Errorf("received %d bytes for 10 commits but %d for 10,000: the check reads history", received[10], received[10_000])
	}
}
