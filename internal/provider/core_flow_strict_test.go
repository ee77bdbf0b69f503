// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"context"
	"strings"
	"testing"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

// The core flow against a server that answers only what Divio's CLI reads
// (the control plane's strict mode: sparse answers, pages of two, state
// reads that lag a check by 3 s, a 400 from the check of a repository an
// earlier check left INVALID, a share of requests throttled), as a new user
// meets it: the first apply creates the repository and fails to verify it,
// since its deploy key is not on the Git host yet; once it is, one apply
// verifies it and creates the application. Every POST of that apply is
// throttled once (429, Retry-After) and carried out once. Then the plan is
// empty, and each resource imported again plans only what the answers do
// not carry, which one apply adopts without a write.
func TestAccCoreFlow_strict(t *testing.T) {
	cp := acctest.StartControlPlaneWith(t, acctest.Options{Strict: true})
	host := acctest.StartGitHost(t)
	site := acctest.NewRepo(t, host, "site", map[string]map[string]string{"main": readmeOnly})
	w := acctest.NewWorkdir(t)
	w.Write("provider.tf", cp.ProviderBlock())
	w.Write("main.tf", coreFlowConfig(site.SSHURL(), true))

	cp.Faults.ThrottleEach("POST /apps/v3/repositories/", 1)
	r := w.Run("apply", "-auto-approve", "-no-color")
	created := cp.Requests.Since(0)
	if countLines(created, "POST /apps/v3/repositories/ 429") < 1 || countLines(created, "POST /apps/v3/repositories/ 201") != 1 {
		t.Errorf("the repository create must be throttled, then carried out once:\n%s", strings.Join(created, "\n"))
	}
	if r.Code == 0 || !strings.Contains(r.Stdout+r.Stderr, "Repository verification failed") {
		t.Fatalf("the first apply, before the deploy key is installed, must fail to verify: %s", r)
	}
	repository := w.StateValues("divio_repository.site")
	if err := host.AuthorizeKey(str(repository, "public_key"), githost.ReadWrite); err != nil {
		t.Fatal(err)
	}

	check := "POST /apps/v3/repositories/" + str(repository, "id") + "/check/"
	cp.Faults.ThrottleEach(check, 2)
	cp.Faults.ThrottleEach("POST /apps/v3/applications/", 1)
	mark := cp.Requests.Mark()
	w.Must("apply", "-auto-approve", "-no-color")
	applied := cp.Requests.Since(mark)
	// The strict mode throttles a share of all requests too: at least the
	// throttles asked for, and the application created once.
	for request, least := range map[string]int{check + " 429": 2, "POST /apps/v3/applications/ 429": 1} {
		if n := countLines(applied, request); n < least {
			t.Errorf("%d × %q in the apply, want at least %d:\n%s", n, request, least, strings.Join(applied, "\n"))
		}
	}
	if n := countLines(applied, "POST /apps/v3/applications/ 201"); n != 1 {
		t.Errorf("the application was created %d times:\n%s", n, strings.Join(applied, "\n"))
	}
	expectEmptyPlan(t, w)
	writeRequestLog(t, w.CLI, "strict", "the apply that verifies the repository and creates the application, against the strict mode", applied)

	imports := []struct{ address, id, adopts string }{
		{"divio_repository.site", str(repository, "id"), "organisation,url"},
		{"divio_repository_verification.site", str(repository, "id"), "triggers"},
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
	expectOneApplication(t, cp, "acme-shop")

	// A tainted application is planned as a new one, which the plan cannot
	// refuse: deletion_protection stops it at apply time.
	w.Must("taint", "divio_application.web")
	r = w.Run("apply", "-auto-approve", "-no-color")
	if r.Code == 0 || !strings.Contains(strings.Join(strings.Fields(r.Stdout+r.Stderr), " "), "a tainted application is replaced") {
		t.Fatalf("replacing a tainted, protected application must fail at apply: %s", r)
	}
	expectOneApplication(t, cp, "acme-shop")

	// Unprotected, the tainted application's Delete is refused all the same:
	// Divio's public API has no deletion that divio-cli shows.
	w.Must("untaint", "divio_application.web")
	w.Write("main.tf", strings.Replace(coreFlowConfig(site.SSHURL(), true),
		`resource "divio_application" "web" {`, `resource "divio_application" "web" {
  deletion_protection = false`, 1))
	w.Must("apply", "-auto-approve", "-no-color")
	w.Must("taint", "divio_application.web")
	mark = cp.Requests.Mark()
	r = w.Run("apply", "-auto-approve", "-no-color")
	if r.Code == 0 || !strings.Contains(r.Stdout+r.Stderr, "Not available on this Divio API") {
		t.Fatalf("replacing a tainted application must fail without the deletion extension: %s", r)
	}
	if writes := acctest.Writes(cp.Requests.Since(mark)); len(writes) > 0 {
		t.Errorf("the refused replacement sent %v", writes)
	}
	expectOneApplication(t, cp, "acme-shop")
}

// expectOneApplication checks that exactly one application has slug, with a
// client that waits out the strict mode's throttling.
func expectOneApplication(t *testing.T, cp *acctest.ControlPlane, slug string) {
	t.Helper()
	client, err := divioapi.New(divioapi.Config{BaseURL: cp.URL, Token: cp.Token})
	if err != nil {
		t.Fatal(err)
	}
	apps, err := client.ListApplications(context.Background(), divioapi.ApplicationFilter{Slug: slug})
	if err != nil || len(apps) != 1 {
		t.Errorf("applications with slug %s: %d (err=%v), want 1", slug, len(apps), err)
	}
}

// countLines counts the lines of a request log equal to line.
func countLines(lines []string, line string) int {
	n := 0
	for _, l := range lines {
		if l == line {
			n++
		}
	}
	return n
}
