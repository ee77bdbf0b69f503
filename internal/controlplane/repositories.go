package controlplane

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/giturl"
	"github.com/divio-community/terraform-provider-divio/internal/sshkey"
)

// repositoryView is the public side of a repository binding; there is
// deliberately no field that could carry the HTTPS token.
type repositoryView struct {
	UUID                       string          `json:"uuid"`
	Organisation               string          `json:"organisation"`
	Application                string          `json:"application"`
	URL                        string          `json:"url"`
	DSN                        string          `json:"dsn"`
	Branch                     string          `json:"branch"`
	AuthType                   string          `json:"auth_type"`
	DeployKey                  *string         `json:"deploy_key"`
	AuthInfo                   *string         `json:"auth_info"`
	Username                   *string         `json:"username"`
	Migrate                    bool            `json:"migrate"`
	WriteAccess                bool            `json:"write_access"`
	State                      string          `json:"state"`
	Error                      *checkErrorView `json:"error"`
	HostKey                    *string         `json:"host_key"`
	HostKeyFingerprint         *string         `json:"host_key_fingerprint"`
	ExpectedHostKeyFingerprint *string         `json:"expected_host_key_fingerprint"`
	LastCommit                 *string         `json:"last_commit"`
	CheckedAt                  *string         `json:"checked_at"`
	CheckDurationMS            *int64          `json:"check_duration_ms"`
	CreatedAt                  string          `json:"created_at"`
	UpdatedAt                  string          `json:"updated_at"`
}

// checkErrorView is why the last access check failed.
type checkErrorView struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func newRepositoryView(repo store.Repository) repositoryView {
	view := repositoryView{
		UUID:                       repo.UUID,
		Organisation:               repo.OrganisationUUID,
		Application:                repo.ApplicationUUID,
		URL:                        repo.URL,
		DSN:                        repo.DSN,
		Branch:                     repo.Branch,
		AuthType:                   string(repo.AuthType),
		DeployKey:                  nullable(repo.DeployKeyUUID),
		AuthInfo:                   nullable(repo.DeployKeyPublicKey),
		Username:                   nullable(repo.HTTPSUsername),
		Migrate:                    repo.Migrate,
		WriteAccess:                repo.WriteAccess,
		State:                      string(repo.State),
		HostKey:                    nullable(repo.HostKey),
		HostKeyFingerprint:         nullable(repo.HostKeyFingerprint),
		ExpectedHostKeyFingerprint: nullable(repo.ExpectedHostKeyFingerprint),
		LastCommit:                 nullable(repo.LastCommit),
		CreatedAt:                  repo.CreatedAt.UTC().Format(time.RFC3339),
		UpdatedAt:                  repo.UpdatedAt.UTC().Format(time.RFC3339),
	}
	if repo.State == store.StateInvalid {
		view.Error = &checkErrorView{Code: repo.ErrorCode, Message: repo.ErrorMessage}
	}
	if !repo.CheckedAt.IsZero() {
		view.CheckedAt = nullable(repo.CheckedAt.UTC().Format(time.RFC3339))
		duration := repo.CheckDuration.Milliseconds()
		view.CheckDurationMS = &duration
	}
	return view
}

// nullable is nil for "", which the API answers as null.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Messages that more than one endpoint uses.
const (
	msgRequired          = "This field is required."
	msgBlank             = "This field may not be blank."
	msgNull              = "This field may not be null."
	msgWriteAccessCreate = "Write access is required to set up the external repository; turn it off once the repository is connected."
	msgWriteAccessUpdate = "Write access can only be turned off once the repository has been connected (CLONED) at least once."
	msgUsernameOnlyHTTPS = "Only HTTPS URLs use a username; SSH URLs authenticate with a deploy key."
	msgPasswordOnlyHTTPS = "Only HTTPS URLs use a password; SSH URLs authenticate with a deploy key."
	msgDeployKeyOnlySSH  = "Only SSH URLs use a deploy key; HTTPS URLs authenticate with username and password."
	msgKeyTypeOnlySSH    = "Only SSH URLs use a deploy key, so key_type is not accepted with an HTTPS URL; set username and password instead."
	msgDeployKeyAndType  = "Set either deploy_key or key_type, not both."
	msgUsernameRequired  = "This field is required for an HTTPS URL: the user name at the Git host."
	msgPasswordRequired  = "This field is required for an HTTPS URL: a personal access token of the Git host."
	msgUsernameChars     = "A user name cannot contain “:” or control characters."
	msgPasswordChars     = "The token cannot contain control characters."
	msgOtherAppKey       = "This deploy key belongs to another application; use a deploy key of the repository's application."
	msgFingerprintSSH    = "Only SSH URLs have a host key; remove expected_host_key_fingerprint or use an SSH URL."
	msgFingerprintFormat = "Enter the host key fingerprint as ssh-keygen -lf prints it: “SHA256:” followed by 43 base64 characters."
	msgHostKeyOnlyNull   = "Only null can be set: it forgets the pinned host key, and the next successful check pins the key the host then presents."
	msgSSHNeedsKeyCreate = "An SSH URL needs a deploy key: set deploy_key to a deploy key of the application, or key_type to have one generated."
	msgSSHNeedsKeyUpdate = "An SSH URL needs a deploy key: set deploy_key to a deploy key of the application."
	maxUsernameLength    = 255
	maxTokenLength       = 1024
)

