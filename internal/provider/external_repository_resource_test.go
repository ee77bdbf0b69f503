package provider_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/githost"
)

const bindingAddress = "divio_external_repository.repo"

// readmeOnly is what a new application's repository may hold.
var readmeOnly = map[string]string{"README": "# site\n", "LICENSE": "MIT\n"}

// deployKeyOnly is the first step of every binding test: the deploy key,
// installed on the Git host by the step's check (as the GitHub provider
// would install it), with the given access.
func deployKeyOnly(cp *acctest.ControlPlane, host *githost.Host, access githost.Access) resource.TestStep {
	return resource.TestStep{
		Config: deployKeyConfig(cp, ""),
		Check: func(s *terraform.State) error {
			return host.AuthorizeKey(s.RootModule().Resources[deployKeyAddress].Primary.Attributes["public_key"], access)
		},
	}
}

// platformHead checks the commit Divio's last access check or pull read
// for the seeded application, through the API: moving data stays out of
// managed resources. want is read when the check runs.
func platformHead(cp *acctest.ControlPlane, want func() string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		repos, err := cp.Client().ListRepositories(context.Background(), divioapi.RepositoryFilter{Application: cp.AppID(acctest.AppSlug)})
		if err != nil || len(repos) != 1 {
			return fmt.Errorf("%d bindings (err=%v)", len(repos), err)
		}
		if got := repos[0].LastCommit; got == nil || *got != want() {
			return fmt.Errorf("last_commit %v, want %s", got, want())
		}
		return nil
	}
}

func commitOf(t *testing.T, repo interface {
	Head(ctx context.Context, branch string) (string, error)
}, branch string) func() string {
	return func() string { return acctest.HeadOf(t, repo, branch) }
}

// bindingConfig is the deploy key plus a binding with extra arguments.
func bindingConfig(cp *acctest.ControlPlane, url, extra string) string {
	return deployKeyConfig(cp, "") + fmt.Sprintf(`
resource "divio_external_repository" "repo" {
  application   = data.divio_application.app.id
  url           = %q
  deploy_key_id = divio_repository_deploy_key.key.id
%s}
`, url, extra)
}

func TestAccExternalRepository_ssh(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	host := acctest.StartGitHost(t)
	site := acctest.NewRepo(t, host, "site", map[string]map[string]string{"main": readmeOnly, "develop": {"README": "dev\n"}})
	other := acctest.NewRepo(t, host, "other", map[string]map[string]string{"main": readmeOnly})
	appID := cp.AppID(acctest.AppSlug)
	var patches int

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		// Destroy only stops managing: the binding must still be there.
		CheckDestroy: func(*terraform.State) error {
			repos, err := cp.Client().ListRepositories(context.Background(), divioapi.RepositoryFilter{Application: appID})
			if err != nil || len(repos) != 1 {
				return fmt.Errorf("after destroy the application should keep its binding; got %d (err=%v)", len(repos), err)
			}
			return nil
		},
		Steps: []resource.TestStep{
			deployKeyOnly(cp, host, githost.ReadWrite),
			{
				Config: bindingConfig(cp, site.SSHURL(), ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(bindingAddress, tfjsonpath.New("state"), knownvalue.StringExact("CLONED")),
					statecheck.ExpectKnownValue(bindingAddress, tfjsonpath.New("branch"), knownvalue.StringExact("main")),
					statecheck.ExpectKnownValue(bindingAddress, tfjsonpath.New("write_access"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(bindingAddress, tfjsonpath.New("host_key_fingerprint"), knownvalue.StringExact(host.HostKeyFingerprint())),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPair(bindingAddress, "application", "data.divio_application.app", "id"),
					platformHead(cp, commitOf(t, site, "main")),
				),
			},
			{
				// Import by the application's id, as users know it.
				ResourceName:                         bindingAddress,
				ImportState:                          true,
				ImportStateId:                        appID,
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "application",
				ImportStateVerifyIgnore:              []string{"timeouts"},
			},
			{
				// An import {} block with the application's id.
				ResourceName:    bindingAddress,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   appID,
			},
			{
				// Another branch: re-checked in place, and the commit follows.
				Config: bindingConfig(cp, site.SSHURL(), `  branch = "develop"`+"\n"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(bindingAddress, plancheck.ResourceActionUpdate)},
				},
				Check: platformHead(cp, commitOf(t, site, "develop")),
			},
			{
				// Another spelling of the same remote is not a change of remote: no PATCH, no re-check.
				PreConfig: func() { patches = cp.Requests.Mark() },
				Config:    bindingConfig(cp, site.SSHURL()+"/", `  branch = "develop"`+"\n"),
				Check: func(*terraform.State) error {
					if n := acctest.CountPrefix(cp.Requests.Since(patches), "PATCH "); n != 0 {
						return fmt.Errorf("a respelled URL sent %d PATCH requests, want 0", n)
					}
					return nil
				},
			},
			{
				// Another repository: re-checked in place.
				Config: bindingConfig(cp, other.SSHURL(), ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(bindingAddress, plancheck.ResourceActionUpdate)},
				},
				Check: platformHead(cp, commitOf(t, other, "main")),
			},
		},
	})
}

