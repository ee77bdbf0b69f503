// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

// ApplicationModel is the state of the divio_application resource.
type ApplicationModel struct {
	ID                 types.String `tfsdk:"id"`
	Name               types.String `tfsdk:"name"`
	Slug               types.String `tfsdk:"slug"`
	Organisation       types.String `tfsdk:"organisation"`
	PlanGroup          types.String `tfsdk:"plan_group"`
	Region             types.String `tfsdk:"region"`
	AppTemplate        types.String `tfsdk:"app_template"`
	Repository         types.String `tfsdk:"repository"`
	Branch             types.String `tfsdk:"branch"`
	DeletionProtection types.Bool   `tfsdk:"deletion_protection"`
}

// ApplicationIdentity identifies an application by its UUID.
type ApplicationIdentity struct {
	ID types.String `tfsdk:"id"`
}

// createRequest is the public POST body for the model.
func (m *ApplicationModel) createRequest() divioapi.CreateApplicationRequest {
	return divioapi.CreateApplicationRequest{
		Name:         m.Name.ValueString(),
		Slug:         m.Slug.ValueString(),
		Organisation: m.Organisation.ValueString(),
		PlanGroup:    m.PlanGroup.ValueString(),
		Region:       m.Region.ValueString(),
		AppTemplate:  m.AppTemplate.ValueStringPointer(),
		Repository:   m.Repository.ValueStringPointer(),
		Branch:       m.Branch.ValueStringPointer(),
	}
}

// fromAPI copies the application into the model. Divio's CLI reads only
// uuid from a create's answer and slug, organisation and repository from a
// GET: whatever the answer lacks is kept from the model (the plan or the
// prior state), so that a sparse answer is never an inconsistent result.
func (m *ApplicationModel) fromAPI(app *divioapi.Application) {
	for _, f := range []struct {
		field *types.String
		value string
	}{{&m.ID, app.UUID}, {&m.Name, app.Name}, {&m.Slug, app.Slug}, {&m.Organisation, app.Organisation}} {
		if f.value != "" {
			*f.field = types.StringValue(f.value)
		}
	}
	if app.RepositoryAnswered {
		m.Repository = types.StringPointerValue(app.Repository)
	}
	for _, f := range []struct {
		field *types.String
		value *string
	}{{&m.PlanGroup, app.PlanGroup}, {&m.Region, app.Region}, {&m.AppTemplate, app.AppTemplate}, {&m.Branch, app.Branch}} {
		if f.value != nil {
			*f.field = types.StringValue(*f.value)
		}
	}
	if m.Repository.IsNull() {
		m.Branch = types.StringNull()
	}
	// What neither the answer nor the plan gave is null: never unknown after apply.
	for _, v := range []*types.String{&m.Repository, &m.PlanGroup, &m.Region, &m.AppTemplate, &m.Branch} {
		if v.IsUnknown() {
			*v = types.StringNull()
		}
	}
	if m.DeletionProtection.IsNull() || m.DeletionProtection.IsUnknown() {
		m.DeletionProtection = types.BoolValue(true)
	}
}

// movesRepository reports whether applying m over state changes the
// application's repository or branch: a migration.
func (m *ApplicationModel) movesRepository(state *ApplicationModel) bool {
	return !m.Repository.Equal(state.Repository) || (!m.Branch.IsUnknown() && !m.Branch.Equal(state.Branch))
}

// replaces reports whether applying m over state replaces the application
// (the attributes marked so in the schema; after an import only slug and
// organisation, the others being adopted).
func (m *ApplicationModel) replaces(state *ApplicationModel, imported bool) bool {
	changed := func(plan, prior types.String) bool { return !plan.IsUnknown() && !plan.Equal(prior) }
	if changed(m.Slug, state.Slug) || changed(m.Organisation, state.Organisation) {
		return true
	}
	return !imported && (changed(m.PlanGroup, state.PlanGroup) || changed(m.Region, state.Region) || changed(m.AppTemplate, state.AppTemplate))
}

// identity is the resource's identity.
func (m *ApplicationModel) identity() ApplicationIdentity {
	return ApplicationIdentity{ID: m.ID}
}

// fromCreate records a create's answer over the plan: the CLI reads only
// uuid from it (wizards.py 840), so what the plan knew stays as planned.
func (m *ApplicationModel) fromCreate(app *divioapi.Application) {
	planned := *m
	m.fromAPI(app)
	for _, f := range []struct{ value, planned *types.String }{
		{&m.Name, &planned.Name}, {&m.Slug, &planned.Slug}, {&m.Organisation, &planned.Organisation},
		{&m.Repository, &planned.Repository}, {&m.Branch, &planned.Branch}, {&m.PlanGroup, &planned.PlanGroup},
		{&m.Region, &planned.Region}, {&m.AppTemplate, &planned.AppTemplate},
	} {
		keepKnown(f.value, *f.planned)
	}
}
