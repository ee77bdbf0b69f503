// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package workqueue

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// recorder runs the tests' jobs. A job is its name; a job with a gate
// waits for the gate to close (or for its context) before it ends.
type recorder struct {
	t       *testing.T
	mu      sync.Mutex
	gates   map[string]chan struct{} // job → closed to let it end
	running map[string]int           // key → its jobs running now
	ran     []string                 // jobs, in the order they started
	started chan string              // receives each job as it starts
	ended   chan string              // receives each job as it ends
	errs    map[string]error         // job → its context's error when it ended
}

func newRecorder(t *testing.T) *recorder {
	return &recorder{t: t, gates: map[string]chan struct{}{}, running: map[string]int{},
		started: make(chan string, 1000), ended: make(chan string, 1000), errs: map[string]error{}}
}

// gate makes job wait until the returned channel is closed.
func (r *recorder) gate(job string) chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	g := make(chan struct{})
	r.gates[job] = g
	return g
}

func (r *recorder) run(ctx context.Context, key, job string) {
	r.mu.Lock()
	r.running[key]++
	if n := r.running[key]; n > 1 {
		r.t.Errorf("%d jobs of %s running at once", n, key)
	}
	r.ran = append(r.ran, job)
	gate := r.gates[job]
	r.mu.Unlock()
	r.started <- job
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
		}
	}
	r.mu.Lock()
	r.running[key]--
	r.errs[job] = ctx.Err()
	r.mu.Unlock()
	r.ended <- job
}

func (r *recorder) order() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ran)
}

func (r *recorder) errOf(job string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.errs[job]
}

