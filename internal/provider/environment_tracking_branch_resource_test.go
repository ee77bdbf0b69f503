// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
)

const trackingAddress = "divio_environment_tracking_branch.test"

func trackingConfig(cp *acctest.ControlPlane, app, branch string) string {
	return cp.ProviderBlock() + fmt.Sprintf(`
data "divio_application" "app" {
  id = %q
}

resource "divio_environment_tracking_branch" "test" {
  environment = one([for env in data.divio_application.app.environments : env.id if env.slug == "test"])
  branch      = %q
}
`, app, branch)
}

func TestAccEnvironmentTrackingBranch(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	host := acctest.StartGitHost(t)
	site := acctest.NewRepo(t, host, "site", map[string]map[string]string{"main": readmeOnly, "develop": readmeOnly, "staging": readmeOnly})
	app := cp.ApplicationOnRepository(t, host, site, "acme-shop").UUID
	testEnv := environmentID(t, cp, app, "test")
	checkAPI := func(want string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			env, err := cp.Client().GetEnvironment(context.Background(), testEnv)
			if err != nil || env.Branch != want {
				return fmt.Errorf("API says the test environment tracks %v (err=%v), want %s", env, err, want)
			}
			return nil
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: trackingConfig(cp, app, "staging"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(trackingAddress, "environment", testEnv),
					checkAPI("staging"),
				),
			},
			{
				ResourceName:                         trackingAddress,
				ImportState:                          true,
				ImportStateId:                        testEnv,
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "environment",
			},
			{
				// The Test environment's branch must exist at the remote.
				Config:      trackingConfig(cp, app, "feature/nowhere"),
				ExpectError: regexp.MustCompile(`(?s)branch.*requires\s+a\s+branch.*feature/nowhere`),
			},
			{
				Config:      trackingConfig(cp, app, "bad..name"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid branch name`),
			},
			{
				Config: trackingConfig(cp, app, "develop"),
				Check:  checkAPI("develop"),
			},
		},
	})
}
