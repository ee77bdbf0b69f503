// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"net/http"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

type userView struct {
	UUID      string `json:"uuid"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
}

// me serves GET /iam/v3/me/, which clients use to validate a token.
func (s *Server) me(w http.ResponseWriter, r *http.Request, user store.User) {
	httpx.WriteJSON(w, http.StatusOK, userView{UUID: user.UUID, FirstName: user.FirstName, LastName: user.LastName, Email: user.Email})
}

// organisationView is an organisation: all public (divio organisations
// list shows created_at, cli.py list_organisations).
type organisationView struct {
	UUID      string `json:"uuid"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
}

func newOrganisationView(o store.Organisation) organisationView {
	return organisationView{UUID: o.UUID, Name: o.Name, CreatedAt: o.CreatedAt.UTC().Format(time.RFC3339)}
}

// listOrganisations serves GET /iam/v3/organisations/: the user's
// organisations. Like DRF it ignores unknown parameters (?name= included).
func (s *Server) listOrganisations(w http.ResponseWriter, r *http.Request, user store.User) {
	serveList(s, w, r, func(page store.Page) ([]store.Organisation, int, error) {
		return s.store.ListOrganisations(r.Context(), user.UUID, page)
	}, newOrganisationView)
}

// getOrganisation serves GET /iam/v3/organisations/{uuid}/.
func (s *Server) getOrganisation(w http.ResponseWriter, r *http.Request, user store.User) {
	serveObject(s, w, r, func(id string) (store.Organisation, error) {
		return s.store.GetOrganisation(r.Context(), user.UUID, id)
	}, newOrganisationView)
}
