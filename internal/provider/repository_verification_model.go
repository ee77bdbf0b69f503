// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

// RepositoryVerificationModel is the state of divio_repository_verification.
type RepositoryVerificationModel struct {
	ID         types.String   `tfsdk:"id"`
	Repository types.String   `tfsdk:"repository"`
	Branch     types.String   `tfsdk:"branch"`
	Migrate    types.Bool     `tfsdk:"migrate"`
	PushCheck  types.Bool     `tfsdk:"push_check"`
	Triggers   types.Map      `tfsdk:"triggers"`
	State      types.String   `tfsdk:"state"`
	Timeouts   timeouts.Value `tfsdk:"timeouts"`
}

// RepositoryVerificationIdentity identifies a verification by its
// repository: a repository has one verification.
type RepositoryVerificationIdentity struct {
	Repository types.String `tfsdk:"repository"`
}

// verifyOptions are the settings of the verification the model asks for.
func (m *RepositoryVerificationModel) verifyOptions() divioapi.VerifyOptions {
	return divioapi.VerifyOptions{
		Branch:        m.Branch.ValueString(),
		Migrate:       m.Migrate.ValueBool(),
		SkipPushCheck: !m.PushCheck.ValueBool(),
	}
}

// fromAPI records the repository's state. After an import (nothing but the
// repository known) it fills the settings from what the API says, or from
// the defaults: the first apply adopts the configured ones.
// The repository's UUID comes from the model: Divio's CLI reads only state
// and dsn from a repository's GET.
func (m *RepositoryVerificationModel) fromAPI(repo *divioapi.Repository) {
	m.ID = m.Repository
	m.State = types.StringValue(repo.StateName())
	if m.Branch.IsNull() || m.Branch.IsUnknown() {
		m.Branch = types.StringValue("main")
		if repo.Branch != nil {
			m.Branch = types.StringValue(*repo.Branch)
		}
	}
	if m.Migrate.IsNull() || m.Migrate.IsUnknown() {
		m.Migrate = types.BoolValue(true)
	}
	if m.PushCheck.IsNull() || m.PushCheck.IsUnknown() {
		m.PushCheck = types.BoolValue(true)
	}
	if m.Triggers.IsUnknown() {
		m.Triggers = types.MapNull(types.StringType)
	}
	if m.Timeouts.IsNull() || m.Timeouts.IsUnknown() {
		m.Timeouts = timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{"create": types.StringType})}
	}
}

// failureAttribute is the attribute a failed verification most likely
// points at, so that the error shows on the right line of configuration.
func failureAttribute(failure *divioapi.VerificationError) path.Path {
	switch {
	case failure.Stage == "push", failure.Code == "write_access_denied":
		return path.Root("push_check")
	case failure.Code == "branch_missing", failure.Code == "branch_not_empty":
		return path.Root("branch")
	}
	return path.Root("repository")
}

// identity is the resource's identity.
func (m *RepositoryVerificationModel) identity() RepositoryVerificationIdentity {
	return RepositoryVerificationIdentity{Repository: m.Repository}
}
