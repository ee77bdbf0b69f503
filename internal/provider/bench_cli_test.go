// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

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

// benchCLI is the CLI under test, run with a configuration whose
// dev_overrides start this provider and the do-nothing provider
// (internal/testinfra/emptyprovider) from binaries built into bin: separate
// processes, the way a user's CLI runs a provider.
type benchCLI struct {
	cli        acctest.CLI
	bin        string
	configFile string
}

// newBenchCLI skips unless benchmarks were asked for, finds the CLI and
// builds both providers.
func newBenchCLI(t *testing.T) *benchCLI {
	benchOnly(t)
	cli, err := acctest.CurrentCLI()
	if err != nil {
		t.Fatal(err)
	}
	b := &benchCLI{cli: cli, bin: t.TempDir()}
	root := acctest.RepositoryRoot(t)
	for pkg, name := range map[string]string{".": "divio", "./internal/testinfra/emptyprovider": "empty"} {
		build := exec.Command("go", "build", "-o", b.provider(name), pkg)
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	host := cli.ProviderHost()
	b.configFile = filepath.Join(b.bin, "cli.tfrc")
	writeBenchFile(t, b.configFile, fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n    %q = %q\n  }\n  direct {}\n}\n",
		host+"/divio-community/divio", b.bin, host+"/bench/empty", b.bin))
	return b
}

// provider is the path of the built provider binary of that name ("divio"
// or "empty").
func (b *benchCLI) provider(name string) string {
	return filepath.Join(b.bin, "terraform-provider-"+name)
}

// benchCLIDir is a working directory the bench CLI runs in.
type benchCLIDir struct {
	dir string
	cli acctest.CLI
	env []string
}

// dir is a new working directory holding config as main.tf.
func (b *benchCLI) dir(t *testing.T, config string) *benchCLIDir {
	dir := t.TempDir()
	writeBenchFile(t, filepath.Join(dir, "main.tf"), config)
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+b.configFile, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	return &benchCLIDir{dir: dir, cli: b.cli, env: env}
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

// benchRun is what one CLI run cost: its wall time, and the peak RSS and
// CPU time of the provider processes it started.
type benchRun struct {
	wall    time.Duration
	peakKiB int
	cpu     time.Duration
}

// measure runs the CLI while sampling, every 10 ms, the processes whose
// executable is binary ("" samples none): the highest VmHWM, and the CPU
// time (utime + stime) each reached, summed over the processes.
func (d *benchCLIDir) measure(t *testing.T, binary string, args ...string) benchRun {
	var mu sync.Mutex
	var peak int
	cpu := map[string]time.Duration{} // by pid
	done := make(chan struct{})
	go func() {
		for binary != "" {
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
			for _, p := range processesOf(binary) {
				mu.Lock()
				peak, cpu[p.pid] = max(peak, p.hwmKiB), max(cpu[p.pid], p.cpu)
				mu.Unlock()
			}
		}
	}()
	started := time.Now()
	d.run(t, args...)
	run := benchRun{wall: time.Since(started)}
	close(done)
	mu.Lock()
	defer mu.Unlock()
	if binary != "" && peak == 0 {
		t.Fatalf("never saw %s running", binary)
	}
	run.peakKiB = peak
	for _, c := range cpu {
		run.cpu += c
	}
	return run
}

type processSample struct {
	pid    string
	hwmKiB int
	cpu    time.Duration
}

// clockTick is the unit of utime and stime in /proc/PID/stat (USER_HZ,
// 100 on Linux).
const clockTick = 10 * time.Millisecond

// processesOf samples the running processes whose executable is binary.
func processesOf(binary string) []processSample {
	entries, _ := os.ReadDir("/proc")
	var out []processSample
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		if exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err != nil || exe != binary {
			continue
		}
		status, err1 := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		stat, err2 := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err1 != nil || err2 != nil {
			continue
		}
		sample := processSample{pid: e.Name()}
		for line := range strings.Lines(string(status)) {
			if fields := strings.Fields(line); len(fields) >= 2 && fields[0] == "VmHWM:" {
				sample.hwmKiB, _ = strconv.Atoi(fields[1])
			}
		}
		// After the command name in parentheses: state, ..., utime (14th field), stime (15th).
		if fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:])); len(fields) > 12 {
			utime, _ := strconv.Atoi(fields[11])
			stime, _ := strconv.Atoi(fields[12])
			sample.cpu = time.Duration(utime+stime) * clockTick
		}
		out = append(out, sample)
	}
	return out
}

func writeBenchFile(t *testing.T, path, content string) {
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
