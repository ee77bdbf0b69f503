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

// The quickstart example, as a user applies it (the repository first, its
// key installed on the Git host, then everything), goes through what CI
// pipelines do with it: the plan after apply is empty, a refresh finds
// nothing, and every managed resource imported again plans empty after the
// one-time adoption of what Divio does not answer, with no write request.
func TestAccExamples_quickstartStable(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	host := acctest.StartGitHost(t)
	site := acctest.NewRepo(t, host, "demo-shop", map[string]map[string]string{"main": readmeOnly})
	w := acctest.NewWorkdir(t)
	content, err := os.ReadFile(filepath.Join(acctest.RepositoryRoot(t), "examples", "quickstart", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	w.Write("main.tf", withoutTerraformBlock(strings.Replace(string(content), `provider "divio" {}`, cp.ProviderBlock(), 1)))
	w.Write("terraform.tfvars", fmt.Sprintf("organisation   = %q\nrepository_url = %q\n", acctest.OrgName, site.SSHURL()))
	run := func(args ...string) acctest.Result {
		return w.Must(append([]string{args[0], "-no-color"}, args[1:]...)...)
	}

	run("apply", "-auto-approve", "-target=divio_repository.site")
	if err := host.AuthorizeKey(str(w.StateValues("divio_repository.site"), "public_key"), githost.ReadWrite); err != nil {
		t.Fatal(err)
	}
	run("apply", "-auto-approve")
	if r := w.Run("plan", "-detailed-exitcode", "-no-color"); r.Code != 0 {
		t.Fatalf("the plan after apply is not empty: %s", r)
	}
	if r := run("plan", "-refresh-only"); !strings.Contains(r.Stdout, "No changes") {
		t.Fatalf("the refresh found changes: %s", r)
	}

	imports := []struct{ address, attribute, adopts string }{
		{"divio_repository.site", "id", ""},
		{"divio_repository_verification.site", "repository", "triggers"},
		{"divio_application.app", "id", ""},
		{"divio_repository_webhook.push[0]", "application", ""},
	}
	for _, imp := range imports {
		id := str(w.StateValues(imp.address), imp.attribute)
		mark := cp.Requests.Mark()
		w.Must("state", "rm", imp.address)
		run("import", imp.address, id)
		r := w.Run("plan", "-detailed-exitcode", "-no-color", "-out=import.plan")
		switch {
		case r.Code == 2 && imp.adopts != "":
			w.Must("apply", "-no-color", "import.plan")
		case r.Code != 0:
			t.Fatalf("after importing %s: %s", imp.address, r)
		}
		if r := w.Run("plan", "-detailed-exitcode", "-no-color"); r.Code != 0 {
			t.Fatalf("the plan after importing %s is not empty: %s", imp.address, r)
		}
		if writes := acctest.Writes(cp.Requests.Since(mark)); len(writes) > 0 {
			t.Errorf("importing %s sent %v", imp.address, writes)
		}
	}
}
