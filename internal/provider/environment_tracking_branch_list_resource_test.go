// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"testing"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

const trackingBranchType = "divio_environment_tracking_branch"

// The filters, include_resource, limit and every page (pages of two, with
// the extensions) of the applications and of an application's three
// environments: Acme's two applications, and another organisation of the
// token's user with three more.
func TestAccEnvironmentTrackingBranchListResource_query(t *testing.T) {
	staging := controlplane.SeedApplication{Slug: "initech-staged", Name: "Initech staged", Environments: []controlplane.SeedEnvironment{
		{Slug: "test", Branch: "develop"}, {Slug: "stage", Branch: "release"}, {Slug: "live", Branch: "main"},
	}}
	cp := acctest.StartControlPlaneWith(t, acctest.Options{PageSize: 2, Organisations: []controlplane.SeedOrganisation{
		{Name: "Initech", Applications: append(acctest.HandMadeApplications("initech", 2), staging)},
	}})
	s := newListServer(t, cp)
	acme := cp.OrgID(acctest.OrgName)

	mark := cp.Requests.Mark()
	wantDisplayNames(t, s.listOK(trackingBranchType, listQuery{limit: 100}),
		"acme-web/test (develop)", "acme-web/live (main)", "acme-api/test (main)", "acme-api/live (main)",
		"initech-01/test (main)", "initech-01/live (main)", "initech-02/test (main)", "initech-02/live (main)",
		"initech-staged/test (develop)", "initech-staged/stage (release)", "initech-staged/live (main)")
	requests := cp.Requests.Since(mark)
	if pages, lists := getsOf(requests, "/apps/v3/applications/"), getsOf(requests, "/apps/v3/environments/"); pages != 3 || lists != 6 {
		t.Fatalf("%d pages of applications and %d of environments, want 3 (5 applications, pages of 2) and 6 (one application has 3)", pages, lists)
	}

	for _, c := range []struct {
		config map[string]string
		want   []string
	}{
		{map[string]string{"organisation": acme}, []string{"acme-web/test (develop)", "acme-web/live (main)", "acme-api/test (main)", "acme-api/live (main)"}},
		{map[string]string{"organisation": acme, "environment_slug": "test"}, []string{"acme-web/test (develop)", "acme-api/test (main)"}},
		{map[string]string{"environment_slug": "stage"}, []string{"initech-staged/stage (release)"}},
	} {
		wantDisplayNames(t, s.listOK(trackingBranchType, listQuery{config: c.config, limit: 100}), c.want...)
	}
	web := s.listOK(trackingBranchType, listQuery{config: map[string]string{"application": cp.AppID(acctest.AppSlug)}, include: true, limit: 100})
	wantDisplayNames(t, web, "acme-web/test (develop)", "acme-web/live (main)")
	for _, r := range web {
		env := cp.Seed.Environments[acctest.AppSlug+"/"+map[string]string{"acme-web/test (develop)": "test", "acme-web/live (main)": "live"}[r.DisplayName]]
		if r.Identity["environment"] != env || len(r.Resource) != 2 || r.Resource["environment"] != env {
			t.Errorf("%s: identity %v, resource %v, want environment %s", r.DisplayName, r.Identity, r.Resource, env)
		}
	}
	mark = cp.Requests.Mark()
	if got := s.listOK(trackingBranchType, listQuery{config: map[string]string{"organisation": acme}, limit: 1}); len(got) != 1 {
		t.Fatalf("limit 1: %d results", len(got))
	}
	if lists := getsOf(cp.Requests.Since(mark), "/apps/v3/environments/"); lists != 1 {
		t.Errorf("limit 1 listed the environments of %d applications", lists)
	}
	wantError(t, s.list(trackingBranchType, listQuery{config: map[string]string{"application": "5b0f0c55-7c1e-4c0e-9a55-1c3a3b4a0b7d"}, limit: 100}),
		"Application not found")
	wantValidationError(t, s.validate(trackingBranchType, map[string]string{"application": "acme-web"}), "Invalid identifier")
}

func TestAccEnvironmentTrackingBranchListResource_extensionMissing(t *testing.T) {
	wantExtensionMissing(t, trackingBranchType, divioapi.ExtTrackingBranches)
}

// The configuration generated for an environment's tracking branch plans
// clean.
func TestAccEnvironmentTrackingBranchListResource_generatedConfig(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	s := newListServer(t, cp)
	results := s.listOK(trackingBranchType, listQuery{
		config: map[string]string{"application": cp.AppID(acctest.AppSlug), "environment_slug": "test"}, include: true, limit: 100,
	})
	wantDisplayNames(t, results, "acme-web/test (develop)")
	env := cp.Seed.Environments[acctest.AppSlug+"/test"]
	generated := s.generate(trackingBranchType, "web_test", results[0])
	checkGenerated(t, s.schema.ResourceSchemas[trackingBranchType], generated)
	wantGenerated(t, generated, env, map[string]string{"environment": `"` + env + `"`, "branch": `"develop"`})
	adoptGenerated(t, cp, trackingBranchType+".web_test", generated, nil)
}
