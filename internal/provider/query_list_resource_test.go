// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"context"
	"maps"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/provider"
)

// No CLI here runs `terraform query` (Terraform 1.14+), so the list
// resources are called through the provider's protocol server, as
// Terraform calls them: ValidateListResourceConfig, then ListResource with
// the list block's config, include_resource and limit.

// listServer is the provider's protocol server, configured for cp, with
// the schemas Terraform reads before a query.
type listServer struct {
	t      *testing.T
	lists  tfprotov6.ListResourceServer
	schema *tfprotov6.GetProviderSchemaResponse
	// identities are the resources' identity schemas, by type.
	identities map[string]*tfprotov6.ResourceIdentitySchema
}

func newListServer(t *testing.T, cp *acctest.ControlPlane) *listServer {
	t.Helper()
	server := configuredProviderServer(t, cp)
	lists, ok := server.(tfprotov6.ListResourceServer)
	if !ok {
		t.Fatal("the provider server does not serve list resources")
	}
	ctx := context.Background()
	schema, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(schema.Diagnostics) > 0 {
		t.Fatalf("provider schema: %v %v", err, diagText(schema.Diagnostics))
	}
	identities, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil || len(identities.Diagnostics) > 0 {
		t.Fatalf("identity schemas: %v %v", err, diagText(identities.Diagnostics))
	}
	return &listServer{t: t, lists: lists, schema: schema, identities: identities.IdentitySchemas}
}

// listQuery is one list block: its config (the filters set; the others
// null), include_resource and limit (Terraform's default is 100).
type listQuery struct {
	config  map[string]string
	include bool
	limit   int64
}

// listResult is one result of a query, decoded.
type listResult struct {
	DisplayName string
	// Identity is the identity's attributes (all strings here).
	Identity map[string]string
	// Resource is the resource object's attributes (nil unless included).
	Resource    map[string]any
	Diagnostics []*tfprotov6.Diagnostic
	// object is the resource object as the protocol holds it.
	object tftypes.Value
}

// configValue is the list block's config for the list resource typeName.
func (s *listServer) configValue(typeName string, config map[string]string) *tfprotov6.DynamicValue {
	s.t.Helper()
	listSchema, ok := s.schema.ListResourceSchemas[typeName]
	if !ok {
		s.t.Fatalf("no list resource %s", typeName)
	}
	values := map[string]tftypes.Value{}
	for _, attribute := range listSchema.Block.Attributes {
		values[attribute.Name] = tftypes.NewValue(tftypes.String, nil)
	}
	for name, value := range config {
		if _, ok := values[name]; !ok {
			s.t.Fatalf("%s has no filter %s", typeName, name)
		}
		values[name] = tftypes.NewValue(tftypes.String, value)
	}
	dv, err := tfprotov6.NewDynamicValue(listSchema.ValueType(), tftypes.NewValue(listSchema.ValueType(), values))
	if err != nil {
		s.t.Fatal(err)
	}
	return &dv
}

