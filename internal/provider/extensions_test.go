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

// Every extension type, against a server with Divio's public API only, is
// refused at plan time with a diagnostic that names the extension and what
// to do in the Control Panel instead.
func TestAccExtensions_refusedOnPublicAPI(t *testing.T) {
	cp := acctest.StartControlPlaneWith(t, acctest.Options{PublicOnly: true})
	app := cp.AppID(acctest.AppSlug)
	env := cp.Seed.Environments[acctest.AppSlug+"/test"]
	repo := "0b0c3a52-59a9-4cd5-9a0a-8d6c9d8a7f10"
	cases := []struct{ name, config, want string }{
		{"webhook", fmt.Sprintf("resource \"divio_repository_webhook\" \"h\" {\n  application = %q\n  type = \"github\"\n}\n", app),
			`(?s)webhooks\s+extension.*Control\s+Panel`},
		{"tracking branch", fmt.Sprintf("resource \"divio_environment_tracking_branch\" \"t\" {\n  environment = %q\n  branch = \"develop\"\n}\n", env),
			`(?s)tracking_branches\s+extension.*Control\s+Panel`},
		{"migration", fmt.Sprintf("resource \"divio_application_repository\" \"m\" {\n  application = %q\n  repository = %q\n}\n", app, repo),
			`(?s)application_migration\s+extension.*Migrate\s+to\s+external\s+repository`},
		{"sync status", fmt.Sprintf("data \"divio_repository_sync_status\" \"s\" {\n  application = %q\n}\n", app),
			`(?s)sync_status\s+extension.*Control\s+Panel`},
		{"ephemeral webhook", fmt.Sprintf("ephemeral \"divio_repository_webhook\" \"h\" {\n  application = %q\n}\n", app),
			`(?s)webhooks\s+extension.*Control\s+Panel`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
				Steps: []resource.TestStep{{
					Config: cp.ProviderBlock() + c.config, PlanOnly: true, ExpectError: regexp.MustCompile(c.want),
				}},
			})
		})
	}
}

// use_extensions = false keeps to the public API even where the server has
// more: the same types are refused, and nothing asks for the extensions.
func TestAccExtensions_turnedOff(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	mark := cp.Requests.Mark()
	config := fmt.Sprintf("provider \"divio\" {\n  api_url = %q\n  api_token = %q\n  use_extensions = false\n}\n", cp.URL, cp.Token) +
		fmt.Sprintf("resource \"divio_repository_webhook\" \"h\" {\n  application = %q\n  type = \"github\"\n}\n", cp.AppID(acctest.AppSlug))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps:                    []resource.TestStep{{Config: config, PlanOnly: true, ExpectError: regexp.MustCompile(`(?s)webhooks\s+extension`)}},
	})
	if n := acctest.CountPrefix(cp.Requests.Since(mark), "GET /extensions/"); n != 0 {
		t.Errorf("asked for the extensions %d times with use_extensions = false", n)
	}
}
