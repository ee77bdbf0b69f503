// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// applicationView is an application as the API answers it: the public
// fields, and (unless in public-only mode) the extension fields.
type applicationView struct {
	UUID         string  `json:"uuid"`
	Slug         string  `json:"slug"`
	Name         string  `json:"name"`
	Organisation string  `json:"organisation"`
	Repository   *string `json:"repository"` // null: Divio's own Git server
	*ApplicationDetails
}

// ApplicationDetails are an application's extension fields. Exported only
// so that encoding/json can fill the embedded pointer when a test decodes
// a view.
type ApplicationDetails struct {
	PlanGroup   string  `json:"plan_group"`
	Region      string  `json:"region"`
	AppTemplate *string `json:"app_template"` // the template's URL
	// Branch is the branch the platform follows in the repository (syncs,
	// webhook deliveries); "main" on Divio's own Git server.
	Branch    string `json:"branch"`
	CreatedAt string `json:"created_at"`
}

func (s *Server) applicationView(app store.Application) applicationView {
	view := applicationView{
		UUID:         app.UUID,
		Slug:         app.Slug,
		Name:         app.Name,
		Organisation: app.OrganisationUUID,
		Repository:   app.RepositoryUUID,
	}
	if !s.cfg.PublicOnly {
		view.ApplicationDetails = &ApplicationDetails{
			PlanGroup:   app.PlanGroupUUID,
			Region:      app.RegionUUID,
			AppTemplate: nullable(app.AppTemplate),
			Branch:      app.Branch,
			CreatedAt:   app.CreatedAt.UTC().Format(time.RFC3339),
		}
	}
	return view
}

// listApplications serves GET /apps/v3/applications/?slug=&organisation=&name_search=.
func (s *Server) listApplications(w http.ResponseWriter, r *http.Request, user store.User) {
	filters := newQueryFilters(r)
	filter := store.ApplicationFilter{
		Slug:             filters.text("slug"),
		OrganisationUUID: filters.uuid("organisation"),
		NameSearch:       filters.text("name_search"),
	}
	if err := filters.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	serveList(s, w, r, func(page store.Page) ([]store.Application, int, error) {
		return s.store.ListApplications(r.Context(), user.UUID, filter, page)
	}, s.applicationView)
}

// getApplication serves GET /apps/v3/applications/{uuid}/.
func (s *Server) getApplication(w http.ResponseWriter, r *http.Request, user store.User) {
	serveObject(s, w, r, func(id string) (store.Application, error) {
		return s.store.GetApplication(r.Context(), user.UUID, id)
	}, s.applicationView)
}

// applicationSlugPattern is the form of an application's slug (it becomes
// part of host names).
var applicationSlugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// Messages of application creation and migration.
const (
	msgSlugFormat         = "Enter a valid slug: 2 to 63 lower-case letters, digits and hyphens, starting with a letter or a digit."
	msgSlugTaken          = "An application with this slug already exists."
	msgRegionNotInGroup   = "This region is not offered by the plan group; choose one of the plan group's regions."
	msgTemplateURL        = "Enter a valid URL."
	msgBranchNeedsRepo    = "A branch can only be set together with an external repository; applications on Divio's own Git server track main."
	msgRepositoryOtherOrg = "This repository belongs to another organisation than the application's."
	msgRepositoryNoNull   = "An application that uses an external repository cannot go back to Divio's own Git server."
	maxNameLength         = 255
)

func msgRepositoryNotChecked(repositoryUUID string) string {
	return fmt.Sprintf("The repository has not been verified: check it (POST /apps/v3/repositories/%s/check/) until its state is CLONED, "+
		"then check it again to verify push access.", repositoryUUID)
}

func msgRepositoryInvalid(repositoryUUID, reason string) string {
	return fmt.Sprintf("The repository's last check failed (%s): fix the problem, then check it again (POST /apps/v3/repositories/%s/check/).",
		reason, repositoryUUID)
}

