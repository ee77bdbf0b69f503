// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

// ApplicationRepositoryModel is the resource's state.
type ApplicationRepositoryModel struct {
	Application types.String   `tfsdk:"application"`
	Repository  types.String   `tfsdk:"repository"`
	Branch      types.String   `tfsdk:"branch"`
	Migrate     types.Bool     `tfsdk:"migrate"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

// sameMigration reports whether m asks for the migration other records:
// only the timeouts differ.
func (m *ApplicationRepositoryModel) sameMigration(other *ApplicationRepositoryModel) bool {
	return m.Application.Equal(other.Application) && m.Repository.Equal(other.Repository) &&
		m.Branch.Equal(other.Branch) && m.Migrate.Equal(other.Migrate)
}

// defaultMigrationTimeout bounds a create or an update (the verification and
// then the migration) unless timeouts says otherwise: the bound the
// verification always had (defaultVerifyTimeout).
const defaultMigrationTimeout = defaultVerifyTimeout

// ApplicationRepositoryIdentity identifies the resource by its application.
type ApplicationRepositoryIdentity struct {
	Application types.String `tfsdk:"application"`
}

// fromAPI copies the application's repository and branch into the model.
// After an import the branch and migrate flag are unknown to the public API
// and take their defaults.
func (m *ApplicationRepositoryModel) fromAPI(app *divioapi.Application) {
	m.Repository = types.StringPointerValue(app.Repository)
	if app.Branch != nil {
		m.Branch = types.StringValue(*app.Branch)
	}
	if m.Branch.IsNull() {
		m.Branch = types.StringValue("main")
	}
	if m.Migrate.IsNull() {
		m.Migrate = types.BoolValue(true)
	}
}

// identity is the resource's identity.
func (m *ApplicationRepositoryModel) identity() ApplicationRepositoryIdentity {
	return ApplicationRepositoryIdentity{Application: m.Application}
}