func alreadyBoundMessage(repositoryUUID string) string {
	return fmt.Sprintf("This application already has an external repository (%s); change it with PATCH.", repositoryUUID)
}

// validateRepositoryURL returns the parsed URL, or nil after adding a message.
func (s *Server) validateRepositoryURL(requested string, invalid validationErrors) *giturl.URL {
	parsed, err := giturl.Validate(requested)
	if err != nil {
		invalid.add("url", err.Error())
		return nil
	}
	if problem := hostAddressProblem(parsed.Host, s.cfg.Dev); problem != "" {
		invalid.add("url", problem)
		return nil
	}
	return parsed
}

// validateHostKeyFingerprint checks the form "SHA256:<43 base64 characters>"
// of a 32-byte hash, as ssh-keygen -lf prints it.
func validateHostKeyFingerprint(value string, invalid validationErrors) {
	encoded, ok := strings.CutPrefix(value, "SHA256:")
	if ok && len(encoded) == 43 {
		if hash, err := base64.RawStdEncoding.Strict().DecodeString(encoded); err == nil && len(hash) == 32 {
			return
		}
	}
	invalid.add("expected_host_key_fingerprint", msgFingerprintFormat)
}

// deployKeyRef is a requested deploy_key, looked up before validation;
// problem says why it cannot be used at all.
type deployKeyRef struct {
	key     store.DeployKey
	problem string
}

// lookupDeployKey finds a deploy key of the user's organisations. Another
// organisation's key "does not exist", as in a 404.
func (s *Server) lookupDeployKey(r *http.Request, user store.User, requested string) (*deployKeyRef, error) {
	id, ok := parseUUID(requested)
	if !ok {
		return &deployKeyRef{problem: invalidUUIDMessage(requested)}, nil
	}
	key, err := s.store.GetDeployKey(r.Context(), user.UUID, id)
	if errors.Is(err, store.ErrNotFound) {
		return &deployKeyRef{problem: fmt.Sprintf("Object with uuid=%s does not exist.", requested)}, nil
	}
	if err != nil {
		return nil, err
	}
	return &deployKeyRef{key: key}, nil
}

// credentialsRequest is what a create or an update says about credentials.
// A nil field was not given (or was null). The keep fields are what an
// update keeps from the binding when the request does not set them.
type credentialsRequest struct {
	deployKey          *deployKeyRef
	keyType            *string // create only
	username, password *string
	keepDeployKey      string
	keepUsername       string
	keepToken          bool
	update             bool
}

