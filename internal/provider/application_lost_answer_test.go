// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

// An application create whose answer is lost on the way back, against a
// server that answers only what Divio's CLI reads (no name in the list the
// provider then asks by slug): the apply finds the application it created
// and records it, and nothing is created twice.
func TestAccApplication_lostCreateAnswerIsRecovered(t *testing.T) {
	cp := acctest.StartControlPlaneWith(t, acctest.Options{Strict: true, StrictThrottle: -1})
	host := acctest.StartGitHost(t)
	site := acctest.NewRepo(t, host, "site", map[string]map[string]string{"main": readmeOnly})
	repo := cp.CreateRepository(t, host, site, githost.ReadWrite)
	cp.Verify(t, repo.UUID, "main", false)
	w := acctest.NewWorkdir(t)
	w.Write("provider.tf", cp.ProviderBlock())
	w.Write("main.tf", fmt.Sprintf(`
resource "divio_application" "web" {
  name                = "Acme shop"
  slug                = "acme-shop"
  organisation        = %q
  plan_group          = %q
  region              = %q
  repository          = %q
  deletion_protection = false
}
`, cp.OrgID(acctest.OrgName), cp.PlanGroupID(), cp.RegionID(), repo.UUID))

	cp.Faults.LoseAnswerNext("POST /apps/v3/applications/")
	mark := cp.Requests.Mark()
	w.Must("apply", "-auto-approve", "-no-color")
	if got := strings.Join(acctest.Writes(cp.Requests.Since(mark)), "\n"); strings.Count(got, "POST /apps/v3/applications/") != 1 {
		t.Errorf("the application must be created once, then found:\n%s", got)
	}
	expectOneApplication(t, cp, "acme-shop")
	expectEmptyPlan(t, w)
}

// A repository create whose answer is lost, against Divio's public API
// (no Idempotency-Key honoured): the POST is sent once, never replayed by
// the client or by net/http, and the apply says it cannot tell.
func TestAccRepository_lostCreateAnswerIsNotRepeated(t *testing.T) {
	cp := acctest.StartControlPlaneWith(t, acctest.Options{Strict: true, StrictThrottle: -1})
	w := acctest.NewWorkdir(t)
	w.Write("provider.tf", cp.ProviderBlock())
	w.Write("main.tf", fmt.Sprintf(`
resource "divio_repository" "site" {
  organisation = %q
  url          = "git@example.com:acme/site.git"
}
`, cp.OrgID(acctest.OrgName)))

	cp.Faults.LoseAnswerNext("POST /apps/v3/repositories/")
	mark := cp.Requests.Mark()
	r := w.Run("apply", "-auto-approve", "-no-color")
	if r.Code == 0 || !strings.Contains(r.Stdout+r.Stderr, "Could not tell whether the repository was created") {
		t.Fatalf("a lost create answer must be reported as such: %s", r)
	}
	if got := strings.Join(acctest.Writes(cp.Requests.Since(mark)), "\n"); strings.Count(got, "POST /apps/v3/repositories/") != 1 {
		t.Errorf("the repository create must be sent once:\n%s", got)
	}
}
