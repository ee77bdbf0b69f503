// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/giturl"
)

// A repository's URL is one value with three rules, all from internal/giturl
// and all here: what is a valid URL (checked at plan time), which spellings
// name the same remote (semantic equality: an answer that spells the user's
// URL otherwise changes nothing in state), and when a change of URL replaces
// the repository (another remote, not another spelling).

var (
	_ basetypes.StringTypable                    = repositoryURLType{}
	_ basetypes.StringValuableWithSemanticEquals = RepositoryURL{}
	_ xattr.ValidateableAttribute                = RepositoryURL{}
)

// repositoryURLType is the attribute type of a repository URL.
type repositoryURLType struct {
	basetypes.StringType
}

func (t repositoryURLType) Equal(o attr.Type) bool {
	other, ok := o.(repositoryURLType)
	return ok && t.StringType.Equal(other.StringType)
}

func (t repositoryURLType) String() string { return "repositoryURLType" }

func (t repositoryURLType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return RepositoryURL{StringValue: in}, nil
}

func (t repositoryURLType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	value, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	stringValue, ok := value.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", value)
	}
	return RepositoryURL{StringValue: stringValue}, nil
}

func (t repositoryURLType) ValueType(context.Context) attr.Value { return RepositoryURL{} }

// RepositoryURL is a Git repository's URL as the user spelled it.
type RepositoryURL struct {
	basetypes.StringValue
}

// NewRepositoryURL is a known URL; "" is null (an answer without one).
func NewRepositoryURL(raw string) RepositoryURL {
	if raw == "" {
		return RepositoryURL{StringValue: basetypes.NewStringNull()}
	}
	return RepositoryURL{StringValue: basetypes.NewStringValue(raw)}
}

func (v RepositoryURL) Type(context.Context) attr.Type { return repositoryURLType{} }

func (v RepositoryURL) Equal(o attr.Value) bool {
	other, ok := o.(RepositoryURL)
	return ok && v.StringValue.Equal(other.StringValue)
}

// StringSemanticEquals reports another spelling of the same remote, so that
// the framework keeps the user's spelling when an answer spells it otherwise.
func (v RepositoryURL) StringSemanticEquals(_ context.Context, newValuable basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := newValuable.(RepositoryURL)
	return ok && v.SameRemote(other.ValueString()), nil
}

// SameRemote reports whether raw names the same remote as v.
func (v RepositoryURL) SameRemote(raw string) bool {
	return giturl.Equivalent(v.ValueString(), raw)
}

// ValidateAttribute applies the Git URL rules at plan time: the accepted
// schemes, the refused forms, HTTPS refused for hosts that allow password
// authentication. The control plane applies the same rules.
func (v RepositoryURL) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	if _, err := giturl.Validate(v.ValueString()); err != nil {
		diagnostics.InvalidRepositoryURL(&resp.Diagnostics, req.Path, err)
	}
}

// sameRemote is the replace rule of a repository's url: another spelling of
// the same remote does not replace it.
func sameRemote(state, plan string) bool { return NewRepositoryURL(state).SameRemote(plan) }

// isHTTPS reports an https:// URL (false when null or unknown).
func (v RepositoryURL) isHTTPS() bool {
	if !known(v) {
		return false
	}
	u, err := giturl.Parse(v.ValueString())
	return err == nil && u.Scheme == giturl.HTTPS
}
