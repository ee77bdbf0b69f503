// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
)

func TestAccApplicationDataSource(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	appID := cp.AppID(acctest.AppSlug)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: cp.ProviderBlock() + `
data "divio_application" "by_slug" {
  slug = "acme-web"
}
data "divio_application" "by_id" {
  id = data.divio_application.by_slug.id
}
data "divio_application" "plain" {
  slug = "acme-api"
}
`,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.divio_application.by_slug", "id", appID),
					resource.TestCheckResourceAttr("data.divio_application.by_slug", "name", "Acme website"),
					resource.TestCheckResourceAttr("data.divio_application.by_slug", "organisation", cp.OrgID(acctest.OrgName)),
					resource.TestCheckNoResourceAttr("data.divio_application.by_slug", "repository_id"),
					resource.TestCheckResourceAttr("data.divio_application.by_slug", "environments.#", "2"),
					// ordered by slug: live before test
					resource.TestCheckResourceAttr("data.divio_application.by_slug", "environments.0.slug", "live"),
					resource.TestCheckResourceAttr("data.divio_application.by_slug", "environments.0.branch", "main"),
					resource.TestCheckResourceAttr("data.divio_application.by_slug", "environments.1.slug", "test"),
					resource.TestCheckResourceAttr("data.divio_application.by_slug", "environments.1.branch", "develop"),
					resource.TestCheckResourceAttr("data.divio_application.by_slug", "environments.1.id", cp.Seed.Environments[acctest.AppSlug+"/test"]),
					resource.TestCheckResourceAttr("data.divio_application.by_id", "slug", "acme-web"),
					resource.TestCheckResourceAttrPair("data.divio_application.by_id", "environments.1.id", "data.divio_application.by_slug", "environments.1.id"),
					// applications without explicit environments get test and live on main
					resource.TestCheckResourceAttr("data.divio_application.plain", "environments.#", "2"),
					resource.TestCheckResourceAttr("data.divio_application.plain", "environments.1.branch", "main"),
				),
			},
		},
	})
}

func TestAccApplicationDataSource_badInputs(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	steps := []struct {
		config string
		want   string
	}{
		{`data "divio_application" "x" {}`, `(?s)Exactly one of these attributes must be configured: \[id,slug\]`},
		{`data "divio_application" "x" {
  id   = "5b0f0c55-7c1e-4c0e-9a55-1c3a3b4a0b7d"
  slug = "acme-web"
}`, `(?s)Invalid Attribute Combination`},
		{`data "divio_application" "x" { id = "acme-web" }`, `(?s)Invalid identifier.*not a UUID`},
		{`data "divio_application" "x" { slug = "no-such-app" }`, `(?s)Application not found.*"no-such-app"`},
		// Another organisation's application is invisible, not forbidden.
		{fmt.Sprintf(`data "divio_application" "x" { id = %q }`, cp.AppID(acctest.OtherOrgAppSlug)), `(?s)Application not found.*visible to\s+this\s+API\s+token`},
		{`data "divio_application" "x" { slug = "globex-web" }`, `(?s)Application not found`},
	}
	for _, s := range steps {
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
			Steps: []resource.TestStep{{
				Config:      cp.ProviderBlock() + s.config,
				ExpectError: regexp.MustCompile(s.want),
			}},
		})
	}
}
