// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package store

import (
	"context"
	"database/sql"
	"strings"
)

// Region is a region applications run in.
type Region struct {
	UUID string
	Name string
}

// PlanGroup is an application plan group and the regions it offers, in order.
type PlanGroup struct {
	UUID        string
	Name        string
	RegionUUIDs []string
}

// AppTemplate is an application template: a Git repository new
// applications may start from.
type AppTemplate struct {
	UUID string
	Name string
	URL  string
}

// The catalogues are the same for every user.

func regionQuery() selectQuery {
	return selectQuery{columns: "g.uuid, g.name", from: "regions g", order: "g.id"}
}

func scanRegion(row rowScanner) (Region, error) {
	var r Region
	err := row.Scan(&r.UUID, &r.Name)
	return r, err
}

func planGroupQuery() selectQuery {
	return selectQuery{
		columns: `p.uuid, p.name, (SELECT group_concat(region_uuid, ',') FROM
			(SELECT region_uuid FROM plan_group_regions WHERE plan_group_uuid = p.uuid ORDER BY position))`,
		from:  "plan_groups p",
		order: "p.id",
	}
}

func scanPlanGroup(row rowScanner) (PlanGroup, error) {
	var p PlanGroup
	var regions sql.NullString
	if err := row.Scan(&p.UUID, &p.Name, &regions); err != nil {
		return p, err
	}
	p.RegionUUIDs = []string{}
	if regions.String != "" {
		p.RegionUUIDs = strings.Split(regions.String, ",")
	}
	return p, nil
}

func appTemplateQuery() selectQuery {
	return selectQuery{columns: "t.uuid, t.name, t.url", from: "app_templates t", order: "t.id"}
}

func scanAppTemplate(row rowScanner) (AppTemplate, error) {
	var t AppTemplate
	err := row.Scan(&t.UUID, &t.Name, &t.URL)
	return t, err
}

// RegionFilter narrows a list of regions; empty fields filter nothing.
type RegionFilter struct {
	// UUIDs keeps the regions with one of these UUIDs.
	UUIDs []string
}

// ListRegions returns one page of the regions the filter keeps and their total count.
func (s *Store) ListRegions(ctx context.Context, filter RegionFilter, page Page) ([]Region, int, error) {
	q := regionQuery()
	if len(filter.UUIDs) > 0 {
		args := make([]any, len(filter.UUIDs))
		for i, id := range filter.UUIDs {
			args[i] = id
		}
		q.where("g.uuid IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")+")", args...)
	}
	return queryPage(ctx, s.db, q, page, scanRegion)
}

// GetRegion returns a region.
func (s *Store) GetRegion(ctx context.Context, uuid string) (Region, error) {
	q := regionQuery()
	q.where("g.uuid = ?", uuid)
	return queryOne(ctx, s.db, q, scanRegion)
}

// ListPlanGroups returns one page of the plan groups and their total count.
func (s *Store) ListPlanGroups(ctx context.Context, page Page) ([]PlanGroup, int, error) {
	return queryPage(ctx, s.db, planGroupQuery(), page, scanPlanGroup)
}

// GetPlanGroup returns a plan group.
func (s *Store) GetPlanGroup(ctx context.Context, uuid string) (PlanGroup, error) {
	q := planGroupQuery()
	q.where("p.uuid = ?", uuid)
	return queryOne(ctx, s.db, q, scanPlanGroup)
}

// ListAppTemplates returns one page of the application templates and their total count.
func (s *Store) ListAppTemplates(ctx context.Context, page Page) ([]AppTemplate, int, error) {
	return queryPage(ctx, s.db, appTemplateQuery(), page, scanAppTemplate)
}

// GetAppTemplate returns an application template.
func (s *Store) GetAppTemplate(ctx context.Context, uuid string) (AppTemplate, error) {
	q := appTemplateQuery()
	q.where("t.uuid = ?", uuid)
	return queryOne(ctx, s.db, q, scanAppTemplate)
}
