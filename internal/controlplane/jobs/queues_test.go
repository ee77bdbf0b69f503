// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package jobs

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// Asking for a check while one runs checks the binding once more
// afterwards, however often it is asked; other bindings go on meanwhile.
func TestCheckQueueCoalescesAndGoesIdle(t *testing.T) {
	var mu sync.Mutex
	runs := map[string]int{}
	started := make(chan string, 8)
	release := make(chan struct{})
	q := newCheckQueue(2, func(ctx context.Context, id string) {
		mu.Lock()
		runs[id]++
		mu.Unlock()
		started <- id
		if id == "slow" {
			<-release
		}
	})
	defer q.Close(time.Second)

	q.Merge("slow", struct{}{})
	<-started
	for range 3 {
		q.Merge("slow", struct{}{}) // while running: once more afterwards, not three times
	}
	q.Merge("fast", struct{}{})
	<-started

	if q.Idle() {
		t.Fatal("idle while a check runs")
	}
	close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := q.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if runs["slow"] != 2 || runs["fast"] != 1 {
		t.Fatalf("runs %v, want slow twice and fast once", runs)
	}
}

func TestSyncQueueSerialisesARepositoryAndRunsOthersInParallel(t *testing.T) {
	var mu sync.Mutex
	running := map[string]int{}
	var order []string
	started := make(chan string, 16)
	release := map[string]chan struct{}{"slow": make(chan struct{}), "fast": make(chan struct{})}
	r := &Runner{}
	r.syncs = newSyncQueue(2, func(ctx context.Context, id string, job *syncJob) syncDone {
		mu.Lock()
		running[id]++
		if running[id] > 1 {
			t.Errorf("two syncs of %s at once", id)
		}
		order = append(order, id+":"+job.mode.String())
		mu.Unlock()
		started <- id
		if id == "slow" {
			<-release["slow"]
		}
		mu.Lock()
		running[id]--
		mu.Unlock()
		return syncDone{outcome: Outcome{Code: gitops.CodeSuccess}}
	})
	defer r.syncs.Close(time.Second)

	r.QueueDeliverySync("slow")
	if got := <-started; got != "slow" {
		t.Fatalf("started %s", got)
	}
	// Behind the running sync: a reset, then deliveries that join one sync.
	reset := &syncJob{mode: gitops.SyncReset, done: make(chan syncDone, 1)}
	r.syncs.Add("slow", reset)
	for range 3 {
		r.QueueDeliverySync("slow")
	}
	// Another repository is not held up by the slow one.
	fast := &syncJob{mode: gitops.SyncUpdate, done: make(chan syncDone, 1)}
	r.syncs.Add("fast", fast)
	select {
	case outcome := <-fast.done:
		if outcome.outcome.Code != gitops.CodeSuccess {
			t.Fatalf("fast: %+v", outcome)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a slow repository held up another")
	}
	if r.syncs.Idle() {
		t.Fatal("idle while a sync runs")
	}
	close(release["slow"])
	if outcome := <-reset.done; outcome.err != nil {
		t.Fatal(outcome.err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.syncs.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"slow:update", "fast:update", "slow:reset", "slow:update"}
	if len(order) != len(want) {
		t.Fatalf("syncs %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("syncs %v, want %v", order, want)
		}
	}
}

func TestSyncQueueCloseAnswersWaitersAndCancels(t *testing.T) {
	started := make(chan struct{})
	var once sync.Once
	q := newSyncQueue(1, func(ctx context.Context, id string, job *syncJob) syncDone {
		once.Do(func() { close(started) })
		<-ctx.Done()
		return syncDone{err: ErrShuttingDown}
	})
	running := &syncJob{done: make(chan syncDone, 1)}
	waiting := &syncJob{done: make(chan syncDone, 1)}
	q.Add("a", running)
	q.Add("a", waiting)
	<-started
	if err := q.Close(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	for _, job := range []*syncJob{running, waiting} {
		if outcome := <-job.done; outcome.err != ErrShuttingDown {
			t.Fatalf("outcome %+v, want ErrShuttingDown", outcome)
		}
	}
	if q.Add("b", &syncJob{}) {
		t.Fatal("enqueued after close")
	}
}
