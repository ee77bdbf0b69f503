// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// checkWaiting is the check endpoint's answer while a clone check runs
// (or when one starts); a push check's success is answered with its code,
// gitops.CodeSuccess, as Divio's CLI reads it.
const checkWaiting = "waiting"

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
func parseBoolean(field string, raw json.RawMessage, invalid httpx.ValidationErrors) bool {
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
		invalid.Add(field, msgNull)
	default:
		invalid.Add(field, "Must be a valid boolean.")
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
		s.jobs.QueueCloneCheck(repo.UUID)
		if refusal, refused := s.restartRefusal(before); refused {
			httpx.WriteJSON(w, http.StatusBadRequest, refusal)
			return
		}
		fallthrough
	case store.CheckRunning:
		httpx.WriteJSON(w, http.StatusAccepted, checkAnswer{Code: checkWaiting})
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
	if err := httpx.DecodeJSON(r, &request); err != nil {
		return "", "", false, err
	}
	branch, migrate = gitops.DefaultBranch, true
	invalid := httpx.ValidationErrors{}
	if request.Branch != nil {
		branch = *request.Branch
		validateBranch(branch, invalid)
	}
	if request.Migrate != nil {
		migrate = parseBoolean("migrate", request.Migrate, invalid)
	}
	return id, branch, migrate, invalid.OrNil()
}

// pushCheck runs the push check that is due and answers its outcome.
func (s *Server) pushCheck(w http.ResponseWriter, r *http.Request, repo store.Repository) {
	outcome, stored, err := s.jobs.PushCheck(r.Context(), repo)
	switch {
	case err != nil:
		s.writeError(w, r, err)
	case !stored:
		// The client left, or a clone check was asked for meanwhile: the
		// outcome says nothing about the repository as it now is.
		if r.Context().Err() == nil {
			httpx.WriteJSON(w, http.StatusAccepted, checkAnswer{Code: checkWaiting})
		}
	case outcome.OK():
		httpx.WriteJSON(w, http.StatusOK, checkAnswer{Code: gitops.CodeSuccess})
	default:
		httpx.WriteJSON(w, http.StatusBadRequest, s.pushFailureAnswer(outcome.Code, outcome.Message))
	}
}
