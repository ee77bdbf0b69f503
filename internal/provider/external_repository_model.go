package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/giturl"
)

// ExternalRepositoryModel is the state of divio_external_repository.
type ExternalRepositoryModel struct {
	ID                         types.String    `tfsdk:"id"`
	Application                types.String    `tfsdk:"application"`
	URL                        types.String    `tfsdk:"url"`
	Branch                     types.String    `tfsdk:"branch"`
	Migrate                    types.Bool      `tfsdk:"migrate"`
	WriteAccess                types.Bool      `tfsdk:"write_access"`
	DeployKeyID                types.String    `tfsdk:"deploy_key_id"`
	HTTPS                      *HTTPSAuthModel `tfsdk:"https"`
	ExpectedHostKeyFingerprint types.String    `tfsdk:"expected_host_key_fingerprint"`
	HostKeyFingerprint         types.String    `tfsdk:"host_key_fingerprint"`
	State                      types.String    `tfsdk:"state"`
	Timeouts                   timeouts.Value  `tfsdk:"timeouts"`
}

// HTTPSAuthModel is the https block: a username and a personal access token
// that Terraform never stores (write-only).
type HTTPSAuthModel struct {
	Username       types.String `tfsdk:"username"`
	TokenWO        types.String `tfsdk:"token_wo"`
	TokenWOVersion types.Int64  `tfsdk:"token_wo_version"`
}

// ExternalRepositoryIdentity identifies a binding by its application: an
// application has at most one.
type ExternalRepositoryIdentity struct {
	Application types.String `tfsdk:"application"`
}

// fromAPI copies a binding from the API into the model. prior is the state
// (or plan) it replaces: its URL spelling is kept when the API's canonical
// URL names the same remote, so a user's scp-style URL does not show a diff
// against the normalised echo; and the write-only token's version is kept.
func (m *ExternalRepositoryModel) fromAPI(repo *divioapi.Repository, prior *ExternalRepositoryModel) {
	m.ID = types.StringValue(repo.UUID)
	m.Application = types.StringValue(repo.Application)
	m.URL = types.StringValue(repo.URL)
	if prior != nil && !prior.URL.IsNull() && !prior.URL.IsUnknown() && giturl.Equivalent(prior.URL.ValueString(), repo.URL) {
		m.URL = prior.URL
	}
	m.Branch = types.StringValue(repo.Branch)
	m.Migrate = types.BoolValue(repo.Migrate)
	m.WriteAccess = types.BoolValue(repo.WriteAccess)
	m.DeployKeyID = types.StringPointerValue(repo.DeployKey)
	m.HTTPS = nil
	if repo.AuthType == "https" {
		m.HTTPS = &HTTPSAuthModel{
			Username:       types.StringPointerValue(repo.Username),
			TokenWO:        types.StringNull(),
			TokenWOVersion: types.Int64Null(),
		}
		if prior != nil && prior.HTTPS != nil {
			m.HTTPS.TokenWOVersion = prior.HTTPS.TokenWOVersion
		}
	}
	m.ExpectedHostKeyFingerprint = types.StringPointerValue(repo.ExpectedHostKeyFingerprint)
	m.HostKeyFingerprint = types.StringPointerValue(repo.HostKeyFingerprint)
	m.State = types.StringValue(repo.State)
	if prior != nil {
		m.Timeouts = prior.Timeouts
	}
	if m.Timeouts.IsNull() || m.Timeouts.IsUnknown() || m.Timeouts.Object.IsNull() {
		m.Timeouts = timeoutsNull()
	}
}

// adoptImported takes from plan what an import cannot read back (the
// token's version), so that the first apply after an import sends nothing
// for it.
func (m *ExternalRepositoryModel) adoptImported(plan *ExternalRepositoryModel) {
	if m.HTTPS != nil && plan.HTTPS != nil {
		m.HTTPS.TokenWOVersion = plan.HTTPS.TokenWOVersion
	}
}

// keepsHostKey reports whether applying m over state keeps the pinned host
// key: the same remote, and the same expected key.
func (m *ExternalRepositoryModel) keepsHostKey(state *ExternalRepositoryModel) bool {
	return !m.URL.IsUnknown() && giturl.Equivalent(m.URL.ValueString(), state.URL.ValueString()) &&
		m.ExpectedHostKeyFingerprint.Equal(state.ExpectedHostKeyFingerprint)
}

// isHTTPS reports whether the model's URL is an HTTPS URL (false when unknown).
func (m *ExternalRepositoryModel) isHTTPS() bool {
	if m.URL.IsNull() || m.URL.IsUnknown() {
		return false
	}
	u, err := giturl.Parse(m.URL.ValueString())
	return err == nil && u.Scheme == giturl.HTTPS
}

// patchFrom lists the fields that differ between plan and state, by their
// API names. token is the write-only token from the configuration; it is
// sent when the token version, the username or the auth type changes.
func (plan *ExternalRepositoryModel) patchFrom(state *ExternalRepositoryModel, token string) divioapi.RepositoryPatch {
	patch := divioapi.RepositoryPatch{}
	if !giturl.Equivalent(plan.URL.ValueString(), state.URL.ValueString()) {
		patch["url"] = plan.URL.ValueString()
	}
	if !plan.Branch.Equal(state.Branch) {
		patch["branch"] = plan.Branch.ValueString()
	}
	if !plan.Migrate.Equal(state.Migrate) {
		patch["migrate"] = plan.Migrate.ValueBool()
	}
	if !plan.WriteAccess.Equal(state.WriteAccess) {
		patch["write_access"] = plan.WriteAccess.ValueBool()
	}
	if !plan.DeployKeyID.Equal(state.DeployKeyID) {
		patch["deploy_key"] = plan.DeployKeyID.ValueStringPointer()
	}
	if !plan.ExpectedHostKeyFingerprint.Equal(state.ExpectedHostKeyFingerprint) {
		patch["expected_host_key_fingerprint"] = plan.ExpectedHostKeyFingerprint.ValueStringPointer()
	}
	if plan.HTTPS != nil {
		if state.HTTPS == nil || !plan.HTTPS.Username.Equal(state.HTTPS.Username) || !plan.HTTPS.TokenWOVersion.Equal(state.HTTPS.TokenWOVersion) {
			patch["username"] = plan.HTTPS.Username.ValueString()
			patch["password"] = token
		}
	}
	return patch
}

// checkFailureAttribute is the attribute a failed access check most likely
// points at, so the error shows on the right line of configuration.
func (m *ExternalRepositoryModel) checkFailureAttribute(code string) path.Path {
	switch code {
	case "branch_missing", "branch_not_empty":
		return path.Root("branch")
	case "write_access_denied":
		return path.Root("write_access")
	case "host_key_mismatch":
		if !m.ExpectedHostKeyFingerprint.IsNull() {
			return path.Root("expected_host_key_fingerprint")
		}
	case "authentication_error":
		if m.HTTPS != nil {
			// An attribute, not the block: CLIs point only at attributes. Not
			// token_wo, whose line may hold the token itself.
			return path.Root("https").AtName("username")
		}
		return path.Root("deploy_key_id")
	}
	return path.Root("url")
}
