// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Command docs regenerates the provider's docs/ with tfplugindocs.
//
// It reads the provider's schema from the provider itself, in-process: it
// starts the provider's protocol 6 server (the one main.go serves), asks it
// for every schema (provider, resources, data sources, ephemeral resources,
// list resources, actions, resource identities), converts them to the JSON
// shape of `terraform providers schema -json` (terraform-json's
// ProviderSchemas) and hands that file to tfplugindocs with
// --providers-schema. No CLI is involved, so no CLI version limits what is
// documented (OpenTofu's schema JSON has no actions or list resources, and
// tfplugindocs would otherwise download Terraform).
//
// With -validate it runs `tfplugindocs validate` on docs/ instead, with the
// same in-process schema (so that the file-mismatch check sees every type)
// and the subcategories the templates use: "Public API" and "Extensions"
// for the type pages, "Guides" for the guides.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/zclconf/go-cty/cty"

	"github.com/divio-community/terraform-provider-divio/internal/provider"
)

// providerName is the provider's short name: tfplugindocs looks its schema
// up under this key.
const providerName = "divio"

func main() {
	providerDir := flag.String("provider-dir", "../..", "root of the provider's repository")
	schemaOut := flag.String("schema-out", "", "also write the schema JSON to this file (for inspection)")
	validate := flag.Bool("validate", false, "run `tfplugindocs validate` on docs/ instead of generating it")
	flag.Parse()
	if err := run(*providerDir, *schemaOut, *validate); err != nil {
		fmt.Fprintln(os.Stderr, "docs:", err)
		os.Exit(1)
	}
}

// Subcategories of the front matter, checked by -validate.
const (
	typeSubcategories  = "Public API,Extensions"
	guideSubcategories = "Guides"
)

func run(providerDir, schemaOut string, validate bool) error {
	root, err := filepath.Abs(providerDir)
	if err != nil {
		return err
	}
	schema, err := providerSchema(context.Background())
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(&tfjson.ProviderSchemas{
		FormatVersion: "1.0",
		Schemas:       map[string]*tfjson.ProviderSchema{providerName: schema},
	}, "", "  ")
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "divio-docs-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	schemaFile := filepath.Join(work, "schema.json")
	if err := os.WriteFile(schemaFile, out, 0o644); err != nil {
		return err
	}
	if schemaOut != "" {
		if err := os.WriteFile(schemaOut, out, 0o644); err != nil {
			return err
		}
	}
	args := []string{"generate",
		"--provider-dir", root, "--provider-name", providerName, "--rendered-provider-name", "Divio",
		"--providers-schema", schemaFile}
	if validate {
		args = []string{"validate",
			"--provider-dir", root, "--provider-name", providerName, "--providers-schema", schemaFile,
			"--allowed-resource-subcategories", typeSubcategories,
			"--allowed-guide-subcategories", guideSubcategories}
	}
	cmd := exec.Command("go", append([]string{"run", "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"}, args...)...)
	cmd.Stdout = os.Stdout
	// tfplugindocs logs every file it looks at with log.Printf("[DEBUG] …"),
	// unconditionally: those lines are dropped, the rest (its errors) kept.
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("tfplugindocs %s: %w", args[0], err)
	}
	copied := make(chan error, 1)
	go func() { copied <- withoutDebugLines(os.Stderr, stderr) }()
	copyErr := <-copied
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("tfplugindocs %s: %w", args[0], err)
	}
	return copyErr
}

// withoutDebugLines copies r to w without the lines Go's log package wrote
// at [DEBUG].
func withoutDebugLines(w io.Writer, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		if strings.Contains(sc.Text(), " [DEBUG] ") {
			continue
		}
		if _, err := fmt.Fprintln(w, sc.Text()); err != nil {
			return err
		}
	}
	return sc.Err()
}

