// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/giturl"
	"github.com/divio-community/terraform-provider-divio/internal/sshkey"
)

// repositoryView is a repository as the API answers it: the public fields
// Divio's API is known to answer, and (unless in public-only mode) the
// extension fields. There is deliberately no field that could carry the
// private key or the HTTPS password.
type repositoryView struct {
	UUID         string `json:"uuid"`
	Organisation string `json:"organisation"`
	URL          string `json:"url"`
	// AuthInfo is the SSH public key to install on the Git host as a
	// deploy key with write access; null for HTTPS.
	AuthInfo *string `json:"auth_info"`
	// State is null before the first check.
	State *string `json:"state"`
	DSN   string  `json:"dsn"`
	*RepositoryDetails
}

// RepositoryDetails are a repository's extension fields
// (repository_details). Exported only so that encoding/json can fill the
// embedded pointer when a test decodes a view.
type RepositoryDetails struct {
	KeyType  *string `json:"key_type"`
	AuthType string  `json:"auth_type"`
	Username *string `json:"username"`
	// Branch and Migrate are those of the last clone check.
	Branch             *string         `json:"branch"`
	Migrate            *bool           `json:"migrate"`
	Error              *checkErrorView `json:"error"`
	HostKeyFingerprint *string         `json:"host_key_fingerprint"`
	LastCommit         *string         `json:"last_commit"`
	CheckedAt          *string         `json:"checked_at"`
	PushVerifiedAt     *string         `json:"push_verified_at"`
	CreatedAt          string          `json:"created_at"`
}

// checkErrorView is why the last check failed.
type checkErrorView struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (s *Server) repositoryView(repo store.Repository) repositoryView {
	view := repositoryView{
		UUID:         repo.UUID,
		Organisation: repo.OrganisationUUID,
		URL:          repo.URL,
		AuthInfo:     nullable(repo.PublicKey),
		State:        nullable(string(repo.State)),
		DSN:          repo.DSN,
	}
	if s.cfg.PublicOnly {
		return view
	}
	details := &RepositoryDetails{
		KeyType:            nullable(string(repo.KeyType)),
		AuthType:           string(repo.AuthType),
		Username:           nullable(repo.HTTPSUsername),
		Branch:             nullable(repo.Branch),
		HostKeyFingerprint: nullable(repo.HostKeyFingerprint),
		LastCommit:         nullable(repo.LastCommit),
		CheckedAt:          nullableTime(repo.CheckedAt),
		PushVerifiedAt:     nullableTime(repo.PushVerifiedAt),
		CreatedAt:          repo.CreatedAt.UTC().Format(time.RFC3339),
	}
	if repo.State != "" {
		details.Migrate = &repo.Migrate
	}
	if repo.ErrorCode != "" {
		details.Error = &checkErrorView{Code: repo.ErrorCode, Message: repo.ErrorMessage}
	}
	view.RepositoryDetails = details
	return view
}

// Messages of repository creation.
const (
	msgUsernameOnlyHTTPS = "Only HTTPS URLs use a username; SSH URLs authenticate with the key pair generated for the repository."
	msgPasswordOnlyHTTPS = "Only HTTPS URLs use a password; SSH URLs authenticate with the key pair generated for the repository."
	msgKeyTypeOnlySSH    = "Only SSH URLs use a key pair, so key_type is not accepted with an HTTPS URL; set username and password instead."
	msgUsernameRequired  = "This field is required for an HTTPS URL: the user name at the Git host."
	msgPasswordRequired  = "This field is required for an HTTPS URL: a personal access token of the Git host."
	msgUsernameChars     = "A user name cannot contain “:” or control characters."
	msgPasswordChars     = "The token cannot contain control characters."
)

// The rules of an HTTPS repository's credentials.
var (
	usernameRule = credentialRule{maxLength: 255, refused: ":", charsMessage: msgUsernameChars}
	passwordRule = credentialRule{maxLength: 1024, charsMessage: msgPasswordChars}
)

// validateRepositoryURL returns the parsed URL, or nil after adding a message.
func (s *Server) validateRepositoryURL(requested string, invalid httpx.ValidationErrors) *giturl.URL {
	parsed, err := giturl.Validate(requested)
	if err != nil {
		invalid.Add("url", err.Error())
		return nil
	}
	if problem := hostAddressProblem(parsed.Host, s.cfg.Dev); problem != "" {
		invalid.Add("url", problem)
		return nil
	}
	return parsed
}

// validateKeyType returns the requested key type, ED25519 when omitted.
// Names are matched exactly, as a DRF ChoiceField does, so that what a
// client sends is what it reads back.
func validateKeyType(requested *string, invalid httpx.ValidationErrors) sshkey.KeyType {
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
	invalid.Add("key_type", fmt.Sprintf("%q is not a valid choice. Choose one of %s.", *requested, strings.Join(names, ", ")))
	return ""
}

// validateOrganisation returns the UUID of the requested organisation if
// the user is a member of it; otherwise it adds a message to invalid.
// Another organisation "does not exist", as in a 404.
func (s *Server) validateOrganisation(r *http.Request, user store.User, requested *string, invalid httpx.ValidationErrors) (string, error) {
	if requested == nil {
		invalid.Add("organisation", msgRequired)
		return "", nil
	}
	id, ok := parseUUID(*requested)
	if !ok {
		invalid.Add("organisation", invalidUUIDMessage(*requested))
		return "", nil
	}
	org, err := s.store.GetOrganisation(r.Context(), user.UUID, id)
	if errors.Is(err, store.ErrNotFound) {
		invalid.Add("organisation", msgDoesNotExist(*requested))
		return "", nil
	}
	return org.UUID, err
}

