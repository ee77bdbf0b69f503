package controlplane

import (
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

type appTemplateView struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

// listRegions serves GET /apps/v3/regions/.
func (s *Server) listRegions(w http.ResponseWriter, r *http.Request, _ store.User) {
	serveList(s, w, r, func(page store.Page) ([]store.Region, int, error) {
		return s.store.ListRegions(r.Context(), page)
	}, func(g store.Region) regionView { return regionView{UUID: g.UUID, Name: g.Name} })
}

// listPlanGroups serves GET /billing/v3/application-plan-groups/.
func (s *Server) listPlanGroups(w http.ResponseWriter, r *http.Request, _ store.User) {
	serveList(s, w, r, func(page store.Page) ([]store.PlanGroup, int, error) {
		return s.store.ListPlanGroups(r.Context(), page)
	}, func(p store.PlanGroup) planGroupView {
		return planGroupView{UUID: p.UUID, Name: p.Name, Regions: p.RegionUUIDs}
	})
}

// listAppTemplates serves GET /apps/v3/app-templates/.
func (s *Server) listAppTemplates(w http.ResponseWriter, r *http.Request, _ store.User) {
	serveList(s, w, r, func(page store.Page) ([]store.AppTemplate, int, error) {
		return s.store.ListAppTemplates(r.Context(), page)
	}, func(t store.AppTemplate) appTemplateView {
		return appTemplateView{UUID: t.UUID, Name: t.Name, URL: t.URL}
	})
}
