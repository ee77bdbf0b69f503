package controlplane

import (
	"net/http"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
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
