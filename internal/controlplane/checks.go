package controlplane

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/workqueue"
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
// itself when it cannot unseal a binding's credentials, for a check or a
// pull; the checker and the syncer report all others.
const (
	codeCredentialsUnavailable = "credentials_unavailable"
	msgCredentialsUnavailable  = "The control plane could not read the stored credentials of this repository; set them again with PATCH."
)

// checkQueue runs access checks on a pool of workers. A binding is in it
// from the time a check is asked for until no check of it is queued or
// running. Asking again while its check runs does not start a second one
// at the same time: the binding is checked once more afterwards, so that
// its latest settings are always the ones checked last. Asking again while
// its check waits changes nothing: the check reads the latest settings when
// it starts.
type checkQueue struct {
	*workqueue.Queue[string, struct{}]
}

// newCheckQueue starts n workers, each calling check for one binding at a time.
func newCheckQueue(n int, check func(ctx context.Context, repositoryUUID string)) checkQueue {
	return checkQueue{workqueue.Start(workqueue.Config[string, struct{}]{
		Workers: n,
		Run:     func(ctx context.Context, id string, _ struct{}) { check(ctx, id) },
	})}
}

// enqueue asks for a check of a binding. It does nothing once the queue is
// closed: the binding stays in CLONING and is queued again at the next start
// (as do the bindings whose checks Close dropped or cancelled).
func (q checkQueue) enqueue(id string) {
	q.Merge(id, struct{}{})
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
	if s.fillCredentials(ctx, repo, &request.Auth) {
		result = s.checker.Check(ctx, request)
	} else {
		result = gitops.CheckResult{Code: codeCredentialsUnavailable, Message: msgCredentialsUnavailable}
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

// fillCredentials fills auth with the binding's unsealed credentials for a
// check or a pull. When they cannot be read it logs why and reports false:
// the caller reports codeCredentialsUnavailable instead of running. It does
// not log when ctx is done, since the caller is then stopping anyway.
func (s *Server) fillCredentials(ctx context.Context, repo store.Repository, auth *gitops.Auth) bool {
	err := s.checkCredentials(ctx, repo, auth)
	if err != nil && ctx.Err() == nil {
		s.logger.LogAttrs(ctx, slog.LevelError, "repository credentials unavailable",
			slog.String("repository", repo.UUID), slog.String("error", err.Error()))
	}
	return err == nil
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
