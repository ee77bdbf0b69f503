// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Application is an application of an organisation.
type Application struct {
	UUID             string
	Slug             string
	Name             string
	OrganisationUUID string
	PlanGroupUUID    string
	RegionUUID       string
	AppTemplate      string // the template's URL; "" for none
	// RepositoryUUID is the external repository; nil means Divio's own Git server.
	RepositoryUUID *string
	// Branch is the branch the platform follows in the repository.
	Branch    string
	CreatedAt time.Time
}

// ApplicationFilter narrows a list of applications; empty fields filter nothing.
type ApplicationFilter struct {
	Slug             string
	OrganisationUUID string
	NameSearch       string // case-insensitive substring of the name
}

// NewApplication is what CreateApplication stores.
type NewApplication struct {
	OrganisationUUID string
	Slug, Name       string
	PlanGroupUUID    string
	RegionUUID       string
	AppTemplate      string
	RepositoryUUID   string // "" for Divio's own Git server
	Branch           string
	// Environments are created with the application, in order.
	Environments []NewEnvironment
}

// DefaultEnvironments are the slugs of the environments an application
// gets when it is created (and a seeded one that names none).
var DefaultEnvironments = []string{"test", "live"}

// NewEnvironment is an environment created with its application.
type NewEnvironment struct {
	Slug, Branch string
}

// RepositoryRule judges, inside the transaction that would give it to the
// application appUUID ("" for a new one), whether a repository may be
// given; a non-nil error is returned as it is and nothing changes.
type RepositoryRule func(repo Repository, appUUID string) error

// anyApplicationQuery selects applications regardless of who asks: only
// for the control plane's own work.
func anyApplicationQuery() selectQuery {
	return selectQuery{
		columns: "a.uuid, a.slug, a.name, a.organisation_uuid, a.plan_group_uuid, a.region_uuid, a.app_template, a.repository_uuid, a.branch, a.created_at",
		from:    "applications a",
		order:   "a.id",
	}
}

func applicationQuery(userUUID string) selectQuery {
	q := anyApplicationQuery()
	q.where(applicationVisibleTo, userUUID)
	return q
}

func scanApplication(row rowScanner) (Application, error) {
	var app Application
	var template, repository sql.NullString
	var createdAt string
	if err := row.Scan(&app.UUID, &app.Slug, &app.Name, &app.OrganisationUUID, &app.PlanGroupUUID, &app.RegionUUID,
		&template, &repository, &app.Branch, &createdAt); err != nil {
		return app, err
	}
	app.AppTemplate = template.String
	if repository.Valid {
		app.RepositoryUUID = &repository.String
	}
	var err error
	app.CreatedAt, err = parseTimestamp(createdAt)
	return app, err
}

// GetApplication returns an application of the user's organisations.
func (s *Store) GetApplication(ctx context.Context, userUUID, uuid string) (Application, error) {
	q := applicationQuery(userUUID)
	q.where("a.uuid = ?", uuid)
	return queryOne(ctx, s.db, q, scanApplication)
}

// ListApplications returns one page of the user's applications and their total count.
func (s *Store) ListApplications(ctx context.Context, userUUID string, filter ApplicationFilter, page Page) ([]Application, int, error) {
	q := applicationQuery(userUUID)
	q.whereSet("a.slug = ?", filter.Slug)
	q.whereSet("a.organisation_uuid = ?", filter.OrganisationUUID)
	// instr rather than LIKE, so that % and _ in the search are literal.
	q.whereSet("instr(lower(a.name), lower(?)) > 0", filter.NameSearch)
	return queryPage(ctx, s.db, q, page, scanApplication)
}

