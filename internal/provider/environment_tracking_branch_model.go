// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

// EnvironmentTrackingBranchModel is the resource's state; its id is the
// environment's.
type EnvironmentTrackingBranchModel struct {
	Environment types.String `tfsdk:"environment"`
	Branch      types.String `tfsdk:"branch"`
}

// EnvironmentTrackingBranchIdentity identifies the resource by environment.
type EnvironmentTrackingBranchIdentity struct {
	Environment types.String `tfsdk:"environment"`
}

// fromAPI copies the environment's branch into the model.
func (m *EnvironmentTrackingBranchModel) fromAPI(env *divioapi.Environment) {
	m.Environment = types.StringValue(env.UUID)
	m.Branch = types.StringValue(env.Branch)
}

// identity is the resource's identity.
func (m *EnvironmentTrackingBranchModel) identity() EnvironmentTrackingBranchIdentity {
	return EnvironmentTrackingBranchIdentity{Environment: m.Environment}
}
