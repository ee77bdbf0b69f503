package provider_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/githost"
)

// httpsUser is the user the HTTPS Git host knows the tokens of.
const httpsUser = "ci-bot"

// httpsBindingConfig is a binding over HTTPS with the https block, plus
// extra arguments.
func httpsBindingConfig(cp *acctest.ControlPlane, url, token string, version int, extra string) string {
	return cp.ProviderBlock() + applicationBySlug + fmt.Sprintf(`
resource "divio_external_repository" "repo" {
  application = data.divio_application.app.id
  url         = %q
%s
  https {
    username         = %q
    token_wo         = %q
    token_wo_version = %d
  }
}
`, url, extra, httpsUser, token, version)
}

// newPAT is a fresh personal access token, GitLab style.
func newPAT(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "glpat-" + hex.EncodeToString(b)
}

// Write-only: the token is never in the state nor the plan, whatever the
// step; these checks run on every step that has a configuration.

var tokenWOPath = tfjsonpath.New("https").AtMapKey("token_wo")

// noSecretsInState checks the state as terraform-plugin-testing reads it
// back (every attribute of every resource), and that token_wo is null.
func noSecretsInState(secrets []string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, m := range s.Modules {
			for address, rs := range m.Resources {
				if rs.Primary == nil {
					continue
				}
				for name, value := range rs.Primary.Attributes {
					if i := containsAny(value, secrets); i >= 0 {
						return fmt.Errorf("state: %s.%s holds token #%d", address, name, i)
					}
				}
			}
			for name, out := range m.Outputs {
				if i := containsAny(fmt.Sprint(out.Value), secrets); i >= 0 {
					return fmt.Errorf("state: output %s holds token #%d", name, i)
				}
			}
		}
		rs, ok := s.RootModule().Resources[bindingAddress]
		if !ok {
			return fmt.Errorf("state: no %s", bindingAddress)
		}
		if _, ok := rs.Primary.Attributes["https.username"]; !ok {
			return fmt.Errorf("state: no https block: %v", rs.Primary.Attributes)
		}
		if v := rs.Primary.Attributes["https.token_wo"]; v != "" {
			return fmt.Errorf("state: https.token_wo = %q, want null", v)
		}
		return nil
	}
}

// rawStateHasNoSecrets checks the whole state JSON (`show -json`).
type rawStateHasNoSecrets []string

func (c rawStateHasNoSecrets) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	raw, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = err
		return
	}
	if i := containsAny(string(raw), c); i >= 0 {
		resp.Error = fmt.Errorf("state JSON holds token #%d", i)
	}
}

// planHasNoSecrets checks the whole plan JSON (`show -json` of the plan
// file): prior state, planned values, resource changes and configuration.
type planHasNoSecrets []string

func (c planHasNoSecrets) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	raw, err := json.Marshal(req.Plan)
	if err != nil {
		resp.Error = err
		return
	}
	if i := containsAny(string(raw), c); i >= 0 {
		resp.Error = fmt.Errorf("plan JSON holds token #%d", i)
	}
}

func containsAny(s string, secrets []string) int {
	for i, secret := range secrets {
		if strings.Contains(s, secret) {
			return i
		}
	}
	return -1
}

// requestsSince checks the API requests since *mark: exactly want PATCH
// requests of the binding, and no other check started.
func requestsSince(cp *acctest.ControlPlane, mark *int, wantPatches int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		requests := cp.Requests.Since(*mark)
		if n := acctest.CountPrefix(requests, "PATCH /apps/v3/repositories/"); n != wantPatches {
			return fmt.Errorf("%d PATCH requests of the binding, want %d: %v", n, wantPatches, requests)
		}
		if n := acctest.CountPrefix(requests, "PATCH "); n != wantPatches {
			return fmt.Errorf("%d PATCH requests in all, want %d: %v", n, wantPatches, requests)
		}
		for _, r := range requests {
			if strings.HasPrefix(r, "POST ") {
				return fmt.Errorf("unexpected %s: %v", r, requests)
			}
		}
		return nil
	}
}