func msgRepositoryNoPush(repositoryUUID string) string {
	return fmt.Sprintf("Push access to the repository has not been verified: check it again (POST /apps/v3/repositories/%s/check/) "+
		"now that its state is CLONED; the deploy key must have write access.", repositoryUUID)
}

func msgRepositoryTaken(slug string) string {
	return fmt.Sprintf("This repository is already used by the application “%s”.", slug)
}

// repositoryRule is the rule for giving a repository to an application of
// the organisation organisationUUID: the same organisation's, CLONED with
// push access verified, not used by another application. It answers under
// field.
func (s *Server) repositoryRule(r *http.Request, user store.User, organisationUUID string) store.RepositoryRule {
	return func(repo store.Repository, appUUID string) error {
		switch {
		case repo.OrganisationUUID != organisationUUID:
			return httpx.FieldError("repository", msgRepositoryOtherOrg)
		case repo.ApplicationUUID != "" && repo.ApplicationUUID != appUUID:
			slug := "?"
			if app, err := s.store.GetApplication(r.Context(), user.UUID, repo.ApplicationUUID); err == nil {
				slug = app.Slug
			}
			return httpx.FieldError("repository", msgRepositoryTaken(slug))
		case repo.State == store.StateInvalid:
			return httpx.FieldError("repository", msgRepositoryInvalid(repo.UUID, repo.ErrorCode))
		case repo.State != store.StateCloned:
			return httpx.FieldError("repository", msgRepositoryNotChecked(repo.UUID))
		case !repo.Verified():
			return httpx.FieldError("repository", msgRepositoryNoPush(repo.UUID))
		}
		return nil
	}
}

// lookupRepository validates a requested repository reference: its UUID
// if the user may see it; otherwise it adds a message to invalid.
func (s *Server) lookupRepository(r *http.Request, user store.User, requested string, invalid httpx.ValidationErrors) (string, error) {
	id, ok := parseUUID(requested)
	if !ok {
		invalid.Add("repository", invalidUUIDMessage(requested))
		return "", nil
	}
	_, err := s.store.GetRepository(r.Context(), user.UUID, id)
	if errors.Is(err, store.ErrNotFound) {
		invalid.Add("repository", msgDoesNotExist(requested))
		return "", nil
	}
	return id, err
}

type createApplicationRequest struct {
	Name            *string         `json:"name"`
	Slug            *string         `json:"slug"`
	Organisation    *string         `json:"organisation"`
	PlanGroup       *string         `json:"plan_group"`
	Region          *string         `json:"region"`
	AppTemplate     *string         `json:"app_template"`
	ReleaseCommands json.RawMessage `json:"release_commands"` // accepted and not used: this control plane does not deploy
	Repository      *string         `json:"repository"`
	Branch          *string         `json:"branch"`
}

