// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func withPublicOnly(cfg *Config) { cfg.PublicOnly = true }

func TestDiscovery(t *testing.T) {
	ts := newTestServer(t)
	ts.request(http.MethodGet, "/extensions/v1/", adaToken, nil).expectJSON(t, http.StatusOK, `{"version": 1, "extensions": [
		"idempotency_keys", "repository_details", "repository_list", "repository_deletion", "application_deletion",
		"application_migration", "tracking_branches", "webhooks", "sync_status", "repository_update", "reset_to_origin"]}`)
	ts.request(http.MethodGet, "/extensions/v1/", "", nil).expectJSON(t, http.StatusUnauthorized,
		`{"detail": "Authentication credentials were not provided."}`)
}

// fieldNames returns the sorted keys of a JSON object.
func fieldNames(t *testing.T, body []byte) []string {
	t.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	var names []string
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// In public-only mode the server answers as api.divio.com is known to:
// extension routes and discovery are 404 (authenticated or not), answers
// carry only the public fields, and Idempotency-Key is ignored.
func TestPublicOnlyMode(t *testing.T) {
	ts := newTestServer(t, withPublicOnly)
	acme := ts.seed.Organisations["Acme"]
	app := ts.seed.Applications[acmeWeb]
	env := ts.seed.Environments[acmeWeb+"/test"]

	// Public routes work, with their public fields only.
	repo := createRepository(t, ts, adaToken, objects{"organisation": acme, "url": sshURL})
	if repo.RepositoryDetails != nil || repo.AuthInfo == nil {
		t.Fatalf("created %s", mustJSON(repo))
	}
	resp := ts.get("/apps/v3/repositories/"+repo.UUID+"/", http.StatusOK, nil)
	if got := strings.Join(fieldNames(t, resp.body), ","); got != "auth_info,dsn,organisation,state,url,uuid" {
		t.Fatalf("repository fields %s", got)
	}
	verify(t, ts, repo.UUID, "main") // the check state machine is public
	resp = ts.get("/apps/v3/repositories/"+repo.UUID+"/", http.StatusOK, nil)
	if got := strings.Join(fieldNames(t, resp.body), ","); got != "auth_info,dsn,organisation,state,url,uuid" {
		t.Fatalf("verified repository fields %s", got)
	}
	body := newAppBody(ts, "acme-public")
	body["repository"], body["branch"] = repo.UUID, "main"
	resp = ts.request(http.MethodPost, "/apps/v3/applications/", adaToken, body)
	resp.expect(t, http.StatusCreated, nil)
	if got := strings.Join(fieldNames(t, resp.body), ","); got != "name,organisation,repository,slug,uuid" {
		t.Fatalf("application fields %s", got)
	}
	resp = ts.get("/apps/v3/applications/"+app+"/", http.StatusOK, nil)
	if got := strings.Join(fieldNames(t, resp.body), ","); got != "name,organisation,repository,slug,uuid" {
		t.Fatalf("application fields %s", got)
	}
	resp = ts.get("/apps/v3/environments/"+env+"/", http.StatusOK, nil)
	if got := strings.Join(fieldNames(t, resp.body), ","); got != "application,branch,last_finished_deployment,slug,uuid" {
		t.Fatalf("environment fields %s", got)
	}
	for _, path := range []string{"/iam/v3/me/", "/iam/v3/organisations/", "/iam/v3/organisations/" + acme + "/",
		"/billing/v3/application-plan-groups/", "/apps/v3/regions/", "/apps/v3/app-templates/", "/apps/v3/applications/",
		"/apps/v3/environments/"} {
		ts.get(path, http.StatusOK, nil)
	}

	// Extension routes: 404, with a token or without, whatever the body.
	for _, call := range []struct{ method, path string }{
		{http.MethodGet, "/extensions/v1/"},
		{http.MethodGet, "/apps/v3/repositories/"},
		{http.MethodDelete, "/apps/v3/repositories/" + repo.UUID + "/"},
		{http.MethodDelete, "/apps/v3/applications/" + app + "/"},
		{http.MethodPost, "/apps/v3/applications/" + app + "/migrate-repository/"},
		{http.MethodPatch, "/apps/v3/environments/" + env + "/"},
		{http.MethodGet, "/apps/v3/applications/" + app + "/sync-status/"},
		{http.MethodPost, "/apps/v3/applications/" + app + "/update/"},
		{http.MethodPost, "/apps/v3/applications/" + app + "/reset-to-origin/"},
		{http.MethodPost, "/apps/v3/webhooks/"},
		{http.MethodGet, "/apps/v3/webhooks/"},
		{http.MethodGet, "/apps/v3/webhooks/" + app + "/"},
		{http.MethodPost, "/apps/v3/webhooks/" + app + "/rotate/"},
		{http.MethodDelete, "/apps/v3/webhooks/" + app + "/"},
		{http.MethodPost, "/hooks/v1/some-token/"},
		{http.MethodPost, "/apps/v3/deploy-keys/"},
	} {
		for _, token := range []string{adaToken, ""} {
			ts.request(call.method, call.path, token, `{"branch": "main"}`).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
		}
	}
	// Nothing was deleted or changed.
	ts.get("/apps/v3/applications/"+app+"/", http.StatusOK, nil)
	ts.get("/apps/v3/repositories/"+repo.UUID+"/", http.StatusOK, nil)

	// Idempotency-Key is ignored: a retried POST creates twice.
	first := ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, objects{"organisation": acme, "url": sshURL}, "Idempotency-Key", "k")
	second := ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, objects{"organisation": acme, "url": sshURL}, "Idempotency-Key", "k")
	var a, b repositoryView
	first.expect(t, http.StatusCreated, &a)
	second.expect(t, http.StatusCreated, &b)
	if a.UUID == b.UUID || second.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("a retried POST was replayed: %s %s", a.UUID, b.UUID)
	}
	// Not even a different body under the same key is refused, nor an over-long key.
	ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, objects{"organisation": acme, "url": httpsURL, "username": "u", "password": "p"},
		"Idempotency-Key", "k").expect(t, http.StatusCreated, nil)
	ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, objects{"organisation": acme, "url": sshURL},
		"Idempotency-Key", strings.Repeat("k", 300)).expect(t, http.StatusCreated, nil)
	var records, repositories int
	db := ts.server.store.DB()
	if err := db.QueryRow(`SELECT count(*) FROM idempotency_records`).Scan(&records); err != nil || records != 0 {
		t.Fatalf("%d idempotency records (%v)", records, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM repositories`).Scan(&repositories); err != nil || repositories != 5 {
		t.Fatalf("%d repositories (%v), want 5", repositories, err)
	}
}

// The same server without public-only mode: the extension fields are there.
func TestExtensionFieldsOutsidePublicOnlyMode(t *testing.T) {
	ts := newTestServer(t)
	resp := ts.get("/apps/v3/applications/"+ts.seed.Applications[acmeWeb]+"/", http.StatusOK, nil)
	if got := strings.Join(fieldNames(t, resp.body), ","); got != "app_template,branch,created_at,name,organisation,plan_group,region,repository,slug,uuid" {
		t.Fatalf("application fields %s", got)
	}
}

func TestOrganisations(t *testing.T) {
	ts := newTestServer(t)
	acme, globex := ts.seed.Organisations["Acme"], ts.seed.Organisations["Globex"]
	// ?name= is not a filter (DRF ignores unknown parameters). created_at
	// is what `divio organisations list` shows beside the name.
	for _, query := range []string{"", "?name=Globex"} {
		ts.request(http.MethodGet, "/iam/v3/organisations/"+query, adaToken, nil).expectJSON(t, http.StatusOK,
			`{"count": 1, "next": null, "previous": null, "results": [{"uuid": "`+acme+`", "name": "Acme", "created_at": "2026-11-25T10:00:00Z"}]}`)
	}
	ts.request(http.MethodGet, "/iam/v3/organisations/"+acme+"/", adaToken, nil).expectJSON(t, http.StatusOK,
		`{"uuid": "`+acme+`", "name": "Acme", "created_at": "2026-11-25T10:00:00Z"}`)
	ts.request(http.MethodGet, "/iam/v3/organisations/"+globex+"/", adaToken, nil).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	ts.request(http.MethodGet, "/iam/v3/organisations/"+globex+"/", graceToken, nil).expect(t, http.StatusOK, nil)
	ts.request(http.MethodGet, "/iam/v3/organisations/", "", nil).expect(t, http.StatusUnauthorized, nil)
}

// The catalogues: the default regions and plan groups (the seed names
// none) and the seed's app template, the same for every user.
func TestCatalogues(t *testing.T) {
	ts := newTestServer(t)
	eu, us := ts.seed.Regions["eu-central"], ts.seed.Regions["us-east"]
	free, pro := ts.seed.PlanGroups["Free"], ts.seed.PlanGroups["Pro"]
	for _, token := range []string{adaToken, graceToken} {
		ts.request(http.MethodGet, "/apps/v3/regions/", token, nil).expectJSON(t, http.StatusOK,
			`{"count": 2, "next": null, "previous": null, "results": [{"uuid": "`+eu+`", "name": "eu-central"}, {"uuid": "`+us+`", "name": "us-east"}]}`)
		ts.request(http.MethodGet, "/billing/v3/application-plan-groups/", token, nil).expectJSON(t, http.StatusOK,
			`{"count": 2, "next": null, "previous": null, "results": [
				{"uuid": "`+free+`", "name": "Free", "regions": ["`+eu+`"]},
				{"uuid": "`+pro+`", "name": "Pro", "regions": ["`+eu+`", "`+us+`"]}]}`)
		ts.request(http.MethodGet, "/apps/v3/app-templates/", token, nil).expectJSON(t, http.StatusOK,
			`{"count": 1, "next": null, "previous": null, "results": [
				{"uuid": "`+ts.seed.AppTemplates["Django"]+`", "name": "Django", "url": "https://github.com/divio/django-template"}]}`)
	}
	ts.request(http.MethodGet, "/apps/v3/regions/", "", nil).expect(t, http.StatusUnauthorized, nil)
	ts.request(http.MethodGet, "/billing/v3/application-plan-groups/", "", nil).expect(t, http.StatusUnauthorized, nil)
	// Pages like every list.
	var page listResponse[planGroupView]
	ts.get("/billing/v3/application-plan-groups/?page_size=1&page=2", http.StatusOK, &page)
	if page.Count != 2 || len(page.Results) != 1 || page.Results[0].Name != "Pro" || page.Next != nil || page.Previous == nil {
		t.Fatalf("second page %s", mustJSON(page))
	}
}

// The plan group's own GET (Divio's CLI reads its regions there), and one
// app template's, from which the CLI reads release_commands and services.
func TestCatalogueObjects(t *testing.T) {
	ts := newTestServer(t)
	eu, us, pro := ts.seed.Regions["eu-central"], ts.seed.Regions["us-east"], ts.seed.PlanGroups["Pro"]
	ts.request(http.MethodGet, "/billing/v3/application-plan-groups/"+pro+"/", graceToken, nil).expectJSON(t, http.StatusOK,
		`{"uuid": "`+pro+`", "name": "Pro", "regions": ["`+eu+`", "`+us+`"]}`)
	template := ts.seed.AppTemplates["Django"]
	ts.request(http.MethodGet, "/apps/v3/app-templates/"+template+"/", adaToken, nil).expectJSON(t, http.StatusOK,
		`{"uuid": "`+template+`", "name": "Django", "url": "https://github.com/divio/django-template", "release_commands": [], "services": []}`)
	for _, path := range []string{"/billing/v3/application-plan-groups/", "/apps/v3/app-templates/"} {
		ts.request(http.MethodGet, path+eu+"/", adaToken, nil).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
		ts.request(http.MethodGet, path+"not-a-uuid/", adaToken, nil).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
		ts.request(http.MethodGet, path+pro+"/", "", nil).expect(t, http.StatusUnauthorized, nil)
	}
}

// ?organisation= on plan groups, which Divio's CLI always sends: all of
// them for an organisation of the user, none for another, 400 for a
// malformed UUID.
func TestPlanGroupsByOrganisation(t *testing.T) {
	ts := newTestServer(t)
	acme, globex := ts.seed.Organisations["Acme"], ts.seed.Organisations["Globex"]
	var page listResponse[planGroupView]
	ts.get("/billing/v3/application-plan-groups/?organisation="+acme, http.StatusOK, &page)
	if page.Count != 2 || len(page.Results) != 2 {
		t.Fatalf("Acme's plan groups %s", mustJSON(page))
	}
	ts.request(http.MethodGet, "/billing/v3/application-plan-groups/?organisation="+globex, adaToken, nil).expectJSON(t, http.StatusOK,
		`{"count": 0, "next": null, "previous": null, "results": []}`)
	ts.request(http.MethodGet, "/billing/v3/application-plan-groups/?organisation="+globex, graceToken, nil).expect(t, http.StatusOK, &page)
	if page.Count != 2 {
		t.Fatalf("Globex's plan groups for Grace %s", mustJSON(page))
	}
	ts.request(http.MethodGet, "/billing/v3/application-plan-groups/?organisation=acme", adaToken, nil).expectJSON(t, http.StatusBadRequest,
		`{"organisation": ["“acme” is not a valid UUID."]}`)
}

// ?uuid= on regions, repeated as python-requests sends a list.
func TestRegionsByUUID(t *testing.T) {
	ts := newTestServer(t)
	eu, us := ts.seed.Regions["eu-central"], ts.seed.Regions["us-east"]
	ts.request(http.MethodGet, "/apps/v3/regions/?uuid="+us, adaToken, nil).expectJSON(t, http.StatusOK,
		`{"count": 1, "next": null, "previous": null, "results": [{"uuid": "`+us+`", "name": "us-east"}]}`)
	var page listResponse[regionView]
	ts.get("/apps/v3/regions/?uuid="+us+"&uuid="+eu, http.StatusOK, &page)
	if page.Count != 2 || page.Results[0].UUID != eu || page.Results[1].UUID != us {
		t.Fatalf("two regions by UUID %s", mustJSON(page))
	}
	// A UUID that is no region's filters it out; no filter, or an empty one, keeps them all.
	ts.get("/apps/v3/regions/?uuid="+ts.seed.PlanGroups["Pro"], http.StatusOK, &page)
	if page.Count != 0 {
		t.Fatalf("a plan group's UUID as a region %s", mustJSON(page))
	}
	ts.get("/apps/v3/regions/?uuid=", http.StatusOK, &page)
	if page.Count != 2 {
		t.Fatalf("an empty filter %s", mustJSON(page))
	}
	ts.request(http.MethodGet, "/apps/v3/regions/?uuid="+eu+"&uuid=eu", adaToken, nil).expectJSON(t, http.StatusBadRequest,
		`{"uuid": ["“eu” is not a valid UUID."]}`)
}
