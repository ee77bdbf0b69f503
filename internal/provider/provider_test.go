// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
)

func TestMain(m *testing.M) {
	if os.Getenv(installKeyEnv) != "" {
		installKeyFromProvisioner() // run by a provisioner of readme_test.go
	}
	if err := acctest.ConfigureEnvironment(); err != nil {
		fmt.Fprintln(os.Stderr, "acceptance test environment:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

const applicationBySlug = `
data "divio_application" "app" {
  slug = "acme-web"
}
`

func TestAccProvider_configuration(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	withProvider := func(block string) string { return block + applicationBySlug }
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				// An endpoint that is not http(s) is refused at plan time, on the attribute.
				Config:      withProvider(`provider "divio" { api_url = "ftp://api.divio.com" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Divio API URL.*api_url.*https://`),
			},
			{
				Config:      withProvider(fmt.Sprintf("provider \"divio\" {\n api_url = %q\n api_token = \"\"\n}", cp.URL)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Missing Divio API token.*DIVIO_API_TOKEN`),
			},
			{
				Config:      withProvider(fmt.Sprintf("provider \"divio\" {\n api_url = %q\n api_token = \"abc def\"\n}", cp.URL)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Malformed Divio API token.*whitespace`),
			},
			{
				Config:      withProvider(fmt.Sprintf("provider \"divio\" {\n api_url = %q\n api_token = \"wrong-token\"\n}", cp.URL)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)refused the token.*DIVIO_API_TOKEN`),
			},
		},
	})
}

func TestAccProvider_environmentVariables(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	t.Setenv("DIVIO_API_URL", cp.URL)
	t.Setenv("DIVIO_API_TOKEN", cp.Token)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: applicationBySlug,
				Check:  resource.TestCheckResourceAttr("data.divio_application.app", "id", cp.AppID(acctest.AppSlug)),
			},
		},
	})
}

func TestAccProvider_malformedEnvironmentURL(t *testing.T) {
	t.Setenv("DIVIO_API_URL", "api.divio.com")
	t.Setenv("DIVIO_API_TOKEN", "token")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      applicationBySlug,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Divio API URL.*DIVIO_API_URL environment variable`),
			},
		},
	})
}

// With neither api_token nor DIVIO_API_TOKEN, the provider uses the token
// Divio's CLI keeps after `divio login`: the password of the zone's
// endpoint in the netrc file (here NETRC_PATH, with DIVIO_ZONE an endpoint
// URL as the CLI accepts it). Without one, the error says where it looked;
// and it never sends that token to an API URL of another zone.
func TestAccProvider_tokenFromDivioCLI(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	netrc := filepath.Join(t.TempDir(), "netrc")
	host := strings.TrimPrefix(cp.URL, "http://")
	host = host[:strings.LastIndex(host, ":")]
	if err := os.WriteFile(netrc, []byte("machine "+host+"\n  login ada@acme.test\n  password "+cp.Token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DIVIO_API_TOKEN", "")
	t.Setenv("DIVIO_API_URL", "")
	t.Setenv("NETRC_PATH", netrc)
	t.Setenv("DIVIO_ZONE", cp.URL)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: applicationBySlug,
			Check:  resource.TestCheckResourceAttr("data.divio_application.app", "id", cp.AppID(acctest.AppSlug)),
		}},
	})

	t.Setenv("NETRC_PATH", filepath.Join(t.TempDir(), "none"))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: applicationBySlug, PlanOnly: true,
			ExpectError: regexp.MustCompile(`(?s)Missing Divio API token.*divio\s+login.*none\s+has\s+no\s+password\s+for\s+machine\s+127\.0\.0\.1`),
		}},
	})

	t.Setenv("NETRC_PATH", netrc)
	t.Setenv("DIVIO_ZONE", "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf("provider \"divio\" {\n api_url = %q\n}\n", cp.URL) + applicationBySlug, PlanOnly: true,
			ExpectError: regexp.MustCompile(`(?s)Missing Divio API token.*fills\s+for\s+https://api\.divio\.com,\s+not\s+for\s+http://127`),
		}},
	})
}
