// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/hooksender"
)

const (
	webhookAddress    = "divio_repository_webhook.hook"
	syncStatusAddress = "data.divio_repository_sync_status.sync"
)

// webhookConfig is an optional webhook of application app (webhook == ""
// for none) and the sync status data source read after it.
func webhookConfig(cp *acctest.ControlPlane, app, webhook string) string {
	config := cp.ProviderBlock()
	dependsOn := ""
	if webhook != "" {
		config += fmt.Sprintf(`
resource "divio_repository_webhook" "hook" {
  application = %q
%s}
`, app, webhook)
		dependsOn = "  depends_on  = [divio_repository_webhook.hook]\n"
	}
	return config + fmt.Sprintf(`
data "divio_repository_sync_status" "sync" {
  application = %q
%s}
`, app, dependsOn)
}

// The whole loop of the product: bind, create a webhook, push a commit with
// real git, deliver the push as GitHub would, and see the sync status
// follow.
func TestAccRepositoryWebhook_fullLoop(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	host := acctest.StartGitHost(t)
	site := acctest.NewRepo(t, host, "site", map[string]map[string]string{"main": readmeOnly})
	app := cp.ApplicationOnRepository(t, host, site, "acme-shop").UUID
	var hookURL, hookSecret, pushed string
	ctx := context.Background()

	deliver := func(secret string, wantStatus int) {
		t.Helper()
		d, err := hooksender.New("github", hookURL, secret, hooksender.Push{Branch: "main", After: pushed, Repo: "acme/site"})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := d.Send(ctx)
		if err != nil || resp.Status != wantStatus {
			t.Fatalf("delivery: status %v, body %v (err=%v), want %d", resp.Status, resp.Body, err, wantStatus)
		}
		waitIdle(t, cp)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				// Connected, no webhook yet: the Control Panel's warning.
				Config: webhookConfig(cp, app, ""),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(syncStatusAddress, "webhook_configured", "false"),
					resource.TestCheckResourceAttr(syncStatusAddress, "warnings.0.code", "no_webhook"),
					resource.TestMatchResourceAttr(syncStatusAddress, "warnings.0.message", regexp.MustCompile(`no webhook set up`)),
					resource.TestCheckResourceAttr(syncStatusAddress, "origin_head", acctest.Head(t, site, "main")),
				),
			},
			{
				Config: webhookConfig(cp, app, `  type = "github"`+"\n"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestMatchResourceAttr(webhookAddress, "url", regexp.MustCompile("^"+regexp.QuoteMeta(cp.URL)+"/hooks/v1/[A-Za-z0-9_-]{20,}/$")),
					resource.TestMatchResourceAttr(webhookAddress, "secret", regexp.MustCompile(`^\S{16,}$`)),
					resource.TestCheckResourceAttr(syncStatusAddress, "webhook_configured", "true"),
					resource.TestCheckResourceAttr(syncStatusAddress, "warnings.#", "0"),
					func(s *terraform.State) error {
						attrs := s.RootModule().Resources[webhookAddress].Primary.Attributes
						hookURL, hookSecret = attrs["url"], attrs["secret"]
						return nil
					},
				),
			},
			{
				// A real push, delivered as GitHub delivers it.
				PreConfig: func() {
					var err error
					if pushed, err = site.Commit(ctx, "main", map[string]string{"app.py": "print('v2')\n"}, "v2"); err != nil {
						t.Fatal(err)
					}
					deliver("not-the-secret-at-all", 401) // a forged delivery pulls nothing
					deliver(hookSecret, 202)
				},
				Config: webhookConfig(cp, app, `  type = "github"`+"\n"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrWith(syncStatusAddress, "platform_head", func(v string) error {
						if v != pushed {
							return fmt.Errorf("platform_head %s, want the pushed %s", v, pushed)
						}
						return nil
					}),
					resource.TestCheckResourceAttr(syncStatusAddress, "in_sync", "true"),
					resource.TestCheckResourceAttr(syncStatusAddress, "last_delivery_result", "accepted"),
				),
			},
			{
				ResourceName:                         webhookAddress,
				ImportState:                          true,
				ImportStateId:                        app,
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "application",
			},
			{
				// Rotation: a new secret, and the old one stops working.
				Config: webhookConfig(cp, app, `  type = "github"`+"\n"+`  rotation_triggers = { quarter = "2026-Q4" }`+"\n"),
				Check: resource.TestCheckResourceAttrWith(webhookAddress, "secret", func(v string) error {
					if v == hookSecret || v == "" {
						return fmt.Errorf("secret not rotated")
					}
					old := hookSecret
					hookSecret = v
					deliver(old, 401)
					return nil
				}),
			},
			{
				// A secret of the user's choosing, kept out of the state.
				Config: webhookConfig(cp, app, `  type = "github"`+"\n"+
					`  secret_wo = "chosen-by-the-user-0123456789"`+"\n"+`  secret_wo_version = 1`+"\n"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckNoResourceAttr(webhookAddress, "secret"),
					resource.TestCheckNoResourceAttr(webhookAddress, "secret_wo"),
					func(s *terraform.State) error {
						for key, value := range s.RootModule().Resources[webhookAddress].Primary.Attributes {
							if strings.Contains(value, "chosen-by-the-user") {
								return fmt.Errorf("the write-only secret is in the state under %s", key)
							}
						}
						var err error
						if pushed, err = site.Commit(ctx, "main", map[string]string{"app.py": "print('v3')\n"}, "v3"); err != nil {
							return err
						}
						deliver("chosen-by-the-user-0123456789", 202)
						return nil
					},
				),
			},
		},
	})
}

func TestAccRepositoryWebhook_badInputs(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	hook := func(body string) string {
		return cp.ProviderBlock() + fmt.Sprintf("resource \"divio_repository_webhook\" \"hook\" {\n  application = %q\n%s\n}\n", cp.AppID(acctest.AppSlug), body)
	}
	cases := []struct{ name, body, want string }{
		{"unknown type", `  type = "gitea"`, `(?s)type.*value must be one of`},
		{"bitbucket with secret", `  type = "bitbucket"` + "\n" + `  secret_wo = "0123456789abcdef0123"` + "\n  secret_wo_version = 1", `(?s)Bitbucket webhooks have no secret`},
		{"secret without version", `  type = "github"` + "\n" + `  secret_wo = "0123456789abcdef0123"`, `(?s)secret_wo and secret_wo_version go together`},
		{"short secret", `  type = "github"` + "\n" + `  secret_wo = "short"` + "\n  secret_wo_version = 1", `(?s)secret_wo.*length`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
				Steps:                    []resource.TestStep{{Config: hook(c.body), PlanOnly: true, ExpectError: regexp.MustCompile(c.want)}},
			})
		})
	}
	// Without an external repository, the API refuses on the application.
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps:                    []resource.TestStep{{Config: hook(`  type = "github"`), ExpectError: regexp.MustCompile(`(?s)Could not create the webhook`)}},
	})
}

// waitIdle waits until the control plane has no pull or check left to do.
func waitIdle(t *testing.T, cp *acctest.ControlPlane) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := cp.Server.WaitIdle(ctx); err != nil {
		t.Fatalf("control plane not idle: %v", err)
	}
}

// syncStatus reads the sync status through the API.
func syncStatus(t *testing.T, cp *acctest.ControlPlane, app string) *divioapi.SyncStatus {
	t.Helper()
	status, err := cp.Client().GetSyncStatus(context.Background(), app)
	if err != nil {
		t.Fatal(err)
	}
	return status
}