func TestAccExternalRepository_https(t *testing.T) {
	host := acctest.StartHTTPSGitHost(t)
	cp := acctest.StartControlPlaneWith(t, acctest.Options{RootCAs: host.CertPool()})
	site := acctest.NewHTTPSRepo(t, host, "acme/site", map[string]map[string]string{"main": readmeOnly, "develop": {"README": "dev\n"}})
	appID := cp.AppID(acctest.AppSlug)

	first, second := newPAT(t), newPAT(t) // the token, and the one it is rotated to
	unsent := newPAT(t)                   // configured without a new token_wo_version: never sent
	wrong := newPAT(t)                    // unknown to the host
	readOnly := newPAT(t)                 // may fetch, not push
	secrets := []string{first, second, unsent, wrong, readOnly}
	if err := host.AddToken(httpsUser, first, githost.ReadWrite); err != nil {
		t.Fatal(err)
	}

	var mark int
	var bindingID, rotatedHead string
	markRequests := func() { mark = cp.Requests.Mark() }
	secretChecks := func(checks ...statecheck.StateCheck) []statecheck.StateCheck {
		return append(checks, rawStateHasNoSecrets(secrets), statecheck.ExpectKnownValue(bindingAddress, tokenWOPath, knownvalue.Null()))
	}
	planChecks := func(checks ...plancheck.PlanCheck) resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{PreApply: append(checks, planHasNoSecrets(secrets),
			plancheck.ExpectKnownValue(bindingAddress, tokenWOPath, knownvalue.Null()))}
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				// Bind over HTTPS: the control plane clones through TLS with the token.
				Config: httpsBindingConfig(cp, site.HTTPSURL(), first, 1, ""),
				ConfigPlanChecks: planChecks(
					plancheck.ExpectResourceAction(bindingAddress, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(bindingAddress, tfjsonpath.New("https").AtMapKey("token_wo_version"), knownvalue.Int64Exact(1)),
				),
				ConfigStateChecks: secretChecks(
					statecheck.ExpectKnownValue(bindingAddress, tfjsonpath.New("state"), knownvalue.StringExact("CLONED")),
					statecheck.ExpectKnownValue(bindingAddress, tfjsonpath.New("url"), knownvalue.StringExact(site.HTTPSURL())),
					statecheck.ExpectKnownValue(bindingAddress, tfjsonpath.New("https").AtMapKey("username"), knownvalue.StringExact(httpsUser)),
					statecheck.ExpectKnownValue(bindingAddress, tfjsonpath.New("https").AtMapKey("token_wo_version"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(bindingAddress, tfjsonpath.New("host_key_fingerprint"), knownvalue.Null()),
					statecheck.ExpectKnownValue(bindingAddress, tfjsonpath.New("deploy_key_id"), knownvalue.Null()),
				),
				Check: resource.ComposeAggregateTestCheckFunc(
					noSecretsInState(secrets),
					func(s *terraform.State) error {
						bindingID = s.RootModule().Resources[bindingAddress].Primary.ID
						return nil
					},
				),
			},
			{
				// Import by application: the token is not read back (it cannot be).
				ResourceName:                         bindingAddress,
				ImportState:                          true,
				ImportStateId:                        appID,
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "application",
				ImportStateVerifyIgnore:              []string{"timeouts", "https.token_wo_version"},
			},
			{
				// Rotation: the host revokes the token and issues a new one; the
				// new token with a new token_wo_version is sent and re-checked
				// (the old one no longer works, and the check sees a new commit).
				PreConfig: func() {
					if err := host.AddToken(httpsUser, second, githost.ReadWrite); err != nil {
						t.Fatal(err)
					}
					if err := host.RevokeToken(first); err != nil {
						t.Fatal(err)
					}
					sha, err := site.Commit(context.Background(), "main", map[string]string{"LICENSE": "MIT\n\nrotated\n"}, "after rotation")
					if err != nil {
						t.Fatal(err)
					}
					rotatedHead = sha
					markRequests()
				},
				Config: httpsBindingConfig(cp, site.HTTPSURL(), second, 2, ""),
				ConfigPlanChecks: planChecks(
					plancheck.ExpectResourceAction(bindingAddress, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(bindingAddress, tfjsonpath.New("https").AtMapKey("token_wo_version"), knownvalue.Int64Exact(2)),
				),
				ConfigStateChecks: secretChecks(
					statecheck.ExpectKnownValue(bindingAddress, tfjsonpath.New("state"), knownvalue.StringExact("CLONED")),
					statecheck.ExpectKnownValue(bindingAddress, tfjsonpath.New("https").AtMapKey("token_wo_version"), knownvalue.Int64Exact(2)),
				),
				Check: resource.ComposeAggregateTestCheckFunc(
					noSecretsInState(secrets),
					requestsSince(cp, &mark, 1),
					platformHead(cp, func() string { return rotatedHead }),
				),
			},
			{
				// A new token_wo without a new token_wo_version is not a change:
				// nothing is planned and nothing is sent.
				PreConfig:        markRequests,
				Config:           httpsBindingConfig(cp, site.HTTPSURL(), unsent, 2, ""),
				ConfigPlanChecks: planChecks(plancheck.ExpectEmptyPlan()),
				ConfigStateChecks: secretChecks(
					statecheck.ExpectKnownValue(bindingAddress, tfjsonpath.New("https").AtMapKey("token_wo_version"), knownvalue.Int64Exact(2)),
				),
				Check: resource.ComposeAggregateTestCheckFunc(noSecretsInState(secrets), requestsSince(cp, &mark, 0)),
			},
			{
				// Proof that the unsent token really stayed here: another branch
				// is checked with the token Divio holds, the rotated one, and passes
				// (the unsent token is unknown to the host). The PATCH carries the
				// branch only.
				PreConfig: markRequests,
				Config:    httpsBindingConfig(cp, site.HTTPSURL(), unsent, 2, `  branch      = "develop"`),
				ConfigPlanChecks: planChecks(
					plancheck.ExpectResourceAction(bindingAddress, plancheck.ResourceActionUpdate),
				),
				ConfigStateChecks: secretChecks(
					statecheck.ExpectKnownValue(bindingAddress, tfjsonpath.New("state"), knownvalue.StringExact("CLONED")),
				),
				Check: resource.ComposeAggregateTestCheckFunc(noSecretsInState(secrets), requestsSince(cp, &mark, 1),
					platformHead(cp, commitOf(t, site, "develop"))),
			},
			{
				// A token the host does not know: authentication_error, for the
				// https block's user. The host's 401 page echoed the token; the
				// message shows it redacted. (The provider puts the error on the
				// path "https", a block, which the CLI cannot point at: it shows
				// the resource's first line.)
				Config: httpsBindingConfig(cp, site.HTTPSURL(), wrong, 3, `  branch      = "develop"`),
				ExpectError: regexp.MustCompile(`(?s)External\s+repository\s+access\s+check\s+failed\s+\(authentication_error\).*` +
					`Authentication\s+error.*over\s+HTTPS\s+for\s+the\s+user\s+"` + regexp.QuoteMeta(httpsUser) + `".*` +
					`Access\s+denied\s+for\s+` + regexp.QuoteMeta(httpsUser) + `:\*\*\*`),
			},
			{
				// A read-only token while write_access is on: write_access_denied.
				PreConfig: func() {
					// The failed check's message is the control plane's: it names
					// the user, never the token (the host's 401 page echoed it).
					repo, err := cp.Client().GetRepository(context.Background(), bindingID)
					if err != nil {
						t.Fatal(err)
					}
					if repo.State != "INVALID" || repo.Error == nil || repo.Error.Code != "authentication_error" {
						t.Fatalf("after the wrong token: state %s, error %+v", repo.State, repo.Error)
					}
					if containsAny(repo.Error.Message, secrets) >= 0 {
						t.Fatalf("the check's message holds a token: %s", repo.Error.Message)
					}
					if err := host.AddToken(httpsUser, readOnly, githost.ReadOnly); err != nil {
						t.Fatal(err)
					}
				},
				// write_access is set explicitly so that the CLI can show the
				// error on its line.
				Config: httpsBindingConfig(cp, site.HTTPSURL(), readOnly, 4, "  branch       = \"develop\"\n  write_access = true"),
				ExpectError: regexp.MustCompile(`(?s)External\s+repository\s+access\s+check\s+failed\s+\(write_access_denied\).*` +
					`\d+:\s+write_access\s+=\s+true.*` +
					`token\s+of\s+"` + regexp.QuoteMeta(httpsUser) + `"\s+can\s+read\s+the\s+repository\s+but\s+not\s+write.*` +
					`not\s+allowed\s+for\s+this\s+token`),
			},
			{
				// The same read-only token in read-only mode passes.
				PreConfig: markRequests,
				Config:    httpsBindingConfig(cp, site.HTTPSURL(), readOnly, 4, "  branch       = \"develop\"\n  write_access = false"),
				ConfigStateChecks: secretChecks(
					statecheck.ExpectKnownValue(bindingAddress, tfjsonpath.New("state"), knownvalue.StringExact("CLONED")),
					statecheck.ExpectKnownValue(bindingAddress, tfjsonpath.New("write_access"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(bindingAddress, tfjsonpath.New("https").AtMapKey("token_wo_version"), knownvalue.Int64Exact(4)),
				),
				Check: resource.ComposeAggregateTestCheckFunc(noSecretsInState(secrets), requestsSince(cp, &mark, 1)),
			},
		},
	})
}