// ApplicationSlugTaken reports whether any application (of any
// organisation: slugs are global) has this slug.
func (s *Store) ApplicationSlugTaken(ctx context.Context, slug string) (bool, error) {
	var taken bool
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM applications WHERE slug = ?)`, slug).Scan(&taken)
	if err != nil {
		return false, fmt.Errorf("store: look up slug: %w", err)
	}
	return taken, nil
}

// giveRepository applies rule to the repository about to be given to the
// application appUUID ("" for a new one), inside tx.
func giveRepository(ctx context.Context, tx *sql.Tx, repositoryUUID, appUUID string, rule RepositoryRule) error {
	q := anyRepositoryQuery()
	q.where("r.uuid = ?", repositoryUUID)
	repo, err := queryOne(ctx, tx, q, scanRepository)
	if err != nil {
		return err
	}
	return rule(repo, appUUID)
}

// CreateApplication stores an application with its environments. When it
// has a repository, rule judges it in the same transaction, and the
// repository's sync state starts afresh. ErrConflict if the slug is taken
// (or the repository was given to another application meanwhile). The
// caller checks that the user may use the organisation and the catalogue
// entries.
func (s *Store) CreateApplication(ctx context.Context, n NewApplication, rule RepositoryRule) (Application, error) {
	id := uuid.NewString()
	now := timestamp(s.now())
	var ruleErr error
	var claimed string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if claimed, err = claimedObject(ctx, tx); err != nil || claimed != "" {
			return err // a repeat of a create that was carried out
		}
		if n.RepositoryUUID != "" {
			if ruleErr = giveRepository(ctx, tx, n.RepositoryUUID, "", rule); ruleErr != nil {
				return ruleErr
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO applications
			(uuid, organisation_uuid, slug, name, plan_group_uuid, region_uuid, app_template, repository_uuid, branch, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, n.OrganisationUUID, n.Slug, n.Name, n.PlanGroupUUID, n.RegionUUID, nullIfEmpty(n.AppTemplate),
			nullIfEmpty(n.RepositoryUUID), n.Branch, now)
		if err != nil {
			return err
		}
		for _, env := range n.Environments {
			if _, err := tx.ExecContext(ctx, `INSERT INTO environments (uuid, application_uuid, slug, branch, created_at)
				VALUES (?, ?, ?, ?, ?)`, uuid.NewString(), id, env.Slug, env.Branch, now); err != nil {
				return err
			}
		}
		if n.RepositoryUUID != "" {
			if err := resetSync(ctx, tx, n.RepositoryUUID, n.Branch); err != nil {
				return err
			}
		}
		return recordClaimedObject(ctx, tx, id)
	})
	if claimed != "" {
		id = claimed
	}
	switch {
	case ruleErr != nil:
		return Application{}, ruleErr
	case isUniqueViolation(err):
		return Application{}, ErrConflict
	case isForeignKeyViolation(err):
		return Application{}, ErrMissingReference
	case err != nil:
		return Application{}, fmt.Errorf("store: create application: %w", err)
	}
	return s.loadApplication(ctx, id)
}

// loadApplication returns any application, for the control plane's own work.
func (s *Store) loadApplication(ctx context.Context, uuid string) (Application, error) {
	q := anyApplicationQuery()
	q.where("a.uuid = ?", uuid)
	return queryOne(ctx, s.db, q, scanApplication)
}

// MigrateApplicationRepository gives an application of the user's
// organisations a repository (rule judges it in the same transaction) and
// makes the application and its test environment follow branch. When the
// repository or the branch changes, the repository's sync state starts
// afresh. ErrNotFound if the application is not the user's; ErrConflict if
// the repository was given to another application meanwhile.
func (s *Store) MigrateApplicationRepository(ctx context.Context, userUUID, appUUID, repositoryUUID, branch string,
	rule RepositoryRule) (Application, error) {
	var ruleErr error
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		q := applicationQuery(userUUID)
		q.where("a.uuid = ?", appUUID)
		current, err := queryOne(ctx, tx, q, scanApplication)
		if err != nil {
			return err
		}
		if ruleErr = giveRepository(ctx, tx, repositoryUUID, appUUID, rule); ruleErr != nil {
			return ruleErr
		}
		if current.RepositoryUUID != nil && *current.RepositoryUUID == repositoryUUID && current.Branch == branch {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE applications SET repository_uuid = ?, branch = ? WHERE uuid = ?`,
			repositoryUUID, branch, appUUID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE environments SET branch = ? WHERE application_uuid = ? AND slug = 'test'`,
			branch, appUUID); err != nil {
			return err
		}
		return resetSync(ctx, tx, repositoryUUID, branch)
	})
	switch {
	case ruleErr != nil:
		return Application{}, ruleErr
	case errors.Is(err, ErrNotFound):
		return Application{}, err
	case isUniqueViolation(err):
		return Application{}, ErrConflict
	case err != nil:
		return Application{}, fmt.Errorf("store: migrate application: %w", err)
	}
	return s.loadApplication(ctx, appUUID)
}

// DeleteApplication deletes an application of the user's organisations
// with its environments and webhook; its repository stays.
func (s *Store) DeleteApplication(ctx context.Context, userUUID, uuid string) error {
	result, err := s.db.ExecContext(ctx, `DELETE FROM applications WHERE uuid = ? AND `+organisationVisibleTo("applications"), uuid, userUUID)
	if err != nil {
		return fmt.Errorf("store: delete application: %w", err)
	}
	deleted, err := result.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: delete application: %w", err)
	}
	if deleted == 0 {
		return ErrNotFound
	}
	return nil
}
