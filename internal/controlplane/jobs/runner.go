// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package jobs is the control plane's Git work on repositories, in one
// runner: clone checks (queued, a few at a time), push checks (run while
// the check request waits), syncs (a line per repository: for webhook
// deliveries, Update and Reset to origin) and branch lookups at the
// remote. What every job needs is written once, in Runner.run: the
// repository's credentials, the Git call, cancellation, a code when the
// call gave none, storing the outcome, one log line.
package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/workqueue"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// AccessChecker checks that the control plane can use a repository: the
// clone check (reach the host, authenticate, find the branch in the state
// the check asks for) and the push check (gitops.CheckRequest.PushOnly).
// *gitops.Checker is the real one; tests use fakes.
type AccessChecker interface {
	Check(ctx context.Context, req gitops.CheckRequest) gitops.CheckResult
}

// Syncer syncs the branch an application follows into the platform's copy
// of its repository (a mirror on disk) and looks up branches at the
// remote. *gitops.Checker is the real one; tests use fakes.
type Syncer interface {
	Sync(ctx context.Context, req gitops.SyncRequest) gitops.SyncResult
	RemoteBranchExists(ctx context.Context, url, branch string, auth gitops.Auth, pinnedHostKey string) (bool, gitops.CheckResult)
}

// Defaults of Config's zero values, and how long Close waits.
const (
	DefaultCheckWorkers = 4
	DefaultSyncWorkers  = 8
	// shutdownWait bounds how long Close waits for running jobs after
	// cancelling them.
	shutdownWait = 10 * time.Second
)

// Config configures Start.
type Config struct {
	Store   *store.Store
	Checker AccessChecker
	Syncer  Syncer
	Logger  *slog.Logger
	Now     func() time.Time
	// MirrorRoot holds the platform's copies of repositories, one
	// directory per repository UUID.
	MirrorRoot string
	// CheckWorkers is how many clone checks run at once; 0 means
	// DefaultCheckWorkers. SyncWorkers is how many syncs (of different
	// repositories) run at once; 0 means DefaultSyncWorkers.
	CheckWorkers, SyncWorkers int
}

// Runner runs the Git work. It is safe for concurrent use.
type Runner struct {
	store   *store.Store
	checker AccessChecker
	syncer  Syncer
	logger  *slog.Logger
	now     func() time.Time
	mirrors string
	checks  *workqueue.Queue[string, struct{}]
	syncs   *workqueue.Queue[string, *syncJob]
}

// Start starts the workers and queues what a stop (or a crash) left
// undone: the clone checks of repositories still CLONING, and the syncs
// that accepted deliveries still owe.
func Start(ctx context.Context, cfg Config) (*Runner, error) {
	pendingChecks, err := cfg.Store.PendingRepositoryChecks(ctx)
	if err != nil {
		return nil, err
	}
	pendingSyncs, err := cfg.Store.PendingSyncs(ctx)
	if err != nil {
		return nil, err
	}
	r := &Runner{store: cfg.Store, checker: cfg.Checker, syncer: cfg.Syncer, logger: cfg.Logger, now: cfg.Now, mirrors: cfg.MirrorRoot}
	r.syncs = newSyncQueue(cmp.Or(cfg.SyncWorkers, DefaultSyncWorkers), r.runSync)
	for _, id := range pendingSyncs {
		r.QueueDeliverySync(id)
	}
	if len(pendingSyncs) > 0 {
		r.logger.Info("syncs resumed", "count", len(pendingSyncs))
	}
	r.checks = newCheckQueue(cmp.Or(cfg.CheckWorkers, DefaultCheckWorkers), r.runCloneCheck)
	for _, id := range pendingChecks {
		r.QueueCloneCheck(id)
	}
	if len(pendingChecks) > 0 {
		r.logger.Info("clone checks resumed", "count", len(pendingChecks))
	}
	return r, nil
}

// Close stops the clone checks and the syncs, cancelling running ones and
// waiting for them a bounded time. What they leave undone runs at the
// next start.
func (r *Runner) Close() error {
	return errors.Join(stopError("clone checks", r.checks.Close(shutdownWait)),
		stopError("syncs", r.syncs.Close(shutdownWait)))
}

// stopError says which work outlasted Close's wait.
func stopError(work string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("controlplane: %s: %w", work, err)
}

// WaitIdle waits until no clone check and no sync is queued or running
// (or the runner is closed), or ctx is done.
func (r *Runner) WaitIdle(ctx context.Context) error {
	for {
		if err := r.checks.WaitIdle(ctx); err != nil {
			return err
		}
		if err := r.syncs.WaitIdle(ctx); err != nil {
			return err
		}
		// Neither queues work for the other, but a request may have
		// queued a check while the syncs were running.
		if r.checks.Idle() && r.syncs.Idle() {
			return nil
		}
	}
}

