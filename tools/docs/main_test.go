// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
)

func repositorySchema(required bool) *tfjson.ProviderSchema {
	attrs := map[string]*tfjson.SchemaAttribute{}
	for _, name := range []string{"username", "password_wo", "password_wo_version"} {
		attrs[name] = &tfjson.SchemaAttribute{Optional: !required, Required: required}
	}
	return &tfjson.ProviderSchema{ResourceSchemas: map[string]*tfjson.Schema{
		"divio_repository": {Block: &tfjson.SchemaBlock{NestedBlocks: map[string]*tfjson.SchemaBlockType{
			"https": {NestingMode: tfjson.SchemaNestingModeSingle, Block: &tfjson.SchemaBlock{Attributes: attrs}},
		}}},
	}}
}

func TestMarkRequiredInBlock(t *testing.T) {
	ps := repositorySchema(false)
	if err := markRequiredInBlock(ps); err != nil {
		t.Fatal(err)
	}
	for name, a := range ps.ResourceSchemas["divio_repository"].Block.NestedBlocks["https"].Block.Attributes {
		if !a.Required || a.Optional {
			t.Errorf("https.%s: required %v, optional %v", name, a.Required, a.Optional)
		}
	}
	// Once the schema says Required itself, the list must go.
	if err := markRequiredInBlock(repositorySchema(true)); err == nil || !strings.Contains(err.Error(), "no longer Optional") {
		t.Fatalf("got %v", err)
	}
	if err := markRequiredInBlock(&tfjson.ProviderSchema{}); err == nil {
		t.Fatal("a missing resource was not reported")
	}
}