// await waits for the next job to arrive on ch and checks that it is want.
func await(t *testing.T, ch <-chan string, want string) {
	t.Helper()
	select {
	case got := <-ch:
		if got != want {
			t.Fatalf("got job %s, want %s", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("job %s never came", want)
	}
}

// awaitAll waits for the next len(want) jobs on ch and checks that they
// are want, in any order.
func awaitAll(t *testing.T, ch <-chan string, want ...string) {
	t.Helper()
	pending := map[string]bool{}
	for _, job := range want {
		pending[job] = true
	}
	for range want {
		select {
		case got := <-ch:
			if !pending[got] {
				t.Fatalf("got job %s, want one of %v", got, want)
			}
			delete(pending, got)
		case <-time.After(10 * time.Second):
			t.Fatalf("jobs %v never came", pending)
		}
	}
}

func start(t *testing.T, r *recorder, workers int) *Queue[string, string] {
	t.Helper()
	q := Start(Config[string, string]{Workers: workers, Run: r.run})
	t.Cleanup(func() { q.Close(10 * time.Second) })
	return q
}

// startBusy starts a queue of n workers and waits until one of them runs
// job of key, which then runs until release is closed.
func startBusy(t *testing.T, n int, key, job string) (r *recorder, q *Queue[string, string], release chan struct{}) {
	t.Helper()
	r = newRecorder(t)
	q = start(t, r, n)
	release = r.gate(job)
	q.Add(key, job)
	await(t, r.started, job)
	return r, q, release
}

func waitIdle(t *testing.T, q *Queue[string, string]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.WaitIdle(ctx); err != nil {
		t.Fatalf("WaitIdle: %v", err)
	}
}

// Many jobs of a few keys, added from many goroutines to many workers:
// the recorder fails the test if two jobs of one key ever overlap.
func TestNeverTwoJobsOfOneKeyAtOnce(t *testing.T) {
	r := newRecorder(t)
	r.started, r.ended = make(chan string, 4000), make(chan string, 4000)
	slow := func(ctx context.Context, key, job string) {
		r.run(ctx, key, job)
		runtime.Gosched() // give an overlapping job a chance to show
	}
	q := Start(Config[string, string]{Workers: 8, Run: slow})
	defer q.Close(10 * time.Second)
	var adders sync.WaitGroup
	for adder := range 8 {
		adders.Go(func() {
			for i := range 200 {
				key := fmt.Sprintf("k%d", i%3)
				if i%2 == 0 {
					q.Add(key, fmt.Sprintf("%d-%d", adder, i))
				} else {
					q.Merge(key, fmt.Sprintf("%d-%d", adder, i))
				}
			}
		})
	}
	adders.Wait()
	waitIdle(t, q)
	if len(r.order()) < 800 {
		t.Fatalf("%d jobs ran, want at least the 800 Adds", len(r.order()))
	}
}

// Merge joins a waiting job added by Merge, wherever it stands in the lane,
// but never a running one nor one added by Add.
func TestMergeCollapsesWaitingJobs(t *testing.T) {
	r := newRecorder(t)
	q := start(t, r, 1)
	release := r.gate("m1")
	q.Merge("a", "m1")
	await(t, r.started, "m1")
	for _, job := range []string{"m2", "m3"} {
		if !q.Merge("a", job) { // m1 runs: m2 waits, m3 joins it
			t.Fatalf("Merge of %s refused", job)
		}
	}
	q.Add("a", "add4")
	q.Merge("a", "m5") // joins m2, ahead of add4
	q.Merge("b", "b1") // another key's lane is its own
	q.Merge("b", "b2") // joins b1
	q.Add("a", "add6") // Add never merges
	q.Merge("a", "m7") // still joins m2
	close(release)
	waitIdle(t, q)
	want := []string{"m1", "b1", "m2", "add4", "add6"}
	if got := r.order(); !slices.Equal(got, want) {
		t.Fatalf("ran %v, want %v", got, want)
	}
}

// The jobs of one key added by Add run in the order they were added, even
// with workers to spare.
func TestAddKeepsOrderPerKey(t *testing.T) {
	r, q, release := startBusy(t, 4, "a", "a0")
	var want []string
	for i := range 20 {
		job := fmt.Sprintf("a%d", i+1)
		q.Add("a", job)
		want = append(want, job)
	}
	close(release)
	waitIdle(t, q)
	if got := r.order(); !slices.Equal(got, append([]string{"a0"}, want...)) {
		t.Fatalf("ran %v, want a0 to a20 in order", got)
	}
}

// A key whose job is slow, with more jobs waiting, leaves the other
// workers to other keys: their jobs all end while the slow one runs.
func TestSlowKeyDoesNotBlockOtherKeys(t *testing.T) {
	r, q, release := startBusy(t, 2, "slow", "slow1")
	q.Add("slow", "slow2")
	q.Add("slow", "slow3")
	for i := range 5 {
		q.Add(fmt.Sprintf("fast%d", i%2), fmt.Sprintf("fast%d", i))
	}
	for range 5 {
		select {
		case job := <-r.ended:
			if job == "slow1" {
				t.Fatal("the slow job ended before it was released")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the slow key held up the others")
		}
	}
	if q.Idle() {
		t.Fatal("idle while the slow key has jobs")
	}
	close(release)
	waitIdle(t, q)
	if got := r.order(); !slices.Equal(got[len(got)-2:], []string{"slow2", "slow3"}) {
		t.Fatalf("ran %v, want slow2 and slow3 last", got)
	}
}

// With one worker, a key goes to the back of the line after each job.
func TestKeysTakeTurns(t *testing.T) {
	r, q, release := startBusy(t, 1, "a", "a1")
	for _, job := range []string{"a2", "a3"} {
		q.Add("a", job)
	}
	for _, job := range []string{"b1", "b2", "b3"} {
		q.Add("b", job)
	}
	close(release)
	waitIdle(t, q)
	want := []string{"a1", "b1", "a2", "b2", "a3", "b3"}
	if got := r.order(); !slices.Equal(got, want) {
		t.Fatalf("ran %v, want %v", got, want)
	}
}

// WaitIdle returns once every job has run, not between two jobs of a key,
// and gives up when its context is done.
func TestWaitIdle(t *testing.T) {
	r := newRecorder(t)
	q := start(t, r, 2)
	if !q.Idle() {
		t.Fatal("a new queue is not idle")
	}
	waitIdle(t, q)

	release := r.gate("a1")
	q.Add("a", "a1")
	q.Add("a", "a2")
	q.Add("b", "b1")
	awaitAll(t, r.started, "a1", "b1") // two workers: in either order
	if q.Idle() {
		t.Fatal("idle while a job runs")
	}
	ctx, cancel := context.WithCancel(context.Background())
	waited := make(chan error, 1)
	go func() { waited <- q.WaitIdle(ctx) }()
	cancel()
	if err := <-waited; !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitIdle with a cancelled context: %v, want context.Canceled", err)
	}

	go func() { waited <- q.WaitIdle(context.Background()) }()
	close(release)
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	if got := r.order(); len(got) != 3 {
		t.Fatalf("idle after %v, want all three jobs run", got)
	}
	if !q.Idle() {
		t.Fatal("not idle after WaitIdle")
	}
}

// Close cancels the running jobs, drops the waiting ones (telling Dropped,
// in each key's order), refuses new work and releases WaitIdle.
func TestCloseCancelsAndRefuses(t *testing.T) {
	r := newRecorder(t)
	var mu sync.Mutex
	dropped := map[string][]string{}
	q := Start(Config[string, string]{Workers: 2, Run: r.run, Dropped: func(key, job string) {
		mu.Lock()
		defer mu.Unlock()
		dropped[key] = append(dropped[key], job)
	}})
	r.gate("a1")
	r.gate("b1")
	q.Add("a", "a1")
	q.Add("b", "b1")
	awaitAll(t, r.started, "a1", "b1") // two workers: in either order
	q.Add("a", "a2")
	q.Merge("a", "a3")
	q.Add("b", "b2")
	waited := make(chan error, 1)
	go func() { waited <- q.WaitIdle(context.Background()) }()

	if err := q.Close(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	for _, job := range []string{"a1", "b1"} {
		if err := r.errOf(job); !errors.Is(err, context.Canceled) {
			t.Errorf("running job %s ended with context error %v, want context.Canceled", job, err)
		}
	}
	if got := r.order(); len(got) != 2 {
		t.Errorf("ran %v, want only the two running when Close began", got)
	}
	mu.Lock()
	if !slices.Equal(dropped["a"], []string{"a2", "a3"}) || !slices.Equal(dropped["b"], []string{"b2"}) {
		t.Errorf("dropped %v, want a2 and a3 of a, b2 of b", dropped)
	}
	mu.Unlock()
	if q.Add("c", "c1") || q.Merge("c", "c2") {
		t.Fatal("a job was accepted after Close")
	}
	if err := <-waited; err != nil {
		t.Fatalf("WaitIdle across Close: %v", err)
	}
	if !q.Idle() {
		t.Fatal("a closed queue is not idle")
	}
	if err := q.Close(time.Second); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// A job that ignores its cancelled context makes Close give up after its
// wait, with ErrStillRunning; the closed queue counts as idle even so.
func TestCloseBoundsTheWait(t *testing.T) {
	block := make(chan struct{})
	running := make(chan struct{})
	q := Start(Config[string, string]{Workers: 1, Run: func(context.Context, string, string) {
		close(running)
		<-block
	}})
	defer close(block)
	q.Add("a", "stuck")
	<-running
	if err := q.Close(10 * time.Millisecond); !errors.Is(err, ErrStillRunning) {
		t.Fatalf("Close of a stuck job: %v, want ErrStillRunning", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.WaitIdle(ctx); err != nil || !q.Idle() {
		t.Fatalf("closed with a job still running: WaitIdle %v, Idle %v; want nil and true", err, q.Idle())
	}
}
