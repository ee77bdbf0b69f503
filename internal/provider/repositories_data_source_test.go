// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

const repositoriesAddress = "data.divio_repositories.x"

// byHand is what OrgName set up by hand in the Control Panel, beside its
// seeded applications on Divio's own Git server: applications acme-shop,
// acme-blog and acme-docs, each on a verified repository of its own; a
// verified repository "spare" no application uses; webhooks of shop
// (GitHub, with a secret Divio generated) and blog (Bitbucket); shop's
// test environment tracking develop.
type byHand struct {
	apps  map[string]string // "shop", "blog", "docs" -> application UUID
	repos map[string]string // the same and "spare" -> repository UUID
	urls  map[string]string // the same -> repository URL
	hooks map[string]*divioapi.Webhook
}

// byHandNames are the repositories of byHand, in the order created.
var byHandNames = []string{"shop", "blog", "docs", "spare"}

func setUpByHand(t *testing.T, cp *acctest.ControlPlane) byHand {
	t.Helper()
	host := acctest.StartGitHost(t)
	h := byHand{apps: map[string]string{}, repos: map[string]string{}, urls: map[string]string{}, hooks: map[string]*divioapi.Webhook{}}
	for _, name := range byHandNames {
		repo := acctest.NewRepo(t, host, name, map[string]map[string]string{"main": readmeOnly, "develop": readmeOnly})
		created := cp.CreateRepository(t, host, repo, githost.ReadWrite)
		cp.Verify(t, created.UUID, "main", false)
		h.repos[name], h.urls[name] = created.UUID, repo.SSHURL()
		if name != "spare" {
			h.apps[name] = cp.CreateApplication(t, "acme-"+name, created.UUID).UUID
		}
	}
	ctx, client := context.Background(), cp.Client()
	for name, typ := range map[string]string{"shop": "github", "blog": "bitbucket"} {
		hook, err := client.CreateWebhook(ctx, divioapi.CreateWebhookRequest{Application: h.apps[name], Type: typ})
		if err != nil {
			t.Fatalf("webhook of %s: %v", name, err)
		}
		h.hooks[name] = hook
	}
	if _, err := client.SetEnvironmentBranch(ctx, environmentID(t, cp, h.apps["shop"], "test"), "develop"); err != nil {
		t.Fatalf("tracking branch: %v", err)
	}
	return h
}

// divio_repositories on the full control plane, in pages of 2: by
// organisation the whole list (extension repository_list), the spare
// repository included; by application the one it uses; by URL; and on the
// public API (use_extensions = false) only the repositories in use.
func TestAccRepositoriesDataSource(t *testing.T) {
	cp := acctest.StartControlPlaneWith(t, acctest.Options{PageSize: 2})
	h := setUpByHand(t, cp)
	acme := fmt.Sprintf("organisation = %q", cp.OrgID(acctest.OrgName))
	publicOnly := fmt.Sprintf("provider \"divio\" {\n  api_url = %q\n  api_token = %q\n  use_extensions = false\n}\n", cp.URL, cp.Token)
	spare := map[string]string{"id": h.repos["spare"], "organisation": cp.OrgID(acctest.OrgName), "url": h.urls["spare"], "key_type": "ED25519"}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: pluralConfig(cp, "divio_repositories", acme),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(repositoriesAddress, "repositories.#", "4"),
					resource.TestCheckTypeSetElemNestedAttrs(repositoriesAddress, "repositories.*", spare),
					resource.TestCheckResourceAttrSet(repositoriesAddress, "repositories.3.dsn"),
				),
			},
			{
				Config: pluralConfig(cp, "divio_repositories", fmt.Sprintf("application = %q", h.apps["blog"])),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(repositoriesAddress, "repositories.#", "1"),
					resource.TestCheckResourceAttr(repositoriesAddress, "repositories.0.id", h.repos["blog"]),
					resource.TestCheckResourceAttr(repositoriesAddress, "repositories.0.url", h.urls["blog"]),
				),
			},
			{
				// acme-web is on Divio's own Git server: no repository.
				Config: pluralConfig(cp, "divio_repositories", fmt.Sprintf("application = %q", cp.AppID(acctest.AppSlug))),
				Check:  resource.TestCheckResourceAttr(repositoriesAddress, "repositories.#", "0"),
			},
			{
				Config: pluralConfig(cp, "divio_repositories", acme, `url_contains = "/SPARE"`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(repositoriesAddress, "repositories.#", "1"),
					resource.TestCheckResourceAttr(repositoriesAddress, "repositories.0.id", h.repos["spare"]),
				),
			},
			{
				Config: publicOnly + "data \"divio_repositories\" \"x\" {\n  " + acme + "\n}\n",
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(repositoriesAddress, "repositories.#", "3"),
					resource.TestCheckTypeSetElemNestedAttrs(repositoriesAddress, "repositories.*", map[string]string{"id": h.repos["docs"]}),
				),
			},
		},
	})
}

// On Divio's public API as the strict mode answers it, a repository's
// answer has no URL and no organisation: url is null, the organisation is
// its application's, and key_type comes from the deploy key.
func TestAccRepositoriesDataSource_publicAPI(t *testing.T) {
	cp := acctest.StartControlPlaneWith(t, acctest.Options{Strict: true, StrictThrottle: -1})
	host := acctest.StartGitHost(t)
	site := acctest.NewRepo(t, host, "site", map[string]map[string]string{"main": readmeOnly})
	repo := cp.CreateRepository(t, host, site, githost.ReadWrite)
	cp.Verify(t, repo.UUID, "main", false)
	cp.CreateApplication(t, "acme-shop", repo.UUID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: pluralConfig(cp, "divio_repositories", fmt.Sprintf("organisation = %q", cp.OrgID(acctest.OrgName))),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(repositoriesAddress, "repositories.#", "1"),
				resource.TestCheckResourceAttr(repositoriesAddress, "repositories.0.id", repo.UUID),
				resource.TestCheckResourceAttr(repositoriesAddress, "repositories.0.organisation", cp.OrgID(acctest.OrgName)),
				resource.TestCheckResourceAttr(repositoriesAddress, "repositories.0.key_type", "ED25519"),
				resource.TestCheckNoResourceAttr(repositoriesAddress, "repositories.0.url"),
				resource.TestCheckResourceAttrSet(repositoriesAddress, "repositories.0.dsn"),
			),
		}},
	})
}