func TestAccExternalRepository_planTimeRules(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	binding := func(body string) string {
		return cp.ProviderBlock() + fmt.Sprintf(`
resource "divio_external_repository" "repo" {
  application = %q
%s
}
`, cp.AppID(acctest.AppSlug), body)
	}
	const key = `  deploy_key_id = "0b6f8a2e-7a35-4a8f-9d4e-3c1c2b6f1e55"` + "\n"
	const httpsBlock = `  https {
    username         = "ci"
    token_wo         = "glpat-secret"
    token_wo_version = 1
  }
`
	cases := []struct{ name, body, want string }{
		{"https on github", `  url = "https://github.com/acme/site"` + "\n" + httpsBlock, `(?s)allows password\s+authentication.*git@github\.com:acme/site\.git`},
		{"https on gitlab www", `  url = "https://www.gitlab.com/acme/site.git"` + "\n" + httpsBlock, `(?s)password\s+authentication`},
		{"https on bitbucket", `  url = "https://bitbucket.org/acme/site.git"` + "\n" + httpsBlock, `(?s)password\s+authentication`},
		{"plain http", `  url = "http://git.example.com/site.git"` + "\n" + key, `(?s)Invalid repository URL.*https://`},
		{"git protocol", `  url = "git://git.example.com/site.git"` + "\n" + key, `(?s)Invalid repository URL.*ssh://`},
		{"local path", `  url = "/srv/git/site.git"` + "\n" + key, `(?s)Invalid repository URL`},
		{"credentials in url", `  url = "https://ci:secret@git.example.com/site.git"` + "\n" + httpsBlock, `(?s)Invalid repository URL.*https\s+block`},
		{"https without block", `  url = "https://git.example.com/site.git"`, `(?s)HTTPS credentials required`},
		{"https without token version", `  url = "https://git.example.com/site.git"` + "\n" + strings.Replace(httpsBlock, "    token_wo_version = 1\n", "", 1), `(?s)HTTPS credentials required.*token_wo_version`},
		{"https with deploy key", `  url = "https://git.example.com/site.git"` + "\n" + key + httpsBlock, `(?s)Deploy key not used with HTTPS`},
		{"ssh with https block", `  url = "git@git.example.com:acme/site.git"` + "\n" + key + httpsBlock, `(?s)HTTPS credentials not used with SSH`},
		{"ssh without deploy key", `  url = "git@git.example.com:acme/site.git"`, `(?s)Deploy key required`},
		{"bad branch", `  url = "git@git.example.com:acme/site.git"` + "\n" + key + `  branch = "a..b"`, `(?s)Invalid branch name.*must not contain`},
		{"read-only at setup", `  url = "git@git.example.com:acme/site.git"` + "\n" + key + `  write_access = false`, `(?s)Write access is required to set up`},
		{"bad fingerprint", `  url = "git@git.example.com:acme/site.git"` + "\n" + key + `  expected_host_key_fingerprint = "MD5:aa:bb"`, `(?s)expected_host_key_fingerprint.*SHA256:`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mark := cp.Requests.Mark()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
				Steps:                    []resource.TestStep{{Config: binding(c.body), PlanOnly: true, ExpectError: regexp.MustCompile(c.want)}},
			})
			if n := len(cp.Requests.Since(mark)); n != 0 {
				t.Errorf("a plan-time error still sent %d API requests", n)
			}
		})
	}
}

func TestAccExternalRepository_accessCheckErrors(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	host := acctest.StartGitHost(t)
	existing := acctest.NewRepo(t, host, "existing", map[string]map[string]string{
		"main": {"README": "x\n", "app.py": "print()\n", "requirements.txt": "django\n"},
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			deployKeyOnly(cp, host, githost.ReadWrite),
			{
				Config:      bindingConfig(cp, existing.SSHURL(), `  branch = "release"`+"\n"),
				ExpectError: regexp.MustCompile(`(?s)branch_missing.*requires\s+a\s+branch.*release`),
			},
			{
				// A new application must start from an (almost) empty branch.
				Config:      bindingConfig(cp, existing.SSHURL(), ""),
				ExpectError: regexp.MustCompile(`(?s)branch_not_empty.*app\.py.*requirements\.txt`),
			},
			{
				// Migrating an existing application accepts any content, and adopts
				// the binding the failed creates left on the platform.
				Config: bindingConfig(cp, existing.SSHURL(), "  migrate = true\n"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(bindingAddress, "state", "CLONED"),
					platformHead(cp, commitOf(t, existing, "main")),
				),
			},
		},
	})
}

