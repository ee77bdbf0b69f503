// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Command emptyprovider is a framework provider that does nothing: the
// baseline the provider's memory is measured against in BENCHMARKS.md. Its
// one resource, empty_repository, has the attributes of divio_repository
// (names, types, required/optional/computed), but its Create only fills in
// constants, its Read keeps the state as it is and nothing leaves the process.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
)

type empty struct{}

func (empty) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "empty"
}
func (empty) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse)          {}
func (empty) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {}
func (empty) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return repository{} }}
}
func (empty) DataSources(context.Context) []func() datasource.DataSource { return nil }

// repository does nothing with the attributes of divio_repository.
type repository struct{}

func (repository) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = "empty_repository"
}

func (repository) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	computed := schema.StringAttribute{Computed: true, PlanModifiers: keep}
	resp.Schema = schema.Schema{
		Attributes: map[string]schema.Attribute{
			"id":                 computed,
			"organisation":       schema.StringAttribute{Required: true},
			"url":                schema.StringAttribute{Required: true},
			"key_type":           schema.StringAttribute{Optional: true, Computed: true, PlanModifiers: keep},
			"public_key":         computed,
			"fingerprint_sha256": computed,
			"dsn":                computed,
		},
		Blocks: map[string]schema.Block{
			"https": schema.SingleNestedBlock{Attributes: map[string]schema.Attribute{
				"username":            schema.StringAttribute{Optional: true},
				"password_wo":         schema.StringAttribute{Optional: true, Sensitive: true, WriteOnly: true},
				"password_wo_version": schema.Int64Attribute{Optional: true},
			}},
		},
	}
}

// computedValues are what Create fills in where divio_repository asks the API.
var computedValues = map[string]string{
	"id": "00000000-0000-0000-0000-000000000000", "key_type": "ED25519", "public_key": "ssh-ed25519 AAAA",
	"fingerprint_sha256": "SHA256:x", "dsn": "git@example.com:x.git",
}

func (repository) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	resp.State.Raw = req.Plan.Raw
	for name, value := range computedValues {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(name), value)...)
	}
}

func (repository) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (repository) Update(_ context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = req.Plan.Raw
}

func (repository) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

func main() {
	err := providerserver.Serve(context.Background(), func() provider.Provider { return empty{} },
		providerserver.ServeOpts{Address: "registry.terraform.io/bench/empty"})
	if err != nil {
		log.Fatal(err)
	}
}
