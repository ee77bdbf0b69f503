// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"strings"
	"testing"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
)

const applicationType = "divio_application"

// The filters, include_resource, limit, plan-time validation and an API
// error, against the full control plane.
func TestAccApplicationListResource_query(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	s := newListServer(t, cp)
	acme, globex := cp.OrgID(acctest.OrgName), cp.OrgID(acctest.OtherOrgName)

	all := s.listOK(applicationType, listQuery{limit: 100})
	wantDisplayNames(t, all, acctest.AppSlug, acctest.SecondAppSlug) // Globex's is not the token's
	for _, r := range all {
		if r.Resource != nil || r.Identity["id"] != cp.AppID(r.DisplayName) {
			t.Fatalf("without include_resource: %+v", r)
		}
	}
	for _, c := range []struct {
		config map[string]string
		want   []string
	}{
		{map[string]string{"organisation": acme}, []string{acctest.AppSlug, acctest.SecondAppSlug}},
		{map[string]string{"organisation": globex}, nil},
		{map[string]string{"slug_contains": "API"}, []string{acctest.SecondAppSlug}},
		{map[string]string{"name_contains": "WEBSITE"}, []string{acctest.AppSlug}},
		{map[string]string{"slug_contains": "acme", "name_contains": "api"}, []string{acctest.SecondAppSlug}},
	} {
		wantDisplayNames(t, s.listOK(applicationType, listQuery{config: c.config, limit: 100}), c.want...)
	}
	if got := s.listOK(applicationType, listQuery{limit: 1}); len(got) != 1 {
		t.Fatalf("limit 1: %d results", len(got))
	}

	web := s.listOK(applicationType, listQuery{config: map[string]string{"slug_contains": "web"}, include: true, limit: 100})
	wantDisplayNames(t, web, acctest.AppSlug)
	wantAttributes(t, web[0].Resource, map[string]any{
		"id": cp.AppID(acctest.AppSlug), "name": "Acme website", "slug": acctest.AppSlug, "organisation": acme,
		"plan_group": cp.PlanGroupID(), "region": cp.RegionID(), "app_template": nil, "repository": nil, "branch": nil,
		"deletion_protection": true,
	})

	wantValidationError(t, s.validate(applicationType, map[string]string{"organisation": "Acme"}), "Invalid identifier")
	if diags := s.validate(applicationType, map[string]string{"organisation": acme, "slug_contains": "web"}); len(diags) > 0 {
		t.Fatalf("a valid config: %s", diagText(diags))
	}
	cp.Faults.FailNext("GET /apps/v3/applications/", 403, `{"detail": "You do not have permission to perform this action."}`)
	wantError(t, s.list(applicationType, listQuery{limit: 100}), "Could not list the applications", "permission")
}

// Every page of a server that answers pages of two with only the fields
// Divio's CLI reads: what it does not answer is null in the resource
// object, as after an import.
func TestAccApplicationListResource_strictPages(t *testing.T) {
	cp := acctest.StartControlPlaneWith(t, acctest.Options{Strict: true, StrictThrottle: -1})
	for _, slug := range []string{"acme-shop", "acme-docs", "acme-blog"} {
		cp.CreateApplication(t, slug, "")
	}
	s := newListServer(t, cp)
	mark := cp.Requests.Mark()
	results := s.listOK(applicationType, listQuery{config: map[string]string{"organisation": cp.OrgID(acctest.OrgName)}, include: true, limit: 100})
	wantDisplayNames(t, results, acctest.AppSlug, acctest.SecondAppSlug, "acme-shop", "acme-docs", "acme-blog")
	if pages := getsOf(cp.Requests.Since(mark), "/apps/v3/applications/"); pages != 3 {
		t.Fatalf("%d pages of applications read, want 3 (pages of 2)", pages)
	}
	for _, r := range results {
		wantAttributes(t, r.Resource, map[string]any{
			"id": r.Identity["id"], "slug": r.DisplayName, "plan_group": nil, "region": nil, "deletion_protection": true,
		})
	}
	if got := s.listOK(applicationType, listQuery{limit: 3}); len(got) != 3 {
		t.Fatalf("limit 3: %d results", len(got))
	}
}

// The configuration generated for an application on an external
// repository plans clean: the control plane answers every attribute.
func TestAccApplicationListResource_generatedConfig(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	app, _ := bind(t, cp, acctest.StartGitHost(t))
	s := newListServer(t, cp)
	results := s.listOK(applicationType, listQuery{config: map[string]string{"slug_contains": "app-site"}, include: true, limit: 100})
	wantDisplayNames(t, results, "app-site")
	generated := s.generate(applicationType, "app_site", results[0])
	checkGenerated(t, s.schema.ResourceSchemas[applicationType], generated)
	repository, _ := results[0].Resource["repository"].(string)
	wantGenerated(t, generated, app, map[string]string{
		"name": `"app-site"`, "slug": `"app-site"`, "organisation": `"` + cp.OrgID(acctest.OrgName) + `"`,
		"plan_group": `"` + cp.PlanGroupID() + `"`, "region": `"` + cp.RegionID() + `"`,
		"repository": `"` + repository + `"`, "branch": `"main"`, "deletion_protection": "true",
	})
	t.Logf("generated configuration of an application:\n%s", generated)
	keepGenerated(t, "generated-config-divio_application.tf", generated)
	adoptGenerated(t, cp, "divio_application.app_site", generated, nil)
}

// On Divio's public API, which does not answer plan_group and region, the
// generated configuration has them as null # REQUIRED: filled in, the first
// plan adopts them without a write, as their descriptions say.
func TestAccApplicationListResource_generatedConfigPublicAPI(t *testing.T) {
	cp := acctest.StartControlPlaneWith(t, acctest.Options{PublicOnly: true})
	s := newListServer(t, cp)
	results := s.listOK(applicationType, listQuery{config: map[string]string{"slug_contains": acctest.AppSlug}, include: true, limit: 100})
	wantDisplayNames(t, results, acctest.AppSlug)
	generated := s.generate(applicationType, "web", results[0])
	checkGenerated(t, s.schema.ResourceSchemas[applicationType], generated)
	wantGenerated(t, generated, cp.AppID(acctest.AppSlug), map[string]string{
		"name": `"Acme website"`, "slug": `"acme-web"`, "organisation": `"` + cp.OrgID(acctest.OrgName) + `"`,
		"plan_group": "null", "region": "null", "deletion_protection": "true", // null with # REQUIRED
	})
	filled := generated
	for name, value := range map[string]string{"plan_group": cp.PlanGroupID(), "region": cp.RegionID()} {
		before := filled
		filled = replaceRequired(filled, name, value)
		if filled == before {
			t.Fatalf("the generated configuration does not leave %s to fill in:\n%s", name, generated)
		}
	}
	adoptGenerated(t, cp, "divio_application.web", filled, []string{"plan_group", "region"})
}

// replaceRequired fills in the required attribute name, which generated
// leaves as `null # REQUIRED`, with value.
func replaceRequired(generated, name, value string) string {
	lines := strings.Split(generated, "\n")
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), name+" ") && strings.HasSuffix(line, "= null # REQUIRED") {
			lines[i] = strings.Replace(line, "null # REQUIRED", `"`+value+`"`, 1)
		}
	}
	return strings.Join(lines, "\n")
}
