// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

// The ephemeral resource's values are handed to the echo test provider,
// which shows what a consumer receives.
func TestAccRepositoryWebhookEphemeralResource(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	host := acctest.StartGitHost(t)
	app, _ := bind(t, cp, host)
	hook, err := cp.Client().CreateWebhook(context.Background(), divioapi.CreateWebhookRequest{Application: app, Type: "gitlab"})
	if err != nil {
		t.Fatal(err)
	}
	factories := acctest.ProtoV6ProviderFactories()
	factories["echo"] = echoprovider.NewProviderServer()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{{
			Config: cp.ProviderBlock() + fmt.Sprintf(`
ephemeral "divio_repository_webhook" "hook" {
  application = %q
}

provider "echo" {
  data = {
    type   = ephemeral.divio_repository_webhook.hook.type
    url    = ephemeral.divio_repository_webhook.hook.url
    secret = ephemeral.divio_repository_webhook.hook.secret
  }
}

resource "echo" "consumer" {}
`, app),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.consumer", tfjsonpath.New("data").AtMapKey("type"), knownvalue.StringExact("gitlab")),
				statecheck.ExpectKnownValue("echo.consumer", tfjsonpath.New("data").AtMapKey("url"), knownvalue.StringExact(hook.URL)),
				statecheck.ExpectKnownValue("echo.consumer", tfjsonpath.New("data").AtMapKey("secret"), knownvalue.StringExact(*hook.Secret)),
			},
		}},
	})
}

// The documented pattern: the webhook and the ephemeral resource reading
// it by id, in one configuration, work on the first apply (the webhook is
// read after its creation, not during the first plan).
func TestAccRepositoryWebhookEphemeralResource_sameConfiguration(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	host := acctest.StartGitHost(t)
	app, _ := bind(t, cp, host)
	factories := acctest.ProtoV6ProviderFactories()
	factories["echo"] = echoprovider.NewProviderServer()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{{
			Config: cp.ProviderBlock() + fmt.Sprintf(`
resource "divio_repository_webhook" "push" {
  application = %q
  type        = "github"
}

ephemeral "divio_repository_webhook" "push" {
  id = divio_repository_webhook.push.id
}

provider "echo" {
  data = {
    application = ephemeral.divio_repository_webhook.push.application
    url         = ephemeral.divio_repository_webhook.push.url
  }
}

resource "echo" "consumer" {}
`, app),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.consumer", tfjsonpath.New("data").AtMapKey("application"), knownvalue.StringExact(app)),
				statecheck.CompareValuePairs("echo.consumer", tfjsonpath.New("data").AtMapKey("url"),
					"divio_repository_webhook.push", tfjsonpath.New("url"), compare.ValuesSame()),
			},
		}},
	})
}

// TestAccRepositorySyncStatus_oneRequestPerRead pins the cost of the data
// source: one API request per read.
func TestAccRepositorySyncStatus_oneRequestPerRead(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	var mark int
	config := cp.ProviderBlock() + fmt.Sprintf("data \"divio_repository_sync_status\" \"sync\" {\n  application = %q\n}\n", cp.AppID(acctest.AppSlug))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				// Without a binding: no repository, nothing in sync.
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckNoResourceAttr(syncStatusAddress, "repository_id"),
					resource.TestCheckResourceAttr(syncStatusAddress, "in_sync", "false"),
				),
			},
			{
				PreConfig:    func() { mark = cp.Requests.Mark() },
				RefreshState: true,
				Check: func(*terraform.State) error {
					// Besides the one discovery request of each provider run.
					var requests []string
					for _, r := range cp.Requests.Since(mark) {
						if !strings.HasPrefix(r, "GET /extensions/") {
							requests = append(requests, r)
						}
					}
					if len(requests) != 1 {
						return fmt.Errorf("a read of the sync status made %d requests, want 1: %v", len(requests), requests)
					}
					return nil
				},
			},
		},
	})
}
