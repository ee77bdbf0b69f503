package controlplane

import (
	"net/http"

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
	writeJSON(w, http.StatusOK, userView{UUID: user.UUID, FirstName: user.FirstName, LastName: user.LastName, Email: user.Email})
}
