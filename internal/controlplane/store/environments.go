// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package store

import (
	"context"
	"fmt"
	"time"
)

// Environment is an environment of an application.
type Environment struct {
	UUID            string
	ApplicationUUID string
	Slug            string
	Branch          string // the tracked Git branch
	CreatedAt       time.Time
}

// EnvironmentFilter narrows a list of environments; empty fields filter nothing.
type EnvironmentFilter struct {
	ApplicationUUID string
	Slug            string
}

func environmentQuery(userUUID string) selectQuery {
	q := selectQuery{
		columns: "e.uuid, e.application_uuid, e.slug, e.branch, e.created_at",
		from:    "environments e JOIN applications a ON a.uuid = e.application_uuid",
		order:   "e.id",
	}
	q.where(applicationVisibleTo, userUUID)
	return q
}

func scanEnvironment(row rowScanner) (Environment, error) {
	var env Environment
	var createdAt string
	if err := row.Scan(&env.UUID, &env.ApplicationUUID, &env.Slug, &env.Branch, &createdAt); err != nil {
		return env, err
	}
	var err error
	env.CreatedAt, err = parseTimestamp(createdAt)
	return env, err
}

// GetEnvironment returns an environment of an application of the user's organisations.
func (s *Store) GetEnvironment(ctx context.Context, userUUID, uuid string) (Environment, error) {
	q := environmentQuery(userUUID)
	q.where("e.uuid = ?", uuid)
	return queryOne(ctx, s.db, q, scanEnvironment)
}

// ListEnvironments returns one page of the user's environments and their total count.
func (s *Store) ListEnvironments(ctx context.Context, userUUID string, filter EnvironmentFilter, page Page) ([]Environment, int, error) {
	q := environmentQuery(userUUID)
	q.whereSet("e.application_uuid = ?", filter.ApplicationUUID)
	q.whereSet("e.slug = ?", filter.Slug)
	return queryPage(ctx, s.db, q, page, scanEnvironment)
}

// SetEnvironmentBranch changes the branch an environment of the user's
// organisations tracks. ErrNotFound if the environment is not the user's.
func (s *Store) SetEnvironmentBranch(ctx context.Context, userUUID, uuid, branch string) (Environment, error) {
	result, err := s.db.ExecContext(ctx, `UPDATE environments SET branch = ? WHERE uuid = ?
		AND application_uuid IN (SELECT a.uuid FROM applications a WHERE `+applicationVisibleTo+`)`,
		branch, uuid, userUUID)
	if err != nil {
		return Environment{}, fmt.Errorf("store: set environment branch: %w", err)
	}
	updated, err := result.RowsAffected()
	if err != nil {
		return Environment{}, fmt.Errorf("store: set environment branch: %w", err)
	}
	if updated == 0 {
		return Environment{}, ErrNotFound
	}
	return s.GetEnvironment(ctx, userUUID, uuid)
}
