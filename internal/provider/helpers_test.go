// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/provider"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

// readmeOnly is what a new application's repository may hold.
var readmeOnly = map[string]string{"README": "# site\n", "LICENSE": "MIT\n"}

// bind makes what the extension tests start from, as a user would in the
// Control Panel: a repository "site" on host with a main branch, its deploy
// key installed with write access, verified, and a new application
// "app-site" on it. It returns the application's UUID and the repository.
func bind(t *testing.T, cp *acctest.ControlPlane, host *githost.Host) (string, *githost.Repo) {
	t.Helper()
	repo := acctest.NewRepo(t, host, "site", map[string]map[string]string{"main": readmeOnly})
	return cp.ApplicationOnRepository(t, host, repo, "app-site").UUID, repo
}

// environmentID is the UUID of an application's environment.
func environmentID(t *testing.T, cp *acctest.ControlPlane, app, slug string) string {
	t.Helper()
	envs, err := cp.Client().ListEnvironments(context.Background(), divioapi.EnvironmentFilter{Application: app, Slug: slug})
	if err != nil || len(envs) != 1 {
		t.Fatalf("environment %s of %s: %v (err=%v)", slug, app, envs, err)
	}
	return envs[0].UUID
}

// configuredProviderServer is the provider's protocol server, configured
// for cp, for what the CLIs cannot run yet (actions on OpenTofu and
// Terraform < 1.14).
func configuredProviderServer(t *testing.T, cp *acctest.ControlPlane) tfprotov6.ProviderServer {
	t.Helper()
	server, err := providerserver.NewProtocol6WithError(provider.New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	providerType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"api_url": tftypes.String, "api_token": tftypes.String, "use_extensions": tftypes.Bool,
	}}
	config, err := tfprotov6.NewDynamicValue(providerType, tftypes.NewValue(providerType, map[string]tftypes.Value{
		"api_url": tftypes.NewValue(tftypes.String, cp.URL), "api_token": tftypes.NewValue(tftypes.String, cp.Token),
		"use_extensions": tftypes.NewValue(tftypes.Bool, nil),
	}))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.ConfigureProvider(context.Background(), &tfprotov6.ConfigureProviderRequest{Config: &config, TerraformVersion: "1.14.0"})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Fatalf("configure: %s: %s", d.Summary, d.Detail)
	}
	return server
}
