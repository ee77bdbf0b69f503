package divioapi

import (
	"context"
)

// The public catalogues an application is created from.
const (
	organisationsPath = "/iam/v3/organisations/"
	planGroupsPath    = "/billing/v3/application-plan-groups/"
	regionsPath       = "/apps/v3/regions/"
)

// Organisation is a Divio organisation.
type Organisation struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

// PlanGroup is an application plan group and the regions it offers.
type PlanGroup struct {
	UUID    string   `json:"uuid"`
	Name    string   `json:"name"`
	Regions []string `json:"regions"`
}

// Region is a region applications run in.
type Region struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

// ListOrganisations returns the caller's organisations.
func (c *Client) ListOrganisations(ctx context.Context) ([]Organisation, error) {
	return ListAll[Organisation](ctx, c, organisationsPath, nil)
}

// GetOrganisation returns the organisation id.
func (c *Client) GetOrganisation(ctx context.Context, id string) (*Organisation, error) {
	return getObject[Organisation](ctx, c, organisationsPath, id)
}

// ListPlanGroups returns the application plan groups.
func (c *Client) ListPlanGroups(ctx context.Context) ([]PlanGroup, error) {
	return ListAll[PlanGroup](ctx, c, planGroupsPath, nil)
}

// ListRegions returns the regions.
func (c *Client) ListRegions(ctx context.Context) ([]Region, error) {
	return ListAll[Region](ctx, c, regionsPath, nil)
}
