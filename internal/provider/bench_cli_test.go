package provider_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
)

// benchProviders builds this provider and the do-nothing provider
// (internal/bench/emptyprovider) into a directory and writes a CLI
// configuration whose dev_overrides make the CLI start them from there, as
// separate processes, the way a user's CLI runs a provider.
func benchProviders(t *testing.T, cli acctest.CLI) (bin, cliConfig string) {
	bin = t.TempDir()
	root := acctest.RepositoryRoot(t)
	for pkg, name := range map[string]string{".": "terraform-provider-divio", "./internal/bench/emptyprovider": "terraform-provider-empty"} {
		build := exec.Command("go", "build", "-o", filepath.Join(bin, name), pkg)
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	host := cli.ProviderHost()
	cliConfig = filepath.Join(bin, "cli.tfrc")
	writeBenchFile(t, cliConfig, fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n    %q = %q\n  }\n  direct {}\n}\n",
		host+"/divio-community/divio", bin, host+"/bench/empty", bin))
	return bin, cliConfig
}

// benchCLIDir is a working directory run with a CLI configuration file.
type benchCLIDir struct {
	dir string
	cli acctest.CLI
	env []string
}

func benchDir(t *testing.T, cli acctest.CLI, cliConfig, config string) *benchCLIDir {
	dir := t.TempDir()
	writeBenchFile(t, filepath.Join(dir, "main.tf"), config)
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+cliConfig, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	return &benchCLIDir{dir: dir, cli: cli, env: env}
}

func (d *benchCLIDir) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, d.cli.Path, append(args, "-no-color")...)
	cmd.Dir, cmd.Env = d.dir, d.env
	return cmd
}

func (d *benchCLIDir) run(t *testing.T, args ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	if out, err := d.command(ctx, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", d.cli.Path, args, err, out)
	}
}

// peakRSS runs the CLI and returns the highest VmHWM (KiB) of the
// processes running binary while it runs.
func (d *benchCLIDir) peakRSS(t *testing.T, binary string, args ...string) int {
	var peak int
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
			if kib := hwmOf(binary); kib > 0 {
				mu.Lock()
				peak = max(peak, kib)
				mu.Unlock()
			}
		}
	}()
	d.run(t, args...)
	close(done)
	mu.Lock()
	defer mu.Unlock()
	if peak == 0 {
		t.Fatalf("never saw %s running", binary)
	}
	return peak
}

// hwmOf is the largest VmHWM of the processes whose executable is binary.
func hwmOf(binary string) int {
	entries, _ := os.ReadDir("/proc")
	best := 0
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || exe != binary {
			continue
		}
		status, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(status), "\n") {
			if fields := strings.Fields(line); len(fields) >= 2 && fields[0] == "VmHWM:" {
				if kib, err := strconv.Atoi(fields[1]); err == nil {
					best = max(best, kib)
				}
			}
		}
	}
	return best
}

func writeBenchFile(t *testing.T, path, content string) {
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
