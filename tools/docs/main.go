// Command docs regenerates the provider's docs/ with tfplugindocs.
//
// tfplugindocs normally downloads Terraform to read the provider's schema;
// our machines cannot, so this program builds the provider, reads its schema
// with the CLI in TF_CLI (default bin/tofu) through a local plugin directory,
// and hands the schema to tfplugindocs with --providers-schema.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

const (
	providerName = "divio"
	// The CLI's default registry decides the key of the schema; the plugin
	// directory is laid out under both so either CLI finds the provider.
	providerSource = "divio-community/divio"
)

func main() {
	providerDir := flag.String("provider-dir", "../..", "root of the provider's repository")
	flag.Parse()
	if err := run(*providerDir); err != nil {
		fmt.Fprintln(os.Stderr, "docs:", err)
		os.Exit(1)
	}
}

func run(providerDir string) error {
	root, err := filepath.Abs(providerDir)
	if err != nil {
		return err
	}
	cli := os.Getenv("TF_CLI")
	if cli == "" {
		cli = filepath.Join(root, "bin", "tofu")
	}
	work, err := os.MkdirTemp("", "divio-docs-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	platform := runtime.GOOS + "_" + runtime.GOARCH
	for _, host := range []string{"registry.terraform.io", "registry.opentofu.org"} {
		dir := filepath.Join(work, "plugins", host, providerSource, "0.0.1", platform)
		if err := run1(root, "go", "build", "-o", filepath.Join(dir, "terraform-provider-divio_v0.0.1"), "."); err != nil {
			return err
		}
	}
	config := fmt.Sprintf("terraform {\n  required_providers {\n    divio = { source = %q }\n  }\n}\n", providerSource)
	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(config), 0o644); err != nil {
		return err
	}
	if err := run1(work, cli, "init", "-input=false", "-no-color", "-plugin-dir=plugins"); err != nil {
		return err
	}
	out, err := output(work, cli, "providers", "schema", "-json")
	if err != nil {
		return err
	}

	// tfplugindocs looks the provider up by its short name.
	var schemas struct {
		FormatVersion string                     `json:"format_version"`
		Schemas       map[string]json.RawMessage `json:"provider_schemas"`
	}
	if err := json.Unmarshal(out, &schemas); err != nil {
		return fmt.Errorf("schema JSON: %w", err)
	}
	if len(schemas.Schemas) != 1 {
		return fmt.Errorf("expected the schema of one provider, got %d", len(schemas.Schemas))
	}
	for key, schema := range schemas.Schemas {
		delete(schemas.Schemas, key)
		schemas.Schemas[providerName] = schema
	}
	renamed, err := json.Marshal(schemas)
	if err != nil {
		return err
	}
	schemaFile := filepath.Join(work, "schema.json")
	if err := os.WriteFile(schemaFile, renamed, 0o644); err != nil {
		return err
	}
	return run1(".", "go", "run", "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs", "generate",
		"--provider-dir", root, "--provider-name", providerName, "--rendered-provider-name", "Divio",
		"--providers-schema", schemaFile)
}

func run1(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, os.Stdout, os.Stderr
	cmd.Env = cleanEnv()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %v: %w", name, args, err)
	}
	return nil
}

func output(dir, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Stderr = dir, os.Stderr
	cmd.Env = cleanEnv()
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %v: %w", name, args, err)
	}
	return out, nil
}

// cleanEnv drops a TF_CLI_CONFIG_FILE that may point at a missing file.
func cleanEnv() []string {
	env := os.Environ()
	out := env[:0]
	for _, kv := range env {
		if len(kv) < len("TF_CLI_CONFIG_FILE=") || kv[:len("TF_CLI_CONFIG_FILE=")] != "TF_CLI_CONFIG_FILE=" {
			out = append(out, kv)
		}
	}
	return append(out, "CHECKPOINT_DISABLE=1")
}
