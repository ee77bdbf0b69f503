// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
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

const (
	// defaultCheckWorkers is how many access checks run at once by default.
	defaultCheckWorkers = 4
	// checkShutdownWait bounds how long Close waits for running checks
	// after cancelling them.
	checkShutdownWait = 10 * time.Second
)

// codeCredentialsUnavailable is the failure the control plane reports
// itself when it cannot unseal a repository's credentials, for a check or
// a pull; the checker and the syncer report all others.
const (
	codeCredentialsUnavailable = "credentials_unavailable"
	msgCredentialsUnavailable  = "The control plane could not read the stored credentials of this repository; " +
		"create the repository again (with new credentials)."
)

// checkQueue runs clone checks on a pool of workers. A repository is in it
// from the time a check is asked for until no check of it is queued or
// running. Asking again while its check runs does not start a second one
// at the same time: the repository is checked once more afterwards (and
// finds that check's generation already stored). Asking again while its
// check waits changes nothing: the check reads the latest settings when
// it starts.
type checkQueue struct {
	*workqueue.Queue[string, struct{}]
}

// newCheckQueue starts n workers, each calling check for one repository at a time.
func newCheckQueue(n int, check func(ctx context.Context, repositoryUUID string)) checkQueue {
	return checkQueue{workqueue.Start(workqueue.Config[string, struct{}]{
		Workers: n,
		Run:     func(ctx context.Context, id string, _ struct{}) { check(ctx, id) },
	})}
}

// enqueue asks for a clone check of a repository. It does nothing once the
// queue is closed: the repository stays in CLONING and is queued again at
// the next start (as do the repositories whose checks Close dropped or cancelled).
func (q checkQueue) enqueue(id string) {
	q.Merge(id, struct{}{})
}

// runCheck runs the clone check of a repository with the branch and
// migrate of the check asked for and stores the outcome, unless a newer
// check has been asked for meanwhile. A clone check reads the branch; it
// does not try to write (that is the push check's job).
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
		URL:            repo.DSN,
		Branch:         repo.Branch,
		NewApplication: !repo.Migrate,
		PinnedHostKey:  repo.HostKey,
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
		// repository stays in CLONING and is checked again at the next start.
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

// fillCredentials fills auth with the repository's unsealed credentials
// for a check or a pull. When they cannot be read it logs why and reports false:
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

// checkCredentials fills auth with the repository's unsealed credentials.
func (s *Server) checkCredentials(ctx context.Context, repo store.Repository, auth *gitops.Auth) error {
	switch repo.AuthType {
	case store.AuthSSH:
		key, err := s.store.RepositoryPrivateKey(ctx, repo.UUID)
		auth.SSHPrivateKey = key
		return err
	case store.AuthHTTPS:
		password, err := s.store.RepositoryHTTPSPassword(ctx, repo.UUID)
		auth.HTTPSUsername, auth.HTTPSToken = repo.HTTPSUsername, password
		return err
	}
	return errors.New("unknown auth type " + string(repo.AuthType))
}

// Answers of the check endpoint, as Divio's CLI reads them.
const (
	checkWaiting = "waiting" // a clone check was started or is running
	checkSuccess = "success" // the push check succeeded
)

type checkAnswer struct {
	Code string `json:"code"`
}

// pushFailureView is a failed push check: DRF's non_field_errors, which
// Divio's CLI shows, with the failure's code beside it.
type pushFailureView struct {
	NonFieldErrors []string `json:"non_field_errors"`
	Code           string   `json:"code"`
}

// parseBoolean reads a DRF BooleanField: a JSON boolean, or one of the
// strings (and numbers) DRF takes for true and false. Divio's CLI sends
// migrate as "true".
func parseBoolean(field string, raw json.RawMessage, invalid validationErrors) bool {
	raw = bytes.TrimSpace(raw)
	text := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			text = ""
		}
	}
	switch text {
	case "true", "True", "TRUE", "t", "T", "yes", "Yes", "YES", "y", "Y", "on", "On", "ON", "1":
		return true
	case "false", "False", "FALSE", "f", "F", "no", "No", "NO", "n", "N", "off", "Off", "OFF", "0":
		return false
	case "null":
		invalid.add(field, msgNull)
	default:
		invalid.add(field, "Must be a valid boolean.")
	}
	return false
}

type checkRepositoryRequest struct {
	Branch  *string         `json:"branch"`
	Migrate json.RawMessage `json:"migrate"` // see parseBoolean
}