func TestAccExternalRepository_authenticationError(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	host := acctest.StartGitHost(t)
	site := acctest.NewRepo(t, host, "site", map[string]map[string]string{"main": readmeOnly})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: deployKeyConfig(cp, "")}, // the key is never installed on the host
			{
				Config:      bindingConfig(cp, site.SSHURL(), ""),
				ExpectError: regexp.MustCompile(`(?s)authentication_error.*Authentication\s+error`),
			},
		},
	})
}

func TestAccExternalRepository_readOnlyMode(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	host := acctest.StartGitHost(t)
	site := acctest.NewRepo(t, host, "site", map[string]map[string]string{"main": readmeOnly, "develop": readmeOnly})
	var publicKey string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: deployKeyConfig(cp, ""),
				Check: func(s *terraform.State) error {
					publicKey = s.RootModule().Resources[deployKeyAddress].Primary.Attributes["public_key"]
					return host.AuthorizeKey(publicKey, githost.ReadWrite)
				},
			},
			{Config: bindingConfig(cp, site.SSHURL(), "")},
			{
				// The host now grants the key read access only: with write access
				// expected, the re-check fails on push access.
				PreConfig: func() {
					if err := host.AuthorizeKey(publicKey, githost.ReadOnly); err != nil {
						t.Fatal(err)
					}
				},
				Config:      bindingConfig(cp, site.SSHURL(), `  branch = "develop"`+"\n"),
				ExpectError: regexp.MustCompile(`(?s)write_access_denied.*write_access`),
			},
			{
				// Read-only mode, allowed after setup: the same key passes.
				Config: bindingConfig(cp, site.SSHURL(), `  branch = "develop"`+"\n  write_access = false\n"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(bindingAddress, "state", "CLONED"),
					resource.TestCheckResourceAttr(bindingAddress, "write_access", "false"),
				),
			},
		},
	})
}

func TestAccExternalRepository_hostKeyChange(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	host := acctest.StartGitHost(t)
	site := acctest.NewRepo(t, host, "site", map[string]map[string]string{"main": readmeOnly, "develop": readmeOnly})
	oldFingerprint := host.HostKeyFingerprint()
	// The new key's fingerprint is known only after the rotation; the last
	// step's configuration reads it from this file at plan time.
	newFingerprintFile := filepath.Join(t.TempDir(), "fingerprint")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			deployKeyOnly(cp, host, githost.ReadWrite),
			{
				Config: bindingConfig(cp, site.SSHURL(), ""),
				Check:  resource.TestCheckResourceAttr(bindingAddress, "host_key_fingerprint", oldFingerprint),
			},
			{
				// The host's key changes: the pinned key no longer matches, and the
				// check says so instead of accepting the new key.
				PreConfig: func() {
					if err := host.RotateHostKey(); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(newFingerprintFile, []byte(host.HostKeyFingerprint()), 0o600); err != nil {
						t.Fatal(err)
					}
				},
				Config:      bindingConfig(cp, site.SSHURL(), `  branch = "develop"`+"\n"),
				ExpectError: regexp.MustCompile(`(?s)host_key_mismatch.*` + regexp.QuoteMeta(oldFingerprint)),
			},
			{
				// Accepting the new key is explicit: pin its fingerprint.
				Config: bindingConfig(cp, site.SSHURL(), `  branch = "develop"`+"\n"+
					fmt.Sprintf("  expected_host_key_fingerprint = trimspace(file(%q))\n", newFingerprintFile)),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(bindingAddress, "state", "CLONED"),
					func(s *terraform.State) error {
						got := s.RootModule().Resources[bindingAddress].Primary.Attributes["host_key_fingerprint"]
						if got != host.HostKeyFingerprint() || got == oldFingerprint {
							return fmt.Errorf("host_key_fingerprint = %s, want the new key's %s", got, host.HostKeyFingerprint())
						}
						return nil
					},
				),
			},
		},
	})
}

// TestAccExternalRepository_oneRequestPerRefresh pins the cost of a refresh
// of a binding: one request.
func TestAccExternalRepository_oneRequestPerRefresh(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	host := acctest.StartGitHost(t)
	site := acctest.NewRepo(t, host, "site", map[string]map[string]string{"main": readmeOnly})
	var mark int
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			deployKeyOnly(cp, host, githost.ReadWrite),
			{Config: bindingConfig(cp, site.SSHURL(), "")},
			{
				PreConfig:    func() { mark = cp.Requests.Mark() },
				RefreshState: true,
				Check: func(*terraform.State) error {
					requests := cp.Requests.Since(mark)
					// data source: application + environments; deploy key: 1; binding: 1
					if got := acctest.CountPrefix(requests, "GET /apps/v3/repositories/"); got != 1 {
						return fmt.Errorf("refresh read the binding with %d requests, want 1: %v", got, requests)
					}
					return nil
				},
			},
		},
	})
}
