// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
)

// `terraform query -generate-config-out` writes, for each result, a
// resource block from its resource object and an import block. generate
// writes it the same way, from the resource's schema as Terraform's
// genconfig does: every attribute a configuration may set (computed-only
// ones are skipped), but not write-only ones, nor optional ones that are
// null; a required one that is null is written `null # REQUIRED`, a
// sensitive one `null # sensitive`; attributes in name order, then nested
// blocks (a null single block, such as timeouts, is left out). Terraform
// 1.14 writes the import block with the result's identity (`identity = {…}`,
// Terraform 1.12+); this one has the import ID instead (`id = "…"`), which
// the CLIs here (Terraform ≥ 1.5, OpenTofu ≥ 1.6) import by: for these four
// types the import ID is the identity's one attribute.

// generate is the configuration Terraform generates for the list result
// of typeName, as resource name.
func (s *listServer) generate(typeName, name string, result listResult) string {
	s.t.Helper()
	if len(result.Identity) != 1 || result.Resource == nil {
		s.t.Fatalf("identity %v: want one attribute, the import ID, and the resource object", result.Identity)
	}
	var importID string
	for _, value := range result.Identity {
		importID = value
	}
	var b strings.Builder
	fmt.Fprintf(&b, "resource %q %q {\n", typeName, name)
	writeBlockBody(&b, s.schema.ResourceSchemas[typeName].Block, result.object, "  ")
	fmt.Fprintf(&b, "}\n\nimport {\n  to = %s.%s\n  id = %s\n}\n", typeName, name, hclString(importID))
	return string(hclwrite.Format([]byte(b.String())))
}

// writeBlockBody writes the attributes, then the nested blocks, of a block
// whose value is object.
func writeBlockBody(b *strings.Builder, block *tfprotov6.SchemaBlock, object tftypes.Value, indent string) {
	var members map[string]tftypes.Value
	_ = object.As(&members)
	attributes := slices.Clone(block.Attributes)
	sort.Slice(attributes, func(i, j int) bool { return attributes[i].Name < attributes[j].Name })
	for _, a := range attributes {
		if line := attributeLine(a, members[a.Name]); line != "" {
			fmt.Fprintf(b, "%s%s = %s\n", indent, a.Name, line)
		}
	}
	nested := slices.Clone(block.BlockTypes)
	sort.Slice(nested, func(i, j int) bool { return nested[i].TypeName < nested[j].TypeName })
	for _, n := range nested {
		for _, element := range blockElements(n, members[n.TypeName]) {
			fmt.Fprintf(b, "%s%s {\n", indent, n.TypeName)
			writeBlockBody(b, n.Block, element, indent+"  ")
			fmt.Fprintf(b, "%s}\n", indent)
		}
	}
}

// attributeLine is what follows `name = ` for an attribute, "" when the
// attribute is not written.
func attributeLine(a *tfprotov6.SchemaAttribute, value tftypes.Value) string {
	null := value.IsNull() || (value.Type().Is(tftypes.String) && a.Optional && plainValue(value) == "")
	switch {
	case isComputedOnly(a) || a.WriteOnly:
		return ""
	case null && a.Required:
		return "null # REQUIRED"
	case null:
		return ""
	case a.Sensitive:
		return "null # sensitive"
	}
	return hclValue(value)
}

func isComputedOnly(a *tfprotov6.SchemaAttribute) bool {
	return a.Computed && !a.Optional && !a.Required
}

// blockElements are the blocks to write for a nested block's value.
func blockElements(n *tfprotov6.SchemaNestedBlock, value tftypes.Value) []tftypes.Value {
	if value.IsNull() {
		return nil
	}
	if n.Nesting == tfprotov6.SchemaNestedBlockNestingModeSingle || n.Nesting == tfprotov6.SchemaNestedBlockNestingModeGroup {
		return []tftypes.Value{value}
	}
	var elements []tftypes.Value
	_ = value.As(&elements)
	return elements
}

