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

// What the plural data sources refuse, each at plan time: a malformed UUID
// in a filter, organisation and application together, an application the
// token cannot see (another organisation's), and, on Divio's public API,
// the enumerations that need an extension.
func TestAccPluralDataSources_refused(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	public := acctest.StartControlPlaneWith(t, acctest.Options{PublicOnly: true})
	acme, globex := cp.OrgID(acctest.OrgName), cp.AppID(acctest.OtherOrgAppSlug)
	cases := []struct {
		name   string
		config string
		want   string
	}{
		{"malformed organisation", pluralConfig(cp, "divio_applications", `organisation = "Acme"`), `(?s)Invalid identifier.*not a UUID`},
		{"malformed application", pluralConfig(cp, "divio_repositories", `application = "acme-web"`), `(?s)Invalid identifier.*not a UUID`},
		{"both filters", pluralConfig(cp, "divio_repository_webhooks", fmt.Sprintf("organisation = %q", acme),
			fmt.Sprintf("application = %q", cp.AppID(acctest.AppSlug))), `(?s)cannot be configured together`},
		{"invisible application", pluralConfig(cp, "divio_environment_tracking_branches", fmt.Sprintf("application = %q", globex)),
			`(?s)Application not found.*visible to\s+this\s+API\s+token`},
		{"invisible application's repository", pluralConfig(cp, "divio_repositories", fmt.Sprintf("application = %q", globex)),
			`(?s)Application not found`},
		{"webhooks on the public API", pluralConfig(public, "divio_repository_webhooks", fmt.Sprintf("organisation = %q", public.OrgID(acctest.OrgName))),
			`(?s)Not available on this Divio API.*webhooks\s+extension.*Control\s+Panel`},
		{"tracking branches on the public API", pluralConfig(public, "divio_environment_tracking_branches"),
			`(?s)Not available on this Divio API.*tracking_branches\s+extension.*Control\s+Panel`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
				Steps:                    []resource.TestStep{{Config: c.config, PlanOnly: true, ExpectError: regexp.MustCompile(c.want)}},
			})
		})
	}
}
