// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
)

// Resource identities are stored by Terraform and OpenTofu 1.12 and later;
// older CLIs neither keep nor send them (the plan-stability suite checks
// that every type still works there). Import by identity is in that suite.
func TestAccIdentity_storedInState(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: cp.ProviderBlock() + fmt.Sprintf(`
resource "divio_repository" "site" {
  organisation = %q
  url          = "git@github.com:acme/site.git"
}
`, cp.OrgID(acctest.OrgName)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentityValueMatchesState("divio_repository.site", tfjsonpath.New("id")),
					statecheck.ExpectIdentity("divio_repository.site", map[string]knownvalue.Check{"id": knownvalue.NotNull()}),
				},
			},
			{
				ResourceName:    "divio_repository.site",
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
		},
	})
}
