// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"context"
	"strings"
	"testing"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

const repositoryType = "divio_repository"

// The filters, include_resource, limit, plan-time validation and an
// application filter the token cannot see, against the full control plane
// (extension repository_list): an application on repository "site", and
// two repositories no application uses.
func TestAccRepositoryListResource_query(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	host := acctest.StartGitHost(t)
	app, site := bind(t, cp, host)
	urls := map[string]string{"site": site.SSHURL()}
	for _, name := range []string{"docs", "api"} {
		urls[name] = cp.CreateRepository(t, host, acctest.NewRepo(t, host, name, nil), githost.ReadWrite).URL
	}
	acme := cp.OrgID(acctest.OrgName)
	s := newListServer(t, cp)

	// With organisation alone, the extension's list: used or not.
	mark := cp.Requests.Mark()
	wantDisplayNames(t, s.listOK(repositoryType, listQuery{config: map[string]string{"organisation": acme}, limit: 100}),
		urls["site"], urls["docs"], urls["api"])
	if requests := cp.Requests.Since(mark); getsOf(requests, "/apps/v3/applications/") != 0 {
		t.Fatalf("the organisation's repositories were found through its applications: %v", requests)
	}
	for _, c := range []struct {
		config map[string]string
		want   []string
	}{
		{nil, []string{urls["site"]}}, // the repositories in use
		{map[string]string{"application": app}, []string{urls["site"]}},
		{map[string]string{"application": cp.AppID(acctest.AppSlug)}, nil}, // on Divio's Git server
		{map[string]string{"organisation": acme, "url_contains": "DOCS"}, []string{urls["docs"]}},
		{map[string]string{"url_contains": "docs"}, nil}, // not in use
	} {
		wantDisplayNames(t, s.listOK(repositoryType, listQuery{config: c.config, limit: 100}), c.want...)
	}
	if got := s.listOK(repositoryType, listQuery{config: map[string]string{"organisation": acme}, limit: 2}); len(got) != 2 {
		t.Fatalf("limit 2: %d results", len(got))
	}

	used := s.listOK(repositoryType, listQuery{config: map[string]string{"application": app}, include: true, limit: 100})
	wantAttributes(t, used[0].Resource, map[string]any{
		"id": used[0].Identity["id"], "organisation": acme, "url": urls["site"], "key_type": "ED25519", "https": nil,
	})
	for _, name := range []string{"public_key", "dsn"} {
		if v, _ := used[0].Resource[name].(string); v == "" {
			t.Errorf("%s is empty", name)
		}
	}
	if v, _ := used[0].Resource["fingerprint_sha256"].(string); !strings.HasPrefix(v, "SHA256:") {
		t.Errorf("fingerprint_sha256 = %q", v)
	}

	wantError(t, s.list(repositoryType, listQuery{config: map[string]string{"application": "5b0f0c55-7c1e-4c0e-9a55-1c3a3b4a0b7d"}, limit: 100}),
		"Application not found")
	wantValidationError(t, s.validate(repositoryType, map[string]string{"organisation": acme, "application": app}),
		"cannot be configured together")
	wantValidationError(t, s.validate(repositoryType, map[string]string{"application": "app-site"}), "Invalid identifier")
}

// Divio's public API has no list of repositories: the repositories in use
// are found through every page of the applications, and read one by one.
// The strict control plane answers a repository's state, dsn and deploy key
// only: its UUID and organisation come from its application, its URL is
// unknown (null, and url_contains matches nothing).
func TestAccRepositoryListResource_strictPages(t *testing.T) {
	cp := acctest.StartControlPlaneWith(t, acctest.Options{Strict: true, StrictThrottle: -1})
	host := acctest.StartGitHost(t)
	for _, name := range []string{"shop", "docs", "blog"} {
		cp.ApplicationOnRepository(t, host, acctest.NewRepo(t, host, name, map[string]map[string]string{"main": readmeOnly}), "acme-"+name)
	}
	s := newListServer(t, cp)
	mark := cp.Requests.Mark()
	results := s.listOK(repositoryType, listQuery{include: true, limit: 100})
	requests := cp.Requests.Since(mark)
	if len(results) != 3 || getsOf(requests, "/apps/v3/applications/") != 3 {
		t.Fatalf("%d repositories from %d pages of applications, want 3 from 3 (pages of 2)", len(results),
			getsOf(requests, "/apps/v3/applications/"))
	}
	ids := map[string]bool{}
	for _, r := range results {
		ids[r.Identity["id"]] = true
		wantAttributes(t, r.Resource, map[string]any{
			"id": r.Identity["id"], "organisation": cp.OrgID(acctest.OrgName), "url": nil, "key_type": "ED25519", "dsn": r.DisplayName,
		})
	}
	if len(ids) != 3 {
		t.Fatalf("repositories %v, want 3 different ones", ids)
	}
	if got := s.listOK(repositoryType, listQuery{config: map[string]string{"url_contains": "shop"}, limit: 100}); len(got) != 0 {
		t.Fatalf("url_contains matched a repository whose URL the server does not answer: %+v", got)
	}
	mark = cp.Requests.Mark()
	if got := s.listOK(repositoryType, listQuery{limit: 1}); len(got) != 1 {
		t.Fatalf("limit 1: %d results", len(got))
	}
	if reads := getsOf(cp.Requests.Since(mark), "/apps/v3/repositories/"); reads > 1 {
		t.Errorf("limit 1 read %d repositories", reads)
	}
}

