// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"net/url"
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
// Divio's CLI reads regions from a plan group's own GET only: a list need
// not carry them.
type PlanGroup struct {
	UUID    string   `json:"uuid"`
	Name    string   `json:"name"`
	Regions []string `json:"regions"`
}

// listedPlanGroup is a plan group as the CLI reads it from a list
// (wizards.py 218).
type listedPlanGroup struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
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

// ListPlanGroups returns the application plan groups an organisation may
// use, filtered by organisation as Divio's CLI always asks for them.
// Their regions are not decoded from the list, whatever their shape there:
// the CLI reads them from the plan group's own GET (GetPlanGroup).
func (c *Client) ListPlanGroups(ctx context.Context, organisation string) ([]PlanGroup, error) {
	listed, err := ListAll[listedPlanGroup](ctx, c, planGroupsPath, url.Values{"organisation": {organisation}})
	if err != nil {
		return nil, err
	}
	groups := make([]PlanGroup, 0, len(listed))
	for _, g := range listed {
		groups = append(groups, PlanGroup{UUID: g.UUID, Name: g.Name})
	}
	return groups, nil
}

// GetPlanGroup returns the plan group id with its regions.
func (c *Client) GetPlanGroup(ctx context.Context, id string) (*PlanGroup, error) {
	return getObject[PlanGroup](ctx, c, planGroupsPath, id)
}

// ListRegions returns the regions, or only those named by ids (the filter
// Divio's CLI uses, ?uuid=a&uuid=b) when there are any.
func (c *Client) ListRegions(ctx context.Context, ids ...string) ([]Region, error) {
	var q url.Values
	if len(ids) > 0 {
		q = url.Values{"uuid": ids}
	}
	return ListAll[Region](ctx, c, regionsPath, q)
}
