// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/workqueue"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// Syncer pulls the branch an application follows into the platform's copy
// of its repository (a mirror on disk) and looks up branches at the remote.
// *gitops.Checker is the real one; tests use fakes.
type Syncer interface {
	Sync(ctx context.Context, req gitops.SyncRequest) gitops.SyncResult
	RemoteBranchExists(ctx context.Context, url, branch string, auth gitops.Auth, pinnedHostKey string) (bool, gitops.CheckResult)
}

const (
	// defaultSyncWorkers is how many pulls (of different repositories) run at once by default.
	defaultSyncWorkers = 8
	// syncShutdownWait bounds how long Close waits for running pulls after cancelling them.
	syncShutdownWait = 10 * time.Second
)

// Pull outcomes the control plane reports itself (with
// codeCredentialsUnavailable); the syncer reports all others.
const (
	codeNotConnected = "not_connected"
	codeNoRepository = "no_repository"
)

// errShuttingDown answers a synchronous pull that a stop dropped or interrupted.
var errShuttingDown = &detailError{http.StatusServiceUnavailable, "The control plane is shutting down; try again."}

// pullJob is one pull of a repository waiting in its lane.
type pullJob struct {
	mode gitops.SyncMode
	// done receives the outcome of a synchronous pull (Update, Reset to
	// origin); nil for pulls nobody waits for.
	done chan pullOutcome
}

type pullOutcome struct {
	result gitops.SyncResult
	err    error // errShuttingDown, or a failure to read or store the state
}

// pullQueue runs pulls on a pool of workers: pulls of one repository one
// at a time and in order, pulls of different repositories in parallel, a
// repository taking its turn at the back of the line after each pull, so
// that one slow or busy repository holds up no other while a worker is free.
// Close drops the waiting pulls (their waiters get errShuttingDown) and
// cancels the running ones; deliveries' pulls that did not finish are
// pulled again at the next start.
type pullQueue = workqueue.Queue[string, *pullJob]

// newPullQueue starts n workers, each running one pull at a time.
func newPullQueue(n int, pull func(ctx context.Context, repositoryUUID string, job *pullJob) pullOutcome) *pullQueue {
	return workqueue.Start(workqueue.Config[string, *pullJob]{
		Workers: n,
		Run: func(ctx context.Context, id string, job *pullJob) {
			outcome := pull(ctx, id, job)
			if job.done != nil {
				job.done <- outcome
			}
		},
		Dropped: func(_ string, job *pullJob) {
			if job.done != nil {
				job.done <- pullOutcome{err: errShuttingDown}
			}
		},
	})
}

// queueDeliveryPull asks for a pull of a repository on behalf of deliveries.
// It joins a deliveries' pull that is still waiting, since that one
// fetches whatever is new when it starts.
func (s *Server) queueDeliveryPull(repositoryUUID string) {
	s.pulls.Merge(repositoryUUID, &pullJob{mode: gitops.SyncUpdate})
}

// pullNow runs a pull of a repository in its lane and waits for its outcome.
func (s *Server) pullNow(ctx context.Context, repositoryUUID string, mode gitops.SyncMode) pullOutcome {
	job := &pullJob{mode: mode, done: make(chan pullOutcome, 1)}
	if !s.pulls.Add(repositoryUUID, job) {
		return pullOutcome{err: errShuttingDown}
	}
	select {
	case outcome := <-job.done:
		return outcome
	case <-ctx.Done():
		// The client is gone; the pull still runs and its outcome is stored.
		return pullOutcome{err: ctx.Err()}
	}
}

// mirrorDir is where the platform's copy of a repository lives.
func (s *Server) mirrorDir(repositoryUUID string) string {
	return filepath.Join(s.dataDir, "mirrors", repositoryUUID)
}

