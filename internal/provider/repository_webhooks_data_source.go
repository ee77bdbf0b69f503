// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"cmp"
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

func NewRepositoryWebhooksDataSource() datasource.DataSource {
	attributes := computedStrings(map[string]string{
		"id":          "UUID of the webhook.",
		"application": "UUID of the application whose repository sends the webhook: the `id` of an `import` block for `divio_repository_webhook` (an application has at most one webhook), and the natural `for_each` key.",
		"type":        "`github`, `gitlab` or `bitbucket`.",
	})
	attributes["url"] = schema.StringAttribute{
		MarkdownDescription: "The URL the Git host calls. Sensitive (for Bitbucket it carries the credential).",
		Computed:            true,
		Sensitive:           true,
	}
	return &pluralDataSource{spec: pluralSpec{
		typeName: "repository_webhooks",
		description: "Lists the webhooks of the applications the API token can see (those of `organisation`, or " +
			"one `application`), with what an `import` block and a `divio_repository_webhook` resource need, so " +
			"that webhooks set up by hand are adopted without a block per webhook: `import { for_each = … }` " +
			"(Terraform 1.7+, OpenTofu 1.7+). On Terraform 1.14+, `terraform query` with the list resource " +
			"`divio_repository_webhook` finds the same webhooks. One application list, then one webhook list per " +
			"application. See the guide \"Adopting an organisation's existing applications\".\n\n" +
			"`webhooks` is a list rather than a map; key a `for_each` by `application` (an application has at most " +
			"one webhook): `{ for h in data.divio_repository_webhooks.acme.webhooks : h.application => h }`. It " +
			"carries no secret: adopting a webhook keeps its secret (the resource reads a secret Divio generated " +
			"back into `secret`; one you chose is never shown), and rotates nothing.\n\n" +
			"**Extension** `webhooks`: refused at plan time without it (`Not available on this Divio API`).",
		filters: map[string]schema.Attribute{
			"organisation": uuidFilter("UUID of the organisation whose applications' webhooks to list. Default: " +
				"every organisation the token's user is a member of. Conflicts with `application`."),
			"application": uuidFilter("UUID of an application: only its webhook. Default: no filter. An " +
				"application the token cannot see is an error (`Application not found`). Conflicts with `organisation`."),
		},
		conflicting: []string{"organisation", "application"},
		result:      "webhooks",
		resultDoc:   "The webhooks, application by application in the API's order of the applications.",
		element:     attributes,
		extension:   divioapi.ExtWebhooks,
		instead: "Each application's Repository view in the Control Panel shows its webhook; divio_repository_webhook " +
			"cannot manage webhooks without the extension either.",
		newModel: func() pluralModel { return &repositoryWebhooksModel{} },
	}}
}

// repositoryWebhooksModel is divio_repository_webhooks' configuration and result.
type repositoryWebhooksModel struct {
	Organisation types.String `tfsdk:"organisation"`
	Application  types.String `tfsdk:"application"`
	Webhooks     types.List   `tfsdk:"webhooks"`
}

// webhookItem is one element of webhooks.
type webhookItem struct {
	ID          types.String `tfsdk:"id"`
	Application types.String `tfsdk:"application"`
	Type        types.String `tfsdk:"type"`
	URL         types.String `tfsdk:"url"`
}

func (m *repositoryWebhooksModel) list(ctx context.Context, c *divioapi.Client) (any, error) {
	q := bindingQuery{Organisation: m.Organisation.ValueString(), Application: m.Application.ValueString()}
	found, err := webhooksByApplication(ctx, c, q)
	if err != nil {
		return nil, err
	}
	items := make([]webhookItem, 0, len(found))
	for _, f := range found {
		hook := f.Object
		items = append(items, webhookItem{
			ID:          stringOrNull(hook.UUID),
			Application: stringOrNull(cmp.Or(hook.Application, f.Application.UUID)),
			Type:        stringOrNull(hook.Type),
			URL:         stringOrNull(hook.URL),
		})
	}
	return items, nil
}

func (m *repositoryWebhooksModel) setResult(list types.List) { m.Webhooks = list }
