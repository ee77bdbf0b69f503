package controlplane

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// AccessChecker checks that the control plane can use a repository: that
// it can reach the host, authenticate, and find the branch in the state
// the binding needs. *gitops.Checker is the real one; tests use fakes.
type AccessChecker interface {
	Check(ctx context.Context, req gitops.CheckRequest) gitops.CheckResult
}

const (
	// defaultCheckWorkers is how many access checks run at once by default.
	defaultCheckWorkers = 4
	// checkShutdownWait bounds how long Close waits for running checks
	// after cancelling them.
	checkShutdownWait = 10 * time.Second
)

// codeCredentialsUnavailable is the failure the control plane reports
// itself when it cannot unseal a binding's credentials; the checker reports
// all others.
const codeCredentialsUnavailable = "credentials_unavailable"

// checkQueue runs access checks on a pool of workers. A binding is in it
// from the time a check is asked for until no check of it is queued or
// running. Asking again while its check runs does not start a second one
// at the same time: the binding is checked once more afterwards, so that
// its latest settings are always the ones checked last.
type checkQueue struct {
	mu      sync.Mutex
	wake    *sync.Cond
	queue   []string               // bindings waiting for a worker, oldest first
	entries map[string]*checkEntry // bindings queued or running
	idle    chan struct{}          // closed while entries is empty
	closed  bool

	ctx     context.Context // cancelled by close, which cancels running checks
	cancel  context.CancelFunc
	workers sync.WaitGroup
}

type checkEntry struct {
	running bool
	again   bool // asked for while running: run once more afterwards
}

func newCheckQueue() *checkQueue {
	q := &checkQueue{entries: map[string]*checkEntry{}, idle: make(chan struct{})}
	q.wake = sync.NewCond(&q.mu)
	close(q.idle)
	q.ctx, q.cancel = context.WithCancel(context.Background())
	return q
}

// start runs n workers, each calling check for one binding at a time.
func (q *checkQueue) start(n int, check func(ctx context.Context, repositoryUUID string)) {
	for range n {
		q.workers.Go(func() {
			for {
				id, ok := q.next()
				if !ok {
					return
				}
				check(q.ctx, id)
				q.done(id)
			}
		})
	}
}

// enqueue asks for a check of a binding. It does nothing once the queue is
// closed: the binding stays in CLONING and is queued again at the next start.
func (q *checkQueue) enqueue(id string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	entry := q.entries[id]
	switch {
	case entry == nil:
		if len(q.entries) == 0 {
			q.idle = make(chan struct{})
		}
		q.entries[id] = &checkEntry{}
		q.queue = append(q.queue, id)
		q.wake.Signal()
	case entry.running:
		entry.again = true
	}
	// Queued and not yet running: the worker reads the latest settings anyway.
}

// next waits for a binding to check; false once the queue is closed.
func (q *checkQueue) next() (string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.queue) == 0 && !q.closed {
		q.wake.Wait()
	}
	if q.closed {
		return "", false
	}
	id := q.queue[0]
	q.queue = q.queue[1:]
	q.entries[id].running = true
	return id, true
}

// done records that a check of id has finished.
func (q *checkQueue) done(id string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	entry := q.entries[id]
	if entry.again && !q.closed {
		*entry = checkEntry{}
		q.queue = append(q.queue, id)
		q.wake.Signal()
		return
	}
	delete(q.entries, id)
	if len(q.entries) == 0 {
		close(q.idle)
	}
}

// waitIdle waits until no check is queued or running, or the queue is closed.
func (q *checkQueue) waitIdle(ctx context.Context) error {
	q.mu.Lock()
	idle, closed := q.idle, q.closed
	q.mu.Unlock()
	if closed {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops the workers: it drops the queued checks, cancels the running
// ones and waits for them at most wait. Dropped and cancelled checks leave
// their bindings in CLONING, to be queued again at the next start.
func (q *checkQueue) close(wait time.Duration) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	q.queue = nil
	q.mu.Unlock()
	q.cancel()
	q.wake.Broadcast()

	stopped := make(chan struct{})
	go func() {
		q.workers.Wait()
		close(stopped)
	}()
	select {
	case <-stopped:
		return nil
	case <-time.After(wait):
		return fmt.Errorf("controlplane: access checks still running %s after they were cancelled", wait)
	}
}

// isIdle reports whether no check is queued or running.
func (q *checkQueue) isIdle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.entries) == 0 || q.closed
}

