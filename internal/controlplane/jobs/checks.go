// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package jobs

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/workqueue"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// newCheckQueue starts n workers, each running one clone check at a time.
// A repository is in it from the time a check is asked for until no check
// of it is queued or running. Asking again while its check runs does not
// start a second one at the same time: the repository is checked once
// more afterwards (and finds that check's generation already stored).
// Asking again while its check waits changes nothing: the check reads the
// latest settings when it starts.
func newCheckQueue(n int, check func(ctx context.Context, repositoryUUID string)) *workqueue.Queue[string, struct{}] {
	return workqueue.Start(workqueue.Config[string, struct{}]{
		Workers: n,
		Run:     func(ctx context.Context, id string, _ struct{}) { check(ctx, id) },
	})
}

// QueueCloneCheck asks for a clone check of a repository (in CLONING). It
// does nothing once the runner is closed: the repository stays in CLONING
// and is queued again at the next start (as are the repositories whose
// checks Close dropped or cancelled).
func (r *Runner) QueueCloneCheck(repositoryUUID string) {
	r.checks.Merge(repositoryUUID, struct{}{})
}

// runCloneCheck runs the clone check of a repository with the branch and
// migrate of the check asked for and stores the outcome, unless a newer
// check has been asked for meanwhile. A clone check reads the branch; it
// does not try to write (that is the push check's job).
func (r *Runner) runCloneCheck(ctx context.Context, id string) {
	repo, err := r.store.LoadRepository(ctx, id)
	if err != nil {
		if ctx.Err() == nil {
			r.logger.LogAttrs(ctx, slog.LevelError, "clone check failed to start",
				slog.String("repository", id), slog.String("error", err.Error()))
		}
		return
	}
	if repo.State != store.StateCloning {
		return // a check that ran meanwhile already stored this generation's outcome
	}
	_, _, _ = r.run(ctx, job{
		name: "clone check",
		repo: repo,
		git: func(ctx context.Context, auth gitops.Auth) Outcome {
			return checkOutcome(r.checker.Check(ctx, gitops.CheckRequest{
				URL: repo.DSN, Branch: repo.Branch, NewApplication: !repo.Migrate, PinnedHostKey: repo.HostKey, Auth: auth,
			}))
		},
		store: func(ctx context.Context, o Outcome) (bool, error) {
			return r.store.FinishRepositoryCheck(ctx, id, repo.Generation, storedCheck(o, r.now()))
		},
		attrs: func(Outcome) []slog.Attr { return []slog.Attr{slog.Int64("generation", repo.Generation)} },
	})
}

// PushCheck runs the push check of a repository whose clone check
// succeeded (a real receive-pack session, the start of a push that updates
// nothing) and stores its outcome; stored is false when it was not: ctx
// ended (the client left), or a newer clone check was asked for meanwhile.
func (r *Runner) PushCheck(ctx context.Context, repo store.Repository) (o Outcome, stored bool, err error) {
	o, stored, err = r.run(ctx, job{
		name: "push check",
		repo: repo,
		git: func(ctx context.Context, auth gitops.Auth) Outcome {
			return checkOutcome(r.checker.Check(ctx, gitops.CheckRequest{URL: repo.DSN, PushOnly: true, PinnedHostKey: repo.HostKey, Auth: auth}))
		},
		store: func(ctx context.Context, o Outcome) (bool, error) {
			return r.store.FinishPushCheck(ctx, repo.UUID, repo.Generation, storedCheck(o, r.now()))
		},
		attrs: func(Outcome) []slog.Attr { return []slog.Attr{slog.Int64("generation", repo.Generation)} },
	})
	if errors.Is(err, errInterrupted) {
		err = nil // the client is gone: nothing to answer
	}
	return o, stored, err
}

// checkOutcome is a check's result as a job's outcome.
func checkOutcome(result gitops.CheckResult) Outcome {
	return Outcome{Code: result.Code, Message: result.Message, Duration: result.Duration, Check: result}
}

// storedCheck is a check's outcome as the store keeps it, at the time it
// ended.
func storedCheck(o Outcome, checkedAt time.Time) store.CheckOutcome {
	return store.CheckOutcome{
		Success: o.OK(), Code: o.Code, Message: o.Message,
		Commit: o.Check.Commit, HostKey: o.Check.HostKey, HostKeyFingerprint: o.Check.HostKeyFingerprint,
		CheckedAt: checkedAt, Duration: o.Duration,
	}
}