// connected reports whether a repository may be pulled: an application
// uses it, a clone check of it has succeeded at least once, and for SSH a
// host key is pinned (a pull never trusts a host key on first use; the
// check does that).
func connected(repo store.Repository) bool {
	return repo.ApplicationUUID != "" && repo.EverCloned && (repo.AuthType != store.AuthSSH || repo.HostKey != "")
}

const msgNotConnected = "The repository has not been connected yet: a pull needs a clone check of the repository to have succeeded " +
	"(and, for SSH, the host key it pinned). Check the repository again (POST /apps/v3/repositories/{uuid}/check/)."

// runPull pulls a repository, in the branch its application follows, and stores the outcome.
func (s *Server) runPull(ctx context.Context, id string, job *pullJob) pullOutcome {
	repo, err := s.store.LoadRepository(ctx, id)
	if err == nil {
		var state store.SyncState
		state, err = s.store.SyncState(ctx, id)
		if err == nil {
			return s.pull(ctx, repo, state.PullRequested, job.mode)
		}
	}
	if ctx.Err() != nil {
		return pullOutcome{err: errShuttingDown}
	}
	s.logger.LogAttrs(ctx, slog.LevelError, "pull failed to start", slog.String("repository", id), slog.String("error", err.Error()))
	return pullOutcome{err: err}
}

func (s *Server) pull(ctx context.Context, repo store.Repository, requested int64, mode gitops.SyncMode) pullOutcome {
	start := time.Now()
	var result gitops.SyncResult
	request := gitops.SyncRequest{MirrorDir: s.mirrorDir(repo.UUID), URL: repo.DSN, Branch: repo.ApplicationBranch, PinnedHostKey: repo.HostKey, Mode: mode}
	switch {
	case !connected(repo):
		result = gitops.SyncResult{Code: codeNotConnected, Message: msgNotConnected}
	case !s.fillCredentials(ctx, repo, &request.Auth):
		result = gitops.SyncResult{Code: codeCredentialsUnavailable, Message: msgCredentialsUnavailable}
	default:
		result = s.syncer.Sync(ctx, request)
	}
	if ctx.Err() != nil {
		// Shutting down: the outcome may be the cancellation itself. A
		// delivery's pull stays owed and runs at the next start.
		s.logger.LogAttrs(context.WithoutCancel(ctx), slog.LevelInfo, "pull interrupted", slog.String("repository", repo.UUID))
		return pullOutcome{err: errShuttingDown}
	}
	if result.Code == "" {
		result.Code, result.Message = gitops.CodeInternalError, "The pull gave no result; try again."
	}
	if result.Duration <= 0 {
		result.Duration = time.Since(start)
	}
	outcome := store.SyncOutcome{
		Branch: repo.ApplicationBranch, DSN: repo.DSN, Result: result.Code,
		OriginHead: result.OriginHead, PlatformHead: result.PlatformHead,
		HistoryRewritten: mode == gitops.SyncReset && result.HistoryRewritten && result.Code == gitops.CodeSuccess,
		At:               s.now(), Served: requested,
	}
	if result.Code != gitops.CodeSuccess {
		outcome.Message = result.Message
	}
	// The outcome is known: store it even if a stop begins meanwhile
	// (Close waits for this worker before it closes the store).
	err := s.store.FinishSync(context.WithoutCancel(ctx), repo.UUID, outcome)
	level := slog.LevelInfo
	attrs := []slog.Attr{slog.String("repository", repo.UUID), slog.String("mode", mode.String()),
		slog.String("code", result.Code), slog.String("platform_head", result.PlatformHead),
		slog.Bool("history_rewritten", result.HistoryRewritten), slog.Int("fetched_objects", result.FetchedObjects),
		slog.Int64("fetched_bytes", result.FetchedBytes), slog.Duration("duration", result.Duration)}
	if err != nil {
		level = slog.LevelError
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	s.logger.LogAttrs(ctx, level, "pull", attrs...)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return pullOutcome{result: result, err: err}
	}
	return pullOutcome{result: result}
}
