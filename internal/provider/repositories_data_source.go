// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

func NewRepositoriesDataSource() datasource.DataSource {
	return &pluralDataSource{spec: pluralSpec{
		typeName: "repositories",
		description: "Lists external Git repositories with what `import` blocks and the `divio_repository` and " +
			"`divio_repository_verification` resources need (both are imported by the repository's UUID), so that " +
			"repositories set up by hand are adopted without a block per repository: `import { " +
			"for_each = … }` (Terraform 1.7+, OpenTofu 1.7+). On Terraform 1.14+, `terraform query` with the list " +
			"resource `divio_repository` finds the same repositories with the same filters. See the guide " +
			"\"Adopting an organisation's existing applications\".\n\n" +
			"Which repositories: Divio's public API cannot list repositories, so the data source lists **the repositories the " +
			"applications use** (those of `organisation`, or of every organisation the token's user is a member " +
			"of): one application list, then one `GET /apps/v3/repositories/<uuid>/` per repository. A repository no " +
			"application uses is found only where the server offers the whole list by organisation (extension " +
			"`repository_list`, used when `organisation` is set and `application` is not). With `application`, only " +
			"the repository that application uses (none on Divio's own Git server).\n\n" +
			"`repositories` is a list, in the order found, rather than a map: repositories have no slug, and the key " +
			"of a `for_each` is yours to choose, e.g. the UUID (`{ for r in data.divio_repositories.acme.repositories " +
			": r.id => r }`) or the slug of the application that uses it.\n\n" +
			"**Public API**; extension `repository_list` for repositories no application uses.",
		filters: map[string]schema.Attribute{
			"organisation": uuidFilter("UUID of the organisation whose repositories to list. Default: every " +
				"organisation the token's user is a member of. Conflicts with `application`."),
			"application": uuidFilter("UUID of an application: only the repository it uses. Default: no filter. " +
				"An application the token cannot see is an error (`Application not found`). Conflicts with `organisation`."),
			"url_contains": textFilter("Only the repositories whose URL contains this text, ignoring case; a " +
				"repository whose URL the server does not answer is then left out. Default: no filter."),
		},
		conflicting: []string{"organisation", "application"},
		result:      "repositories",
		resultDoc: "The repositories. Every attribute but `id` is null where the server's answer lacks it " +
			"(Divio's public API answers `dsn` and the deploy key, not `url`).",
		element: computedStrings(map[string]string{
			"id":           "UUID of the repository: the `id` of an `import` block for `divio_repository` and `divio_repository_verification`.",
			"organisation": "UUID of the organisation the repository belongs to (that of the application using it, where the answer does not say).",
			"url":          "URL of the repository. Null where the server does not answer it (Divio's public API does not): use `dsn` instead, the same remote, which `divio_repository` accepts without replacing anything.",
			"key_type":     "Algorithm of the deploy key Divio issued (`ED25519`, `ECDSA`, `RSA`), from the key itself where the server does not say. Null for an HTTPS repository, which needs an `https` block with its token (`password_wo` cannot be read back).",
			"dsn":          "The Git URL Divio clones (the API's `dsn`).",
		}),
		newModel: func() pluralModel { return &repositoriesModel{} },
	}}
}

// repositoriesModel is divio_repositories' configuration and result.
type repositoriesModel struct {
	Organisation types.String `tfsdk:"organisation"`
	Application  types.String `tfsdk:"application"`
	URLContains  types.String `tfsdk:"url_contains"`
	Repositories types.List   `tfsdk:"repositories"`
}

// repositoryItem is one element of repositories.
type repositoryItem struct {
	ID           types.String `tfsdk:"id"`
	Organisation types.String `tfsdk:"organisation"`
	URL          types.String `tfsdk:"url"`
	KeyType      types.String `tfsdk:"key_type"`
	DSN          types.String `tfsdk:"dsn"`
}

func (m *repositoriesModel) list(ctx context.Context, c *divioapi.Client) (any, error) {
	repos, err := listRepositories(ctx, c, repositoryQuery{
		Organisation: m.Organisation.ValueString(),
		Application:  m.Application.ValueString(),
		URLContains:  m.URLContains.ValueString(),
	})
	if err != nil {
		return nil, err
	}
	items := make([]repositoryItem, 0, len(repos))
	for _, repo := range repos {
		var model RepositoryModel // key_type as the resource reads it, HTTPS included
		model.fromAPI(&repo, &RepositoryModel{})
		items = append(items, repositoryItem{
			ID:           stringOrNull(repo.UUID),
			Organisation: stringOrNull(repo.Organisation),
			URL:          stringOrNull(repo.URL),
			KeyType:      model.KeyType,
			DSN:          stringOrNull(repo.DSN),
		})
	}
	return items, nil
}

func (m *repositoriesModel) setResult(list types.List) { m.Repositories = list }
