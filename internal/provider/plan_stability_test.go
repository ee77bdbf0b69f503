// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-version"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

// The plan-stability suite puts every resource type through what CI
// pipelines do with it, on the real CLI, and records each command's exit
// code: a pipeline that runs `plan -detailed-exitcode` fails on anything but
// 0. The table it writes (.tmp/plan-stability-<cli>.md) is the one in the
// closing notes.

// Scenario names, in the order they run: the table's columns.
const (
	scenarioFailedCreate = "failed create → apply again"
	scenarioApply        = "apply → plan"
	scenarioRefresh      = "refresh-only plan"
	scenarioImportCLI    = "import (CLI) → plan"
	scenarioImportBlock  = "import {} id → plan"
	scenarioImportIdent  = "import {} identity → plan"
	scenarioDeleted      = "deleted out of band → plan"
	scenarioChanged      = "changed out of band → plan"
	scenarioFailedUpdate = "failed update → apply again"
	scenarioDestroy      = "destroy"
)

var stabilityScenarios = []string{
	scenarioFailedCreate, scenarioApply, scenarioRefresh, scenarioImportCLI, scenarioImportBlock, scenarioImportIdent,
	scenarioDeleted, scenarioChanged, scenarioFailedUpdate, scenarioDestroy,
}

// stabilityCase is one configuration of a resource type.
type stabilityCase struct {
	name    string
	address string
	// minVersion is the oldest CLI the configuration works on (write-only
	// attributes: 1.11); "" for any.
	minVersion string
	prepare    func(t *testing.T, env *stabilityEnv) *stabilityFixture
}

// stabilityEnv is what a case runs against.
type stabilityEnv struct {
	cp     *acctest.ControlPlane
	client *divioapi.Client
	host   *githost.Host // nil unless the case started one
}

// stabilityFixture is a prepared case: its configuration and how to act on
// its object out of band.
type stabilityFixture struct {
	config string // the resource block (the provider block is added)
	// importID and identity say how to import the object, from its state.
	importID func(state map[string]any) string
	identity func(state map[string]any) string // HCL object
	// adoptedOnImport lists the attributes an import cannot read back and
	// this configuration sets: the first apply after an import records them
	// and sends nothing (documented). Empty: the plan after import is empty.
	adoptedOnImport []string
	// failCreate makes the next create fail and returns what fixes it.
	failCreate func(t *testing.T) (fix func(t *testing.T))
	// failUpdate, when set, is a configuration whose apply fails until fix;
	// noUpdate says why there is none (default: every argument replaces).
	failUpdate *failingUpdate
	noUpdate   string
	// deleteObject deletes the object out of band; nil when the API cannot
	// (noDelete says why).
	deleteObject func(t *testing.T, state map[string]any)
	noDelete     string
	// changeObject changes the object out of band and returns the
	// attributes the next plan must change (none: the plan stays empty,
	// because only computed values moved).
	changeObject func(t *testing.T, state map[string]any) []string
	noChange     string
	// changeReplaces says the plan after changeObject replaces the object
	// (e.g. a new verification) instead of updating it.
	changeReplaces bool
}

type failingUpdate struct {
	config string
	fix    func(t *testing.T)
}

func TestAccPlanStability(t *testing.T) {
	cli, err := acctest.CurrentCLI()
	if err != nil {
		t.Fatal(err)
	}
	report := newStabilityReport(cli)
	t.Cleanup(func() { report.write(t) })
	for _, c := range stabilityCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.minVersion != "" && cliBelow(cli, c.minVersion) {
				report.skipAll(c.name, "needs ≥ "+c.minVersion)
				t.Skipf("%s needs %s ≥ %s", c.name, cli.Name, c.minVersion)
			}
			runStabilityCase(t, c, report)
		})
	}
}

// runStabilityCase runs every scenario of c in one working directory, in order.
func runStabilityCase(t *testing.T, c stabilityCase, report *stabilityReport) {
	cp := acctest.StartControlPlane(t)
	env := &stabilityEnv{cp: cp, client: cp.Client()}
	fx := c.prepare(t, env)
	w := acctest.NewWorkdir(t)
	w.Write("provider.tf", cp.ProviderBlock())
	w.Write("main.tf", fx.config)
	s := &stabilityRun{t: t, c: c, fx: fx, w: w, env: env, report: report}
	for _, scenario := range stabilityScenarios {
		t.Run(scenario, func(t *testing.T) {
			s.t = t
			cell, skip := s.run(scenario)
			report.set(c.name, scenario, cell)
			if skip != "" {
				t.Skip(skip)
			}
		})
	}
}

