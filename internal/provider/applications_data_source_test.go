// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane"
)

const applicationsAddress = "data.divio_applications.x"

// startWithHandMade starts a control plane with opts whose organisation
// adoptOrgName holds n hand-made applications (the token's user is also a
// member of OrgName, with its two).
func startWithHandMade(t *testing.T, opts acctest.Options, n int) (*acctest.ControlPlane, []controlplane.SeedApplication) {
	t.Helper()
	apps := acctest.HandMadeApplications("initech", n)
	opts.Organisations = []controlplane.SeedOrganisation{{Name: adoptOrgName, Applications: apps}}
	return acctest.StartControlPlaneWith(t, opts), apps
}

// pluralConfig is a plural data source "x" of type typ with the given
// arguments (HCL lines).
func pluralConfig(cp *acctest.ControlPlane, typ string, arguments ...string) string {
	body := ""
	for _, a := range arguments {
		body += "  " + a + "\n"
	}
	return cp.ProviderBlock() + fmt.Sprintf("data %q \"x\" {\n%s}\n", typ, body)
}

// divio_applications with each filter, in pages of 2 (every application is
// found), with every attribute the full control plane answers.
func TestAccApplicationsDataSource(t *testing.T) {
	cp, apps := startWithHandMade(t, acctest.Options{PageSize: 2}, 5)
	initech := cp.OrgID(adoptOrgName)
	pro := apps[3] // initech-04, on Pro in us-east
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				// Every organisation of the token's user: 2 + 5, three pages and more.
				Config: pluralConfig(cp, "divio_applications"),
				Check:  resource.TestCheckResourceAttr(applicationsAddress, "applications.#", "7"),
			},
			{
				Config: pluralConfig(cp, "divio_applications", fmt.Sprintf("organisation = %q", initech)),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(applicationsAddress, "applications.#", "5"),
					resource.TestCheckTypeSetElemNestedAttrs(applicationsAddress, "applications.*", map[string]string{
						"id": cp.AppID(pro.Slug), "slug": pro.Slug, "name": pro.Name, "organisation": initech,
						"plan_group": cp.Seed.PlanGroups[acctest.ProPlanGroupName], "region": cp.Seed.Regions[acctest.USRegionName],
					}),
					// On Divio's own Git server: no repository, and no branch (as divio_application has it).
					resource.TestCheckNoResourceAttr(applicationsAddress, "applications.0.repository"),
					resource.TestCheckNoResourceAttr(applicationsAddress, "applications.0.branch"),
				),
			},
			{
				Config: pluralConfig(cp, "divio_applications", `slug_contains = "ACME"`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(applicationsAddress, "applications.#", "2"),
					resource.TestCheckTypeSetElemNestedAttrs(applicationsAddress, "applications.*", map[string]string{"slug": acctest.AppSlug}),
					resource.TestCheckTypeSetElemNestedAttrs(applicationsAddress, "applications.*", map[string]string{"slug": acctest.SecondAppSlug}),
				),
			},
			{
				Config: pluralConfig(cp, "divio_applications", fmt.Sprintf("organisation = %q", initech), `name_contains = "APP 02"`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(applicationsAddress, "applications.#", "1"),
					resource.TestCheckResourceAttr(applicationsAddress, "applications.0.slug", "initech-02"),
				),
			},
			{
				Config: pluralConfig(cp, "divio_applications", `slug_contains = "nothing-like-it"`),
				Check:  resource.TestCheckResourceAttr(applicationsAddress, "applications.#", "0"),
			},
		},
	})
	if pages := acctest.CountPrefix(cp.Requests.Since(0), "GET /apps/v3/applications/ 200"); pages < 4 {
		t.Errorf("%d pages of applications read, want 4 at least (7 applications in pages of 2)", pages)
	}
}

// Against Divio's public API the applications carry no plan group, region
// or branch (the data source says null, not a guess).
func TestAccApplicationsDataSource_publicAPI(t *testing.T) {
	cp, _ := startWithHandMade(t, acctest.Options{Strict: true, StrictThrottle: -1}, 3)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: pluralConfig(cp, "divio_applications", fmt.Sprintf("organisation = %q", cp.OrgID(adoptOrgName))),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(applicationsAddress, "applications.#", "3"),
				resource.TestCheckTypeSetElemNestedAttrs(applicationsAddress, "applications.*", map[string]string{
					"id": cp.AppID("initech-03"), "slug": "initech-03", "name": "initech app 03", "organisation": cp.OrgID(adoptOrgName),
				}),
				resource.TestCheckNoResourceAttr(applicationsAddress, "applications.2.plan_group"),
				resource.TestCheckNoResourceAttr(applicationsAddress, "applications.2.region"),
				resource.TestCheckNoResourceAttr(applicationsAddress, "applications.2.branch"),
			),
		}},
	})
}
