package controlplane

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/sshkey"
)

// deployKeyView is the public side of a deploy key; there is deliberately
// no field that could carry the private key.
type deployKeyView struct {
	UUID              string `json:"uuid"`
	Application       string `json:"application"`
	KeyType           string `json:"key_type"`
	PublicKey         string `json:"public_key"`
	FingerprintSHA256 string `json:"fingerprint_sha256"`
	CreatedAt         string `json:"created_at"`
}

func newDeployKeyView(key store.DeployKey) deployKeyView {
	return deployKeyView{
		UUID:              key.UUID,
		Application:       key.ApplicationUUID,
		KeyType:           string(key.KeyType),
		PublicKey:         key.PublicKey,
		FingerprintSHA256: key.FingerprintSHA256,
		CreatedAt:         key.CreatedAt.UTC().Format(time.RFC3339),
	}
}

type createDeployKeyRequest struct {
	Application *string `json:"application"`
	KeyType     *string `json:"key_type"`
}

// createDeployKey serves POST /apps/v3/deploy-keys/: it generates a key
// pair and keeps the private half, sealed, in the store.
func (s *Server) createDeployKey(w http.ResponseWriter, r *http.Request, user store.User) {
	var request createDeployKeyRequest
	if err := decodeJSON(r, &request); err != nil {
		s.writeError(w, r, err)
		return
	}
	invalid := validationErrors{}
	keyType := validateKeyType(request.KeyType, invalid)
	app, err := s.validateApplication(r, user, request.Application, invalid)
	if err == nil {
		err = invalid.orNil()
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pair, err := sshkey.Generate(keyType)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	key, err := s.store.CreateDeployKey(r.Context(), store.NewDeployKey{ApplicationUUID: app.UUID, Pair: pair})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newDeployKeyView(key))
}

// validateKeyType returns the requested key type, ED25519 when omitted.
// Names are matched exactly, as a DRF ChoiceField does, so that what a
// client sends is what it reads back.
func validateKeyType(requested *string, invalid validationErrors) sshkey.KeyType {
	if requested == nil {
		return sshkey.ED25519
	}
	var names []string
	for _, keyType := range sshkey.KeyTypes() {
		if string(keyType) == *requested {
			return keyType
		}
		names = append(names, string(keyType))
	}
	invalid.add("key_type", fmt.Sprintf("%q is not a valid choice. Choose one of %s.", *requested, strings.Join(names, ", ")))
	return ""
}

// validateApplication returns the requested application if it belongs to
// one of the user's organisations; otherwise it adds a message to invalid.
// Another organisation's application is "does not exist", as in a 404.
func (s *Server) validateApplication(r *http.Request, user store.User, requested *string, invalid validationErrors) (store.Application, error) {
	if requested == nil {
		invalid.add("application", "This field is required.")
		return store.Application{}, nil
	}
	id, ok := parseUUID(*requested)
	if !ok {
		invalid.add("application", invalidUUIDMessage(*requested))
		return store.Application{}, nil
	}
	app, err := s.store.GetApplication(r.Context(), user.UUID, id)
	if errors.Is(err, store.ErrNotFound) {
		invalid.add("application", fmt.Sprintf("Object with uuid=%s does not exist.", *requested))
		return store.Application{}, nil
	}
	return app, err
}

// listDeployKeys serves GET /apps/v3/deploy-keys/?application=.
func (s *Server) listDeployKeys(w http.ResponseWriter, r *http.Request, user store.User) {
	filters := newQueryFilters(r)
	filter := store.DeployKeyFilter{ApplicationUUID: filters.uuid("application")}
	if err := filters.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	serveList(s, w, r, func(page store.Page) ([]store.DeployKey, int, error) {
		return s.store.ListDeployKeys(r.Context(), user.UUID, filter, page)
	}, newDeployKeyView)
}

// getDeployKey serves GET /apps/v3/deploy-keys/{uuid}/.
func (s *Server) getDeployKey(w http.ResponseWriter, r *http.Request, user store.User) {
	serveObject(s, w, r, func(id string) (store.DeployKey, error) {
		return s.store.GetDeployKey(r.Context(), user.UUID, id)
	}, newDeployKeyView)
}

// deleteDeployKey serves DELETE /apps/v3/deploy-keys/{uuid}/.
func (s *Server) deleteDeployKey(w http.ResponseWriter, r *http.Request, user store.User) {
	id, err := pathUUID(r)
	if err == nil {
		err = s.store.DeleteDeployKey(r.Context(), user.UUID, id)
	}
	if errors.Is(err, store.ErrInUse) {
		err = fieldError(nonFieldErrors, "This deploy key is in use by a repository and cannot be deleted.")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
