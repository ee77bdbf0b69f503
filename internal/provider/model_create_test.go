// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

// TestCreateKeepsPlannedValues: a create's answer spelling a member the CLI
// does not read otherwise leaves the planned value, and fills in only what
// the plan left unknown.
func TestCreateKeepsPlannedValues(t *testing.T) {
	other, region := "other", "r-answered"
	plan := ApplicationModel{
		Name: types.StringValue("Web"), Slug: types.StringValue("web"), Organisation: types.StringValue("o1"),
		Repository: types.StringValue("rep1"), Branch: types.StringValue("main"), PlanGroup: types.StringValue("p1"),
		Region: types.StringUnknown(), AppTemplate: types.StringNull(),
	}
	plan.fromCreate(&divioapi.Application{UUID: "a1", Name: "web (renamed)", Organisation: "o2", Repository: &other,
		RepositoryAnswered: true, Branch: &other, PlanGroup: &other, Region: &region, AppTemplate: &other})
	if plan.ID.ValueString() != "a1" || plan.Name.ValueString() != "Web" || plan.Organisation.ValueString() != "o1" ||
		plan.Repository.ValueString() != "rep1" || plan.Branch.ValueString() != "main" ||
		plan.PlanGroup.ValueString() != "p1" || !plan.AppTemplate.IsNull() || plan.Region.ValueString() != region {
		t.Errorf("application after create = %+v", plan)
	}

	key, ed := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl", "ed25519"
	repoPlan := RepositoryModel{
		Organisation: types.StringValue("o1"), URL: NewRepositoryURL("git@example.com:acme/site.git"),
		KeyType: types.StringValue("ED25519"), PublicKey: types.StringUnknown(), DSN: types.StringUnknown(),
		FingerprintSHA256: types.StringUnknown(),
	}
	var state RepositoryModel
	state.fromCreate(&divioapi.Repository{UUID: "r1", Organisation: "o2", URL: "ssh://git@example.com/acme/other.git",
		KeyType: &ed, AuthInfo: &key}, &repoPlan)
	if state.ID.ValueString() != "r1" || state.Organisation.ValueString() != "o1" ||
		state.URL.ValueString() != "git@example.com:acme/site.git" || state.KeyType.ValueString() != "ED25519" ||
		state.PublicKey.ValueString() != key || state.FingerprintSHA256.IsNull() {
		t.Errorf("repository after create = %+v", state)
	}
}
