// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"context"
	"testing"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

const webhookType = "divio_repository_webhook"

// webhooksOfThree makes three applications on repositories, each with a
// webhook: github (a generated secret), gitlab (a secret of the user's)
// and bitbucket (no secret). It returns the applications' UUIDs by slug.
func webhooksOfThree(t *testing.T, cp *acctest.ControlPlane) map[string]string {
	t.Helper()
	host := acctest.StartGitHost(t)
	apps := map[string]string{}
	for _, hook := range []divioapi.CreateWebhookRequest{{Type: "github"}, {Type: "gitlab", Secret: "a-secret-of-my-own-0123456789"}, {Type: "bitbucket"}} {
		slug := "hook-" + hook.Type
		repo := acctest.NewRepo(t, host, hook.Type, map[string]map[string]string{"main": readmeOnly})
		hook.Application = cp.ApplicationOnRepository(t, host, repo, slug).UUID
		if _, err := cp.Client().CreateWebhook(context.Background(), hook); err != nil {
			t.Fatal(err)
		}
		apps[slug] = hook.Application
	}
	return apps
}

// The filters, include_resource, limit and every page of the applications
// (pages of two, with the extensions).
func TestAccRepositoryWebhookListResource_query(t *testing.T) {
	cp := acctest.StartControlPlaneWith(t, acctest.Options{PageSize: 2})
	apps := webhooksOfThree(t, cp)
	s := newListServer(t, cp)
	acme := cp.OrgID(acctest.OrgName)

	mark := cp.Requests.Mark()
	results := s.listOK(webhookType, listQuery{config: map[string]string{"organisation": acme}, include: true, limit: 100})
	wantDisplayNames(t, results, "hook-github (github)", "hook-gitlab (gitlab)", "hook-bitbucket (bitbucket)")
	requests := cp.Requests.Since(mark)
	if pages, lists := getsOf(requests, "/apps/v3/applications/"), getsOf(requests, "/apps/v3/webhooks/"); pages != 3 || lists != 5 {
		t.Fatalf("%d pages of applications and %d webhook lists, want 3 (5 applications, pages of 2) and 5", pages, lists)
	}
	for _, r := range results {
		typ, _ := r.Resource["type"].(string)
		wantAttributes(t, r.Resource, map[string]any{
			"application": apps["hook-"+typ], "secret_wo": nil, "secret_wo_version": nil, "rotation_triggers": nil,
		})
		if r.Identity["application"] != apps["hook-"+typ] || r.Resource["id"] == nil || r.Resource["url"] == nil {
			t.Errorf("%s: identity %v, resource %v", r.DisplayName, r.Identity, r.Resource)
		}
		if secret, _ := r.Resource["secret"].(string); (secret != "") != (typ == "github") {
			t.Errorf("%s: secret %q: only a generated secret is read back", r.DisplayName, secret)
		}
	}

	for _, c := range []struct {
		config map[string]string
		want   []string
	}{
		{nil, []string{"hook-github (github)", "hook-gitlab (gitlab)", "hook-bitbucket (bitbucket)"}},
		{map[string]string{"application": apps["hook-gitlab"]}, []string{"hook-gitlab (gitlab)"}},
		{map[string]string{"application": cp.AppID(acctest.AppSlug)}, nil},
	} {
		wantDisplayNames(t, s.listOK(webhookType, listQuery{config: c.config, limit: 100}), c.want...)
	}
	mark = cp.Requests.Mark()
	if got := s.listOK(webhookType, listQuery{limit: 2}); len(got) != 2 {
		t.Fatalf("limit 2: %d results", len(got))
	}
	if lists := getsOf(cp.Requests.Since(mark), "/apps/v3/webhooks/"); lists >= 5 {
		t.Errorf("limit 2 listed the webhooks of all %d applications", lists)
	}
	wantError(t, s.list(webhookType, listQuery{config: map[string]string{"application": "5b0f0c55-7c1e-4c0e-9a55-1c3a3b4a0b7d"}, limit: 100}),
		"Application not found")
	wantValidationError(t, s.validate(webhookType, map[string]string{"organisation": "acme"}), "Invalid identifier")
	wantValidationError(t, s.validate(webhookType, map[string]string{"organisation": acme, "application": apps["hook-github"]}),
		"cannot be configured together")
}

func TestAccRepositoryWebhookListResource_extensionMissing(t *testing.T) {
	wantExtensionMissing(t, webhookType, divioapi.ExtWebhooks)
}

// The configuration generated for a webhook plans clean: no secret and no
// URL in it (computed), no rotation settings (null).
func TestAccRepositoryWebhookListResource_generatedConfig(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	apps := webhooksOfThree(t, cp)
	s := newListServer(t, cp)
	for _, typ := range []string{"github", "gitlab"} {
		results := s.listOK(webhookType, listQuery{config: map[string]string{"application": apps["hook-"+typ]}, include: true, limit: 100})
		generated := s.generate(webhookType, typ, results[0])
		checkGenerated(t, s.schema.ResourceSchemas[webhookType], generated)
		wantGenerated(t, generated, apps["hook-"+typ], map[string]string{"application": `"` + apps["hook-"+typ] + `"`, "type": `"` + typ + `"`})
		adoptGenerated(t, cp, webhookType+"."+typ, generated, nil)
	}
}
