// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane"
)

// adoptOrgName is the organisation of the hand-made applications.
const adoptOrgName = "Initech"

// adoptConfig adopts every application of adoptOrgName in one plan: the
// data source enumerates them, an import block with for_each imports each
// and a resource block with for_each describes each from what the data
// source read. Divio's public API does not answer plan groups and regions:
// those of the applications not on Free in eu-central come from a
// variable (the Control Panel shows them), and the apply records them.
const adoptConfig = `
variable "pro_applications" {
  description = "Slugs of the applications on plan group Pro in us-east; the others are on Free in eu-central."
  type        = set(string)
  default     = []
}

data "divio_organisation" "initech" {
  name = "Initech"
}

data "divio_plan_group" "free" {
  organisation = data.divio_organisation.initech.id
  name         = "Free"
}

data "divio_plan_group" "pro" {
  organisation = data.divio_organisation.initech.id
  name         = "Pro"
}

data "divio_region" "eu" {
  name = "eu-central"
}

data "divio_region" "us" {
  name = "us-east"
}

data "divio_applications" "initech" {
  organisation = data.divio_organisation.initech.id
}

import {
  for_each = { for a in data.divio_applications.initech.applications : a.slug => a }
  to       = divio_application.app[each.key]
  id       = each.value.id
}

resource "divio_application" "app" {
  for_each = { for a in data.divio_applications.initech.applications : a.slug => a }

  name         = each.value.name
  slug         = each.value.slug
  organisation = each.value.organisation
  repository   = each.value.repository
  branch       = each.value.branch
  plan_group = coalesce(each.value.plan_group,
  contains(var.pro_applications, each.key) ? data.divio_plan_group.pro.id : data.divio_plan_group.free.id)
  region = coalesce(each.value.region,
  contains(var.pro_applications, each.key) ? data.divio_region.us.id : data.divio_region.eu.id)
}
`

// An organisation's 20 hand-made applications adopted in one plan through
// the real CLI, against the strict mode (Divio's public API, answers with
// only what Divio's CLI reads, pages of 2, a share of requests throttled):
// divio_applications reads 10 pages, one plan imports all 20, its apply
// sends no write request and records the plan groups and regions the API
// does not answer, and the next plan is empty. The request count and wall
// time of the plan and apply are written to .tmp/adopt-20-<cli>.txt.
func TestAccAdoptApplications_forEach(t *testing.T) {
	apps := acctest.HandMadeApplications("initech", 20)
	cp := acctest.StartControlPlaneWith(t, acctest.Options{Strict: true,
		Organisations: []controlplane.SeedOrganisation{{Name: adoptOrgName, Applications: apps}}})
	w := acctest.NewWorkdir(t)
	w.Write("provider.tf", cp.ProviderBlock())
	w.Write("main.tf", adoptConfig)
	w.Write("terraform.tfvars", proApplications(apps))

	mark, start := cp.Requests.Mark(), time.Now()
	plan := w.Must("plan", "-no-color", "-out=adopt.plan")
	planned, planTime := cp.Requests.Since(mark), time.Since(start)
	expectAllImported(t, w.ShowPlan("adopt.plan"), apps, plan)
	applyMark, applyStart := cp.Requests.Mark(), time.Now()
	w.Must("apply", "-no-color", "adopt.plan")
	applied, applyTime := cp.Requests.Since(applyMark), time.Since(applyStart)

	if writes := acctest.Writes(append(planned, applied...)); len(writes) > 0 {
		t.Errorf("adopting sent write requests: %v", writes)
	}
	if pages := countLines(planned, "GET /apps/v3/applications/ 200"); pages != 10 {
		t.Errorf("divio_applications read %d pages of applications, want 10 (pages of 2):\n%s", pages, strings.Join(planned, "\n"))
	}
	expectEmptyPlan(t, w)
	expectPlacements(t, cp, w, apps)
	writeAdoptionFigures(t, w.CLI, planned, applied, planTime, applyTime)
}

// proApplications is terraform.tfvars naming the applications on Pro.
func proApplications(apps []controlplane.SeedApplication) string {
	var slugs []string
	for _, app := range apps {
		if app.PlanGroup == acctest.ProPlanGroupName {
			slugs = append(slugs, fmt.Sprintf("%q", app.Slug))
		}
	}
	return "pro_applications = [" + strings.Join(slugs, ", ") + "]\n"
}

// expectAllImported checks that the plan imports every application, and
// does nothing else.
func expectAllImported(t *testing.T, changes []acctest.PlannedChange, apps []controlplane.SeedApplication, plan acctest.Result) {
	t.Helper()
	if counts := expectImportsOnly(t, changes); !maps.Equal(counts, map[string]int{"divio_application.app": len(apps)}) {
		t.Errorf("the plan imports %v, want %d applications: %s", counts, len(apps), plan)
	}
	planned := map[string]bool{}
	for _, c := range changes {
		planned[c.Address] = true
	}
	for _, app := range apps {
		if !planned[fmt.Sprintf("divio_application.app[%q]", app.Slug)] {
			t.Errorf("the plan does not import %s: %s", app.Slug, plan)
		}
	}
}