// validate is ValidateListResourceConfig's diagnostics for config.
func (s *listServer) validate(typeName string, config map[string]string) []*tfprotov6.Diagnostic {
	s.t.Helper()
	resp, err := s.lists.ValidateListResourceConfig(context.Background(), &tfprotov6.ValidateListResourceConfigRequest{
		TypeName: typeName, Config: s.configValue(typeName, config),
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.Diagnostics
}

// list runs q on the list resource typeName and decodes every result.
func (s *listServer) list(typeName string, q listQuery) []listResult {
	s.t.Helper()
	stream, err := s.lists.ListResource(context.Background(), &tfprotov6.ListResourceRequest{
		TypeName: typeName, Config: s.configValue(typeName, q.config), IncludeResource: q.include, Limit: q.limit,
	})
	if err != nil {
		s.t.Fatal(err)
	}
	var results []listResult
	for result := range stream.Results {
		results = append(results, s.decode(typeName, result))
	}
	return results
}

// listOK is list, failing t on any diagnostic.
func (s *listServer) listOK(typeName string, q listQuery) []listResult {
	s.t.Helper()
	results := s.list(typeName, q)
	for _, r := range results {
		if len(r.Diagnostics) > 0 {
			s.t.Fatalf("%s %v: %s", typeName, q, diagText(r.Diagnostics))
		}
	}
	return results
}

func (s *listServer) decode(typeName string, result tfprotov6.ListResourceResult) listResult {
	s.t.Helper()
	decoded := listResult{DisplayName: result.DisplayName, Diagnostics: result.Diagnostics}
	if result.Identity != nil && result.Identity.IdentityData != nil {
		identity := s.unmarshal(result.Identity.IdentityData, s.identities[typeName].ValueType())
		decoded.Identity = map[string]string{}
		for name, value := range objectValues(identity) {
			decoded.Identity[name], _ = value.(string)
		}
	}
	if result.Resource != nil {
		decoded.object = s.unmarshal(result.Resource, s.schema.ResourceSchemas[typeName].ValueType())
		decoded.Resource = objectValues(decoded.object)
	}
	return decoded
}

func (s *listServer) unmarshal(dv *tfprotov6.DynamicValue, typ tftypes.Type) tftypes.Value {
	s.t.Helper()
	value, err := dv.Unmarshal(typ)
	if err != nil {
		s.t.Fatal(err)
	}
	return value
}

// objectValues is an object's attributes as plain Go values: string, bool,
// *big.Float, map[string]any, []any, nil for null.
func objectValues(object tftypes.Value) map[string]any {
	plain, _ := plainValue(object).(map[string]any)
	return plain
}

func plainValue(v tftypes.Value) any {
	if v.IsNull() || !v.IsKnown() {
		return nil
	}
	switch {
	case v.Type().Is(tftypes.String):
		var s string
		_ = v.As(&s)
		return s
	case v.Type().Is(tftypes.Bool):
		var b bool
		_ = v.As(&b)
		return b
	case v.Type().Is(tftypes.Number):
		n := new(big.Float)
		_ = v.As(&n)
		return n
	case v.Type().Is(tftypes.Object{}) || v.Type().Is(tftypes.Map{}):
		var members map[string]tftypes.Value
		_ = v.As(&members)
		plain := map[string]any{}
		for name, member := range members {
			plain[name] = plainValue(member)
		}
		return plain
	}
	var elements []tftypes.Value
	_ = v.As(&elements)
	plain := []any{}
	for _, e := range elements {
		plain = append(plain, plainValue(e))
	}
	return plain
}

// displayNames are the results' display names, sorted.
func displayNames(results []listResult) []string {
	names := make([]string, 0, len(results))
	for _, r := range results {
		names = append(names, r.DisplayName)
	}
	slices.Sort(names)
	return names
}

// wantDisplayNames fails t unless results show exactly want (any order).
func wantDisplayNames(t *testing.T, results []listResult, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := displayNames(results); !slices.Equal(got, want) {
		t.Fatalf("display names %q, want %q", got, want)
	}
}

// wantError fails t unless results are one result whose diagnostics hold
// every part.
func wantError(t *testing.T, results []listResult, parts ...string) {
	t.Helper()
	if len(results) != 1 || len(results[0].Diagnostics) == 0 {
		t.Fatalf("want one result with an error, got %+v", results)
	}
	text := diagText(results[0].Diagnostics)
	for _, part := range parts {
		if !strings.Contains(text, part) {
			t.Fatalf("the error %q does not say %q", text, part)
		}
	}
}

// wantValidationError fails t unless diags hold an error saying part.
func wantValidationError(t *testing.T, diags []*tfprotov6.Diagnostic, part string) {
	t.Helper()
	if !strings.Contains(diagText(diags), part) {
		t.Fatalf("validation: want an error saying %q, got %q", part, diagText(diags))
	}
}

// wantAttributes fails t unless the resource object has the attributes of
// want, with those values (nil: null).
func wantAttributes(t *testing.T, resource map[string]any, want map[string]any) {
	t.Helper()
	if resource == nil {
		t.Fatal("the result has no resource object")
	}
	for name, value := range want {
		if got, ok := resource[name]; !ok || !sameValue(got, value) {
			t.Errorf("%s = %#v, want %#v", name, got, value)
		}
	}
}

func sameValue(got, want any) bool {
	if n, ok := got.(*big.Float); ok {
		w, isInt := want.(int)
		return isInt && n.Cmp(big.NewFloat(float64(w))) == 0
	}
	return reflect.DeepEqual(got, want)
}

// getsOf counts the GET requests of path in lines.
func getsOf(lines []string, path string) int {
	return acctest.CountPrefix(lines, "GET "+path+" ")
}

// wantExtensionMissing fails t unless the list resource typeName, on a
// server without extension (Divio's public API), streams one error saying
// so, having listed nothing.
func wantExtensionMissing(t *testing.T, typeName, extension string) {
	t.Helper()
	cp := acctest.StartControlPlaneWith(t, acctest.Options{PublicOnly: true})
	s := newListServer(t, cp)
	mark := cp.Requests.Mark()
	wantError(t, s.list(typeName, listQuery{include: true, limit: 100}), "Not available on this Divio API", extension)
	if requests := cp.Requests.Since(mark); getsOf(requests, "/apps/v3/applications/") > 0 {
		t.Fatalf("listed applications without the extension: %v", requests)
	}
}

// Every list resource is served beside its managed resource, with its
// filters: optional strings, in its list block's config.
func TestUnitListResources_schemas(t *testing.T) {
	server, err := providerserver.NewProtocol6WithError(provider.New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schema, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(schema.Diagnostics) > 0 {
		t.Fatalf("provider schema: %v %s", err, diagText(schema.Diagnostics))
	}
	want := map[string][]string{
		applicationType:    {"name_contains", "organisation", "slug_contains"},
		repositoryType:     {"application", "organisation", "url_contains"},
		webhookType:        {"application", "organisation"},
		trackingBranchType: {"application", "environment_slug", "organisation"},
	}
	if len(schema.ListResourceSchemas) != len(want) {
		t.Errorf("list resources %v, want %v", slices.Sorted(maps.Keys(schema.ListResourceSchemas)), slices.Sorted(maps.Keys(want)))
	}
	for typeName, filters := range want {
		listSchema := schema.ListResourceSchemas[typeName]
		if listSchema == nil || schema.ResourceSchemas[typeName] == nil {
			t.Errorf("no list resource or no resource %s", typeName)
			continue
		}
		var got []string
		for _, a := range listSchema.Block.Attributes {
			if !a.Optional || !a.Type.Is(tftypes.String) {
				t.Errorf("%s.%s is not an optional string", typeName, a.Name)
			}
			got = append(got, a.Name)
		}
		if slices.Sort(got); !slices.Equal(got, filters) || len(listSchema.Block.BlockTypes) > 0 {
			t.Errorf("%s filters %v, want %v", typeName, got, filters)
		}
	}
}