// providerSchema asks the provider's protocol 6 server for every schema it
// has, as Terraform would, and converts them.
func providerSchema(ctx context.Context) (*tfjson.ProviderSchema, error) {
	server, err := providerserver.NewProtocol6WithError(provider.New("docs")())()
	if err != nil {
		return nil, err
	}
	resp, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		return nil, err
	}
	if err := diagnosticsError("GetProviderSchema", resp.Diagnostics); err != nil {
		return nil, err
	}
	identities, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		return nil, err
	}
	if err := diagnosticsError("GetResourceIdentitySchemas", identities.Diagnostics); err != nil {
		return nil, err
	}

	var c converter
	ps := &tfjson.ProviderSchema{
		ConfigSchema:             c.schema(resp.Provider),
		ResourceSchemas:          c.schemas(resp.ResourceSchemas),
		DataSourceSchemas:        c.schemas(resp.DataSourceSchemas),
		EphemeralResourceSchemas: c.schemas(resp.EphemeralResourceSchemas),
		ListResourceSchemas:      c.schemas(resp.ListResourceSchemas),
	}
	if len(resp.ActionSchemas) > 0 {
		ps.ActionSchemas = map[string]*tfjson.ActionSchema{}
		for name, s := range resp.ActionSchemas {
			ps.ActionSchemas[name] = &tfjson.ActionSchema{Block: c.block(s.Schema.Block)}
		}
	}
	if len(identities.IdentitySchemas) > 0 {
		ps.ResourceIdentitySchemas = map[string]*tfjson.IdentitySchema{}
		for name, s := range identities.IdentitySchemas {
			attrs := map[string]*tfjson.IdentityAttribute{}
			for _, a := range s.IdentityAttributes {
				attrs[a.Name] = &tfjson.IdentityAttribute{
					IdentityType:      c.ctyType(a.Type),
					Description:       a.Description,
					RequiredForImport: a.RequiredForImport,
					OptionalForImport: a.OptionalForImport,
				}
			}
			ps.ResourceIdentitySchemas[name] = &tfjson.IdentitySchema{Version: uint64(s.Version), Attributes: attrs}
		}
	}
	if err := markRequiredInBlock(ps); err != nil {
		return nil, err
	}
	if len(resp.Functions) > 0 {
		return nil, fmt.Errorf("the provider has functions, which this generator does not convert yet")
	}
	if c.err != nil {
		return nil, c.err
	}
	return ps, nil
}

// requiredInBlock lists, per resource type, the attributes of an optional
// nested block ("block.attribute") that the provider requires whenever the
// block is present (its ValidateConfig refuses the block without them).
// The schema cannot say so: terraform-plugin-framework enforces the
// Required attributes of a SingleNestedBlock even when the block is absent
// ("Missing Configuration for Required Attribute" on every configuration
// without it), so they are Optional there. The docs show them under
// Required in the block's nested schema, which is what a configuration
// must hold. Each entry must exist and be Optional in the schema, so that
// the list cannot outlive a change of the schema.
var requiredInBlock = map[string][]string{
	"divio_repository": {"https.username", "https.password_wo", "https.password_wo_version"},
}

func markRequiredInBlock(ps *tfjson.ProviderSchema) error {
	for typeName, paths := range requiredInBlock {
		s, ok := ps.ResourceSchemas[typeName]
		if !ok {
			return fmt.Errorf("requiredInBlock: no resource %s", typeName)
		}
		for _, p := range paths {
			blockName, attrName, _ := strings.Cut(p, ".")
			block, ok := s.Block.NestedBlocks[blockName]
			if !ok {
				return fmt.Errorf("requiredInBlock: %s has no block %q", typeName, blockName)
			}
			attr, ok := block.Block.Attributes[attrName]
			switch {
			case !ok:
				return fmt.Errorf("requiredInBlock: %s.%s has no attribute %q", typeName, blockName, attrName)
			case !attr.Optional || attr.Required:
				return fmt.Errorf("requiredInBlock: %s.%s is no longer Optional in the schema: remove it from the list", typeName, p)
			}
			attr.Optional, attr.Required = false, true
		}
	}
	return nil
}

func diagnosticsError(call string, diags []*tfprotov6.Diagnostic) error {
	var msgs []string
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			msgs = append(msgs, d.Summary+": "+d.Detail)
		}
	}
	if len(msgs) > 0 {
		return fmt.Errorf("%s: %s", call, strings.Join(msgs, "; "))
	}
	return nil
}

// converter turns protocol 6 schemas into terraform-json's, as Terraform's
// `providers schema -json` does; the first error is kept in err.
type converter struct{ err error }

func (c *converter) schemas(in map[string]*tfprotov6.Schema) map[string]*tfjson.Schema {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]*tfjson.Schema, len(in))
	for name, s := range in {
		out[name] = c.schema(s)
	}
	return out
}

func (c *converter) schema(s *tfprotov6.Schema) *tfjson.Schema {
	if s == nil {
		return nil
	}
	return &tfjson.Schema{Version: uint64(s.Version), Block: c.block(s.Block)}
}

