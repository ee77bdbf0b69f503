// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

// stabilityCases lists the configurations of every resource type that the
// plan-stability suite runs: the plain one, and one with each kind of value
// an import cannot read back.
func stabilityCases() []stabilityCase {
	return []stabilityCase{
		{name: "divio_repository", address: "divio_repository.site", prepare: repositoryCase},
		{name: "divio_repository_verification", address: verificationAddress, prepare: verificationCase(false)},
		{name: "divio_repository_verification (timeouts, triggers)", address: verificationAddress, prepare: verificationCase(true)},
		{name: "divio_application", address: applicationAddress, prepare: applicationCase},
		{name: "divio_application_repository", address: "divio_application_repository.web", prepare: applicationRepositoryCase},
		{name: "divio_repository_webhook (github)", address: webhookAddress, prepare: webhookCase(false)},
		{name: "divio_repository_webhook (gitlab, secret_wo, rotation_triggers)", address: webhookAddress, minVersion: "1.11.0", prepare: webhookCase(true)},
		{name: "divio_environment_tracking_branch", address: trackingAddress, prepare: trackingBranchCase},
	}
}

const (
	verificationAddress = "divio_repository_verification.site"
	applicationAddress  = "divio_application.web"
)

func byAttribute(attribute string) (func(map[string]any) string, func(map[string]any) string) {
	return func(state map[string]any) string { return str(state, attribute) },
		func(state map[string]any) string { return fmt.Sprintf("{ %s = %q }", attribute, str(state, attribute)) }
}

// repositoryCase is a repository of the seeded organisation.
func repositoryCase(t *testing.T, env *stabilityEnv) *stabilityFixture {
	importID, identity := byAttribute("id")
	return &stabilityFixture{
		config: fmt.Sprintf(`
resource "divio_repository" "site" {
  organisation = %q
  url          = "git@github.com:acme/site.git"
}
`, env.cp.OrgID(acctest.OrgName)),
		importID:   importID,
		identity:   identity,
		failCreate: injectFailure(env, "POST /apps/v3/repositories/"),
		deleteObject: func(t *testing.T, state map[string]any) {
			if err := env.client.DeleteRepository(context.Background(), str(state, "id")); err != nil {
				t.Fatal(err)
			}
		},
		noChange: "Divio's API changes no repository in place",
	}
}

// verificationCase verifies a repository whose main branch appears only
// after the first apply failed. timeouts sets what an import cannot read.
func verificationCase(timeouts bool) func(t *testing.T, env *stabilityEnv) *stabilityFixture {
	return func(t *testing.T, env *stabilityEnv) *stabilityFixture {
		env.host = acctest.StartGitHost(t)
		site := acctest.NewRepo(t, env.host, "site", map[string]map[string]string{"develop": {"README": "dev\n"}})
		repo := env.cp.CreateRepository(t, env.host, site, githost.ReadWrite)
		extra, adopted := "", []string(nil)
		if timeouts {
			extra = "  triggers = { key = \"v1\" }\n  timeouts {\n    create = \"5m\"\n  }\n"
			adopted = []string{"timeouts", "triggers"}
		}
		importID, identity := byAttribute("repository")
		return &stabilityFixture{
			config: fmt.Sprintf(`
resource "divio_repository_verification" "site" {
  repository = %q
%s}
`, repo.UUID, extra),
			importID:        importID,
			identity:        identity,
			adoptedOnImport: adopted,
			failCreate: func(*testing.T) func(*testing.T) {
				return func(t *testing.T) { commit(t, site, "main", readmeOnly) } // branch_missing until then
			},
			noDelete: "a verification is not an object on Divio (a repository found no longer CLONED is the next column)",
			changeObject: func(t *testing.T, state map[string]any) []string {
				// The deploy key loses its access: the repository turns INVALID
				// and the plan verifies it again (a replacement).
				if err := env.host.RevokeKey(*repo.AuthInfo); err != nil {
					t.Fatal(err)
				}
				invalidate(t, env, repo.UUID)
				if err := env.host.AuthorizeKey(*repo.AuthInfo, githost.ReadWrite); err != nil {
					t.Fatal(err)
				}
				return []string{"id", "state"} // a replacement: the id is planned anew
			},
			changeReplaces: true,
		}
	}
}

// invalidate runs a clone check that fails, as one does after the deploy
// key was removed from the Git host.
func invalidate(t *testing.T, env *stabilityEnv, id string) {
	t.Helper()
	_, err := env.client.VerifyRepository(context.Background(), id, divioapi.VerifyOptions{Branch: "main"})
	if err == nil {
		t.Fatal("the check passed without the deploy key")
	}
}