// hclValue is a known, non-null value as HCL.
func hclValue(v tftypes.Value) string {
	switch plain := plainValue(v).(type) {
	case string:
		return hclString(plain)
	case bool, *big.Float:
		return fmt.Sprint(plain)
	}
	if v.Type().Is(tftypes.Map{}) || v.Type().Is(tftypes.Object{}) {
		var members map[string]tftypes.Value
		_ = v.As(&members)
		keys := make([]string, 0, len(members))
		for k := range members {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("{\n")
		for _, k := range keys {
			fmt.Fprintf(&b, "%s = %s\n", hclString(k), hclValue(members[k]))
		}
		return b.String() + "}"
	}
	var elements []tftypes.Value
	_ = v.As(&elements)
	items := make([]string, 0, len(elements))
	for _, e := range elements {
		items = append(items, hclValue(e))
	}
	return "[" + strings.Join(items, ", ") + "]"
}

// hclString is s as an HCL quoted string: escapes, and template sequences
// doubled so that they stay literal.
func hclString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteRune('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04x`, r)
		case (r == '$' || r == '%') && strings.HasPrefix(s[i+1:], "{"):
			b.WriteRune(r)
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// checkGenerated fails t unless generated parses, and its resource block
// sets only attributes a configuration may set: none computed-only or
// write-only, in blocks as in the schema.
func checkGenerated(t *testing.T, schema *tfprotov6.Schema, generated string) {
	t.Helper()
	file, diags := hclwrite.ParseConfig([]byte(generated), "generated.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("the generated configuration does not parse: %s\n%s", diags, generated)
	}
	blocks := file.Body().Blocks()
	if len(blocks) != 2 || blocks[0].Type() != "resource" || blocks[1].Type() != "import" {
		t.Fatalf("want a resource block and an import block:\n%s", generated)
	}
	checkGeneratedBody(t, schema.Block, blocks[0].Body(), "")
}

func checkGeneratedBody(t *testing.T, block *tfprotov6.SchemaBlock, body *hclwrite.Body, prefix string) {
	t.Helper()
	for name := range body.Attributes() {
		i := slices.IndexFunc(block.Attributes, func(a *tfprotov6.SchemaAttribute) bool { return a.Name == name })
		switch {
		case i < 0:
			t.Errorf("generated %s%s is not an attribute of the schema", prefix, name)
		case isComputedOnly(block.Attributes[i]):
			t.Errorf("generated %s%s is computed-only", prefix, name)
		case block.Attributes[i].WriteOnly:
			t.Errorf("generated %s%s is write-only", prefix, name)
		}
	}
	for _, nested := range body.Blocks() {
		i := slices.IndexFunc(block.BlockTypes, func(n *tfprotov6.SchemaNestedBlock) bool { return n.TypeName == nested.Type() })
		if i < 0 {
			t.Errorf("generated block %s%s is not in the schema", prefix, nested.Type())
			continue
		}
		checkGeneratedBody(t, block.BlockTypes[i].Block, nested.Body(), prefix+nested.Type()+".")
	}
}

// generatedValues are the attributes generated sets in its resource block
// and its import block, by "resource.<name>" and "import.<name>", as HCL.
func generatedValues(t *testing.T, generated string) map[string]string {
	t.Helper()
	file, diags := hclwrite.ParseConfig([]byte(generated), "generated.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("the generated configuration does not parse: %s", diags)
	}
	values := map[string]string{}
	for _, block := range file.Body().Blocks() {
		for name, attribute := range block.Body().Attributes() {
			values[block.Type()+"."+name] = strings.TrimSpace(string(attribute.Expr().BuildTokens(nil).Bytes()))
		}
	}
	return values
}

// wantGenerated fails t unless generated sets exactly the attributes of
// want in its resource block, with those values (HCL; "" for any value),
// and imports by importID.
func wantGenerated(t *testing.T, generated, importID string, want map[string]string) {
	t.Helper()
	values := generatedValues(t, generated)
	if got := values["import.id"]; got != hclString(importID) {
		t.Errorf("import id %s, want %q", got, importID)
	}
	for key := range values {
		if name, ok := strings.CutPrefix(key, "resource."); ok {
			if _, wanted := want[name]; !wanted {
				t.Errorf("generated sets %s", name)
			}
		}
	}
	for name, value := range want {
		got, ok := values["resource."+name]
		if !ok || (value != "" && got != value) {
			t.Errorf("generated %s = %q, want %q", name, got, value)
		}
	}
	if t.Failed() {
		t.Fatalf("generated:\n%s", generated)
	}
}

// adoptGenerated does what a user does with a generated configuration, on
// the CLI of TF_ACC_TERRAFORM_PATH: the first plan imports address and
// changes only adopted (what an import cannot read back, sorted), its
// apply sends no write request, and the plan after it is empty.
func adoptGenerated(t *testing.T, cp *acctest.ControlPlane, address, generated string, adopted []string) {
	t.Helper()
	w := acctest.NewWorkdir(t)
	w.Write("provider.tf", cp.ProviderBlock())
	w.Write("generated.tf", generated)
	mark := cp.Requests.Mark()
	if r := w.Run("plan", "-no-color", "-out=adopt.plan"); r.Code != 0 {
		t.Fatalf("the plan of the generated configuration: %s", r)
	}
	change := plannedChange(t, w, "adopt.plan", address)
	var changed []string
	if !slices.Equal(change.Actions, []string{"no-op"}) {
		changed = change.Changed
	}
	if !change.Importing || !slices.Equal(changed, adopted) {
		t.Fatalf("the first plan imports %s (%v) and changes %v %v, want an import changing %v",
			address, change.Importing, change.Actions, changed, adopted)
	}
	w.Must("apply", "-no-color", "adopt.plan")
	if writes := acctest.Writes(cp.Requests.Since(mark)); len(writes) > 0 {
		t.Fatalf("the import and its apply sent %v, want no write request", writes)
	}
	if r := w.Run("plan", "-detailed-exitcode", "-no-color"); r.Code != 0 {
		t.Fatalf("the plan after the import is not empty: %s", r)
	}
}

// plannedChange is address's change in a saved plan.
func plannedChange(t *testing.T, w *acctest.Workdir, planFile, address string) acctest.PlannedChange {
	t.Helper()
	for _, c := range w.ShowPlan(planFile) {
		if c.Address == address {
			return c
		}
	}
	t.Fatalf("the plan has no change of %s", address)
	return acctest.PlannedChange{}
}

// keepGenerated writes generated to .tmp/<name> at the repository's root,
// for the record.
func keepGenerated(t *testing.T, name, generated string) {
	t.Helper()
	dir := filepath.Join(acctest.RepositoryRoot(t), ".tmp")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(generated), 0o600); err != nil {
		t.Fatal(err)
	}
}
