package provider_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/githost"
)

// stabilityCases lists the configurations of every resource type that the
// plan-stability suite runs: the plain one, and one with each kind of value
// an import cannot read back.
func stabilityCases() []stabilityCase {
	return []stabilityCase{
		{name: "divio_repository_deploy_key", address: "divio_repository_deploy_key.key", prepare: deployKeyCase},
		{name: "divio_external_repository", address: bindingAddress, prepare: bindingCase(false)},
		{name: "divio_external_repository (URL respelled, timeouts)", address: bindingAddress, prepare: bindingCase(true)},
		{name: "divio_repository_webhook (github)", address: webhookAddress, prepare: webhookCase(false)},
		{name: "divio_repository_webhook (gitlab, secret_wo, rotation_triggers)", address: webhookAddress, minVersion: "1.11.0", prepare: webhookCase(true)},
		{name: "divio_environment_tracking_branch", address: trackingAddress, prepare: trackingBranchCase},
	}
}

func byAttribute(attribute string) (func(map[string]any) string, func(map[string]any) string) {
	return func(state map[string]any) string { return str(state, attribute) },
		func(state map[string]any) string { return fmt.Sprintf("{ %s = %q }", attribute, str(state, attribute)) }
}

func deployKeyCase(t *testing.T, env *stabilityEnv) *stabilityFixture {
	importID, identity := byAttribute("id")
	return &stabilityFixture{
		config: fmt.Sprintf(`
resource "divio_repository_deploy_key" "key" {
  application = %q
}
`, env.cp.AppID(acctest.AppSlug)),
		importID:   importID,
		identity:   identity,
		failCreate: injectFailure(env, "POST /apps/v3/deploy-keys/"),
		deleteObject: func(t *testing.T, state map[string]any) {
			if err := env.client.DeleteDeployKey(context.Background(), str(state, "id")); err != nil {
				t.Fatal(err)
			}
		},
		noChange: "every argument replaces; the API changes no key in place",
	}
}

// bindingCase binds the application to a repository whose main branch
// appears only after the first apply failed. respelled writes the URL with
// a trailing slash and sets timeouts: values an import cannot read back.
func bindingCase(respelled bool) func(t *testing.T, env *stabilityEnv) *stabilityFixture {
	return func(t *testing.T, env *stabilityEnv) *stabilityFixture {
		env.host = acctest.StartGitHost(t)
		site := acctest.NewRepo(t, env.host, "site", map[string]map[string]string{"develop": {"README": "dev\n"}})
		key, err := env.client.CreateDeployKey(context.Background(), divioapi.CreateDeployKeyRequest{
			Application: env.cp.AppID(acctest.AppSlug), KeyType: "ED25519",
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := env.host.AuthorizeKey(key.PublicKey, githost.ReadWrite); err != nil {
			t.Fatal(err)
		}
		url, extra, adopted := site.SSHURL(), "", []string(nil)
		if respelled {
			url, extra, adopted = url+"/", "  timeouts {\n    create = \"5m\"\n  }\n", []string{"timeouts", "url"}
		}
		config := func(branch string) string {
			return fmt.Sprintf(`
resource "divio_external_repository" "repo" {
  application   = %q
  url           = %q
  branch        = %q
  deploy_key_id = %q
%s}
`, env.cp.AppID(acctest.AppSlug), url, branch, key.UUID, extra)
		}
		importID, identity := byAttribute("application")
		return &stabilityFixture{
			config:          config("main"),
			importID:        importID,
			identity:        identity,
			adoptedOnImport: adopted,
			failCreate: func(*testing.T) func(*testing.T) {
				// The branch is missing: the check fails (branch_missing).
				return func(t *testing.T) { commit(t, site, "main", readmeOnly) }
			},
			failUpdate: &failingUpdate{
				config: config("release"),
				fix:    func(t *testing.T) { commit(t, site, "release", readmeOnly) },
			},
			noDelete: "the API cannot delete a binding",
			changeObject: func(t *testing.T, state map[string]any) []string {
				id := str(state, "id")
				if _, err := env.client.UpdateRepository(context.Background(), id, divioapi.RepositoryPatch{"branch": "develop"}); err != nil {
					t.Fatal(err)
				}
				waitCloned(t, env, id)
				return []string{"branch"}
			},
		}
	}
}

// webhookCase is a webhook on a binding made in the Control Panel. chosen
// makes it a GitLab webhook with a secret of the user's and rotation
// triggers, which an import cannot read back.
func webhookCase(chosen bool) func(t *testing.T, env *stabilityEnv) *stabilityFixture {
	return func(t *testing.T, env *stabilityEnv) *stabilityFixture {
		env.host = acctest.StartGitHost(t)
		bindViaAPI(t, env, acctest.NewRepo(t, env.host, "site", map[string]map[string]string{"main": readmeOnly}))
		body, adopted := `  type        = "github"`+"\n", []string(nil)
		if chosen {
			body = `  type              = "gitlab"
  secret_wo         = "a-secret-of-my-own-0123456789"
  secret_wo_version = 1
  rotation_triggers = { quarter = "2026-Q4" }
`
			adopted = []string{"rotation_triggers", "secret_wo_version"}
		}
		importID, identity := byAttribute("application")
		return &stabilityFixture{
			config: fmt.Sprintf(`
resource "divio_repository_webhook" "hook" {
  application = %q
%s}
`, env.cp.AppID(acctest.AppSlug), body),
			importID:        importID,
			identity:        identity,
			adoptedOnImport: adopted,
			failCreate:      injectFailure(env, "POST /apps/v3/webhooks/"),
			deleteObject: func(t *testing.T, state map[string]any) {
				if err := env.client.DeleteWebhook(context.Background(), str(state, "id")); err != nil {
					t.Fatal(err)
				}
			},
			changeObject: func(t *testing.T, state map[string]any) []string {
				// Rotated in the Control Panel: only computed values move.
				if _, err := env.client.RotateWebhook(context.Background(), str(state, "id"), divioapi.RotateWebhookRequest{}); err != nil {
					t.Fatal(err)
				}
				return nil
			},
		}
	}
}

// trackingBranchCase makes the test environment track a branch that
// appears only after the first apply failed.
func trackingBranchCase(t *testing.T, env *stabilityEnv) *stabilityFixture {
	env.host = acctest.StartGitHost(t)
	site := acctest.NewRepo(t, env.host, "site", map[string]map[string]string{"main": readmeOnly, "develop": {"README": "dev\n"}})
	bindViaAPI(t, env, site)
	environment := env.cp.Seed.Environments[acctest.AppSlug+"/test"]
	config := func(branch string) string {
		return fmt.Sprintf(`
resource "divio_environment_tracking_branch" "test" {
  environment = %q
  branch      = %q
}
`, environment, branch)
	}
	importID, identity := byAttribute("environment")
	return &stabilityFixture{
		config:   config("feature"),
		importID: importID,
		identity: identity,
		failCreate: func(*testing.T) func(*testing.T) {
			return func(t *testing.T) { commit(t, site, "feature", map[string]string{"README": "feature\n"}) }
		},
		failUpdate: &failingUpdate{
			config: config("hotfix"),
			fix:    func(t *testing.T) { commit(t, site, "hotfix", map[string]string{"README": "hotfix\n"}) },
		},
		noDelete: "the API cannot delete an environment",
		changeObject: func(t *testing.T, state map[string]any) []string {
			if _, err := env.client.SetEnvironmentBranch(context.Background(), environment, "develop"); err != nil {
				t.Fatal(err)
			}
			return []string{"branch"}
		},
	}
}
