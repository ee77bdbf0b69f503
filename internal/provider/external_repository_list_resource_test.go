package provider_test

import (
	"context"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/githost"
	"github.com/divio-community/terraform-provider-divio/internal/provider"
)

// OpenTofu cannot run `terraform query`, so the list resource is exercised
// through the provider's protocol server, as Terraform would call it,
// against the real control plane and real bindings.
func TestAccExternalRepositoryListResource(t *testing.T) {
	ctx := context.Background()
	cp := acctest.StartControlPlane(t)
	host := acctest.StartGitHost(t)
	web, _ := bind(t, cp.Client(), host, cp.AppID(acctest.AppSlug), "web")
	api, _ := bind(t, cp.Client(), host, cp.AppID(acctest.SecondAppSlug), "api")
	otherOrgClient, err := divioapi.New(divioapi.Config{BaseURL: cp.URL, Token: cp.OtherToken, RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	bind(t, otherOrgClient, host, cp.AppID(acctest.OtherOrgAppSlug), "globex")

	server := configuredProviderServer(t, cp)
	list := func(organisation tftypes.Value, includeResource bool) map[string]tfprotov6.ListResourceResult {
		t.Helper()
		config, err := tfprotov6.NewDynamicValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"organisation": tftypes.String}},
			tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"organisation": tftypes.String}}, map[string]tftypes.Value{"organisation": organisation}))
		if err != nil {
			t.Fatal(err)
		}
		stream, err := server.ListResource(ctx, &tfprotov6.ListResourceRequest{
			TypeName: "divio_external_repository", Config: &config, IncludeResource: includeResource, Limit: 100,
		})
		if err != nil {
			t.Fatal(err)
		}
		byApplication := map[string]tfprotov6.ListResourceResult{}
		for result := range stream.Results {
			for _, d := range result.Diagnostics {
				t.Fatalf("list diagnostic: %s: %s", d.Summary, d.Detail)
			}
			identity := decodeObject(t, result.Identity.IdentityData, tftypes.Object{AttributeTypes: map[string]tftypes.Type{"application": tftypes.String}})
			byApplication[identity["application"]] = result
		}
		return byApplication
	}

	all := list(tftypes.NewValue(tftypes.String, nil), true)
	if got, want := sortedKeys(all), sorted(web.Application, api.Application); !slices.Equal(got, want) {
		t.Fatalf("listed applications %v, want %v (never another organisation's)", got, want)
	}
	result := all[web.Application]
	if result.DisplayName != web.Application+" → "+web.URL {
		t.Errorf("display name %q", result.DisplayName)
	}
	if result.Resource == nil {
		t.Fatal("IncludeResource: no resource object")
	}

	byOrganisation := list(tftypes.NewValue(tftypes.String, cp.OrgID(acctest.OtherOrgName)), false)
	if len(byOrganisation) != 0 {
		t.Errorf("filter by another organisation listed %v", sortedKeys(byOrganisation))
	}
	mine := list(tftypes.NewValue(tftypes.String, cp.OrgID(acctest.OrgName)), false)
	if len(mine) != 2 || mine[api.Application].Resource != nil {
		t.Errorf("filter by own organisation: %d results (resource included: %v)", len(mine), mine[api.Application].Resource != nil)
	}
}

// bind creates a deploy key for app, installs it on host and binds a new
// repository, through the API, waiting for the access check.
func bind(t *testing.T, client *divioapi.Client, host *githost.Host, app, name string) (*divioapi.Repository, *githost.Repo) {
	t.Helper()
	ctx := context.Background()
	key, err := client.CreateDeployKey(ctx, divioapi.CreateDeployKeyRequest{Application: app})
	if err != nil {
		t.Fatal(err)
	}
	if err := host.AuthorizeKey(key.PublicKey, githost.ReadWrite); err != nil {
		t.Fatal(err)
	}
	repo := acctest.NewRepo(t, host, name, map[string]map[string]string{"main": readmeOnly})
	created, err := client.CreateRepository(ctx, divioapi.CreateRepositoryRequest{
		Application: app, URL: repo.SSHURL(), WriteAccess: true, DeployKey: key.UUID,
	})
	if err != nil {
		t.Fatal(err)
	}
	checked, err := client.WaitForCheck(ctx, created.UUID, nil)
	if err != nil || checked.State != divioapi.RepositoryCloned {
		t.Fatalf("binding %s: %+v (err=%v)", name, checked, err)
	}
	return checked, repo
}

// configuredProviderServer is the provider's protocol server, configured
// for cp as Terraform would configure it.
func configuredProviderServer(t *testing.T, cp *acctest.ControlPlane) tfprotov6.ProviderServerWithListResource {
	t.Helper()
	server, err := providerserver.NewProtocol6WithError(provider.New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	providerType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"api_url": tftypes.String, "api_token": tftypes.String}}
	config, err := tfprotov6.NewDynamicValue(providerType, tftypes.NewValue(providerType, map[string]tftypes.Value{
		"api_url": tftypes.NewValue(tftypes.String, cp.URL), "api_token": tftypes.NewValue(tftypes.String, cp.Token),
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
	return server.(tfprotov6.ProviderServerWithListResource)
}

// decodeObject decodes a flat object of strings.
func decodeObject(t *testing.T, value *tfprotov6.DynamicValue, typ tftypes.Object) map[string]string {
	t.Helper()
	raw, err := value.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := raw.As(&attrs); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for name, v := range attrs {
		var s string
		if err := v.As(&s); err != nil {
			t.Fatal(err)
		}
		out[name] = s
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sorted(values ...string) []string {
	slices.Sort(values)
	return values
}
