package controlplane

import (
	"net/http"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

type applicationView struct {
	UUID         string  `json:"uuid"`
	Slug         string  `json:"slug"`
	Name         string  `json:"name"`
	Organisation string  `json:"organisation"`
	Repository   *string `json:"repository"` // null: Divio's own Git server
}

func newApplicationView(app store.Application) applicationView {
	return applicationView{
		UUID:         app.UUID,
		Slug:         app.Slug,
		Name:         app.Name,
		Organisation: app.OrganisationUUID,
		Repository:   app.RepositoryUUID,
	}
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
	}, newApplicationView)
}

// getApplication serves GET /apps/v3/applications/{uuid}/.
func (s *Server) getApplication(w http.ResponseWriter, r *http.Request, user store.User) {
	serveObject(s, w, r, func(id string) (store.Application, error) {
		return s.store.GetApplication(r.Context(), user.UUID, id)
	}, newApplicationView)
}
