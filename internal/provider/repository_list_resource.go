// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"cmp"
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

func NewRepositoryListResource() list.ListResource {
	return &enumeratingListResource[repositoryListConfig, divioapi.Repository]{spec: listSpec[repositoryListConfig, divioapi.Repository]{
		typeName: "_repository",
		what:     "repositories",
		description: "Finds external repositories, for `terraform query` (Terraform 1.14+). Divio's public API has " +
			"no list of repositories: what is found is the repositories the applications use (each application's " +
			"`repository`, read with `GET /apps/v3/repositories/{uuid}/`), of every application the token can see, of " +
			"one `organisation`'s, or of one `application`. With `organisation` alone, on a server that offers the " +
			"`repository_list` extension, it is every repository of the organisation, used or not. Each result is the " +
			"repository's identity (`id`), shown by its URL; with `include_resource = true` it is the " +
			"`divio_repository` an import reads, which `-generate-config-out` writes as a resource block and an " +
			"import block. What an import cannot read back is for you to fill in: `url` where the server does not " +
			"answer it (`null # REQUIRED`), and for an HTTPS repository `password_wo` and `password_wo_version` in " +
			"the `https` block (write-only; the apply after the import records the version without any API call).\n\n" +
			"**Works against api.divio.com**; extension `repository_list` (every repository of an organisation) used " +
			"where offered.",
		filters: map[string]listschema.Attribute{
			"organisation": organisationListFilter("repositories (those its applications use, or with the " +
				"`repository_list` extension all of them)"),
			"application": applicationListFilter("repository"),
			"url_contains": textListFilter("Only the repositories whose URL contains this text, ignoring case. A " +
				"server that does not answer a repository's URL matches none. Default: no filter."),
		},
		find: func(ctx context.Context, c *divioapi.Client, config *repositoryListConfig, limit int) ([]divioapi.Repository, error) {
			return listRepositories(ctx, c, repositoryQuery{
				Organisation: config.Organisation.ValueString(),
				Application:  config.Application.ValueString(),
				URLContains:  config.URLContains.ValueString(),
				Limit:        limit,
			})
		},
		displayName: func(repo divioapi.Repository) string { return cmp.Or(repo.URL, repo.DSN, repo.UUID) },
		store:       storeRepository,
	}}
}

// repositoryListConfig is the list block's config of divio_repository.
type repositoryListConfig struct {
	Organisation types.String `tfsdk:"organisation"`
	Application  types.String `tfsdk:"application"`
	URLContains  types.String `tfsdk:"url_contains"`
}

// storeRepository is the repository as its Read stores it after an
// import: from a state holding nothing but the identity.
func storeRepository(ctx context.Context, repo divioapi.Repository, state *tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	var model RepositoryModel
	model.fromAPI(&repo, &RepositoryModel{ID: types.StringValue(repo.UUID)})
	writeState(ctx, state, identity, &model, model.identity(), diags)
}