type createRepositoryRequest struct {
	Organisation *string `json:"organisation"`
	URL          *string `json:"url"`
	KeyType      *string `json:"key_type"`
	Username     *string `json:"username"`
	Password     *string `json:"password"`
}

// createRepository serves POST /apps/v3/repositories/: it stores an
// organisation's repository, generating a key pair for an SSH URL (whose
// public key is the answer's auth_info). No check starts.
func (s *Server) createRepository(w http.ResponseWriter, r *http.Request, user store.User) {
	var request createRepositoryRequest
	if err := httpx.DecodeJSON(r, &request); err != nil {
		s.writeError(w, r, err)
		return
	}
	repo, err := s.validateAndCreateRepository(r, user, request)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, s.createdRepositoryAnswer(repo))
}

func (s *Server) validateAndCreateRepository(r *http.Request, user store.User, request createRepositoryRequest) (store.Repository, error) {
	invalid := httpx.ValidationErrors{}
	organisation, err := s.validateOrganisation(r, user, request.Organisation, invalid)
	if err != nil {
		return store.Repository{}, err
	}
	n := store.NewRepository{OrganisationUUID: organisation}
	var parsed *giturl.URL
	if request.URL == nil {
		invalid.Add("url", msgRequired)
	} else {
		parsed = s.validateRepositoryURL(*request.URL, invalid)
	}
	var keyType sshkey.KeyType
	if parsed != nil {
		// url is kept as the caller spelled it, as a DRF serializer echoes
		// what was saved (so that an import reads back the configuration's
		// spelling, and its plan is empty); dsn is the form Git is given.
		n.URL, n.DSN = *request.URL, parsed.String()
		switch parsed.Scheme {
		case giturl.SSH:
			n.AuthType = store.AuthSSH
			if request.Username != nil {
				invalid.Add("username", msgUsernameOnlyHTTPS)
			}
			if request.Password != nil {
				invalid.Add("password", msgPasswordOnlyHTTPS)
			}
			keyType = validateKeyType(request.KeyType, invalid)
		case giturl.HTTPS:
			n.AuthType = store.AuthHTTPS
			if request.KeyType != nil {
				invalid.Add("key_type", msgKeyTypeOnlySSH)
			}
			if request.Username == nil {
				invalid.Add("username", msgUsernameRequired)
			} else {
				n.HTTPSUsername = *request.Username
				validateCredential("username", n.HTTPSUsername, usernameRule, invalid)
			}
			if request.Password == nil {
				invalid.Add("password", msgPasswordRequired)
			} else {
				n.HTTPSPassword = *request.Password
				validateCredential("password", n.HTTPSPassword, passwordRule, invalid)
			}
		}
	}
	if err := invalid.OrNil(); err != nil {
		return store.Repository{}, err
	}
	if n.AuthType == store.AuthSSH {
		if n.KeyPair, err = sshkey.Generate(keyType); err != nil {
			return store.Repository{}, err
		}
	}
	return s.store.CreateRepository(r.Context(), n)
}

// listRepositories serves GET /apps/v3/repositories/?organisation= (extension repository_list).
func (s *Server) listRepositories(w http.ResponseWriter, r *http.Request, user store.User) {
	filters := newQueryFilters(r)
	filter := store.RepositoryFilter{OrganisationUUID: filters.uuid("organisation")}
	if err := filters.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	serveList(s, w, r, func(page store.Page) ([]store.Repository, int, error) {
		return s.store.ListRepositories(r.Context(), user.UUID, filter, page)
	}, s.repositoryView)
}

// getRepository serves GET /apps/v3/repositories/{uuid}/ (in strict mode
// perhaps as it was before the last check call: see staleReads).
func (s *Server) getRepository(w http.ResponseWriter, r *http.Request, user store.User) {
	serveObject(s, w, r, func(id string) (store.Repository, error) {
		repo, err := s.store.GetRepository(r.Context(), user.UUID, id)
		return s.stale.read(repo, s.now()), err
	}, s.repositoryAnswer)
}

func msgRepositoryInUse(slug string) string {
	return fmt.Sprintf("This repository is used by the application “%s”: delete that application first.", slug)
}

// deleteRepository serves DELETE /apps/v3/repositories/{uuid}/ (extension
// repository_deletion): refused while an application uses the repository.
func (s *Server) deleteRepository(w http.ResponseWriter, r *http.Request, user store.User) {
	id, err := pathUUID(r)
	if err == nil {
		err = s.store.DeleteRepository(r.Context(), user.UUID, id)
	}
	if errors.Is(err, store.ErrInUse) {
		err = httpx.FieldError(httpx.NonFieldErrors, msgRepositoryInUse(s.userOf(r, user, id)))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The platform's copy goes too. No sync runs without an application.
	if err := os.RemoveAll(s.jobs.MirrorDir(id)); err != nil {
		s.logger.Error("removing the copy of a deleted repository", "repository", id, "error", err)
	}
	w.WriteHeader(http.StatusNoContent)
}

// userOf is the slug of the application that uses a repository, for a message.
func (s *Server) userOf(r *http.Request, user store.User, repositoryUUID string) string {
	repo, err := s.store.GetRepository(r.Context(), user.UUID, repositoryUUID)
	if err != nil || repo.ApplicationUUID == "" {
		return "?"
	}
	app, err := s.store.GetApplication(r.Context(), user.UUID, repo.ApplicationUUID)
	if err != nil {
		return "?"
	}
	return app.Slug
}
