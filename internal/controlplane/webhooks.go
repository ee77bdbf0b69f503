// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/hooks"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

// secretRule is what a secret a caller chooses may be: printable ASCII,
// without a space at either end (Git hosts send it in an HTTP header,
// which drops them), of a length a guess cannot reach.
var secretRule = credentialRule{minLength: 16, maxLength: 256, charsMessage: msgSecretChars, noEdgeSpaces: true,
	allowed: func(r rune) bool { return r >= 0x20 && r <= 0x7e }}

// webhookTypes are the types in the order messages list them.
var webhookTypes = []store.WebhookType{store.WebhookGitHub, store.WebhookGitLab, store.WebhookBitbucket}

const (
	msgBitbucketSecret = "Bitbucket does not send a secret: the webhook's URL is its credential. Leave secret out."
	msgSecretChars     = "The secret may only contain printable ASCII characters, and may not start or end with a space " +
		"(Git hosts send it in an HTTP header, which drops them)."
)

// webhookView is a webhook as the API shows it. The URL and a generated
// secret are shown, like the Control Panel shows them, so that they can be
// read back without keeping them in Terraform state. A secret the caller
// chose is never shown again: the caller has it, and showing it would put
// it in the state of an imported webhook.
type webhookView struct {
	UUID               string  `json:"uuid"`
	Application        string  `json:"application"`
	Repository         string  `json:"repository"`
	Type               string  `json:"type"`
	URL                string  `json:"url"`
	Secret             *string `json:"secret"`
	SecretChosen       bool    `json:"secret_chosen"`
	CreatedAt          string  `json:"created_at"`
	RotatedAt          string  `json:"rotated_at"`
	LastDeliveryAt     *string `json:"last_delivery_at"`
	LastDeliveryResult *string `json:"last_delivery_result"`
}

// webhookViewer returns the view of webhooks answered to r: a webhook's
// URL is on the host the request was sent to, as pagination links are.
func webhookViewer(r *http.Request) func(store.Webhook) webhookView {
	return func(w store.Webhook) webhookView {
		return webhookView{
			UUID:               w.UUID,
			Application:        w.ApplicationUUID,
			Repository:         w.RepositoryUUID,
			Type:               string(w.Type),
			URL:                absoluteURL(r, hooks.PathPrefix+w.Token+"/"),
			Secret:             nullable(shownSecret(w)),
			SecretChosen:       w.SecretChosen,
			CreatedAt:          w.CreatedAt.UTC().Format(time.RFC3339),
			RotatedAt:          w.RotatedAt.UTC().Format(time.RFC3339),
			LastDeliveryAt:     nullableTime(w.LastDeliveryAt),
			LastDeliveryResult: nullable(w.LastDeliveryResult),
		}
	}
}

// shownSecret is the secret the API may show: a generated one.
func shownSecret(w store.Webhook) string {
	if w.SecretChosen {
		return ""
	}
	return w.Secret
}

// randomText returns n random bytes, encoded.
func randomText(n int, encode func([]byte) string) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return encode(b), nil
}

// newWebhookToken returns a URL token of 256 random bits.
func newWebhookToken() (string, error) { return randomText(32, base64.RawURLEncoding.EncodeToString) }

// newWebhookSecret returns a generated shared secret: 32 random bytes, hex.
func newWebhookSecret() (string, error) { return randomText(32, hex.EncodeToString) }

// validateWebhookType returns the requested type, or "" after adding a message.
func validateWebhookType(requested *string, invalid httpx.ValidationErrors) store.WebhookType {
	if requested == nil {
		invalid.Add("type", msgRequired)
		return ""
	}
	names := make([]string, 0, len(webhookTypes))
	for _, t := range webhookTypes {
		if string(t) == *requested {
			return t
		}
		names = append(names, string(t))
	}
	invalid.Add("type", fmt.Sprintf("%q is not a valid choice. Choose one of %s.", *requested, strings.Join(names, ", ")))
	return ""
}

// webhookSecret returns the secret a create or rotation gives the webhook:
// the requested one if valid, else a generated one; "" for bitbucket.
// Messages never quote the secret.
func webhookSecret(typ store.WebhookType, requested *string, invalid httpx.ValidationErrors) (string, error) {
	if requested == nil {
		if typ == store.WebhookBitbucket || typ == "" {
			return "", nil
		}
		return newWebhookSecret()
	}
	secret := *requested
	if typ == store.WebhookBitbucket {
		invalid.Add("secret", msgBitbucketSecret)
	} else {
		validateCredential("secret", secret, secretRule, invalid)
	}
	return secret, nil
}

type createWebhookRequest struct {
	Application *string `json:"application"`
	Type        *string `json:"type"`
	Secret      *string `json:"secret"`
}

// createWebhook serves POST /apps/v3/webhooks/: the webhook of an
// application with an external repository, with its URL and (GitHub,
// GitLab) secret.
func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, user store.User) {
	var request createWebhookRequest
	if err := httpx.DecodeJSON(r, &request); err != nil {
		s.writeError(w, r, err)
		return
	}
	hook, err := s.validateAndCreateWebhook(r, user, request)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, webhookViewer(r)(hook))
}

