// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package acctest is the acceptance-test harness: it prepares the environment
// for the real Terraform-compatible CLI, starts the reference control plane
// in-process on loopback, and wires the provider to it.
package acctest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// CLIPathEnv names the CLI binary terraform-plugin-testing runs.
const CLIPathEnv = "TF_ACC_TERRAFORM_PATH"

// ConfigureEnvironment makes `go test` run the acceptance tests against the
// real CLI without extra set-up: it turns TF_ACC on (skipped acceptance tests
// would count as passing), finds the CLI, and repairs the variables that
// break OpenTofu here. It returns an error when no CLI can be found, so a
// missing CLI fails the run instead of skipping it.
func ConfigureEnvironment() error {
	setDefault("TF_ACC", "1")
	setDefault("CHECKPOINT_DISABLE", "1")
	// A TF_CLI_CONFIG_FILE pointing at a missing file makes the CLI print a
	// warning that breaks terraform-plugin-testing's version parsing.
	if cfg := os.Getenv("TF_CLI_CONFIG_FILE"); cfg != "" {
		if _, err := os.Stat(cfg); err != nil {
			os.Unsetenv("TF_CLI_CONFIG_FILE")
		}
	}
	if os.Getenv(CLIPathEnv) == "" {
		path, err := findCLI()
		if err != nil {
			return err
		}
		os.Setenv(CLIPathEnv, path)
	}
	cli, err := CurrentCLI()
	if err != nil {
		return err
	}
	// Each CLI refuses the test provider's legacy "-" namespace unless the
	// host is its own registry's: set it from the CLI, whatever was inherited.
	os.Setenv("TF_ACC_PROVIDER_HOST", cli.ProviderHost())
	fmt.Fprintf(os.Stderr, "acceptance tests run on %s (%s), provider host %s\n", cli, cli.Path, os.Getenv("TF_ACC_PROVIDER_HOST"))
	return nil
}

// findCLI looks for the CLI built by `make tofu` in the repository's bin/,
// then for tofu or terraform on PATH.
func findCLI() (string, error) {
	if root, err := repositoryRoot(); err == nil {
		candidate := filepath.Join(root, "bin", "tofu")
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
	}
	for _, name := range []string{"tofu", "terraform"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Terraform-compatible CLI found: run `make tofu` (builds OpenTofu into bin/), "+
		"put tofu or terraform on PATH, or set %s", CLIPathEnv)
}

// repositoryRoot is the directory holding go.mod, found from this source file.
func repositoryRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate the harness source")
	}
	dir := filepath.Dir(file)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above " + file)
		}
		dir = parent
	}
}

func setDefault(key, value string) {
	if _, ok := os.LookupEnv(key); !ok {
		os.Setenv(key, value)
	}
}

// RepositoryRoot is the directory holding go.mod, for files tests write
// for people to read (reports under .tmp/).
func RepositoryRoot(t testing.TB) string {
	t.Helper()
	root, err := repositoryRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}