// runCheck checks a binding with its current settings and stores the
// outcome, unless a newer check has been asked for meanwhile.
func (s *Server) runCheck(ctx context.Context, id string) {
	repo, err := s.store.LoadRepository(ctx, id)
	if err != nil {
		if ctx.Err() == nil {
			s.logger.LogAttrs(ctx, slog.LevelError, "repository check failed to start",
				slog.String("repository", id), slog.String("error", err.Error()))
		}
		return
	}
	if repo.State != store.StateCloning {
		return // a check that ran meanwhile already stored this generation's outcome
	}
	request := gitops.CheckRequest{
		URL:                        repo.DSN,
		Branch:                     repo.Branch,
		NewApplication:             !repo.Migrate,
		WriteAccess:                repo.WriteAccess,
		PinnedHostKey:              repo.HostKey,
		ExpectedHostKeyFingerprint: repo.ExpectedHostKeyFingerprint,
	}
	start := time.Now()
	var result gitops.CheckResult
	if err := s.checkCredentials(ctx, repo, &request.Auth); err != nil {
		if ctx.Err() != nil {
			return
		}
		s.logger.LogAttrs(ctx, slog.LevelError, "repository credentials unavailable",
			slog.String("repository", id), slog.String("error", err.Error()))
		result = gitops.CheckResult{Code: codeCredentialsUnavailable,
			Message: "The control plane could not read the stored credentials of this repository; set them again with PATCH."}
	} else {
		result = s.checker.Check(ctx, request)
	}
	if ctx.Err() != nil {
		// Shutting down: the outcome may be the cancellation itself. The
		// binding stays in CLONING and is checked again at the next start.
		s.logger.LogAttrs(context.WithoutCancel(ctx), slog.LevelInfo, "repository check interrupted",
			slog.String("repository", id), slog.Int64("generation", repo.Generation))
		return
	}
	duration := result.Duration
	if duration <= 0 {
		duration = time.Since(start)
	}
	outcome := store.CheckOutcome{
		Success: result.OK(), Code: result.Code, Message: result.Message,
		Commit: result.Commit, HostKey: result.HostKey, HostKeyFingerprint: result.HostKeyFingerprint,
		CheckedAt: s.now(), Duration: duration,
	}
	if outcome.Code == "" {
		outcome.Code, outcome.Message = gitops.CodeInternalError, "The access check gave no result; check the repository again."
	}
	// The outcome is known: store it even if a stop begins meanwhile
	// (Close waits for this worker before it closes the store).
	applied, err := s.store.FinishRepositoryCheck(context.WithoutCancel(ctx), id, repo.Generation, outcome)
	level := slog.LevelInfo
	attrs := []slog.Attr{slog.String("repository", id), slog.Int64("generation", repo.Generation),
		slog.String("code", outcome.Code), slog.Duration("duration", duration), slog.Bool("stale", !applied && err == nil)}
	if err != nil {
		level = slog.LevelError
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	s.logger.LogAttrs(ctx, level, "repository check", attrs...)
}

// checkCredentials fills auth with the binding's unsealed credentials.
func (s *Server) checkCredentials(ctx context.Context, repo store.Repository, auth *gitops.Auth) error {
	switch repo.AuthType {
	case store.AuthSSH:
		key, err := s.store.DeployKeyPrivateKey(ctx, repo.DeployKeyUUID)
		auth.SSHPrivateKey = key
		return err
	case store.AuthHTTPS:
		token, err := s.store.RepositoryHTTPSToken(ctx, repo.UUID)
		auth.HTTPSUsername, auth.HTTPSToken = repo.HTTPSUsername, token
		return err
	}
	return errors.New("unknown auth type " + string(repo.AuthType))
}
