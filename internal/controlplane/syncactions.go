// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

// The Control Panel's Update and Reset to origin buttons (extensions
// repository_update and reset_to_origin): a pull now, of what is new or of
// the origin exactly.

import (
	"net/http"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// updateApplication serves POST /apps/v3/applications/{uuid}/update/: the
// Control Panel's Update button, a fast-forward of the platform's copy.
func (s *Server) updateApplication(w http.ResponseWriter, r *http.Request, user store.User) {
	s.servePull(w, r, user, gitops.SyncUpdate)
}

// resetApplicationToOrigin serves POST /apps/v3/applications/{uuid}/reset-to-origin/:
// the platform's copy made to match the remote's branch, whatever its history.
func (s *Server) resetApplicationToOrigin(w http.ResponseWriter, r *http.Request, user store.User) {
	s.servePull(w, r, user, gitops.SyncReset)
}

// writeConflict answers 409 with a machine-readable code.
func writeConflict(w http.ResponseWriter, code, detail string) {
	writeJSON(w, http.StatusConflict, map[string]string{"code": code, "detail": detail})
}

// servePull runs a pull of an application's repository, in its turn among
// the repository's pulls, and answers its outcome: 200 with the sync status, or
// 409 with the failure's code (history_rewritten for an Update that cannot
// fast-forward).
func (s *Server) servePull(w http.ResponseWriter, r *http.Request, user store.User, mode gitops.SyncMode) {
	id, err := pathUUID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var request struct{}
	if err := decodeJSON(r, &request); err != nil {
		s.writeError(w, r, err)
		return
	}
	app, err := s.store.GetApplication(r.Context(), user.UUID, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if app.RepositoryUUID == nil {
		writeConflict(w, codeNoRepository, msgNoRepository)
		return
	}
	repo, err := s.store.LoadRepository(r.Context(), *app.RepositoryUUID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !connected(repo) {
		writeConflict(w, codeNotConnected, msgNotConnected)
		return
	}
	outcome := s.pullNow(r.Context(), repo.UUID, mode)
	switch {
	case r.Context().Err() != nil:
		return // the client is gone; the pull's outcome is stored
	case outcome.err != nil:
		s.writeError(w, r, outcome.err)
		return
	case outcome.result.Code != gitops.CodeSuccess:
		writeConflict(w, outcome.result.Code, outcome.result.Message)
		return
	}
	status, err := s.syncStatus(r.Context(), user, app.UUID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, status)
}