// validateCredentials fills settings' credentials for the URL's scheme and
// returns the key type to generate a deploy key of ("" for none).
func validateCredentials(scheme giturl.Scheme, applicationUUID string, c credentialsRequest,
	settings *store.RepositorySettings, invalid validationErrors) sshkey.KeyType {
	var generate sshkey.KeyType
	switch scheme {
	case giturl.SSH:
		settings.AuthType = store.AuthSSH
		if c.username != nil {
			invalid.add("username", msgUsernameOnlyHTTPS)
		}
		if c.password != nil {
			invalid.add("password", msgPasswordOnlyHTTPS)
		}
		switch {
		case c.deployKey != nil && c.keyType != nil:
			invalid.add("key_type", msgDeployKeyAndType)
		case c.deployKey != nil && c.deployKey.problem != "":
			invalid.add("deploy_key", c.deployKey.problem)
		case c.deployKey != nil && applicationUUID != "" && c.deployKey.key.ApplicationUUID != applicationUUID:
			invalid.add("deploy_key", msgOtherAppKey)
		case c.deployKey != nil:
			settings.DeployKeyUUID = c.deployKey.key.UUID
		case c.keyType != nil:
			generate = validateKeyType(c.keyType, invalid)
		case c.keepDeployKey != "":
			settings.DeployKeyUUID = c.keepDeployKey
		case c.update:
			invalid.add("deploy_key", msgSSHNeedsKeyUpdate)
		default:
			invalid.add("deploy_key", msgSSHNeedsKeyCreate)
		}
	case giturl.HTTPS:
		settings.AuthType = store.AuthHTTPS
		if c.deployKey != nil {
			invalid.add("deploy_key", msgDeployKeyOnlySSH)
		}
		if c.keyType != nil {
			invalid.add("key_type", msgKeyTypeOnlySSH)
		}
		switch {
		case c.username != nil:
			settings.HTTPSUsername = *c.username
			validateSecretText("username", *c.username, maxUsernameLength, ":", msgUsernameChars, invalid)
		case c.keepUsername != "":
			settings.HTTPSUsername = c.keepUsername
		default:
			invalid.add("username", msgUsernameRequired)
		}
		switch {
		case c.password != nil:
			settings.HTTPSToken = *c.password
			validateSecretText("password", *c.password, maxTokenLength, "", msgPasswordChars, invalid)
		case !c.keepToken:
			invalid.add("password", msgPasswordRequired)
		}
	}
	return generate
}

// validateSecretText checks a credential without ever quoting it: not
// blank, not longer than maxLength, no control characters nor any of refused.
func validateSecretText(field, value string, maxLength int, refused, charsMessage string, invalid validationErrors) {
	switch {
	case value == "":
		invalid.add(field, msgBlank)
	case len(value) > maxLength:
		invalid.add(field, fmt.Sprintf("Ensure this field has no more than %d characters.", maxLength))
	case strings.ContainsFunc(value, unicode.IsControl) || strings.ContainsAny(value, refused):
		invalid.add(field, charsMessage)
	}
}

type createRepositoryRequest struct {
	Application                *string `json:"application"`
	Organisation               *string `json:"organisation"`
	URL                        *string `json:"url"`
	Branch                     *string `json:"branch"`
	Migrate                    *bool   `json:"migrate"`
	WriteAccess                *bool   `json:"write_access"`
	DeployKey                  *string `json:"deploy_key"`
	KeyType                    *string `json:"key_type"`
	Username                   *string `json:"username"`
	Password                   *string `json:"password"`
	ExpectedHostKeyFingerprint *string `json:"expected_host_key_fingerprint"`
}

// createRepository serves POST /apps/v3/repositories/: it binds an
// application to an external repository and starts the first access check.
func (s *Server) createRepository(w http.ResponseWriter, r *http.Request, user store.User) {
	var request createRepositoryRequest
	if err := decodeJSON(r, &request); err != nil {
		s.writeError(w, r, err)
		return
	}
	repo, err := s.validateAndCreateRepository(r, user, request)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.checks.enqueue(repo.UUID)
	writeJSON(w, http.StatusCreated, newRepositoryView(repo))
}