// checkRepository serves POST /apps/v3/repositories/{uuid}/check/ with
// {branch, migrate}, Divio's check state machine (see store.CheckRepository):
// 202 {"code": "waiting"} while a clone check runs or when one starts;
// when the push check is due it runs now: 200 {"code": "success"}, or 400
// with the failure under non_field_errors (and, outside strict mode, its
// code). Strict mode's twists are in strict.go.
func (s *Server) checkRepository(w http.ResponseWriter, r *http.Request, user store.User) {
	id, branch, migrate, err := parseCheckRequest(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	before, err := s.beforeCheck(r, user, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	step, repo, err := s.store.CheckRepository(r.Context(), user.UUID, id, branch, migrate)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.stale.remember(before, s.now(), s.strict.staleRead)
	switch step {
	case store.CheckCloneStarted:
		s.checks.enqueue(repo.UUID)
		if refusal, refused := s.restartRefusal(before); refused {
			writeJSON(w, http.StatusBadRequest, refusal)
			return
		}
		fallthrough
	case store.CheckRunning:
		writeJSON(w, http.StatusAccepted, checkAnswer{Code: checkWaiting})
		return
	}
	s.pushCheck(w, r, repo)
}

// parseCheckRequest reads the repository's UUID and the check's branch
// and migrate (defaults: main, true).
func parseCheckRequest(r *http.Request) (id, branch string, migrate bool, err error) {
	if id, err = pathUUID(r); err != nil {
		return "", "", false, err
	}
	var request checkRepositoryRequest
	if err := decodeJSON(r, &request); err != nil {
		return "", "", false, err
	}
	branch, migrate = defaultBranch, true
	invalid := validationErrors{}
	if request.Branch != nil {
		branch = *request.Branch
		validateBranch(branch, invalid)
	}
	if request.Migrate != nil {
		migrate = parseBoolean("migrate", request.Migrate, invalid)
	}
	return id, branch, migrate, invalid.orNil()
}

// pushCheck runs the push check that is due and answers its outcome.
func (s *Server) pushCheck(w http.ResponseWriter, r *http.Request, repo store.Repository) {
	outcome, stored := s.runPushCheck(r.Context(), repo)
	switch {
	case !stored:
		// The client left, or a clone check was asked for meanwhile: the
		// outcome says nothing about the repository as it now is.
		if r.Context().Err() == nil {
			writeJSON(w, http.StatusAccepted, checkAnswer{Code: checkWaiting})
		}
	case outcome.Success:
		writeJSON(w, http.StatusOK, checkAnswer{Code: checkSuccess})
	default:
		writeJSON(w, http.StatusBadRequest, s.pushFailureAnswer(outcome))
	}
}

// runPushCheck runs the push check of a repository whose clone check
// succeeded and stores its outcome; stored is false when it was not
// (ctx ended, or a newer clone check was asked for meanwhile).
func (s *Server) runPushCheck(ctx context.Context, repo store.Repository) (outcome store.CheckOutcome, stored bool) {
	request := gitops.CheckRequest{URL: repo.DSN, PushOnly: true, PinnedHostKey: repo.HostKey}
	var result gitops.CheckResult
	if s.fillCredentials(ctx, repo, &request.Auth) {
		result = s.checker.Check(ctx, request)
	} else {
		result = gitops.CheckResult{Code: codeCredentialsUnavailable, Message: msgCredentialsUnavailable}
	}
	if ctx.Err() != nil {
		return outcome, false
	}
	outcome = store.CheckOutcome{Success: result.OK(), Code: result.Code, Message: result.Message, CheckedAt: s.now(), Duration: result.Duration}
	if outcome.Code == "" {
		outcome.Code, outcome.Message = gitops.CodeInternalError, "The push check gave no result; check the repository again."
	}
	stored, err := s.store.FinishPushCheck(context.WithoutCancel(ctx), repo.UUID, repo.Generation, outcome)
	level := slog.LevelInfo
	attrs := []slog.Attr{slog.String("repository", repo.UUID), slog.Int64("generation", repo.Generation),
		slog.String("code", outcome.Code), slog.Duration("duration", result.Duration), slog.Bool("stale", !stored && err == nil)}
	if err != nil {
		level = slog.LevelError
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	s.logger.LogAttrs(ctx, level, "repository push check", attrs...)
	return outcome, stored
}
