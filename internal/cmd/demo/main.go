// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Command demo is `make demo`: it builds the provider and the reference
// control plane, starts the control plane with the quickstart seed, points a
// Terraform-compatible CLI at the freshly built provider through
// dev_overrides, applies examples/quickstart and prints its outputs. Nothing
// is left running and nothing is written outside a temporary directory.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/hooksender"
)

// demoToken is the token in examples/quickstart/bootstrap.json.
const demoToken = "demo-token-change-me"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cli := os.Getenv("TF_CLI")
	if cli == "" {
		cli = "bin/tofu"
	}
	cli, err := filepath.Abs(cli)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "divio-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	binDir := filepath.Join(work, "bin")

	step("building the provider and the control plane")
	if err := command(ctx, "", nil, "go", "build", "-o", binDir+"/", ".", "./internal/cmd/divio-control-plane").Run(); err != nil {
		return fmt.Errorf("go build: %w", err)
	}

	apiURL, stopControlPlane, err := startControlPlane(ctx, work, binDir)
	if err != nil {
		return err
	}
	defer stopControlPlane()

	configDir, env, err := prepareConfig(work, binDir, apiURL)
	if err != nil {
		return err
	}

	step("starting a local Git host (OpenSSH sshd + git-shell) with a repository for the application")
	host, err := githost.Start(ctx, filepath.Join(work, "githost"))
	if err != nil {
		return err
	}
	defer host.Close()
	repo, err := host.CreateRepo("demo-shop")
	if err != nil {
		return err
	}
	if _, err := repo.Commit(ctx, "main", map[string]string{"README": "# Demo application\n", "LICENSE": "MIT\n"}, "Initial commit"); err != nil {
		return err
	}
	fmt.Println("   repository", repo.SSHURL())
	env = append(env, "TF_VAR_repository_url="+repo.SSHURL())

	t := &terraform{ctx: ctx, cli: cli, dir: configDir, env: env}
	if err := applyQuickstart(t, host); err != nil {
		return err
	}
	return pushAndSync(t, repo, apiURL)
}

// startControlPlane starts the reference control plane built into binDir
// with the quickstart seed, and returns its URL and how to stop it.
func startControlPlane(ctx context.Context, work, binDir string) (apiURL string, stop func(), err error) {
	step("starting the reference control plane")
	readyFile := filepath.Join(work, "ready")
	server := command(ctx, "", nil, filepath.Join(binDir, "divio-control-plane"), "serve", "--dev",
		"--db", filepath.Join(work, "control-plane.db"), "--listen", "127.0.0.1:0",
		"--bootstrap", "examples/quickstart/bootstrap.json", "--ready-file", readyFile)
	server.Stdout, server.Stderr = io.Discard, prefixWriter("control-plane: ")
	if err := server.Start(); err != nil {
		return "", nil, err
	}
	stop = func() {
		step("stopping the control plane")
		// A cancelled context has signalled it already: then it may be gone.
		if err := server.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			fmt.Fprintln(os.Stderr, "   stopping the control plane:", err)
		}
		// Exiting on SIGTERM is the expected end; only a failure to wait matters.
		var exit *exec.ExitError
		if err := server.Wait(); err != nil && !errors.As(err, &exit) {
			fmt.Fprintln(os.Stderr, "   waiting for the control plane:", err)
		}
	}
	apiURL, err = waitForReadyFile(ctx, readyFile, 30*time.Second)
	if err != nil {
		stop()
		return "", nil, err
	}
	fmt.Println("   listening on", apiURL)
	return apiURL, stop, nil
}

// prepareConfig copies examples/quickstart into the work directory and
// writes the CLI configuration that installs the provider from binDir. It
// returns the configuration's directory and the CLI's environment.
func prepareConfig(work, binDir, apiURL string) (configDir string, env []string, err error) {
	configDir = filepath.Join(work, "config")
	if err := copyDir("examples/quickstart", configDir); err != nil {
		return "", nil, err
	}
	mirrorDir := filepath.Join(work, "mirror")
	if err := mirrorProvider(binDir, mirrorDir); err != nil {
		return "", nil, err
	}
	cliConfigFile := filepath.Join(work, "cli.tfrc")
	if err := os.WriteFile(cliConfigFile, []byte(cliConfig(binDir, mirrorDir)), 0o600); err != nil {
		return "", nil, err
	}
	return configDir, []string{
		"TF_CLI_CONFIG_FILE=" + cliConfigFile,
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		"DIVIO_API_URL=" + apiURL,
		"DIVIO_API_TOKEN=" + demoToken,
	}, nil
}

// terraform runs the CLI on the demo's configuration.
type terraform struct {
	ctx context.Context
	cli string
	dir string
	env []string
}

// run runs one CLI command, announced as a step.
func (t *terraform) run(args ...string) error {
	step(filepath.Base(t.cli) + " " + strings.Join(args, " "))
	if err := command(t.ctx, t.dir, t.env, t.cli, append(args, "-no-color")...).Run(); err != nil {
		return fmt.Errorf("%s %s: %w", filepath.Base(t.cli), args[0], err)
	}
	return nil
}

// output reads one output's raw value.
func (t *terraform) output(name string) (string, error) {
	return rawOutput(t.ctx, t.dir, t.env, t.cli, name)
}