// stabilityRun holds one case's state between scenarios.
type stabilityRun struct {
	t      *testing.T
	c      stabilityCase
	fx     *stabilityFixture
	w      *acctest.Workdir
	env    *stabilityEnv
	report *stabilityReport
}

// run runs one scenario and returns its table cell, and a reason when the
// scenario does not apply to the case.
func (s *stabilityRun) run(scenario string) (cell, skip string) {
	switch scenario {
	case scenarioFailedCreate:
		return s.failedCreate(), ""
	case scenarioApply:
		return s.planCode(), ""
	case scenarioRefresh:
		return s.refresh(), ""
	case scenarioImportCLI:
		return s.importCLI(), ""
	case scenarioImportBlock:
		return s.importBlock(fmt.Sprintf("id = %q", s.fx.importID(s.state()))), ""
	case scenarioImportIdent:
		if cliBelow(s.w.CLI, "1.12.0") {
			return "skipped: needs ≥ 1.12", "import by identity needs Terraform/OpenTofu 1.12"
		}
		return s.importBlock("identity = " + s.fx.identity(s.state())), ""
	case scenarioDeleted:
		if s.fx.deleteObject == nil {
			return "n/a: " + s.fx.noDelete, s.fx.noDelete
		}
		return s.deletedOutOfBand(), ""
	case scenarioChanged:
		if s.fx.changeObject == nil {
			return "n/a: " + s.fx.noChange, s.fx.noChange
		}
		return s.changedOutOfBand(), ""
	case scenarioFailedUpdate:
		if s.fx.failUpdate == nil {
			reason := cmp.Or(s.fx.noUpdate, "every argument replaces")
			return "n/a: " + reason, reason
		}
		return s.failedUpdate(), ""
	case scenarioDestroy:
		return s.code(s.w.Run("destroy", "-auto-approve", "-no-color")), ""
	}
	s.t.Fatalf("unknown scenario %q", scenario)
	return "", ""
}

// failedCreate makes the first apply fail, then fixes the cause: the next
// apply must create the object, and the plan after it be empty.
func (s *stabilityRun) failedCreate() string {
	fix := s.fx.failCreate(s.t)
	first := s.w.Run("apply", "-auto-approve", "-no-color")
	if first.Code != 1 {
		s.t.Fatalf("the first apply should fail: %s", first)
	}
	if strings.Contains(s.w.Run("state", "list").Stdout, s.c.address) {
		s.t.Fatalf("a failed create left %s in the state", s.c.address)
	}
	fix(s.t)
	second := s.code(s.w.Run("apply", "-auto-approve", "-no-color"))
	return fmt.Sprintf("%d → %s → plan %s", first.Code, second, s.planCode())
}

// refresh checks that a refresh finds nothing to record.
func (s *stabilityRun) refresh() string {
	plan := s.refreshPlanCode()
	apply := s.code(s.w.Run("apply", "-refresh-only", "-auto-approve", "-no-color"))
	return fmt.Sprintf("%s; apply %s → plan %s", plan, apply, s.planCode())
}

// refreshPlanCode runs `plan -refresh-only -detailed-exitcode`. Terraform
// before 1.12 compares the sensitive paths of the refreshed and the prior
// state in map order, so with more than one sensitive attribute it exits 2
// at random while it reports "No changes" (hashicorp/terraform#36403); that
// answer is accepted, and marked, only there.
func (s *stabilityRun) refreshPlanCode() string {
	s.t.Helper()
	r := s.w.Run("plan", "-refresh-only", "-detailed-exitcode", "-no-color")
	if r.Code == 2 && s.w.CLI.Name == "terraform" && cliBelow(s.w.CLI, "1.12.0") &&
		strings.Contains(r.Stdout, "found no differences") {
		return "2 †"
	}
	cell := s.code(r)
	if s.w.CLI.Name == "opentofu" {
		// OpenTofu's refresh-only plan exits 0 whatever it finds
		// (opentofu/opentofu#3107): read what it says instead.
		if !strings.Contains(r.Stdout, "No changes") {
			s.t.Fatalf("the refresh found changes: %s", r)
		}
		cell += " ‡"
	}
	return cell
}

// importCLI removes the object from state and imports it with `import`.
func (s *stabilityRun) importCLI() string {
	id := s.fx.importID(s.state())
	s.w.Must("state", "rm", s.c.address)
	mark := s.env.cp.Requests.Mark()
	s.code(s.w.Run("import", "-no-color", s.c.address, id))
	return s.afterImport(mark, s.planAfterImport(false))
}

