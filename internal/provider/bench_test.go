// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
)

// The measurements of BENCHMARKS.md that need the real CLI. They run with
// `make bench` (DIVIO_BENCH=1), not in `make test`: they take minutes and
// their numbers are reported, not asserted, except the request counts.

func benchOnly(t *testing.T) {
	if os.Getenv("DIVIO_BENCH") == "" {
		t.Skip("a benchmark: run it with make bench")
	}
}

// Requests per managed resource per refresh, per type: each configuration
// of the plan-stability suite is applied, then refreshed; every request
// but the one discovery request of the run is counted.
func TestBenchRequestsPerRefresh(t *testing.T) {
	benchOnly(t)
	var rows []string
	for _, c := range stabilityCases() {
		t.Run(c.name, func(t *testing.T) {
			cp := acctest.StartControlPlane(t)
			env := &stabilityEnv{cp: cp, client: cp.Client()}
			fx := c.prepare(t, env)
			w := acctest.NewWorkdir(t)
			w.Write("provider.tf", cp.ProviderBlock())
			w.Write("main.tf", fx.config)
			fix := fx.failCreate(t) // the fixtures start with a failing create
			w.Run("apply", "-auto-approve", "-no-color")
			fix(t)
			w.Must("apply", "-auto-approve", "-no-color")
			mark := cp.Requests.Mark()
			w.Must("plan", "-refresh-only", "-no-color")
			var reads []string
			for _, r := range cp.Requests.Since(mark) {
				if !strings.HasPrefix(r, "GET /extensions/") {
					reads = append(reads, r)
				}
			}
			rows = append(rows, fmt.Sprintf("| %s | %d | %s |", c.name, len(reads), strings.Join(reads, "; ")))
			if len(reads) != 1 {
				t.Errorf("%d requests to refresh one %s, want 1: %v", len(reads), c.name, reads)
			}
		})
	}
	writeBenchReport(t, "requests-per-refresh", "| configuration | requests per refresh | requests |\n|---|---|---|\n"+strings.Join(rows, "\n"))
}

// plan of N divio_repository next to N terraform_data, in the same run, the
// provider started by the CLI as a user's CLI starts it (dev_overrides), for
// N = 500, 1,000 and 5,000. Each size is planned in two shapes: one resource
// block with for_each over N keys, as users write it, and blocks of 100 keys.
// The CLI's own cost grows faster than N within one block (its plan of 1,000
// terraform_data in one block takes about 12 times its plan of the same in
// ten blocks), which hides the provider's; blocks of 100 show the provider's
// cost, and 5,000 is only planned that way.
func TestBenchPlanManyResources(t *testing.T) {
	b := newBenchCLI(t)
	cp := acctest.StartControlPlane(t)
	type shape struct{ n, perBlock int }
	shapes := []shape{{500, 500}, {500, 100}, {1000, 1000}, {1000, 100}, {5000, 100}}
	switch os.Getenv("DIVIO_BENCH_SIZES") {
	case "small":
		shapes = shapes[:4]
	case "large":
		shapes = shapes[4:]
	}
	var rows []string
	for _, s := range shapes {
		arguments := repositoryArguments(cp.OrgID(acctest.OrgName))
		divio := b.dir(t, cp.ProviderBlock()+benchBlocks(s.n, s.perBlock, "divio_repository", arguments))
		plain := b.dir(t, benchBlocks(s.n, s.perBlock, "terraform_data", "input = each.key"))
		empty := b.dir(t, benchBlocks(s.n, s.perBlock, "empty_repository", arguments))
		for _, d := range []*benchCLIDir{divio, plain, empty} {
			d.run(t, "apply", "-auto-approve", "-parallelism=50")
		}
		runs := fastestOfThree(t, []*benchCLIDir{divio, plain, empty}, []string{
			b.provider("divio"), "", b.provider("empty"),
		}, "plan", "-parallelism=50")
		perResource := func(d time.Duration) time.Duration { return (d - runs[1].wall) / time.Duration(s.n) }
		rows = append(rows, fmt.Sprintf("| %d | %d | %v | %v | %v | **%.2f×** | %.2f× | %v | %v | %v | %v |", s.n, s.perBlock,
			runs[0].wall.Round(time.Millisecond), runs[1].wall.Round(time.Millisecond), runs[2].wall.Round(time.Millisecond),
			float64(runs[0].wall)/float64(runs[1].wall), float64(runs[2].wall)/float64(runs[1].wall),
			perResource(runs[0].wall).Round(10*time.Microsecond), perResource(runs[2].wall).Round(10*time.Microsecond),
			runs[0].cpu, runs[2].cpu))
		t.Log(rows[len(rows)-1]) // as it comes: the large sizes take long
	}
	writeBenchReport(t, "plan-many", "| resources | per block | plan: divio_repository | terraform_data | empty_repository (do-nothing provider) | "+
		"ratio divio / terraform_data | ratio do-nothing / terraform_data | divio's extra per resource | do-nothing's extra per resource | "+
		"CPU of the divio provider process | CPU of the do-nothing provider process |\n"+
		"|---|---|---|---|---|---|---|---|---|---|---|\n"+strings.Join(rows, "\n"))
}