// expectImportsOnly checks that every change of a plan is an import (an
// in-place update at most), and counts the imports of each resource block.
func expectImportsOnly(t *testing.T, changes []acctest.PlannedChange) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, c := range changes {
		if !c.Importing || slices.Contains(c.Actions, "create") || slices.Contains(c.Actions, "delete") {
			t.Errorf("%s: %v (importing: %v), want an import", c.Address, c.Actions, c.Importing)
		}
		counts[strings.SplitN(c.Address, "[", 2)[0]]++
	}
	return counts
}

// expectPlacements checks that the state holds each application's real
// plan group and region, which the apply took from the configuration.
func expectPlacements(t *testing.T, cp *acctest.ControlPlane, w *acctest.Workdir, apps []controlplane.SeedApplication) {
	t.Helper()
	for _, app := range apps {
		state := w.StateValues(fmt.Sprintf("divio_application.app[%q]", app.Slug))
		if str(state, "id") != cp.AppID(app.Slug) || str(state, "name") != app.Name ||
			str(state, "plan_group") != cp.Seed.PlanGroups[app.PlanGroup] || str(state, "region") != cp.Seed.Regions[app.Region] {
			t.Errorf("state of %s: %v, want plan group %s and region %s", app.Slug, state, app.PlanGroup, app.Region)
		}
	}
}

// writeAdoptionFigures keeps the adopting plan's and apply's request counts
// and wall times for the closing notes, in .tmp/adopt-20-<cli>.txt.
func writeAdoptionFigures(t *testing.T, cli acctest.CLI, planned, applied []string, planTime, applyTime time.Duration) {
	t.Helper()
	dir := filepath.Join(acctest.RepositoryRoot(t), ".tmp")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	all := append(slices.Clone(planned), applied...)
	body := fmt.Sprintf("On %s, adopting 20 applications with divio_applications and import { for_each } against the "+
		"strict control plane (pages of 2, 10%% of requests throttled):\n"+
		"plan + apply: %d requests (%d without the %d answered 429 and repeated), %d writes, %s\n"+
		"  plan:  %d requests, %s\n  apply: %d requests, %s\n\n%s\n",
		cli, len(all), len(all)-len(acctest.Faulted(all)), len(acctest.Faulted(all)), len(acctest.Writes(all)), (planTime + applyTime).Round(time.Millisecond),
		len(planned), planTime.Round(time.Millisecond), len(applied), applyTime.Round(time.Millisecond), strings.Join(all, "\n"))
	if err := os.WriteFile(filepath.Join(dir, "adopt-20-"+cli.Name+".txt"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// adoptionExamples are the examples of the plural data sources, in the
// order the adoption guide shows them: together, one configuration that
// adopts an organisation.
var adoptionExamples = []string{"divio_applications", "divio_repositories", "divio_repository_webhooks", "divio_environment_tracking_branches"}

// The plural data sources' examples, as the adoption guide puts them
// together, adopt everything OrgName set up by hand on the full control
// plane (in pages of 2) in one plan on the real CLI: its 5 applications,
// 4 repositories and their verifications, 2 webhooks (their secrets kept)
// and 10 tracking branches; the apply of that plan sends no write request,
// and the next plan is empty.
func TestAccAdoptOrganisation_examples(t *testing.T) {
	cp := acctest.StartControlPlaneWith(t, acctest.Options{PageSize: 2})
	h := setUpByHand(t, cp)
	w := acctest.NewWorkdir(t)
	w.Write("provider.tf", cp.ProviderBlock())
	for _, name := range adoptionExamples {
		content, err := os.ReadFile(filepath.Join(acctest.RepositoryRoot(t), "examples", "data-sources", name, "data-source.tf"))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(name+".tf", string(content))
	}

	mark := cp.Requests.Mark()
	plan := w.Must("plan", "-no-color", "-out=adopt.plan")
	counts := expectImportsOnly(t, w.ShowPlan("adopt.plan"))
	want := map[string]int{"divio_application.app": 5, "divio_repository.repo": 4, "divio_repository_verification.repo": 4,
		"divio_repository_webhook.hook": 2, "divio_environment_tracking_branch.env": 10}
	if !maps.Equal(counts, want) {
		t.Errorf("the plan imports %v, want %v: %s", counts, want, plan)
	}
	w.Must("apply", "-no-color", "adopt.plan")
	if writes := acctest.Writes(cp.Requests.Since(mark)); len(writes) > 0 {
		t.Errorf("adopting sent write requests: %v", writes)
	}
	expectEmptyPlan(t, w)
	shop := w.StateValues(`divio_repository_webhook.hook["acme-shop"]`)
	if str(shop, "id") != h.hooks["shop"].UUID || str(shop, "secret") != *h.hooks["shop"].Secret {
		t.Errorf("the adopted webhook of acme-shop is %v, want its secret kept", shop)
	}
	if env := w.StateValues(`divio_environment_tracking_branch.env["acme-shop/test"]`); str(env, "branch") != "develop" {
		t.Errorf("acme-shop/test tracks %v, want develop", env)
	}
}
