// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/divio-community/terraform-provider-divio/internal/provider"
)

// ProviderSource is the provider's registry address without its host.
const ProviderSource = "divio-community/divio"

// Workdir runs the real CLI in a directory of its own, as a user does
// (init, plan, apply, import, state rm), with the provider served from this
// test process. Tests use it where terraform-plugin-testing hides what
// they measure, such as the exit code of `plan -detailed-exitcode`.
type Workdir struct {
	t   testing.TB
	Dir string
	CLI CLI
	env []string
	// Timeout bounds each command (default 5 minutes).
	Timeout time.Duration
}

// Result is what one CLI command did.
type Result struct {
	Args   []string
	Code   int
	Stdout string
	Stderr string
}

func (r Result) String() string {
	return fmt.Sprintf("%s: exit %d\n%s%s", strings.Join(r.Args, " "), r.Code, r.Stdout, r.Stderr)
}

// NewWorkdir serves the provider for t and returns an initialised working
// directory for the CLI named by TF_ACC_TERRAFORM_PATH.
func NewWorkdir(t *testing.T) *Workdir {
	t.Helper()
	cli, err := CurrentCLI()
	if err != nil {
		t.Fatal(err)
	}
	w := &Workdir{t: t, Dir: t.TempDir(), CLI: cli}
	w.env = append(cliEnv(), "TF_IN_AUTOMATION=1", "TF_INPUT=0", "TF_REATTACH_PROVIDERS="+serveProvider(t, cli))
	w.Write("versions.tf", fmt.Sprintf("terraform {\n  required_providers {\n    divio = { source = %q }\n  }\n}\n", ProviderSource))
	w.Must("init", "-input=false", "-no-color")
	return w
}

// Write writes a file into the working directory.
func (w *Workdir) Write(name, content string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.Dir, name), []byte(content), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// Remove deletes a file of the working directory.
func (w *Workdir) Remove(name string) {
	w.t.Helper()
	if err := os.Remove(filepath.Join(w.Dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		w.t.Fatal(err)
	}
}

// Run runs the CLI with args and returns what it did; a CLI that cannot be
// started fails the test.
func (w *Workdir) Run(args ...string) Result {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cmp.Or(w.Timeout, 5*time.Minute))
	defer cancel()
	cmd := exec.CommandContext(ctx, w.CLI.Path, args...)
	cmd.Dir, cmd.Env = w.Dir, w.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	result := Result{Args: args, Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		result.Code = exit.ExitCode()
	case err != nil:
		w.t.Fatalf("run %s %v: %v", w.CLI.Path, args, err)
	}
	return result
}

// Must runs the CLI and fails the test unless it exits 0.
func (w *Workdir) Must(args ...string) Result {
	w.t.Helper()
	r := w.Run(args...)
	if r.Code != 0 {
		w.t.Fatalf("%s", r)
	}
	return r
}

// PlannedChange is one resource's change in a saved plan.
type PlannedChange struct {
	Address   string
	Actions   []string
	Importing bool
	// Changed lists the top-level attributes whose planned value differs
	// from the prior state's.
	Changed []string
}

// ShowPlan reads a plan saved with `plan -out=<file>`.
func (w *Workdir) ShowPlan(file string) []PlannedChange {
	w.t.Helper()
	r := w.Must("show", "-json", file)
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				Actions   []string        `json:"actions"`
				Before    map[string]any  `json:"before"`
				After     map[string]any  `json:"after"`
				Unknown   map[string]any  `json:"after_unknown"`
				Importing json.RawMessage `json:"importing"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &plan); err != nil {
		w.t.Fatalf("show -json %s: %v", file, err)
	}
	var changes []PlannedChange
	for _, rc := range plan.ResourceChanges {
		c := PlannedChange{Address: rc.Address, Actions: rc.Change.Actions, Importing: len(rc.Change.Importing) > 0 && string(rc.Change.Importing) != "null"}
		c.Changed = changedAttributes(rc.Change.Before, rc.Change.After, rc.Change.Unknown)
		changes = append(changes, c)
	}
	return changes
}

// changedAttributes lists the attributes planned to change: a different
// known value, or a value known before and unknown after.
func changedAttributes(before, after, unknown map[string]any) []string {
	var changed []string
	for name, old := range before {
		if isUnknown(unknown[name]) {
			changed = append(changed, name)
			continue
		}
		if !jsonEqual(old, after[name]) {
			changed = append(changed, name)
		}
	}
	return sortStrings(changed)
}

func isUnknown(v any) bool {
	b, ok := v.(bool)
	return ok && b
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// serveProvider serves the provider in this process in debug mode and
// returns the TF_REATTACH_PROVIDERS value that makes the CLI use it.
func serveProvider(t *testing.T, cli CLI) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	configCh := make(chan *plugin.ReattachConfig)
	closeCh := make(chan struct{})
	server := providerserver.NewProtocol6(provider.New("acctest")())
	go func() {
		err := tf6server.Serve(ProviderSource, func() tfprotov6.ProviderServer { return server() },
			tf6server.WithDebug(ctx, configCh, closeCh), tf6server.WithLoggingSink(t))
		if err != nil {
			t.Errorf("serve provider: %v", err)
		}
	}()
	var config *plugin.ReattachConfig
	select {
	case config = <-configCh:
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("the provider server did not start")
	}
	t.Cleanup(func() {
		cancel()
		<-closeCh
	})
	reattach, err := json.Marshal(map[string]any{
		cli.ProviderHost() + "/" + ProviderSource: map[string]any{
			"Protocol": string(config.Protocol), "ProtocolVersion": config.ProtocolVersion, "Pid": config.Pid, "Test": true,
			"Addr": map[string]string{"Network": config.Addr.Network(), "String": config.Addr.String()},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(reattach)
}

// StateValues is the attributes of the resource at address in the state,
// as `show -json` prints them (nil when it is not in the state).
func (w *Workdir) StateValues(address string) map[string]any {
	w.t.Helper()
	r := w.Must("show", "-json")
	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string         `json:"address"`
					Values  map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &state); err != nil {
		w.t.Fatalf("show -json: %v", err)
	}
	for _, res := range state.Values.RootModule.Resources {
		if res.Address == address {
			return res.Values
		}
	}
	return nil
}