// benchBlocks is n resources of type typ in blocks of perBlock keys, each
// with the given arguments.
func benchBlocks(n, perBlock int, typ, arguments string) string {
	var b strings.Builder
	// Only the provider of typ: a provider the configuration names is started.
	if source := map[string]string{"divio": "divio-community/divio", "empty": "bench/empty"}[strings.Split(typ, "_")[0]]; source != "" {
		fmt.Fprintf(&b, "terraform {\n  required_providers {\n    %s = { source = %q }\n  }\n}\n", strings.Split(typ, "_")[0], source)
	}
	for block := range n / perBlock {
		fmt.Fprintf(&b, "resource %q \"b%d\" {\n  for_each = %s\n  %s\n}\n", typ, block, keysFrom(block, perBlock), arguments)
	}
	return b.String()
}

// repositoryArguments are the arguments of a divio_repository (and of the
// do-nothing provider's empty_repository) in organisation org.
func repositoryArguments(org string) string {
	return fmt.Sprintf("organisation = %q\n  url          = \"git@github.com:acme/site-${each.key}.git\"", org)
}

// keysFrom is an HCL set of n keys (n a multiple of 100: range() makes at
// most 1024 values) that no other block uses.
func keysFrom(block, n int) string {
	return fmt.Sprintf(`toset(flatten([for a in range(%d) : [for b in range(100) : "%d-${a}-${b}"]]))`, max(n/100, 1), block)
}

// fastestOfThree runs the command in each directory in turn, three rounds,
// sampling the provider binary of each (see measure), and returns the
// fastest run of each: the least wall time, the least CPU time.
func fastestOfThree(t *testing.T, dirs []*benchCLIDir, binaries []string, args ...string) []benchRun {
	best := make([]benchRun, len(dirs))
	for round := range 3 {
		for i, d := range dirs {
			run := d.measure(t, binaries[i], args...)
			if round == 0 {
				best[i] = run
			}
			best[i].wall, best[i].cpu = min(best[i].wall, run.wall), min(best[i].cpu, run.cpu)
		}
	}
	return best
}

func writeBenchReport(t *testing.T, name, table string) {
	t.Log("\n" + table)
	dir := filepath.Join(acctest.RepositoryRoot(t), ".tmp")
	_ = os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "bench-"+name+"-"+cliName(t)+".md"), []byte(table+"\n"), 0o644); err != nil {
		t.Error(err)
	}
}

func cliName(t *testing.T) string {
	cli, err := acctest.CurrentCLI()
	if err != nil {
		t.Fatal(err)
	}
	return cli.Name
}