// The configuration generated for an SSH repository plans clean.
func TestAccRepositoryListResource_generatedConfig(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	app, site := bind(t, cp, acctest.StartGitHost(t))
	s := newListServer(t, cp)
	results := s.listOK(repositoryType, listQuery{config: map[string]string{"application": app}, include: true, limit: 100})
	wantDisplayNames(t, results, site.SSHURL())
	generated := s.generate(repositoryType, "site", results[0])
	checkGenerated(t, s.schema.ResourceSchemas[repositoryType], generated)
	wantGenerated(t, generated, results[0].Identity["id"], map[string]string{
		"organisation": `"` + cp.OrgID(acctest.OrgName) + `"`, "url": hclString(site.SSHURL()), "key_type": `"ED25519"`,
	})
	adoptGenerated(t, cp, "divio_repository.site", generated, nil)
}

// The configuration generated for an HTTPS repository has its https block
// with the username only: the token is write-only. Once the user adds it
// (password_wo and password_wo_version, as the type's description says),
// the first plan adopts password_wo_version (in the https block) without a
// write, and the plan after it is empty.
func TestAccRepositoryListResource_generatedConfigHTTPS(t *testing.T) {
	if cli, err := acctest.CurrentCLI(); err != nil || cliBelow(cli, "1.11.0") {
		t.Skipf("write-only attributes need Terraform/OpenTofu 1.11 (%v, %v)", cli, err)
	}
	host := acctest.StartHTTPSGitHost(t)
	cp := acctest.StartControlPlaneWith(t, acctest.Options{RootCAs: host.CertPool()})
	const token = "glpat-acceptance-token-4d7c1f"
	if err := host.AddToken("deploy", token, githost.ReadWrite); err != nil {
		t.Fatal(err)
	}
	site := acctest.NewHTTPSRepo(t, host, "site", map[string]map[string]string{"main": readmeOnly})
	repo, err := cp.Client().CreateRepository(context.Background(), divioapi.CreateRepositoryRequest{
		Organisation: cp.OrgID(acctest.OrgName), URL: site.HTTPSURL(), Username: "deploy", Password: token,
	})
	if err != nil {
		t.Fatal(err)
	}
	s := newListServer(t, cp)
	results := s.listOK(repositoryType, listQuery{config: map[string]string{"organisation": cp.OrgID(acctest.OrgName)}, include: true, limit: 100})
	wantDisplayNames(t, results, site.HTTPSURL())
	wantAttributes(t, results[0].Resource, map[string]any{
		"key_type": nil, "public_key": nil, "https": map[string]any{"username": "deploy", "password_wo": nil, "password_wo_version": nil},
	})
	generated := s.generate(repositoryType, "site", results[0])
	checkGenerated(t, s.schema.ResourceSchemas[repositoryType], generated)
	wantGenerated(t, generated, repo.UUID, map[string]string{
		"organisation": `"` + cp.OrgID(acctest.OrgName) + `"`, "url": hclString(site.HTTPSURL()),
	})
	if !strings.Contains(generated, "  https {\n    username = \"deploy\"\n  }\n") {
		t.Fatalf("want an https block with the username alone:\n%s", generated)
	}
	completed := strings.Replace(generated, `username = "deploy"`,
		"username = \"deploy\"\n    password_wo = \""+token+"\"\n    password_wo_version = 1", 1)
	adoptGenerated(t, cp, "divio_repository.site", completed, []string{"https"})
}
