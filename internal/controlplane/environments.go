// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"fmt"
	"net/http"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

type environmentView struct {
	UUID        string `json:"uuid"`
	Application string `json:"application"`
	Slug        string `json:"slug"`
	Branch      string `json:"branch"`
	// LastFinishedDeployment is always null: this control plane does not deploy.
	LastFinishedDeployment *string `json:"last_finished_deployment"`
}

func newEnvironmentView(env store.Environment) environmentView {
	return environmentView{UUID: env.UUID, Application: env.ApplicationUUID, Slug: env.Slug, Branch: env.Branch}
}

// listEnvironments serves GET /apps/v3/environments/?application=&slug=.
func (s *Server) listEnvironments(w http.ResponseWriter, r *http.Request, user store.User) {
	filters := newQueryFilters(r)
	filter := store.EnvironmentFilter{
		ApplicationUUID: filters.uuid("application"),
		Slug:            filters.text("slug"),
	}
	if err := filters.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	serveList(s, w, r, func(page store.Page) ([]store.Environment, int, error) {
		return s.store.ListEnvironments(r.Context(), user.UUID, filter, page)
	}, newEnvironmentView)
}

// getEnvironment serves GET /apps/v3/environments/{uuid}/.
func (s *Server) getEnvironment(w http.ResponseWriter, r *http.Request, user store.User) {
	serveObject(s, w, r, func(id string) (store.Environment, error) {
		return s.store.GetEnvironment(r.Context(), user.UUID, id)
	}, newEnvironmentView)
}

type updateEnvironmentRequest struct {
	Branch *string `json:"branch"`
}

// msgBranchMissingAtRemote is Divio's error "The remote repository requires a branch".
func msgBranchMissingAtRemote(branch, url string) string {
	return fmt.Sprintf("The remote repository requires a branch “%s”, but %s has none of that name. "+
		"Push the branch to the repository first, then set it again.", branch, url)
}

func msgBranchNotChecked(branch, detail string) string {
	return fmt.Sprintf("The branch “%s” could not be looked up at the remote repository: %s", branch, detail)
}

// updateEnvironment serves PATCH /apps/v3/environments/{uuid}/: it changes
// the branch the environment tracks ("custom tracking branches"). When the
// application has an external repository, the branch must exist there.
func (s *Server) updateEnvironment(w http.ResponseWriter, r *http.Request, user store.User) {
	id, err := pathUUID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var request updateEnvironmentRequest
	present, err := httpx.DecodePatch(r, &request)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	env, err := s.store.GetEnvironment(r.Context(), user.UUID, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	invalid := httpx.ValidationErrors{}
	if present["branch"] && request.Branch == nil {
		invalid.Add("branch", msgNull)
	}
	if request.Branch != nil {
		validateBranch(*request.Branch, invalid)
	}
	if err := invalid.OrNil(); err != nil {
		s.writeError(w, r, err)
		return
	}
	if request.Branch == nil || *request.Branch == env.Branch {
		httpx.WriteJSON(w, http.StatusOK, newEnvironmentView(env))
		return
	}
	if err := s.checkRemoteBranch(r, user, env.ApplicationUUID, *request.Branch); err != nil {
		s.writeError(w, r, err)
		return
	}
	env, err = s.store.SetEnvironmentBranch(r.Context(), user.UUID, id, *request.Branch)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, newEnvironmentView(env))
}

// checkRemoteBranch looks branch up at the external repository of the
// application, if it has one, with the repository's credentials.
func (s *Server) checkRemoteBranch(r *http.Request, user store.User, applicationUUID, branch string) error {
	app, err := s.store.GetApplication(r.Context(), user.UUID, applicationUUID)
	if err != nil || app.RepositoryUUID == nil {
		return err
	}
	repo, err := s.store.LoadRepository(r.Context(), *app.RepositoryUUID)
	if err != nil {
		return err
	}
	exists, result, err := s.jobs.LookUpBranch(r.Context(), repo, branch)
	switch {
	case err != nil:
		return httpx.FieldError("branch", msgBranchNotChecked(branch,
			"the control plane could not read the stored credentials of the repository."))
	case exists:
		return nil
	case result.Code == "" || result.OK() || result.Code == gitops.CodeBranchMissing:
		return httpx.FieldError("branch", msgBranchMissingAtRemote(branch, repo.URL))
	}
	return httpx.FieldError("branch", msgBranchNotChecked(branch, result.Message))
}
