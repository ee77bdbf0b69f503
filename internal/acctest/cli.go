// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
)

// CLI is the Terraform-compatible command line the acceptance tests run.
type CLI struct {
	Path    string
	Name    string // "terraform" or "opentofu"
	Version string // e.g. "1.11.4"
}

// Provider registry hosts: each CLI accepts the test provider's legacy "-"
// namespace only under its own registry's host.
const (
	TerraformRegistryHost = "registry.terraform.io"
	OpenTofuRegistryHost  = "registry.opentofu.org"
)

// DetectCLI runs `<path> version -json` and tells HashiCorp Terraform from
// OpenTofu, whose output names its platform differently.
func DetectCLI(path string) (CLI, error) {
	cmd := exec.Command(path, "version", "-json")
	cmd.Env = cliEnv()
	out, err := cmd.Output()
	if err != nil {
		return CLI{}, fmt.Errorf("%s version -json: %w", path, err)
	}
	var v struct {
		TerraformVersion string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil || v.TerraformVersion == "" {
		return CLI{}, fmt.Errorf("%s version -json: unexpected output %q", path, out)
	}
	name := "terraform"
	// OpenTofu keeps the terraform_version key; its human output says OpenTofu.
	human, _ := exec.Command(path, "version").Output()
	if strings.HasPrefix(string(human), "OpenTofu") {
		name = "opentofu"
	}
	return CLI{Path: path, Name: name, Version: v.TerraformVersion}, nil
}

// ProviderHost is the registry host the CLI needs for the test provider.
func (c CLI) ProviderHost() string {
	if c.Name == "opentofu" {
		return OpenTofuRegistryHost
	}
	return TerraformRegistryHost
}

// String names the CLI as tables and logs show it: "terraform 1.11.4".
func (c CLI) String() string { return c.Name + " " + c.Version }

// CurrentCLI is the CLI ConfigureEnvironment chose (TF_ACC_TERRAFORM_PATH).
func CurrentCLI() (CLI, error) {
	path := os.Getenv(CLIPathEnv)
	if path == "" {
		return CLI{}, fmt.Errorf("%s is not set", CLIPathEnv)
	}
	return DetectCLI(path)
}

// cliEnv is this process's environment without the variables that break
// the CLI's version output (see ConfigureEnvironment).
func cliEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TF_CLI_CONFIG_FILE=") || cliConfigExists(kv) {
			env = append(env, kv)
		}
	}
	return append(env, "CHECKPOINT_DISABLE=1")
}

func cliConfigExists(kv string) bool {
	_, err := os.Stat(strings.TrimPrefix(kv, "TF_CLI_CONFIG_FILE="))
	return err == nil
}

func sortStrings(s []string) []string {
	sort.Strings(s)
	return s
}
