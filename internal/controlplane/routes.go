// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/hooks"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
)

// routes is the route table. Every route goes through the pipeline's
// stages (httpx.Pipeline): limits, content type, authentication, rate
// limit, then the handler. {$} makes a pattern match its path exactly,
// not the subtree below it. Handlers that wait for Git work are marked
// WaitsForGit (a longer write deadline); idempotent ones replay an
// Idempotency-Key's answer.
func (s *Server) routes(p *httpx.Pipeline) {
	git := p.WaitsForGit

	// Public: what Divio's API is known to serve.
	p.API("GET /iam/v3/me/{$}", s.me)
	p.API("GET /iam/v3/organisations/{$}", s.listOrganisations)
	p.API("GET /iam/v3/organisations/{uuid}/{$}", s.getOrganisation)
	p.API("GET /billing/v3/application-plan-groups/{$}", s.listPlanGroups)
	p.API("GET /billing/v3/application-plan-groups/{uuid}/{$}", s.getPlanGroup)
	p.API("GET /apps/v3/regions/{$}", s.listRegions)
	p.API("GET /apps/v3/app-templates/{$}", s.listAppTemplates)
	p.API("GET /apps/v3/app-templates/{uuid}/{$}", s.getAppTemplate)

	p.API("GET /apps/v3/applications/{$}", s.listApplications)
	p.API("POST /apps/v3/applications/{$}", s.idempotent(s.createApplication))
	p.API("GET /apps/v3/applications/{uuid}/{$}", s.getApplication)

	p.API("GET /apps/v3/environments/{$}", s.listEnvironments)
	p.API("GET /apps/v3/environments/{uuid}/{$}", s.getEnvironment)

	p.API("POST /apps/v3/repositories/{$}", s.idempotent(s.createRepository))
	p.API("GET /apps/v3/repositories/{uuid}/{$}", s.getRepository)
	p.API("POST /apps/v3/repositories/{uuid}/check/{$}", git(s.idempotent(s.checkRepository)))

	// Extensions: see extensionNames. In public-only mode they answer 404.
	p.Extension("GET /extensions/v1/{$}", s.discovery)
	p.Extension("GET /apps/v3/repositories/{$}", s.listRepositories)
	p.Extension("DELETE /apps/v3/repositories/{uuid}/{$}", s.deleteRepository)
	p.Extension("DELETE /apps/v3/applications/{uuid}/{$}", s.deleteApplication)
	p.Extension("POST /apps/v3/applications/{uuid}/migrate-repository/{$}", s.idempotent(s.migrateApplicationRepository))
	p.Extension("PATCH /apps/v3/environments/{uuid}/{$}", git(s.updateEnvironment))
	p.Extension("GET /apps/v3/applications/{uuid}/sync-status/{$}", s.getSyncStatus)
	p.Extension("POST /apps/v3/applications/{uuid}/update/{$}", git(s.idempotent(s.updateApplication)))
	p.Extension("POST /apps/v3/applications/{uuid}/reset-to-origin/{$}", git(s.idempotent(s.resetApplicationToOrigin)))

	p.Extension("POST /apps/v3/webhooks/{$}", s.idempotent(s.createWebhook))
	p.Extension("GET /apps/v3/webhooks/{$}", s.listWebhooks)
	p.Extension("GET /apps/v3/webhooks/{uuid}/{$}", s.getWebhook)
	p.Extension("POST /apps/v3/webhooks/{uuid}/rotate/{$}", s.idempotent(s.rotateWebhook))
	p.Extension("DELETE /apps/v3/webhooks/{uuid}/{$}", s.deleteWebhook)

	// Deliveries authenticate with the URL's token and the host's
	// signature, not with a user's token.
	httpx.Handle(p, hooks.Pattern, true, s.receiver.Route())
}
