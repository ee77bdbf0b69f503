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

// plan of N divio_repository next to N terraform_data, in the same run,
// for N = 500 and 5000: the provider's cost should be close to the CLI's
// own, and grow linearly.
func TestBenchPlanManyResources(t *testing.T) {
	benchOnly(t)
	cp := acctest.StartControlPlane(t)
	var rows []string
	sizes := []int{500, 5000}
	if os.Getenv("DIVIO_BENCH_SIZES") == "small" {
		sizes = []int{500, 1000}
	}
	for _, n := range sizes {
		divio := acctest.NewWorkdir(t)
		divio.Timeout = 30 * time.Minute
		divio.Write("provider.tf", cp.ProviderBlock())
		divio.Write("main.tf", fmt.Sprintf(`
resource "divio_repository" "site" {
  for_each     = %s
  organisation = %q
  url          = "git@github.com:acme/site-${each.key}.git"
}
`, keysOf(n), cp.OrgID(acctest.OrgName)))
		divio.Must("apply", "-auto-approve", "-no-color", "-parallelism=50")
		plain := acctest.NewWorkdir(t)
		plain.Timeout = 30 * time.Minute
		plain.Write("main.tf", fmt.Sprintf("resource \"terraform_data\" \"x\" {\n  for_each = %s\n  input    = each.key\n}\n", keysOf(n)))
		plain.Must("apply", "-auto-approve", "-no-color", "-parallelism=50")

		divioTime := timed(divio, "plan", "-no-color", "-parallelism=50")
		plainTime := timed(plain, "plan", "-no-color", "-parallelism=50")
		rows = append(rows, fmt.Sprintf("| %d | %v | %v | %.2f× |", n, divioTime.Round(time.Millisecond),
			plainTime.Round(time.Millisecond), float64(divioTime)/float64(plainTime)))
		t.Log(rows[len(rows)-1]) // as it comes: the large sizes take long
	}
	writeBenchReport(t, "plan-many", "| resources | plan, divio_repository | plan, terraform_data | ratio |\n|---|---|---|---|\n"+strings.Join(rows, "\n"))
}

// keysOf is an HCL set of n distinct keys (n a multiple of 100: range()
// makes at most 1024 values).
func keysOf(n int) string {
	return fmt.Sprintf(`toset(flatten([for a in range(%d) : [for b in range(100) : "${a}-${b}"]]))`, n/100)
}

// timed runs the command three times and returns the fastest run.
func timed(w *acctest.Workdir, args ...string) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range 3 {
		started := time.Now()
		w.Must(args...)
		best = min(best, time.Since(started))
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
