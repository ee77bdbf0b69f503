// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"errors"
	"net/http"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

// The catalogues an application is created from (public, the same for
// every user).

type regionView struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

type planGroupView struct {
	UUID    string   `json:"uuid"`
	Name    string   `json:"name"`
	Regions []string `json:"regions"` // region UUIDs
}

func newPlanGroupView(p store.PlanGroup) planGroupView {
	return planGroupView{UUID: p.UUID, Name: p.Name, Regions: p.RegionUUIDs}
}

type appTemplateView struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

// appTemplateDetailView is one template as its own GET answers it: Divio's
// CLI reads release_commands and services there (wizards.py
// get_template_release_commands, get_services). This control plane neither
// deploys nor provisions services, so both are always empty.
type appTemplateDetailView struct {
	appTemplateView
	ReleaseCommands []any `json:"release_commands"`
	Services        []any `json:"services"`
}

// listRegions serves GET /apps/v3/regions/?uuid=&uuid=: the regions, or
// those with one of the UUIDs given (Divio's CLI sends the plan group's
// regions as a repeated parameter).
func (s *Server) listRegions(w http.ResponseWriter, r *http.Request, _ store.User) {
	filters := newQueryFilters(r)
	filter := store.RegionFilter{UUIDs: filters.uuids("uuid")}
	if err := filters.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	serveList(s, w, r, func(page store.Page) ([]store.Region, int, error) {
		return s.store.ListRegions(r.Context(), filter, page)
	}, func(g store.Region) regionView { return regionView{UUID: g.UUID, Name: g.Name} })
}

// listPlanGroups serves GET /billing/v3/application-plan-groups/?organisation=.
// Plan groups are the same for every organisation here, so the filter
// (which Divio's CLI always sends) keeps them all for an organisation of
// the user and none for another, as a DRF filter would.
func (s *Server) listPlanGroups(w http.ResponseWriter, r *http.Request, user store.User) {
	filters := newQueryFilters(r)
	s.requireInStrictMode(filters, "organisation")
	organisation := filters.uuid("organisation")
	if err := filters.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	member, err := s.isMember(r, user, organisation)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	serveList(s, w, r, func(page store.Page) ([]store.PlanGroup, int, error) {
		if !member {
			return []store.PlanGroup{}, 0, nil
		}
		return s.store.ListPlanGroups(r.Context(), page)
	}, s.planGroupListItem)
}

// isMember reports whether the user is a member of the organisation; no
// organisation ("") counts as yes.
func (s *Server) isMember(r *http.Request, user store.User, organisation string) (bool, error) {
	if organisation == "" {
		return true, nil
	}
	_, err := s.store.GetOrganisation(r.Context(), user.UUID, organisation)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// getPlanGroup serves GET /billing/v3/application-plan-groups/{uuid}/,
// from which Divio's CLI reads the plan group's regions.
func (s *Server) getPlanGroup(w http.ResponseWriter, r *http.Request, _ store.User) {
	serveObject(s, w, r, func(id string) (store.PlanGroup, error) {
		return s.store.GetPlanGroup(r.Context(), id)
	}, newPlanGroupView)
}

// listAppTemplates serves GET /apps/v3/app-templates/.
func (s *Server) listAppTemplates(w http.ResponseWriter, r *http.Request, _ store.User) {
	serveList(s, w, r, func(page store.Page) ([]store.AppTemplate, int, error) {
		return s.store.ListAppTemplates(r.Context(), page)
	}, newAppTemplateView)
}

func newAppTemplateView(t store.AppTemplate) appTemplateView {
	return appTemplateView{UUID: t.UUID, Name: t.Name, URL: t.URL}
}

// getAppTemplate serves GET /apps/v3/app-templates/{uuid}/.
func (s *Server) getAppTemplate(w http.ResponseWriter, r *http.Request, _ store.User) {
	serveObject(s, w, r, func(id string) (store.AppTemplate, error) {
		return s.store.GetAppTemplate(r.Context(), id)
	}, func(t store.AppTemplate) appTemplateDetailView {
		return appTemplateDetailView{appTemplateView: newAppTemplateView(t), ReleaseCommands: []any{}, Services: []any{}}
	})
}