func (c *converter) block(b *tfprotov6.SchemaBlock) *tfjson.SchemaBlock {
	if b == nil {
		return &tfjson.SchemaBlock{}
	}
	out := &tfjson.SchemaBlock{
		Description:     b.Description,
		DescriptionKind: descriptionKind(b.DescriptionKind),
		Deprecated:      b.Deprecated,
	}
	if len(b.Attributes) > 0 {
		out.Attributes = map[string]*tfjson.SchemaAttribute{}
		for _, a := range b.Attributes {
			out.Attributes[a.Name] = c.attribute(a)
		}
	}
	if len(b.BlockTypes) > 0 {
		out.NestedBlocks = map[string]*tfjson.SchemaBlockType{}
		for _, nb := range b.BlockTypes {
			out.NestedBlocks[nb.TypeName] = &tfjson.SchemaBlockType{
				NestingMode: blockNesting(nb.Nesting),
				Block:       c.block(nb.Block),
				MinItems:    uint64(nb.MinItems),
				MaxItems:    uint64(nb.MaxItems),
			}
		}
	}
	return out
}

func (c *converter) attribute(a *tfprotov6.SchemaAttribute) *tfjson.SchemaAttribute {
	out := &tfjson.SchemaAttribute{
		Description:     a.Description,
		DescriptionKind: descriptionKind(a.DescriptionKind),
		Deprecated:      a.Deprecated,
		Required:        a.Required,
		Optional:        a.Optional,
		Computed:        a.Computed,
		Sensitive:       a.Sensitive,
		WriteOnly:       a.WriteOnly,
	}
	if a.NestedType != nil {
		nested := &tfjson.SchemaNestedAttributeType{
			NestingMode: objectNesting(a.NestedType.Nesting),
			Attributes:  map[string]*tfjson.SchemaAttribute{},
		}
		for _, na := range a.NestedType.Attributes {
			nested.Attributes[na.Name] = c.attribute(na)
		}
		out.AttributeNestedType = nested
		return out
	}
	out.AttributeType = c.ctyType(a.Type)
	return out
}

// ctyType converts through JSON: tftypes and cty share the type notation
// (`"string"`, `["list","string"]`, `["object",{...}]`).
func (c *converter) ctyType(t tftypes.Type) cty.Type {
	if t == nil {
		return cty.NilType
	}
	raw, err := t.MarshalJSON()
	if err != nil {
		c.fail(err)
		return cty.NilType
	}
	var out cty.Type
	if err := out.UnmarshalJSON(raw); err != nil {
		c.fail(fmt.Errorf("type %s: %w", raw, err))
		return cty.NilType
	}
	return out
}

func (c *converter) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

func descriptionKind(k tfprotov6.StringKind) tfjson.SchemaDescriptionKind {
	if k == tfprotov6.StringKindMarkdown {
		return tfjson.SchemaDescriptionKindMarkdown
	}
	return tfjson.SchemaDescriptionKindPlain
}

func blockNesting(n tfprotov6.SchemaNestedBlockNestingMode) tfjson.SchemaNestingMode {
	switch n {
	case tfprotov6.SchemaNestedBlockNestingModeSingle:
		return tfjson.SchemaNestingModeSingle
	case tfprotov6.SchemaNestedBlockNestingModeList:
		return tfjson.SchemaNestingModeList
	case tfprotov6.SchemaNestedBlockNestingModeSet:
		return tfjson.SchemaNestingModeSet
	case tfprotov6.SchemaNestedBlockNestingModeMap:
		return tfjson.SchemaNestingModeMap
	case tfprotov6.SchemaNestedBlockNestingModeGroup:
		return tfjson.SchemaNestingModeGroup
	}
	return tfjson.SchemaNestingMode(strings.ToLower(n.String()))
}

func objectNesting(n tfprotov6.SchemaObjectNestingMode) tfjson.SchemaNestingMode {
	switch n {
	case tfprotov6.SchemaObjectNestingModeSingle:
		return tfjson.SchemaNestingModeSingle
	case tfprotov6.SchemaObjectNestingModeList:
		return tfjson.SchemaNestingModeList
	case tfprotov6.SchemaObjectNestingModeSet:
		return tfjson.SchemaNestingModeSet
	case tfprotov6.SchemaObjectNestingModeMap:
		return tfjson.SchemaNestingModeMap
	}
	return tfjson.SchemaNestingMode(strings.ToLower(n.String()))
}
