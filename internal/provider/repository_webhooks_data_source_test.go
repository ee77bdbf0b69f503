// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
)

const webhooksAddress = "data.divio_repository_webhooks.x"

// divio_repository_webhooks in pages of 2: the organisation's webhooks
// (applications without one, or on Divio's own Git server, have none), one
// application's, and every organisation's. Refused without the extension:
// TestAccPluralDataSources_refused.
func TestAccRepositoryWebhooksDataSource(t *testing.T) {
	cp := acctest.StartControlPlaneWith(t, acctest.Options{PageSize: 2})
	h := setUpByHand(t, cp)
	shop := map[string]string{"id": h.hooks["shop"].UUID, "application": h.apps["shop"], "type": "github", "url": h.hooks["shop"].URL}
	blog := map[string]string{"id": h.hooks["blog"].UUID, "application": h.apps["blog"], "type": "bitbucket", "url": h.hooks["blog"].URL}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: pluralConfig(cp, "divio_repository_webhooks", fmt.Sprintf("organisation = %q", cp.OrgID(acctest.OrgName))),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(webhooksAddress, "webhooks.#", "2"),
					resource.TestCheckTypeSetElemNestedAttrs(webhooksAddress, "webhooks.*", shop),
					resource.TestCheckTypeSetElemNestedAttrs(webhooksAddress, "webhooks.*", blog),
				),
			},
			{
				Config: pluralConfig(cp, "divio_repository_webhooks", fmt.Sprintf("application = %q", h.apps["blog"])),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(webhooksAddress, "webhooks.#", "1"),
					resource.TestCheckTypeSetElemNestedAttrs(webhooksAddress, "webhooks.*", blog),
				),
			},
			{
				Config: pluralConfig(cp, "divio_repository_webhooks", fmt.Sprintf("application = %q", h.apps["docs"])),
				Check:  resource.TestCheckResourceAttr(webhooksAddress, "webhooks.#", "0"),
			},
			{
				Config: pluralConfig(cp, "divio_repository_webhooks"),
				Check:  resource.TestCheckResourceAttr(webhooksAddress, "webhooks.#", "2"),
			},
		},
	})
}
