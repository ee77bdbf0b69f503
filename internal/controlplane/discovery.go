// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"net/http"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

// discoveryVersion is the version of the discovery document.
const discoveryVersion = 1

// extensionNames are what this control plane serves beyond Divio's public
// API, as GET /extensions/v1/ names them.
var extensionNames = []string{
	"idempotency_keys",      // Idempotency-Key honoured on POSTs
	"repository_details",    // the extension fields of a repository
	"repository_list",       // GET /apps/v3/repositories/
	"repository_deletion",   // DELETE /apps/v3/repositories/{uuid}/
	"application_deletion",  // DELETE /apps/v3/applications/{uuid}/
	"application_migration", // POST /apps/v3/applications/{uuid}/migrate-repository/
	"tracking_branches",     // PATCH /apps/v3/environments/{uuid}/
	"webhooks",              // /apps/v3/webhooks/ and deliveries to /hooks/v1/
	"sync_status",           // GET /apps/v3/applications/{uuid}/sync-status/
	"repository_update",     // POST /apps/v3/applications/{uuid}/update/
	"reset_to_origin",       // POST /apps/v3/applications/{uuid}/reset-to-origin/
}

type discoveryView struct {
	Version    int      `json:"version"`
	Extensions []string `json:"extensions"`
}

// discovery serves GET /extensions/v1/ (404 in public-only mode, as on
// api.divio.com, which means "no extensions").
func (s *Server) discovery(w http.ResponseWriter, _ *http.Request, _ store.User) {
	httpx.WriteJSON(w, http.StatusOK, discoveryView{Version: discoveryVersion, Extensions: extensionNames})
}
