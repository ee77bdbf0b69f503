// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package validators

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
)

// The rules of a webhook's chosen secret (divio_repository_webhook's
// secret_wo and secret_wo_version). They read their sibling attributes
// "type" and "secret_wo" from the configuration.

// WebhookSecretNotForBitbucket refuses a secret (the attribute it is set on,
// even when its value is unknown) for a webhook of type "bitbucket":
// Bitbucket sends no secret. An unknown type is decided at apply.
func WebhookSecretNotForBitbucket() validator.String { return webhookSecretHostValidator{} }

type webhookSecretHostValidator struct{}

func (webhookSecretHostValidator) Description(context.Context) string {
	return `must not be set when type is "bitbucket"`
}

func (v webhookSecretHostValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (webhookSecretHostValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() {
		return
	}
	var typ types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, sibling(req.Path, "type"), &typ)...)
	if typ.ValueString() == "bitbucket" { // "" when null or unknown
		diagnostics.WebhookSecretForBitbucket(&resp.Diagnostics, req.Path)
	}
}

// WebhookSecretVersion, on secret_wo_version, requires it exactly when
// secret_wo is set (even to a value not known yet): a write-only value
// changes only with its version.
func WebhookSecretVersion() validator.Int64 { return webhookSecretVersionValidator{} }

type webhookSecretVersionValidator struct{}

func (webhookSecretVersionValidator) Description(context.Context) string {
	return "must be set exactly when secret_wo is set"
}

func (v webhookSecretVersionValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (webhookSecretVersionValidator) ValidateInt64(ctx context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	var secret types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, sibling(req.Path, "secret_wo"), &secret)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if secret.IsNull() != req.ConfigValue.IsNull() {
		diagnostics.WebhookSecretVersionMismatch(&resp.Diagnostics, req.Path)
	}
}

// sibling is the attribute name beside p.
func sibling(p path.Path, name string) path.Path { return p.ParentPath().AtName(name) }