// importBlock removes the object from state and imports it with an
// import {} block holding by (`id = "…"` or `identity = {…}`).
func (s *stabilityRun) importBlock(by string) string {
	s.w.Must("state", "rm", s.c.address)
	s.w.Write("import.tf", fmt.Sprintf("import {\n  to = %s\n  %s\n}\n", s.c.address, by))
	defer s.w.Remove("import.tf")
	mark := s.env.cp.Requests.Mark()
	return s.afterImport(mark, s.planAfterImport(true))
}

// planAfterImport plans after an import and checks the plan changes only
// what the import cannot read back; with a pending import block the plan
// holds the import. It applies the plan when it has anything in it.
func (s *stabilityRun) planAfterImport(block bool) string {
	r := s.w.Run("plan", "-detailed-exitcode", "-no-color", "-out=import.plan")
	if r.Code == 1 {
		s.t.Fatalf("plan after import: %s", r)
	}
	change := s.change("import.plan")
	var changed []string
	if change != nil && !slices.Equal(change.Actions, []string{"no-op"}) {
		changed = change.Changed
	}
	if !slices.Equal(changed, s.fx.adoptedOnImport) {
		s.t.Fatalf("after import the plan changes %v, want %v: %s", changed, s.fx.adoptedOnImport, r)
	}
	if block && (change == nil || !change.Importing) {
		s.t.Fatalf("the plan does not import %s: %s", s.c.address, r)
	}
	cell := fmt.Sprintf("%d", r.Code)
	if r.Code == 2 {
		s.w.Must("apply", "-no-color", "import.plan")
		cell += describeChange(changed, block)
	}
	return cell
}

// afterImport checks that nothing was written since mark, and that the
// plan is then empty.
func (s *stabilityRun) afterImport(mark int, cell string) string {
	if writes := acctest.Writes(s.env.cp.Requests.Since(mark)); len(writes) > 0 {
		s.t.Fatalf("import and its apply sent %v, want no write request", writes)
	}
	return fmt.Sprintf("%s → plan %s (0 writes)", cell, s.planCode())
}

func describeChange(changed []string, block bool) string {
	switch {
	case len(changed) > 0:
		return " (adopts " + strings.Join(changed, ", ") + ")"
	case block:
		return " (import only)"
	}
	return ""
}

// deletedOutOfBand deletes the object behind Terraform's back: the plan
// must create it again, without an error.
func (s *stabilityRun) deletedOutOfBand() string {
	s.fx.deleteObject(s.t, s.state())
	r := s.w.Run("plan", "-detailed-exitcode", "-no-color", "-out=deleted.plan")
	if r.Code != 2 {
		s.t.Fatalf("plan after an out-of-band delete: %s", r)
	}
	if change := s.change("deleted.plan"); change == nil || !slices.Equal(change.Actions, []string{"create"}) {
		s.t.Fatalf("the plan should create %s again: %+v", s.c.address, change)
	}
	apply := s.code(s.w.Run("apply", "-no-color", "deleted.plan"))
	return fmt.Sprintf("2 (create) → apply %s → plan %s", apply, s.planCode())
}

// changedOutOfBand changes the object behind Terraform's back: the plan
// must change exactly what moved.
func (s *stabilityRun) changedOutOfBand() string {
	want := s.fx.changeObject(s.t, s.state())
	if len(want) == 0 {
		return "0 (computed values refreshed) → plan " + s.planCode()
	}
	r := s.w.Run("plan", "-detailed-exitcode", "-no-color", "-out=changed.plan")
	if r.Code != 2 {
		s.t.Fatalf("plan after an out-of-band change: %s", r)
	}
	change := s.change("changed.plan")
	action, actions := "update", []string{"update"}
	if s.fx.changeReplaces {
		action, actions = "replace", []string{"delete", "create"}
	}
	if change == nil || !slices.Equal(change.Actions, actions) || !slices.Equal(change.Changed, want) {
		s.t.Fatalf("the plan should %s %s for %v only: %+v", action, s.c.address, want, change)
	}
	apply := s.code(s.w.Run("apply", "-no-color", "changed.plan"))
	return fmt.Sprintf("2 (%s %s) → apply %s → plan %s", action, strings.Join(want, ", "), apply, s.planCode())
}

