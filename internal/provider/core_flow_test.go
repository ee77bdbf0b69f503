// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

// coreFlowConfig is the core flow a user writes against api.divio.com:
// look up the catalogue by name, create the repository, verify it once
// the deploy key is on the Git host, and create the application on it.
func coreFlowConfig(url string, verify bool) string {
	config := `
data "divio_organisation" "acme" {
  name = "Acme"
}

data "divio_plan_group" "free" {
  organisation = data.divio_organisation.acme.id
  name         = "Free"
}

data "divio_region" "eu" {
  name = "eu-central"
}

resource "divio_repository" "site" {
  organisation = data.divio_organisation.acme.id
  url          = "` + url + `"
}
`
	if !verify {
		return config
	}
	return config + `
resource "divio_repository_verification" "site" {
  repository = divio_repository.site.id
  triggers   = { key = divio_repository.site.fingerprint_sha256 }
}

resource "divio_application" "web" {
  name         = "Acme shop"
  slug         = "acme-shop"
  organisation = data.divio_organisation.acme.id
  plan_group   = data.divio_plan_group.free.id
  region       = data.divio_region.eu.id
  repository   = divio_repository_verification.site.repository
  branch       = "main"
}
`
}

// The whole core flow against a server with Divio's public API only, on
// the real CLI and a real SSH Git host: create the repository, install its
// key on the host (as the GitHub provider would), verify, create the
// application; the plan is then empty, and stays empty after importing
// each resource again, with no write request. The requests are written to
// .tmp/core-flow-requests-<cli>.txt.
func TestAccCoreFlow_publicAPI(t *testing.T) {
	cp := acctest.StartControlPlaneWith(t, acctest.Options{PublicOnly: true})
	host := acctest.StartGitHost(t)
	site := acctest.NewRepo(t, host, "site", map[string]map[string]string{"main": readmeOnly})
	w := acctest.NewWorkdir(t)
	w.Write("provider.tf", cp.ProviderBlock())
	start := cp.Requests.Mark()

	w.Write("main.tf", coreFlowConfig(site.SSHURL(), false))
	w.Must("apply", "-auto-approve", "-no-color")
	publicKey := str(w.StateValues("divio_repository.site"), "public_key")
	if err := host.AuthorizeKey(publicKey, githost.ReadWrite); err != nil {
		t.Fatal(err)
	}
	w.Write("main.tf", coreFlowConfig(site.SSHURL(), true))
	w.Must("apply", "-auto-approve", "-no-color")
	expectEmptyPlan(t, w)

	// Import each again. What Divio's public API does not answer (the
	// verification's triggers; the application's plan group, region and
	// branch) shows once in the plan after the import, and its apply sends
	// nothing.
	imports := []struct{ address, id, adopts string }{
		{"divio_repository.site", str(w.StateValues("divio_repository.site"), "id"), ""},
		{"divio_repository_verification.site", str(w.StateValues("divio_repository_verification.site"), "repository"), "triggers"},
		{"divio_application.web", str(w.StateValues("divio_application.web"), "id"), "branch,plan_group,region"},
	}
	for _, imp := range imports {
		mark := cp.Requests.Mark()
		w.Must("state", "rm", imp.address)
		w.Must("import", "-no-color", imp.address, imp.id)
		adoptImported(t, w, imp.address, imp.adopts)
		expectEmptyPlan(t, w)
		if writes := acctest.Writes(cp.Requests.Since(mark)); len(writes) > 0 {
			t.Errorf("importing %s sent %v", imp.address, writes)
		}
	}
	writeRequestLog(t, w.CLI, "public", "the core flow against the public API only", cp.Requests.Since(start))

	// What the public API cannot do is refused at plan time, on the attribute.
	moved := strings.Replace(coreFlowConfig(site.SSHURL(), true), "repository   = divio_repository_verification.site.repository",
		`repository   = "0b0c3a52-59a9-4cd5-9a0a-8d6c9d8a7f10"`, 1)
	w.Write("main.tf", moved)
	expectPlanError(t, w, "application_migration extension", "Migrate to external repository")
	w.Write("main.tf", coreFlowConfig(site.SSHURL(), true))
	expectPlanError(t, w, "protected from deletion", "deletion_protection = false", "-destroy")

	// Divio's public API cannot delete an application or a repository:
	// stop managing the application, and destroy only warns for the rest.
	w.Must("state", "rm", "divio_application.web")
	if r := w.Must("destroy", "-auto-approve", "-no-color"); !strings.Contains(r.Stdout+r.Stderr, "The repository stays on Divio") {
		t.Errorf("destroy did not warn that the repository stays: %s", r)
	}
}

// adoptImported plans after an import: the plan must change nothing but
// adopts (the attribute an import cannot read back, "" for none), and its
// apply records it.
func adoptImported(t *testing.T, w *acctest.Workdir, address, adopts string) {
	t.Helper()
	r := w.Run("plan", "-detailed-exitcode", "-no-color", "-out=import.plan")
	if adopts == "" {
		if r.Code != 0 {
			t.Fatalf("the plan after importing %s is not empty: %s", address, r)
		}
		return
	}
	for _, c := range w.ShowPlan("import.plan") {
		if c.Address == address && strings.Join(c.Changed, ",") != adopts {
			t.Fatalf("after importing %s the plan changes %v, want %s: %s", address, c.Changed, adopts, r)
		}
	}
	w.Must("apply", "-no-color", "import.plan")
}

func expectEmptyPlan(t *testing.T, w *acctest.Workdir) {
	t.Helper()
	if r := w.Run("plan", "-detailed-exitcode", "-no-color"); r.Code != 0 {
		t.Fatalf("the plan is not empty: %s", r)
	}
}

// expectPlanError runs plan (with extra arguments) and expects it to fail
// with every one of wants in its output.
func expectPlanError(t *testing.T, w *acctest.Workdir, first string, rest ...string) {
	t.Helper()
	args := []string{"plan", "-no-color"}
	wants := []string{first}
	for _, r := range rest {
		if strings.HasPrefix(r, "-") {
			args = append(args, r)
		} else {
			wants = append(wants, r)
		}
	}
	r := w.Run(args...)
	text := strings.Join(strings.Fields(r.Stdout+r.Stderr), " ")
	for _, want := range wants {
		if r.Code != 1 || !strings.Contains(text, want) {
			t.Fatalf("want plan to fail with %q: %s", want, r)
		}
	}
}

// writeRequestLog keeps the requests of a core flow for the closing notes,
// in .tmp/core-flow-requests-<name>-<cli>.txt.
func writeRequestLog(t *testing.T, cli acctest.CLI, name, what string, requests []string) {
	dir := filepath.Join(acctest.RepositoryRoot(t), ".tmp")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf("On %s, %s (%d requests)\n%s\n", cli, what, len(requests), strings.Join(requests, "\n"))
	if err := os.WriteFile(filepath.Join(dir, "core-flow-requests-"+name+"-"+cli.Name+".txt"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