func (s *Server) validateAndCreateRepository(r *http.Request, user store.User, request createRepositoryRequest) (store.Repository, error) {
	invalid := validationErrors{}
	app, err := s.validateApplication(r, user, request.Application, invalid)
	if err != nil {
		return store.Repository{}, err
	}
	if app.RepositoryUUID != nil {
		invalid.add("application", alreadyBoundMessage(*app.RepositoryUUID))
	}
	if request.Organisation != nil {
		if id, ok := parseUUID(*request.Organisation); !ok {
			invalid.add("organisation", invalidUUIDMessage(*request.Organisation))
		} else if app.UUID != "" && id != app.OrganisationUUID {
			invalid.add("organisation", "This is not the organisation of the application.")
		}
	}

	settings := store.RepositorySettings{Branch: defaultBranch, WriteAccess: true}
	if request.Branch != nil {
		settings.Branch = *request.Branch
		validateBranch("branch", settings.Branch, invalid)
	}
	if request.Migrate != nil {
		settings.Migrate = *request.Migrate
	}
	if request.WriteAccess != nil && !*request.WriteAccess {
		invalid.add("write_access", msgWriteAccessCreate)
	}

	var generate sshkey.KeyType
	var parsed *giturl.URL
	if request.URL == nil {
		invalid.add("url", msgRequired)
	} else {
		parsed = s.validateRepositoryURL(*request.URL, invalid)
	}
	if parsed != nil {
		settings.URL, settings.DSN = parsed.Canonical(), parsed.String()
		credentials := credentialsRequest{keyType: request.KeyType, username: request.Username, password: request.Password}
		if request.DeployKey != nil {
			if credentials.deployKey, err = s.lookupDeployKey(r, user, *request.DeployKey); err != nil {
				return store.Repository{}, err
			}
		}
		generate = validateCredentials(parsed.Scheme, app.UUID, credentials, &settings, invalid)
	}
	if request.ExpectedHostKeyFingerprint != nil {
		settings.ExpectedHostKeyFingerprint = *request.ExpectedHostKeyFingerprint
		if parsed != nil && parsed.Scheme != giturl.SSH {
			invalid.add("expected_host_key_fingerprint", msgFingerprintSSH)
		} else {
			validateHostKeyFingerprint(settings.ExpectedHostKeyFingerprint, invalid)
		}
	}
	if err := invalid.orNil(); err != nil {
		return store.Repository{}, err
	}

	newRepository := store.NewRepository{ApplicationUUID: app.UUID, Settings: settings}
	if generate != "" {
		if newRepository.NewDeployKey, err = sshkey.Generate(generate); err != nil {
			return store.Repository{}, err
		}
	}
	repo, err := s.store.CreateRepository(r.Context(), newRepository)
	switch {
	case errors.Is(err, store.ErrConflict):
		// Another request bound the application since it was read.
		if app, err = s.store.GetApplication(r.Context(), user.UUID, app.UUID); err != nil {
			return store.Repository{}, err
		}
		return store.Repository{}, fieldError("application", alreadyBoundMessage(*app.RepositoryUUID))
	case errors.Is(err, store.ErrMissingReference):
		return store.Repository{}, fieldError("deploy_key", fmt.Sprintf("Object with uuid=%s does not exist.", settings.DeployKeyUUID))
	}
	return repo, err
}

// listRepositories serves GET /apps/v3/repositories/?application=&organisation=.
func (s *Server) listRepositories(w http.ResponseWriter, r *http.Request, user store.User) {
	filters := newQueryFilters(r)
	filter := store.RepositoryFilter{
		ApplicationUUID:  filters.uuid("application"),
		OrganisationUUID: filters.uuid("organisation"),
	}
	if err := filters.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	serveList(s, w, r, func(page store.Page) ([]store.Repository, int, error) {
		return s.store.ListRepositories(r.Context(), user.UUID, filter, page)
	}, newRepositoryView)
}

// getRepository serves GET /apps/v3/repositories/{uuid}/.
func (s *Server) getRepository(w http.ResponseWriter, r *http.Request, user store.User) {
	serveObject(s, w, r, func(id string) (store.Repository, error) {
		return s.store.GetRepository(r.Context(), user.UUID, id)
	}, newRepositoryView)
}

type updateRepositoryRequest struct {
	URL                        *string `json:"url"`
	Branch                     *string `json:"branch"`
	Migrate                    *bool   `json:"migrate"`
	WriteAccess                *bool   `json:"write_access"`
	DeployKey                  *string `json:"deploy_key"`
	Username                   *string `json:"username"`
	Password                   *string `json:"password"`
	ExpectedHostKeyFingerprint *string `json:"expected_host_key_fingerprint"`
	HostKey                    *string `json:"host_key"`
}

// decodePatch decodes a PATCH body like decodeJSON and also returns which
// fields it names, so that null can be told from absent.
func decodePatch(r *http.Request, dst any) (map[string]bool, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if err := decodeBody(body, dst); err != nil {
		return nil, err
	}
	present := map[string]bool{}
	if len(bytes.TrimSpace(body)) > 0 {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return nil, jsonDecodeError(err)
		}
		for name := range fields {
			present[name] = true
		}
	}
	return present, nil
}

