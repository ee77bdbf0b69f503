// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"errors"
	"net/http"
	"strings"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

var (
	errNoCredentials = &detailError{http.StatusUnauthorized, "Authentication credentials were not provided."}
	errInvalidToken  = &detailError{http.StatusUnauthorized, "Invalid token."}
)

// authenticate resolves "Authorization: Token <token>" to its user, as
// DRF's TokenAuthentication does, before calling next.
func (s *Server) authenticate(next userHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, err := tokenFromHeader(r.Header.Get("Authorization"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		user, err := s.store.UserByToken(r.Context(), token)
		if errors.Is(err, store.ErrNotFound) {
			err = errInvalidToken
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		next(w, r, user)
	})
}

func tokenFromHeader(header string) (string, error) {
	scheme, token, _ := strings.Cut(strings.TrimSpace(header), " ")
	// Another scheme is not ours to judge: the request is just unauthenticated.
	if !strings.EqualFold(scheme, "Token") {
		return "", errNoCredentials
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", errInvalidToken
	}
	return token, nil
}