// MirrorDir is where the platform's copy of a repository lives.
func (r *Runner) MirrorDir(repositoryUUID string) string {
	return filepath.Join(r.mirrors, repositoryUUID)
}

// Outcome is what a job came to.
type Outcome struct {
	// Code is gitops.CodeSuccess or the failure's code; Message says what
	// to fix.
	Code, Message string
	Duration      time.Duration
	// Check is a clone or push check's result, Sync a sync's (zero when
	// the job failed before any Git work).
	Check gitops.CheckResult
	Sync  gitops.SyncResult
}

// OK reports whether the job succeeded.
func (o Outcome) OK() bool { return o.Code == gitops.CodeSuccess }

// errInterrupted is a job cancelled (by Close, or by its client leaving)
// before its outcome was known: nothing is stored.
var errInterrupted = errors.New("jobs: interrupted")

// msgCredentialsUnavailable is gitops.CodeCredentialsUnavailable's message.
const msgCredentialsUnavailable = "The control plane could not read the stored credentials of this repository; " +
	"create the repository again (with new credentials)."

// job is one piece of Git work on a repository.
type job struct {
	name string // in logs: "clone check", "push check", "sync"
	repo store.Repository
	// refuse, when set, gives a failure code (and message) that stops the
	// job before any Git work; "" lets it run.
	refuse func() (code, message string)
	// git does the Git work with the repository's credentials.
	git func(ctx context.Context, auth gitops.Auth) Outcome
	// store records the outcome, reporting false when it no longer
	// applied (a newer check was asked for meanwhile).
	store func(ctx context.Context, o Outcome) (stored bool, err error)
	// attrs are what the log line says beyond the repository, the code and
	// the duration.
	attrs func(o Outcome) []slog.Attr
}

// run runs j: credentials, the Git call, cancellation, a code when there
// is none, storing the outcome and logging it, for every kind of job.
// stored is false when the outcome was not stored: the job was
// interrupted (errInterrupted), or its outcome no longer applied.
func (r *Runner) run(ctx context.Context, j job) (o Outcome, stored bool, err error) {
	start := time.Now()
	attrs := []slog.Attr{slog.String("repository", j.repo.UUID)}
	code, message := "", ""
	if j.refuse != nil {
		code, message = j.refuse()
	}
	if code == "" {
		var auth gitops.Auth
		if auth, err = r.credentials(ctx, j.repo); err != nil {
			code, message = gitops.CodeCredentialsUnavailable, msgCredentialsUnavailable
		} else {
			o = j.git(ctx, auth)
		}
	}
	if code != "" {
		o = Outcome{Code: code, Message: message}
	}
	if ctx.Err() != nil {
		// Stopping, or the client left: the outcome may be the
		// cancellation itself, and says nothing of the repository.
		r.logger.LogAttrs(context.WithoutCancel(ctx), slog.LevelInfo, j.name+" interrupted", attrs...)
		return o, false, errInterrupted
	}
	if o.Code == "" {
		o.Code, o.Message = gitops.CodeInternalError, fmt.Sprintf("The %s gave no result; try again.", j.name)
	}
	if o.Duration <= 0 {
		o.Duration = time.Since(start)
	}
	// The outcome is known: store it even if a stop begins meanwhile
	// (Close waits for the job before the store is closed).
	stored, err = j.store(context.WithoutCancel(ctx), o)
	level := slog.LevelInfo
	attrs = append(attrs, slog.String("code", o.Code), slog.Duration("duration", o.Duration), slog.Bool("stale", !stored && err == nil))
	if j.attrs != nil {
		attrs = append(attrs, j.attrs(o)...)
	}
	if err != nil {
		level = slog.LevelError
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	r.logger.LogAttrs(ctx, level, j.name, attrs...)
	return o, stored, err
}

// credentials are the repository's unsealed credentials. When they cannot
// be read it logs why (unless ctx is done: the caller is stopping anyway).
func (r *Runner) credentials(ctx context.Context, repo store.Repository) (gitops.Auth, error) {
	var auth gitops.Auth
	var err error
	switch repo.AuthType {
	case store.AuthSSH:
		auth.SSHPrivateKey, err = r.store.RepositoryPrivateKey(ctx, repo.UUID)
	case store.AuthHTTPS:
		auth.HTTPSUsername = repo.HTTPSUsername
		auth.HTTPSToken, err = r.store.RepositoryHTTPSPassword(ctx, repo.UUID)
	default:
		err = errors.New("unknown auth type " + string(repo.AuthType))
	}
	if err != nil && ctx.Err() == nil {
		r.logger.LogAttrs(ctx, slog.LevelError, "repository credentials unavailable",
			slog.String("repository", repo.UUID), slog.String("error", err.Error()))
	}
	return auth, err
}