func msgHasWebhook(webhookUUID string) string {
	return fmt.Sprintf("This application already has a webhook (%s); rotate it, or delete it first.", webhookUUID)
}

const msgWebhookNeedsRepository = "This application has no external repository: create it with one, or migrate it to one " +
	"(POST /apps/v3/applications/{uuid}/migrate-repository/). Applications on Divio's own Git server need no webhook."

// validateApplication returns the requested application if it belongs to
// one of the user's organisations; otherwise it adds a message to invalid.
// Another organisation's application is "does not exist", as in a 404.
func (s *Server) validateApplication(r *http.Request, user store.User, requested *string, invalid httpx.ValidationErrors) (store.Application, error) {
	if requested == nil {
		invalid.Add("application", msgRequired)
		return store.Application{}, nil
	}
	id, ok := parseUUID(*requested)
	if !ok {
		invalid.Add("application", invalidUUIDMessage(*requested))
		return store.Application{}, nil
	}
	app, err := s.store.GetApplication(r.Context(), user.UUID, id)
	if errors.Is(err, store.ErrNotFound) {
		invalid.Add("application", msgDoesNotExist(*requested))
		return store.Application{}, nil
	}
	return app, err
}

func (s *Server) validateAndCreateWebhook(r *http.Request, user store.User, request createWebhookRequest) (store.Webhook, error) {
	invalid := httpx.ValidationErrors{}
	app, err := s.validateApplication(r, user, request.Application, invalid)
	if err != nil {
		return store.Webhook{}, err
	}
	if app.UUID != "" && app.RepositoryUUID == nil {
		invalid.Add("application", msgWebhookNeedsRepository)
	}
	if app.UUID != "" && app.RepositoryUUID != nil {
		existing, err := s.store.ApplicationWebhook(r.Context(), app.UUID)
		switch {
		case err == nil:
			invalid.Add("application", msgHasWebhook(existing.UUID))
		case !errors.Is(err, store.ErrNotFound):
			return store.Webhook{}, err
		}
	}
	typ := validateWebhookType(request.Type, invalid)
	secret, err := webhookSecret(typ, request.Secret, invalid)
	if err != nil {
		return store.Webhook{}, err
	}
	if err := invalid.OrNil(); err != nil {
		return store.Webhook{}, err
	}
	token, err := newWebhookToken()
	if err != nil {
		return store.Webhook{}, err
	}
	hook, err := s.store.CreateWebhook(r.Context(), store.NewWebhook{
		ApplicationUUID: app.UUID, Type: typ, Secret: secret, Token: token,
		SecretChosen: secret != "" && request.Secret != nil,
	})
	if errors.Is(err, store.ErrConflict) {
		// Another request created one since it was looked for.
		existing, lookupErr := s.store.ApplicationWebhook(r.Context(), app.UUID)
		if lookupErr != nil {
			return store.Webhook{}, lookupErr
		}
		return store.Webhook{}, httpx.FieldError("application", msgHasWebhook(existing.UUID))
	}
	return hook, err
}

// listWebhooks serves GET /apps/v3/webhooks/?application=.
func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, user store.User) {
	filters := newQueryFilters(r)
	filter := store.WebhookFilter{ApplicationUUID: filters.uuid("application")}
	if err := filters.err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	serveList(s, w, r, func(page store.Page) ([]store.Webhook, int, error) {
		return s.store.ListWebhooks(r.Context(), user.UUID, filter, page)
	}, webhookViewer(r))
}

// getWebhook serves GET /apps/v3/webhooks/{uuid}/.
func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request, user store.User) {
	serveObject(s, w, r, func(id string) (store.Webhook, error) {
		return s.store.GetWebhook(r.Context(), user.UUID, id)
	}, webhookViewer(r))
}

type rotateWebhookRequest struct {
	Secret *string `json:"secret"`
}

// rotateWebhook serves POST /apps/v3/webhooks/{uuid}/rotate/: a new secret
// (GitHub, GitLab) or a new URL (Bitbucket); the old one stops working at once.
func (s *Server) rotateWebhook(w http.ResponseWriter, r *http.Request, user store.User) {
	id, err := pathUUID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var request rotateWebhookRequest
	if err := httpx.DecodeJSON(r, &request); err != nil {
		s.writeError(w, r, err)
		return
	}
	current, err := s.store.GetWebhook(r.Context(), user.UUID, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	invalid := httpx.ValidationErrors{}
	secret, err := webhookSecret(current.Type, request.Secret, invalid)
	if err == nil {
		err = invalid.OrNil()
	}
	var token string
	if err == nil && current.Type == store.WebhookBitbucket {
		token, err = newWebhookToken()
	}
	var rotated store.Webhook
	if err == nil {
		rotated, err = s.store.RotateWebhook(r.Context(), user.UUID, id, secret, secret != "" && request.Secret != nil, token)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, webhookViewer(r)(rotated))
}

// deleteWebhook serves DELETE /apps/v3/webhooks/{uuid}/.
func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, user store.User) {
	id, err := pathUUID(r)
	if err == nil {
		err = s.store.DeleteWebhook(r.Context(), user.UUID, id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
