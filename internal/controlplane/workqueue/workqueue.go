// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package workqueue runs keyed jobs on a pool of workers. The jobs of one
// key run one at a time, in the order they were added; jobs of different
// keys run in parallel, a key taking its turn at the back of the line after
// each of its jobs, so that one slow or busy key holds up no other while a
// worker is free.
package workqueue

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrStillRunning is Close's error when cancelled jobs outlast its wait.
var ErrStillRunning = errors.New("workqueue: jobs still running after they were cancelled")

// Config configures Start.
type Config[K comparable, J any] struct {
	// Workers is how many jobs run at once; at least one does.
	Workers int
	// Run runs one job. Its ctx is cancelled by Close.
	Run func(ctx context.Context, key K, job J)
	// Dropped, when set, is told of each waiting job that Close drops
	// without running it, so that whoever waits for the job can be answered.
	Dropped func(key K, job J)
}

// Queue holds the jobs of each key from the time they are added until they
// have run. It is safe for concurrent use.
type Queue[K comparable, J any] struct {
	run     func(ctx context.Context, key K, job J)
	dropped func(key K, job J)

	mu     sync.Mutex
	wake   *sync.Cond
	lanes  map[K]*lane[J] // keys with jobs waiting or running
	ready  []K            // keys with a job waiting and none running, in turn
	idle   chan struct{}  // closed while lanes is empty
	closed chan struct{}  // closed by Close

	ctx     context.Context // cancelled by Close, which cancels running jobs
	cancel  context.CancelFunc
	workers sync.WaitGroup
}

// lane holds the jobs of one key.
type lane[J any] struct {
	waiting []waitingJob[J] // oldest first
	running bool
}

type waitingJob[J any] struct {
	job J
	// mergeable: added by Merge, so a later Merge of the key joins it.
	mergeable bool
}

// Start returns a queue whose workers are running.
func Start[K comparable, J any](cfg Config[K, J]) *Queue[K, J] {
	q := &Queue[K, J]{
		run: cfg.Run, dropped: cfg.Dropped,
		lanes: map[K]*lane[J]{}, idle: make(chan struct{}), closed: make(chan struct{}),
	}
	q.wake = sync.NewCond(&q.mu)
	close(q.idle)
	q.ctx, q.cancel = context.WithCancel(context.Background())
	for range max(cfg.Workers, 1) {
		q.workers.Go(q.work)
	}
	return q
}

func (q *Queue[K, J]) work() {
	for {
		key, job, ok := q.next()
		if !ok {
			return
		}
		q.run(q.ctx, key, job)
		q.finished(key)
	}
}

// Add puts job at the back of key's lane. It reports false, and drops the
// job, once the queue is closed.
func (q *Queue[K, J]) Add(key K, job J) bool {
	return q.add(key, job, false)
}

// Merge is Add, except that a job added by Merge that is still waiting in
// key's lane stands for this one too: job is then dropped. Merge suits jobs
// that do whatever is due when they start, so one run serves every request
// made before it.
func (q *Queue[K, J]) Merge(key K, job J) bool {
	return q.add(key, job, true)
}

func (q *Queue[K, J]) add(key K, job J, mergeable bool) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.isClosed() {
		return false
	}
	l := q.lanes[key]
	if l == nil {
		if len(q.lanes) == 0 {
			q.idle = make(chan struct{})
		}
		l = &lane[J]{}
		q.lanes[key] = l
	}
	if mergeable {
		for _, w := range l.waiting {
			if w.mergeable {
				return true
			}
		}
	}
	l.waiting = append(l.waiting, waitingJob[J]{job: job, mergeable: mergeable})
	if !l.running && len(l.waiting) == 1 {
		q.ready = append(q.ready, key)
		q.wake.Signal()
	}
	return true
}

// next waits for a job to run; false once the queue is closed.
func (q *Queue[K, J]) next() (K, J, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.ready) == 0 && !q.isClosed() {
		q.wake.Wait()
	}
	if q.isClosed() {
		var key K
		var job J
		return key, job, false
	}
	key := q.ready[0]
	q.ready = q.ready[1:]
	l := q.lanes[key]
	job := l.waiting[0].job
	l.waiting = l.waiting[1:]
	l.running = true
	return key, job, true
}

// finished records that a job of key has ended.
func (q *Queue[K, J]) finished(key K) {
	q.mu.Lock()
	defer q.mu.Unlock()
	l := q.lanes[key]
	l.running = false
	if len(l.waiting) > 0 {
		q.ready = append(q.ready, key)
		q.wake.Signal()
		return
	}
	delete(q.lanes, key)
	if len(q.lanes) == 0 {
		close(q.idle)
	}
}

// isClosed reports whether Close has begun. Close closes q.closed while it
// holds q.mu, so the answer holds for as long as the caller holds q.mu.
func (q *Queue[K, J]) isClosed() bool {
	select {
	case <-q.closed:
		return true
	default:
		return false
	}
}

// WaitIdle waits until no job is waiting or running, or the queue is
// closed, or ctx is done.
func (q *Queue[K, J]) WaitIdle(ctx context.Context) error {
	q.mu.Lock()
	idle := q.idle
	q.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-q.closed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Idle reports whether no job is waiting or running, or the queue is closed.
func (q *Queue[K, J]) Idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.lanes) == 0 || q.isClosed()
}

// Close stops the queue: later Adds are refused, the waiting jobs are
// dropped (and told to Config.Dropped), the running ones are cancelled and
// Close waits for them at most wait (ErrStillRunning if they outlast it).
// Closing again does nothing.
func (q *Queue[K, J]) Close(wait time.Duration) error {
	q.mu.Lock()
	if q.isClosed() {
		q.mu.Unlock()
		return nil
	}
	close(q.closed)
	q.ready = nil
	type keyedJob struct {
		key K
		job J
	}
	var dropped []keyedJob
	for key, l := range q.lanes {
		for _, w := range l.waiting {
			dropped = append(dropped, keyedJob{key, w.job})
		}
		l.waiting = nil
		if !l.running {
			delete(q.lanes, key)
		}
	}
	q.mu.Unlock()
	q.cancel()
	q.wake.Broadcast()
	if q.dropped != nil {
		for _, d := range dropped {
			q.dropped(d.key, d.job)
		}
	}

	stopped := make(chan struct{})
	go func() {
		q.workers.Wait()
		close(stopped)
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-stopped:
		return nil
	case <-timer.C:
		return fmt.Errorf("%w (waited %s)", ErrStillRunning, wait)
	}
}
