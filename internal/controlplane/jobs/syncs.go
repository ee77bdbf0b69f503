// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package jobs

import (
	"context"
	"errors"
	"log/slog"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/workqueue"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// ErrShuttingDown is a synchronous sync that a stop dropped or interrupted.
var ErrShuttingDown = errors.New("jobs: shutting down")

// syncJob is one sync of a repository waiting in its line.
type syncJob struct {
	mode gitops.SyncMode
	// done receives the outcome of a synchronous sync (Update, Reset to
	// origin); nil for syncs nobody waits for.
	done chan syncDone
}

type syncDone struct {
	outcome Outcome
	err     error // ErrShuttingDown, or a failure to read or store the state
}

// newSyncQueue starts n workers, each running one sync at a time: syncs
// of one repository one at a time and in order, syncs of different
// repositories in parallel, a repository taking its turn at the back of
// the line after each sync, so that one slow or busy repository holds up
// no other while a worker is free. Close drops the waiting syncs (their
// waiters get ErrShuttingDown) and cancels the running ones; deliveries'
// syncs that did not finish run again at the next start.
func newSyncQueue(n int, sync func(ctx context.Context, repositoryUUID string, job *syncJob) syncDone) *workqueue.Queue[string, *syncJob] {
	return workqueue.Start(workqueue.Config[string, *syncJob]{
		Workers: n,
		Run: func(ctx context.Context, id string, job *syncJob) {
			done := sync(ctx, id, job)
			if job.done != nil {
				job.done <- done
			}
		},
		Dropped: func(_ string, job *syncJob) {
			if job.done != nil {
				job.done <- syncDone{err: ErrShuttingDown}
			}
		},
	})
}

// QueueDeliverySync asks for a sync of a repository on behalf of webhook
// deliveries. It joins a deliveries' sync that is still waiting, since
// that one fetches whatever is new when it starts.
func (r *Runner) QueueDeliverySync(repositoryUUID string) {
	r.syncs.Merge(repositoryUUID, &syncJob{mode: gitops.SyncUpdate})
}

// SyncNow runs a sync of a repository in its line and waits for its
// outcome. err is ErrShuttingDown when a stop dropped or interrupted it,
// ctx's error when the client left (the sync still runs and its outcome is
// stored), or a failure to read or store the state.
func (r *Runner) SyncNow(ctx context.Context, repositoryUUID string, mode gitops.SyncMode) (Outcome, error) {
	job := &syncJob{mode: mode, done: make(chan syncDone, 1)}
	if !r.syncs.Add(repositoryUUID, job) {
		return Outcome{}, ErrShuttingDown
	}
	select {
	case done := <-job.done:
		return done.outcome, done.err
	case <-ctx.Done():
		return Outcome{}, ctx.Err()
	}
}

// Connected reports whether a repository may be synced: an application
// uses it, a clone check of it has succeeded at least once, and for SSH a
// host key is pinned (a sync never trusts a host key on first use; the
// check does that).
func Connected(repo store.Repository) bool {
	return repo.ApplicationUUID != "" && repo.EverCloned && (repo.AuthType != store.AuthSSH || repo.HostKey != "")
}

// MsgNotConnected is gitops.CodeNotConnected's message.
const MsgNotConnected = "The repository has not been connected yet: a sync needs a clone check of the repository to have succeeded " +
	"(and, for SSH, the host key it pinned). Check the repository again (POST /apps/v3/repositories/{uuid}/check/)."

// runSync syncs a repository, in the branch its application follows, and
// stores the outcome.
func (r *Runner) runSync(ctx context.Context, id string, sj *syncJob) syncDone {
	repo, err := r.store.LoadRepository(ctx, id)
	var state store.SyncState
	if err == nil {
		state, err = r.store.SyncState(ctx, id)
	}
	if err != nil {
		if ctx.Err() != nil {
			return syncDone{err: ErrShuttingDown}
		}
		r.logger.LogAttrs(ctx, slog.LevelError, "sync failed to start", slog.String("repository", id), slog.String("error", err.Error()))
		return syncDone{err: err}
	}
	mode := sj.mode
	o, _, err := r.run(ctx, job{
		name: "sync",
		repo: repo,
		refuse: func() (string, string) {
			if !Connected(repo) {
				return gitops.CodeNotConnected, MsgNotConnected
			}
			return "", ""
		},
		git: func(ctx context.Context, auth gitops.Auth) Outcome {
			result := r.syncer.Sync(ctx, gitops.SyncRequest{
				MirrorDir: r.MirrorDir(repo.UUID), URL: repo.DSN, Branch: repo.ApplicationBranch,
				PinnedHostKey: repo.HostKey, Mode: mode, Auth: auth,
			})
			return Outcome{Code: result.Code, Message: result.Message, Duration: result.Duration, Sync: result}
		},
		store: func(ctx context.Context, o Outcome) (bool, error) {
			outcome := store.SyncOutcome{
				Branch: repo.ApplicationBranch, DSN: repo.DSN, Result: o.Code,
				OriginHead: o.Sync.OriginHead, PlatformHead: o.Sync.PlatformHead,
				HistoryRewritten: mode == gitops.SyncReset && o.Sync.HistoryRewritten && o.OK(),
				At:               r.now(), Served: state.SyncRequested,
			}
			if !o.OK() {
				outcome.Message = o.Message
			}
			err := r.store.FinishSync(ctx, repo.UUID, outcome)
			if errors.Is(err, store.ErrNotFound) {
				return false, nil // the repository was deleted meanwhile
			}
			return err == nil, err
		},
		attrs: func(o Outcome) []slog.Attr {
			return []slog.Attr{slog.String("mode", mode.String()), slog.String("platform_head", o.Sync.PlatformHead),
				slog.Bool("history_rewritten", o.Sync.HistoryRewritten), slog.Int("fetched_objects", o.Sync.FetchedObjects),
				slog.Int64("fetched_bytes", o.Sync.FetchedBytes)}
		},
	})
	if errors.Is(err, errInterrupted) {
		// A delivery's sync stays owed and runs at the next start.
		return syncDone{err: ErrShuttingDown}
	}
	return syncDone{outcome: o, err: err}
}