// updateRepository serves PATCH /apps/v3/repositories/{uuid}/. Every
// accepted change starts a new access check.
func (s *Server) updateRepository(w http.ResponseWriter, r *http.Request, user store.User) {
	id, err := pathUUID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var request updateRepositoryRequest
	present, err := decodePatch(r, &request)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var deployKey *deployKeyRef
	if request.DeployKey != nil {
		if deployKey, err = s.lookupDeployKey(r, user, *request.DeployKey); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	repo, err := s.store.UpdateRepository(r.Context(), user.UUID, id, func(current store.Repository) (store.RepositorySettings, error) {
		return s.validateUpdate(current, request, present, deployKey)
	})
	if errors.Is(err, store.ErrMissingReference) && request.DeployKey != nil {
		// The key was deleted since it was looked up.
		err = fieldError("deploy_key", fmt.Sprintf("Object with uuid=%s does not exist.", *request.DeployKey))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.checks.enqueue(repo.UUID)
	writeJSON(w, http.StatusOK, newRepositoryView(repo))
}

// validateUpdate returns the settings a PATCH asks for, given the binding
// as it is.
func (s *Server) validateUpdate(current store.Repository, request updateRepositoryRequest,
	present map[string]bool, deployKey *deployKeyRef) (store.RepositorySettings, error) {
	invalid := validationErrors{}
	for field, isNull := range map[string]bool{
		"url": request.URL == nil, "branch": request.Branch == nil,
		"migrate": request.Migrate == nil, "write_access": request.WriteAccess == nil,
	} {
		if present[field] && isNull {
			invalid.add(field, msgNull)
		}
	}
	settings := current.Settings()

	if request.Branch != nil {
		settings.Branch = *request.Branch
		validateBranch("branch", settings.Branch, invalid)
	}
	if request.Migrate != nil {
		settings.Migrate = *request.Migrate
	}
	if request.WriteAccess != nil {
		settings.WriteAccess = *request.WriteAccess
		if !settings.WriteAccess && !current.EverCloned {
			invalid.add("write_access", msgWriteAccessUpdate)
		}
	}

	// The current URL was accepted when it was set; it parses.
	before, err := giturl.Parse(current.DSN)
	if err != nil {
		return settings, fmt.Errorf("stored repository URL %q: %w", current.DSN, err)
	}
	after := before
	if request.URL != nil {
		after = s.validateRepositoryURL(*request.URL, invalid)
	}
	if after != nil {
		settings.URL, settings.DSN = after.Canonical(), after.String()
		credentials := credentialsRequest{deployKey: deployKey, username: request.Username, password: request.Password, update: true}
		if after.Scheme == before.Scheme {
			// Credentials of the same kind carry over unless the request sets (or nulls) them.
			if !present["deploy_key"] {
				credentials.keepDeployKey = current.DeployKeyUUID
			}
			if !present["username"] {
				credentials.keepUsername = current.HTTPSUsername
			}
			credentials.keepToken = current.AuthType == store.AuthHTTPS && !present["password"]
		}
		validateCredentials(after.Scheme, current.ApplicationUUID, credentials, &settings, invalid)
		// A host key belongs to a host and port; HTTPS has none.
		settings.DropHostKey = after.Scheme != giturl.SSH || after.Host != before.Host || after.Port != before.Port
	}

	if present["expected_host_key_fingerprint"] {
		settings.ExpectedHostKeyFingerprint = ""
		if request.ExpectedHostKeyFingerprint != nil {
			settings.ExpectedHostKeyFingerprint = *request.ExpectedHostKeyFingerprint
			settings.DropHostKey = true
			if after != nil && after.Scheme != giturl.SSH {
				invalid.add("expected_host_key_fingerprint", msgFingerprintSSH)
			} else {
				validateHostKeyFingerprint(settings.ExpectedHostKeyFingerprint, invalid)
			}
		}
	} else if after != nil && after.Scheme != giturl.SSH {
		settings.ExpectedHostKeyFingerprint = "" // it was about an SSH host
	}
	if present["host_key"] {
		if request.HostKey != nil {
			invalid.add("host_key", msgHostKeyOnlyNull)
		}
		settings.DropHostKey = true
	}
	return settings, invalid.orNil()
}

type checkRepositoryRequest struct {
	Branch  *string `json:"branch"`
	Migrate *bool   `json:"migrate"`
}

// checkRepository serves POST /apps/v3/repositories/{uuid}/check/: it sets
// branch and migrate if given and starts a new access check.
func (s *Server) checkRepository(w http.ResponseWriter, r *http.Request, user store.User) {
	id, err := pathUUID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var request checkRepositoryRequest
	if err := decodeJSON(r, &request); err != nil {
		s.writeError(w, r, err)
		return
	}
	repo, err := s.store.UpdateRepository(r.Context(), user.UUID, id, func(current store.Repository) (store.RepositorySettings, error) {
		settings := current.Settings()
		invalid := validationErrors{}
		if request.Branch != nil {
			settings.Branch = *request.Branch
			validateBranch("branch", settings.Branch, invalid)
		}
		if request.Migrate != nil {
			settings.Migrate = *request.Migrate
		}
		return settings, invalid.orNil()
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.checks.enqueue(repo.UUID)
	writeJSON(w, http.StatusAccepted, newRepositoryView(repo))
}