// createApplication serves POST /apps/v3/applications/: an application
// with environments test and live tracking its branch, on Divio's own Git
// server or on a verified external repository of its organisation.
func (s *Server) createApplication(w http.ResponseWriter, r *http.Request, user store.User) {
	var request createApplicationRequest
	if err := httpx.DecodeJSON(r, &request); err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := s.validateNewApplication(r, user, request)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	app, err := s.store.CreateApplication(r.Context(), n, s.repositoryRule(r, user, n.OrganisationUUID))
	if errors.Is(err, store.ErrConflict) {
		// A concurrent request took the slug (or the repository) first.
		if taken, lookupErr := s.store.ApplicationSlugTaken(r.Context(), n.Slug); lookupErr == nil && taken {
			err = httpx.FieldError("slug", msgSlugTaken)
		} else {
			err = httpx.FieldError("repository", msgRepositoryTaken("?"))
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, s.createdApplicationAnswer(app))
}

// validateNewApplication checks a creation request field by field and
// returns what to store; the repository rule is applied when it is stored.
func (s *Server) validateNewApplication(r *http.Request, user store.User, request createApplicationRequest) (store.NewApplication, error) {
	invalid := httpx.ValidationErrors{}
	n := store.NewApplication{Branch: gitops.DefaultBranch}
	n.Name = validateApplicationName(request.Name, invalid)
	var err error
	if n.Slug, err = s.validateNewSlug(r, request.Slug, invalid); err != nil {
		return n, err
	}
	if n.OrganisationUUID, err = s.validateOrganisation(r, user, request.Organisation, invalid); err != nil {
		return n, err
	}
	if n.PlanGroupUUID, n.RegionUUID, err = s.validatePlacement(r, request.PlanGroup, request.Region, invalid); err != nil {
		return n, err
	}
	if request.AppTemplate != nil {
		if n.AppTemplate, err = s.validateAppTemplate(r, *request.AppTemplate, invalid); err != nil {
			return n, err
		}
	}
	if request.Repository != nil {
		if n.RepositoryUUID, err = s.lookupRepository(r, user, *request.Repository, invalid); err != nil {
			return n, err
		}
	}
	if request.Branch != nil {
		validateBranch(*request.Branch, invalid)
		n.Branch = *request.Branch
		// Divio's CLI sends branch "main" even without a repository: the
		// default is accepted, any other branch needs one.
		if request.Repository == nil && *request.Branch != gitops.DefaultBranch {
			invalid.Add("branch", msgBranchNeedsRepo)
		}
	}
	if err := invalid.OrNil(); err != nil {
		return n, err
	}
	for _, slug := range store.DefaultEnvironments {
		n.Environments = append(n.Environments, store.NewEnvironment{Slug: slug, Branch: n.Branch})
	}
	return n, nil
}

// validateApplicationName returns the name to store ("" after a message).
func validateApplicationName(name *string, invalid httpx.ValidationErrors) string {
	switch {
	case name == nil:
		invalid.Add("name", msgRequired)
	case strings.TrimSpace(*name) == "":
		invalid.Add("name", msgBlank)
	case len(*name) > maxNameLength:
		invalid.Add("name", fmt.Sprintf("Ensure this field has no more than %d characters.", maxNameLength))
	default:
		return *name
	}
	return ""
}

// validateNewSlug returns a well-formed slug no application has.
func (s *Server) validateNewSlug(r *http.Request, slug *string, invalid httpx.ValidationErrors) (string, error) {
	switch {
	case slug == nil:
		invalid.Add("slug", msgRequired)
	case !applicationSlugPattern.MatchString(*slug):
		invalid.Add("slug", msgSlugFormat)
	default:
		taken, err := s.store.ApplicationSlugTaken(r.Context(), *slug)
		if taken {
			invalid.Add("slug", msgSlugTaken)
		}
		return *slug, err
	}
	return "", nil
}

// validatePlacement returns the plan group and the region, which must be
// one of the plan group's.
func (s *Server) validatePlacement(r *http.Request, planGroup, region *string, invalid httpx.ValidationErrors) (string, string, error) {
	ctx := r.Context()
	var group store.PlanGroup
	var err error
	if planGroup == nil {
		invalid.Add("plan_group", msgRequired)
	} else if id, ok := parseUUID(*planGroup); !ok {
		invalid.Add("plan_group", invalidUUIDMessage(*planGroup))
	} else if group, err = s.store.GetPlanGroup(ctx, id); errors.Is(err, store.ErrNotFound) {
		invalid.Add("plan_group", msgDoesNotExist(*planGroup))
	} else if err != nil {
		return "", "", err
	}
	switch found, err := s.lookupRegion(ctx, region, invalid); {
	case err != nil:
		return "", "", err
	case found.UUID == "":
		return group.UUID, "", nil
	case group.UUID != "" && !slices.Contains(group.RegionUUIDs, found.UUID):
		invalid.Add("region", msgRegionNotInGroup)
		return group.UUID, "", nil
	default:
		return group.UUID, found.UUID, nil
	}
}

// lookupRegion finds the region named by its UUID (zero after a message).
func (s *Server) lookupRegion(ctx context.Context, region *string, invalid httpx.ValidationErrors) (store.Region, error) {
	if region == nil {
		invalid.Add("region", msgRequired)
		return store.Region{}, nil
	}
	id, ok := parseUUID(*region)
	if !ok {
		invalid.Add("region", invalidUUIDMessage(*region))
		return store.Region{}, nil
	}
	found, err := s.store.GetRegion(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		invalid.Add("region", msgDoesNotExist(*region))
		return store.Region{}, nil
	}
	return found, err
}

// validateAppTemplate accepts the URL of a template (a Divio template from
// GET /apps/v3/app-templates/ or a custom one), as Divio's CLI sends it, or
// the UUID of a template of the catalogue; it returns the URL to store.
func (s *Server) validateAppTemplate(r *http.Request, requested string, invalid httpx.ValidationErrors) (string, error) {
	if id, ok := parseUUID(requested); ok {
		template, err := s.store.GetAppTemplate(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			invalid.Add("app_template", msgDoesNotExist(requested))
			return "", nil
		}
		return template.URL, err
	}
	if !isTemplateURL(requested) {
		invalid.Add("app_template", msgTemplateURL)
		return "", nil
	}
	return requested, nil
}

// deleteApplication serves DELETE /apps/v3/applications/{uuid}/ (extension
// application_deletion): its environments and webhook go too; its
// repository stays, free for another application.
func (s *Server) deleteApplication(w http.ResponseWriter, r *http.Request, user store.User) {
	id, err := pathUUID(r)
	if err == nil {
		err = s.store.DeleteApplication(r.Context(), user.UUID, id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type migrateRepositoryRequest struct {
	Repository *string `json:"repository"`
	Branch     *string `json:"branch"`
}

// migrateApplicationRepository serves POST
// /apps/v3/applications/{uuid}/migrate-repository/ (extension
// application_migration), the Control Panel's "Migrate to external
// repository": the application uses the repository (same rules as at
// creation) and it and its test environment follow the branch.
func (s *Server) migrateApplicationRepository(w http.ResponseWriter, r *http.Request, user store.User) {
	id, err := pathUUID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var request migrateRepositoryRequest
	present, err := httpx.DecodePatch(r, &request)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	app, err := s.store.GetApplication(r.Context(), user.UUID, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	invalid := httpx.ValidationErrors{}
	branch := gitops.DefaultBranch
	if request.Branch != nil {
		branch = *request.Branch
		validateBranch(branch, invalid)
	}
	var repositoryUUID string
	switch {
	case request.Repository != nil:
		if repositoryUUID, err = s.lookupRepository(r, user, *request.Repository, invalid); err != nil {
			s.writeError(w, r, err)
			return
		}
	case present["repository"] && app.RepositoryUUID != nil:
		invalid.Add("repository", msgRepositoryNoNull)
	case present["repository"]:
		invalid.Add("repository", msgNull)
	default:
		invalid.Add("repository", msgRequired)
	}
	if err := invalid.OrNil(); err != nil {
		s.writeError(w, r, err)
		return
	}
	app, err = s.store.MigrateApplicationRepository(r.Context(), user.UUID, id, repositoryUUID, branch,
		s.repositoryRule(r, user, app.OrganisationUUID))
	if errors.Is(err, store.ErrConflict) {
		err = httpx.FieldError("repository", msgRepositoryTaken("?"))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, s.applicationView(app))
}

// isTemplateURL reports an http(s) URL with a host, of a sensible length.
func isTemplateURL(s string) bool {
	parsed, err := url.Parse(s)
	return err == nil && (parsed.Scheme == "http" || parsed.Scheme == "https") && parsed.Host != "" && len(s) <= 2000
}
