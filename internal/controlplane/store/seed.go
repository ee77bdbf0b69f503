// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// SeedTx creates objects that are missing and leaves existing ones as they
// are, so that applying the same seed again changes nothing. Objects are
// matched by organisation name, user email, application slug and, within
// an application, environment slug. What an administrator took away (a
// revoked token, a removed user) is not missing: it is never created
// again (ErrRevoked).
type SeedTx struct {
	ctx context.Context
	tx  *sql.Tx
	now string
}

// Seed runs fn in one transaction: either the whole seed applies or none of it.
func (s *Store) Seed(ctx context.Context, fn func(*SeedTx) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		return fn(&SeedTx{ctx: ctx, tx: tx, now: timestamp(s.now())})
	})
}

// ensure returns the uuid that lookup finds, or inserts a row with a new
// uuid as its first argument.
func (t *SeedTx) ensure(lookup string, lookupArgs []any, insert string, insertArgs ...any) (string, error) {
	var id string
	err := t.tx.QueryRowContext(t.ctx, lookup, lookupArgs...).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	id = uuid.NewString()
	_, err = t.tx.ExecContext(t.ctx, insert, append([]any{id}, insertArgs...)...)
	return id, err
}

// exists reports whether query finds a row.
func (t *SeedTx) exists(query string, args ...any) (bool, error) {
	var one int
	err := t.tx.QueryRowContext(t.ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// EnsureOrganisation returns the uuid of the organisation with this name.
func (t *SeedTx) EnsureOrganisation(name string) (string, error) {
	return t.ensure(`SELECT uuid FROM organisations WHERE name = ?`, []any{name},
		`INSERT INTO organisations (uuid, name, created_at) VALUES (?, ?, ?)`, name, t.now)
}

// EnsureUser returns the uuid of the user with this email (compared
// case-insensitively); names are only set when the user is created.
// ErrRevoked if an administrator removed a user with this email.
func (t *SeedTx) EnsureUser(email, firstName, lastName string) (string, error) {
	if removed, err := t.exists(`SELECT 1 FROM removed_users WHERE email = ?`, email); err != nil || removed {
		return "", cmp.Or(err, ErrRevoked)
	}
	return t.ensure(`SELECT uuid FROM users WHERE email = ?`, []any{email},
		`INSERT INTO users (uuid, email, first_name, last_name, created_at) VALUES (?, ?, ?, ?, ?)`,
		email, firstName, lastName, t.now)
}

// EnsureMembership makes the user a member of the organisation.
func (t *SeedTx) EnsureMembership(organisationUUID, userUUID string) error {
	_, err := t.tx.ExecContext(t.ctx,
		`INSERT OR IGNORE INTO memberships (organisation_uuid, user_uuid) VALUES (?, ?)`, organisationUUID, userUUID)
	return err
}

// EnsureToken gives the user this token; ErrConflict if another user has
// it, ErrRevoked if an administrator revoked it.
func (t *SeedTx) EnsureToken(userUUID, token string) error {
	hash := hashToken(token)
	if revoked, err := t.exists(`SELECT 1 FROM revoked_tokens WHERE token_sha256 = ?`, hash); err != nil || revoked {
		return cmp.Or(err, ErrRevoked)
	}
	var owner string
	err := t.tx.QueryRowContext(t.ctx, `SELECT user_uuid FROM tokens WHERE token_sha256 = ?`, hash).Scan(&owner)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = t.tx.ExecContext(t.ctx, `INSERT INTO tokens (token_sha256, user_uuid, created_at) VALUES (?, ?, ?)`,
			hash, userUUID, t.now)
		return err
	case err != nil:
		return err
	case owner != userUUID:
		return fmt.Errorf("%w: the token already belongs to another user", ErrConflict)
	}
	return nil
}

// EnsureApplication returns the uuid of the application with this slug; its
// name, plan group and region are only set when it is created (on Divio's
// own Git server, following main). ErrConflict if the slug belongs to
// another organisation's application.
func (t *SeedTx) EnsureApplication(organisationUUID, slug, name, planGroupUUID, regionUUID string) (string, error) {
	var id, owner string
	err := t.tx.QueryRowContext(t.ctx, `SELECT uuid, organisation_uuid FROM applications WHERE slug = ?`, slug).Scan(&id, &owner)
	if err == nil {
		if owner != organisationUUID {
			return "", fmt.Errorf("%w: application slug %q belongs to another organisation", ErrConflict, slug)
		}
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	id = uuid.NewString()
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO applications
		(uuid, organisation_uuid, slug, name, plan_group_uuid, region_uuid, branch, created_at) VALUES (?, ?, ?, ?, ?, ?, 'main', ?)`,
		id, organisationUUID, slug, name, planGroupUUID, regionUUID, t.now)
	return id, err
}

// EnsureRegion returns the uuid of the region with this name.
func (t *SeedTx) EnsureRegion(name string) (string, error) {
	return t.ensure(`SELECT uuid FROM regions WHERE name = ?`, []any{name},
		`INSERT INTO regions (uuid, name, created_at) VALUES (?, ?, ?)`, name, t.now)
}

// EnsurePlanGroup returns the uuid of the plan group with this name; its
// regions (by uuid, in order) are only set when it is created.
func (t *SeedTx) EnsurePlanGroup(name string, regionUUIDs []string) (string, error) {
	var id string
	err := t.tx.QueryRowContext(t.ctx, `SELECT uuid FROM plan_groups WHERE name = ?`, name).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	id = uuid.NewString()
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO plan_groups (uuid, name, created_at) VALUES (?, ?, ?)`, id, name, t.now); err != nil {
		return "", err
	}
	for position, region := range regionUUIDs {
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO plan_group_regions (plan_group_uuid, region_uuid, position) VALUES (?, ?, ?)`,
			id, region, position); err != nil {
			return "", err
		}
	}
	return id, nil
}

// EnsureAppTemplate returns the uuid of the application template with this
// name; its URL is only set when it is created.
func (t *SeedTx) EnsureAppTemplate(name, url string) (string, error) {
	return t.ensure(`SELECT uuid FROM app_templates WHERE name = ?`, []any{name},
		`INSERT INTO app_templates (uuid, name, url, created_at) VALUES (?, ?, ?, ?)`, name, url, t.now)
}

// PlanGroupByName returns the plan group with this name; "" for the first
// one there is (in creation order). ErrNotFound if there is none.
func (t *SeedTx) PlanGroupByName(name string) (PlanGroup, error) {
	q := planGroupQuery()
	if name == "" {
		q.where("p.id = (SELECT MIN(id) FROM plan_groups)")
	} else {
		q.where("p.name = ?", name)
	}
	return queryOne(t.ctx, t.tx, q, scanPlanGroup)
}

// RegionByName returns the region with this name. ErrNotFound if there is none.
func (t *SeedTx) RegionByName(name string) (Region, error) {
	q := regionQuery()
	q.where("g.name = ?", name)
	return queryOne(t.ctx, t.tx, q, scanRegion)
}

// EnsureEnvironment returns the uuid of the application's environment with
// this slug; its branch is only set when it is created.
func (t *SeedTx) EnsureEnvironment(applicationUUID, slug, branch string) (string, error) {
	return t.ensure(`SELECT uuid FROM environments WHERE application_uuid = ? AND slug = ?`, []any{applicationUUID, slug},
		`INSERT INTO environments (uuid, application_uuid, slug, branch, created_at) VALUES (?, ?, ?, ?, ?)`,
		applicationUUID, slug, branch, t.now)
}