// applicationCase is a new application on a verified repository; out of
// band it is migrated to another one.
func applicationCase(t *testing.T, env *stabilityEnv) *stabilityFixture {
	env.host = acctest.StartGitHost(t)
	site := acctest.NewRepo(t, env.host, "site", map[string]map[string]string{"main": readmeOnly})
	other := acctest.NewRepo(t, env.host, "other", map[string]map[string]string{"main": readmeOnly})
	repo := env.cp.CreateRepository(t, env.host, site, githost.ReadWrite)
	env.cp.Verify(t, repo.UUID, "main", false)
	otherRepo := env.cp.CreateRepository(t, env.host, other, githost.ReadWrite)
	env.cp.Verify(t, otherRepo.UUID, "main", true)
	// A third repository is verified only after a migration to it failed.
	third := acctest.NewRepo(t, env.host, "third", map[string]map[string]string{"main": readmeOnly})
	thirdRepo := env.cp.CreateRepository(t, env.host, third, githost.ReadWrite)
	config := func(repository string) string {
		return fmt.Sprintf(`
resource "divio_application" "web" {
  name                = "Acme shop"
  slug                = "acme-shop"
  organisation        = %q
  plan_group          = %q
  region              = %q
  repository          = %q
  deletion_protection = false
}
`, env.cp.OrgID(acctest.OrgName), env.cp.PlanGroupID(), env.cp.RegionID(), repository)
	}
	importID, identity := byAttribute("id")
	return &stabilityFixture{
		config: config(repo.UUID),
		failUpdate: &failingUpdate{
			config: config(thirdRepo.UUID),
			fix:    func(t *testing.T) { env.cp.Verify(t, thirdRepo.UUID, "main", true) },
		},
		importID: importID,
		identity: identity,
		// deletion_protection is the provider's alone: an import reads the default.
		adoptedOnImport: []string{"deletion_protection"},
		failCreate:      injectFailure(env, "POST /apps/v3/applications/"),
		deleteObject: func(t *testing.T, state map[string]any) {
			if err := env.client.DeleteApplication(context.Background(), str(state, "id")); err != nil {
				t.Fatal(err)
			}
		},
		changeObject: func(t *testing.T, state map[string]any) []string {
			_, err := env.client.MigrateApplicationRepository(context.Background(), str(state, "id"),
				divioapi.MigrateRepositoryRequest{Repository: otherRepo.UUID, Branch: "main"})
			if err != nil {
				t.Fatal(err)
			}
			return []string{"repository"}
		},
	}
}

// applicationRepositoryCase migrates the seeded application (on Divio's
// own Git server) to a repository whose main branch appears only after the
// first apply failed.
func applicationRepositoryCase(t *testing.T, env *stabilityEnv) *stabilityFixture {
	env.host = acctest.StartGitHost(t)
	site := acctest.NewRepo(t, env.host, "site", map[string]map[string]string{"develop": {"app.py": "print(1)\n"}})
	other := acctest.NewRepo(t, env.host, "other", map[string]map[string]string{"main": {"app.py": "print(2)\n"}})
	repo := env.cp.CreateRepository(t, env.host, site, githost.ReadWrite)
	otherRepo := env.cp.CreateRepository(t, env.host, other, githost.ReadWrite)
	env.cp.Verify(t, otherRepo.UUID, "main", true)
	app := env.cp.AppID(acctest.AppSlug)
	importID, identity := byAttribute("application")
	return &stabilityFixture{
		config: fmt.Sprintf(`
resource "divio_application_repository" "web" {
  application = %q
  repository  = %q
}
`, app, repo.UUID),
		importID: importID,
		identity: identity,
		failCreate: func(*testing.T) func(*testing.T) {
			return func(t *testing.T) { commit(t, site, "main", map[string]string{"app.py": "print(1)\n"}) }
		},
		noDelete: "an application cannot return to Divio's Git server",
		noUpdate: "a change of repository is the next migration: see divio_application",
		changeObject: func(t *testing.T, state map[string]any) []string {
			_, err := env.client.MigrateApplicationRepository(context.Background(), app,
				divioapi.MigrateRepositoryRequest{Repository: otherRepo.UUID, Branch: "main"})
			if err != nil {
				t.Fatal(err)
			}
			return []string{"repository"}
		},
	}
}

// webhookCase is a webhook of an application on a repository, both made
// in the Control Panel. chosen makes it a GitLab webhook with a secret of
// the user's and rotation triggers, which an import cannot read back.
func webhookCase(chosen bool) func(t *testing.T, env *stabilityEnv) *stabilityFixture {
	return func(t *testing.T, env *stabilityEnv) *stabilityFixture {
		env.host = acctest.StartGitHost(t)
		app, _ := bind(t, env.cp, env.host)
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
`, app, body),
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

// trackingBranchCase makes the test environment of an application on a
// repository track a branch that appears only after the first apply failed.
func trackingBranchCase(t *testing.T, env *stabilityEnv) *stabilityFixture {
	env.host = acctest.StartGitHost(t)
	app, site := bind(t, env.cp, env.host)
	commit(t, site, "develop", map[string]string{"README": "dev\n"})
	environment := environmentID(t, env.cp, app, "test")
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
