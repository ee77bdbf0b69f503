// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

// The README's example, composed with the GitHub provider, is what a new
// user copies first. Its HCL blocks are formatted, and its shape — the
// deploy key installed by a resource between the repository and its
// verification, all in one apply — is applied against the local control
// plane and Git host, with the GitHub resources swapped for local ones.

// installKeyEnv makes the test binary, run by a local-exec provisioner,
// install the deploy key in $DIVIO_TEST_DEPLOY_KEY at the Git host behind
// this URL (see TestMain), as github_repository_deploy_key does at GitHub.
const installKeyEnv = "DIVIO_TEST_INSTALL_KEY_URL"

// installKeyFromProvisioner is the test binary's work when a provisioner
// runs it: post the key, and exit.
func installKeyFromProvisioner() {
	url := os.Getenv(installKeyEnv)
	resp, err := http.Post(url, "text/plain", strings.NewReader(os.Getenv("DIVIO_TEST_DEPLOY_KEY")))
	if err == nil && resp.StatusCode != http.StatusNoContent {
		err = fmt.Errorf("the Git host answered %s", resp.Status)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "installing the deploy key:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// readmeHCL returns the README's HCL blocks of Terraform configuration
// (not the CLI configuration, which is HCL 1 and has quoted keys).
func readmeHCL(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(acctest.RepositoryRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```hcl\n(.*?)```").FindAllStringSubmatch(string(data), -1) {
		if !strings.Contains(m[1], "provider_installation") {
			blocks = append(blocks, m[1])
		}
	}
	if len(blocks) < 2 {
		t.Fatalf("README.md has %d HCL blocks, want the install and the example blocks", len(blocks))
	}
	return blocks
}

func TestAccReadme_hclIsFormatted(t *testing.T) {
	cli, err := acctest.CurrentCLI()
	if err != nil {
		t.Fatal(err)
	}
	for i, block := range readmeHCL(t) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "block.tf"), []byte(block), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(cli.Path, "fmt", "-check", "-diff", "-no-color", dir).CombinedOutput(); err != nil {
			t.Errorf("README.md's HCL block %d is not formatted (%v):\n%s", i+1, err, out)
		}
	}
}

func TestAccReadme_exampleAppliesInOneRun(t *testing.T) {
	cp := acctest.StartControlPlaneWith(t, acctest.Options{Strict: true})
	host := acctest.StartGitHost(t)
	// What GitHub's auto_init creates: main with a README.md.
	site := acctest.NewRepo(t, host, "website", map[string]map[string]string{"main": {"README.md": "# website\n"}})
	keys := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, _ := io.ReadAll(r.Body)
		if err := host.AuthorizeKey(strings.TrimSpace(string(key)), githost.ReadWrite); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(keys.Close)

	example := readmeHCL(t)[1]
	w := acctest.NewWorkdir(t)
	w.Write("provider.tf", cp.ProviderBlock())
	w.Write("main.tf", localExample(t, example, site.SSHURL(), keys.URL))
	w.Must("apply", "-auto-approve", "-no-color")
	expectEmptyPlan(t, w)
	if state := w.StateValues("divio_repository_verification.website"); str(state, "state") != "CLONED" {
		t.Errorf("the verification is %v, want CLONED", state)
	}
	expectOneApplication(t, cp, "acme-website")
}

// localExample rewrites the README's example for the local hosts: the
// terraform and provider blocks go (the test configures them), the GitHub
// repository becomes the local one's URL, and the GitHub deploy key a
// terraform_data whose provisioner installs the key on the local Git host.
func localExample(t *testing.T, example, repoURL, keysURL string) string {
	t.Helper()
	f, diags := hclwrite.ParseConfig([]byte(example), "README.tf", hcl.Pos{Line: 1, Column: 1})
	if diags.HasErrors() {
		t.Fatalf("README.md's example does not parse: %s", diags)
	}
	body := f.Body()
	var replaced int
	for _, b := range body.Blocks() {
		labels := append(b.Labels(), "")
		switch {
		case b.Type() == "terraform" || b.Type() == "provider":
			body.RemoveBlock(b)
		case b.Type() == "resource" && labels[0] == "github_repository":
			body.RemoveBlock(b)
			replaced++
		case b.Type() == "resource" && labels[0] == "github_repository_deploy_key":
			body.RemoveBlock(b)
			replaced++
		}
	}
	if replaced != 2 {
		t.Fatalf("README.md's example should have one github_repository and one github_repository_deploy_key, found %d", replaced)
	}
	renameEverywhere(body, []string{"github_repository", "website", "ssh_clone_url"}, []string{"local", "repository", "url"})
	renameEverywhere(body, []string{"github_repository_deploy_key", "divio"}, []string{"terraform_data", "deploy_key"})
	local := fmt.Sprintf(`
locals {
  repository = { url = %q }
}

resource "terraform_data" "deploy_key" {
  input = divio_repository.website.public_key
  provisioner "local-exec" {
    command     = %q
    environment = { %s = %q, DIVIO_TEST_DEPLOY_KEY = self.input }
  }
}
`, repoURL, os.Args[0], installKeyEnv, keysURL)
	return string(f.Bytes()) + local
}

// renameEverywhere renames a reference in every expression of body and its
// nested blocks.
func renameEverywhere(body *hclwrite.Body, search, replacement []string) {
	for _, attr := range body.Attributes() {
		attr.Expr().RenameVariablePrefix(search, replacement)
	}
	for _, b := range body.Blocks() {
		renameEverywhere(b.Body(), search, replacement)
	}
}
