// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
)

const trackingBranchesAddress = "data.divio_environment_tracking_branches.x"

// divio_environment_tracking_branches in pages of 1 (the environment lists
// too): the environments of an organisation's applications with their
// branches, those with one slug, one application's, every organisation's.
// Refused without the extension: TestAccPluralDataSources_refused.
func TestAccEnvironmentTrackingBranchesDataSource(t *testing.T) {
	cp, _ := startWithHandMade(t, acctest.Options{PageSize: 1}, 5)
	initech := fmt.Sprintf("organisation = %q", cp.OrgID(adoptOrgName))
	third := map[string]string{ // initech-03's test environment tracks develop
		"environment": cp.Seed.Environments["initech-03/test"], "application": cp.AppID("initech-03"), "slug": "test", "branch": "develop",
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: pluralConfig(cp, "divio_environment_tracking_branches", initech),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(trackingBranchesAddress, "tracking_branches.#", "10"),
					resource.TestCheckTypeSetElemNestedAttrs(trackingBranchesAddress, "tracking_branches.*", third),
					resource.TestCheckTypeSetElemNestedAttrs(trackingBranchesAddress, "tracking_branches.*", map[string]string{
						"environment": cp.Seed.Environments["initech-05/live"], "application": cp.AppID("initech-05"), "slug": "live", "branch": "main",
					}),
				),
			},
			{
				Config: pluralConfig(cp, "divio_environment_tracking_branches", initech, `environment_slug = "test"`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(trackingBranchesAddress, "tracking_branches.#", "5"),
					resource.TestCheckTypeSetElemNestedAttrs(trackingBranchesAddress, "tracking_branches.*", third),
				),
			},
			{
				Config: pluralConfig(cp, "divio_environment_tracking_branches", fmt.Sprintf("application = %q", cp.AppID(acctest.AppSlug))),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(trackingBranchesAddress, "tracking_branches.#", "2"),
					resource.TestCheckTypeSetElemNestedAttrs(trackingBranchesAddress, "tracking_branches.*", map[string]string{
						"environment": cp.Seed.Environments[acctest.AppSlug+"/test"], "slug": "test", "branch": "develop",
					}),
				),
			},
			{
				// Every organisation of the token's user: 2 + 5 applications, two environments each.
				Config: pluralConfig(cp, "divio_environment_tracking_branches"),
				Check:  resource.TestCheckResourceAttr(trackingBranchesAddress, "tracking_branches.#", "14"),
			},
		},
	})
}