// applyQuickstart applies the configuration in two steps, the repository
// first: its deploy key must be on the Git host before the verification.
// A second plan must then find nothing to do.
func applyQuickstart(t *terraform, host *githost.Host) error {
	if err := t.run("init", "-input=false"); err != nil {
		return err
	}
	if err := t.run("apply", "-auto-approve", "-input=false", "-target=divio_repository.site"); err != nil {
		return err
	}
	publicKey, err := t.output("deploy_key_public_key")
	if err != nil {
		return err
	}
	step("adding the deploy key to the Git host, with write access")
	if err := host.AuthorizeKey(publicKey, githost.ReadWrite); err != nil {
		return err
	}
	for _, args := range [][]string{
		{"apply", "-auto-approve", "-input=false"},
		{"plan", "-detailed-exitcode", "-input=false"},
		{"output"},
	} {
		if err := t.run(args...); err != nil {
			return err
		}
	}
	return nil
}

// pushAndSync pushes a commit to the repository, delivers the push event to
// the webhook as GitHub would, waits for the control plane's pull and shows
// the sync status after a refresh.
func pushAndSync(t *terraform, repo *githost.Repo, apiURL string) error {
	step("pushing a commit with git, and delivering the push event as GitHub would")
	pushed, err := repo.Commit(t.ctx, "main", map[string]string{"app.py": "print('hello from the external repository')\n"}, "Add app.py")
	if err != nil {
		return err
	}
	hookURL, err := t.output("webhook_url")
	if err != nil {
		return err
	}
	hookSecret, err := t.output("webhook_secret")
	if err != nil {
		return err
	}
	delivery, err := hooksender.New("github", hookURL, hookSecret, hooksender.Push{Branch: "main", After: pushed, Repo: "demo/demo-shop"})
	if err != nil {
		return err
	}
	answer, err := delivery.Send(t.ctx)
	if err != nil {
		return err
	}
	fmt.Printf("   pushed %s; the control plane answered %d %s\n", pushed, answer.Status, answer.Body)
	if err := waitForPull(t.ctx, apiURL, pushed); err != nil {
		return err
	}
	if err := t.run("apply", "-refresh-only", "-auto-approve", "-input=false"); err != nil {
		return err
	}
	return t.run("output", "sync_status")
}

// waitForPull waits until the control plane's asynchronous pull of the
// delivered push shows in the demo application's sync status.
func waitForPull(ctx context.Context, apiURL, pushed string) error {
	client, err := divioapi.New(divioapi.Config{BaseURL: apiURL, Token: demoToken})
	if err != nil {
		return err
	}
	apps, err := client.ListApplications(ctx, divioapi.ApplicationFilter{Slug: "demo-shop"})
	if err != nil || len(apps) != 1 {
		return fmt.Errorf("demo application: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		status, err := client.GetSyncStatus(ctx, apps[0].UUID)
		if err != nil {
			return err
		}
		if status.PlatformHead != nil && *status.PlatformHead == pushed {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("the control plane did not pull the pushed commit within 30s")
}

// rawOutput reads one output's raw value.
func rawOutput(ctx context.Context, dir string, env []string, cli, name string) (string, error) {
	cmd := command(ctx, dir, env, cli, "output", "-raw", name)
	cmd.Stdout = nil
	out, err := cmd.Output()
	return string(out), err
}

// cliConfig makes both registries' address of the provider resolve to the
// binary just built: dev_overrides for plan and apply, and a local mirror of
// the same binary so that `init` can resolve the provider without a registry.
func cliConfig(binDir, mirrorDir string) string {
	return fmt.Sprintf(`provider_installation {
  dev_overrides {
    "registry.terraform.io/divio-community/divio" = %[1]q
    "registry.opentofu.org/divio-community/divio" = %[1]q
  }
  filesystem_mirror {
    path    = %[2]q
    include = ["registry.terraform.io/divio-community/divio", "registry.opentofu.org/divio-community/divio"]
  }
  direct {
    exclude = ["registry.terraform.io/divio-community/divio", "registry.opentofu.org/divio-community/divio"]
  }
}
`, binDir, mirrorDir)
}

// mirrorProvider lays the provider binary out as an unpacked filesystem
// mirror for both registry hosts.
func mirrorProvider(binDir, mirrorDir string) error {
	binary, err := os.ReadFile(filepath.Join(binDir, "terraform-provider-divio"))
	if err != nil {
		return err
	}
	for _, host := range []string{"registry.terraform.io", "registry.opentofu.org"} {
		dir := filepath.Join(mirrorDir, host, "divio-community", "divio", "0.0.1", runtime.GOOS+"_"+runtime.GOARCH)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "terraform-provider-divio"), binary, 0o755); err != nil {
			return err
		}
	}
	return nil
}

func command(ctx context.Context, dir string, env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), env...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	return cmd
}

func waitForReadyFile(ctx context.Context, path string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return strings.TrimSpace(string(b)), nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return "", errors.New("the control plane did not start within " + timeout.String())
}

func copyDir(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tf") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func step(msg string) { fmt.Println("==> " + msg) }

// prefixWriter labels the control plane's log lines in the demo's output.
type prefixWriter string

func (p prefixWriter) Write(b []byte) (int, error) {
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if line != "" {
			fmt.Fprint(os.Stderr, string(p)+line)
		}
	}
	return len(b), nil
}