// failedUpdate applies a configuration that fails until its cause is fixed:
// the next apply must converge.
func (s *stabilityRun) failedUpdate() string {
	s.w.Write("main.tf", s.fx.failUpdate.config)
	first := s.w.Run("apply", "-auto-approve", "-no-color")
	if first.Code != 1 {
		s.t.Fatalf("the update should fail: %s", first)
	}
	s.fx.failUpdate.fix(s.t)
	second := s.code(s.w.Run("apply", "-auto-approve", "-no-color"))
	return fmt.Sprintf("%d → %s → plan %s", first.Code, second, s.planCode())
}

// planCode runs `plan -detailed-exitcode` and checks that it exits 0: the
// plan is empty.
func (s *stabilityRun) planCode() string {
	s.t.Helper()
	return s.code(s.w.Run("plan", "-detailed-exitcode", "-no-color"))
}

// code checks that a command succeeded (exit 0) and returns its exit code
// as a cell.
func (s *stabilityRun) code(r acctest.Result) string {
	s.t.Helper()
	if r.Code != 0 {
		s.t.Fatalf("want exit 0: %s", r)
	}
	return fmt.Sprint(r.Code)
}

// change is the case's resource in a saved plan (nil if absent).
func (s *stabilityRun) change(planFile string) *acctest.PlannedChange {
	for _, c := range s.w.ShowPlan(planFile) {
		if c.Address == s.c.address {
			return &c
		}
	}
	return nil
}

// state is the case's resource's attributes in the state.
func (s *stabilityRun) state() map[string]any {
	values := s.w.StateValues(s.c.address)
	if values == nil {
		s.t.Fatalf("%s is not in the state", s.c.address)
	}
	return values
}

func cliBelow(cli acctest.CLI, minimum string) bool {
	have, err := version.NewVersion(cli.Version)
	return err == nil && have.LessThan(version.Must(version.NewVersion(minimum)))
}

// stabilityReport collects the cells of one CLI's table.
type stabilityReport struct {
	mu    sync.Mutex
	cli   acctest.CLI
	cells map[string]map[string]string // case -> scenario -> cell
}

func newStabilityReport(cli acctest.CLI) *stabilityReport {
	return &stabilityReport{cli: cli, cells: map[string]map[string]string{}}
}

func (r *stabilityReport) set(caseName, scenario, cell string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cells[caseName] == nil {
		r.cells[caseName] = map[string]string{}
	}
	r.cells[caseName][scenario] = cell
}

func (r *stabilityReport) skipAll(caseName, reason string) {
	for _, scenario := range stabilityScenarios {
		r.set(caseName, scenario, "skipped: "+reason)
	}
}

// write writes the table as Markdown into .tmp/ at the repository's root
// and logs it.
func (r *stabilityReport) write(t *testing.T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "Plan stability on %s (exit codes; a failed scenario's cell is empty; † \"No changes\" with exit 2, "+
		"Terraform < 1.12's random compare of sensitive paths, hashicorp/terraform#36403; ‡ OpenTofu's refresh-only plan "+
		"exits 0 whatever it finds, opentofu/opentofu#3107, so its output was checked for \"No changes\")\n\n", r.cli)
	fmt.Fprintf(&b, "| configuration | %s |\n|---|%s\n", strings.Join(stabilityScenarios, " | "), strings.Repeat("---|", len(stabilityScenarios)))
	var names []string
	for name := range r.cells {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		row := []string{name}
		for _, scenario := range stabilityScenarios {
			row = append(row, r.cells[name][scenario])
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(row, " | "))
	}
	t.Log("\n" + b.String())
	dir := filepath.Join(acctest.RepositoryRoot(t), ".tmp")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Error(err)
		return
	}
	file := filepath.Join(dir, "plan-stability-"+r.cli.Name+".md")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Error(err)
	}
}

// commit pushes a commit with files to branch of repo.
func commit(t *testing.T, repo *githost.Repo, branch string, files map[string]string) {
	t.Helper()
	if _, err := repo.Commit(context.Background(), branch, files, "commit on "+branch); err != nil {
		t.Fatal(err)
	}
}

// injectFailure makes the next request fail with a validation error.
func injectFailure(env *stabilityEnv, request string) func(t *testing.T) (fix func(t *testing.T)) {
	return func(*testing.T) func(*testing.T) {
		env.cp.Faults.FailNext(request, 400, `{"non_field_errors": ["Injected failure: the next request succeeds."]}`)
		return func(*testing.T) {}
	}
}

func str(state map[string]any, key string) string {
	v, _ := state[key].(string)
	return v
}
