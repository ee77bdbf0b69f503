package store

import (
	"context"
	"database/sql"
	"time"
)

// Application is an application of an organisation.
type Application struct {
	UUID             string
	Slug             string
	Name             string
	OrganisationUUID string
	// RepositoryUUID is the bound external repository; nil means Divio's own Git server.
	RepositoryUUID *string
	CreatedAt      time.Time
}

// ApplicationFilter narrows a list of applications; empty fields filter nothing.
type ApplicationFilter struct {
	Slug             string
	OrganisationUUID string
	NameSearch       string // case-insensitive substring of the name
}

func applicationQuery(userUUID string) selectQuery {
	q := selectQuery{
		columns: "a.uuid, a.slug, a.name, a.organisation_uuid, a.repository, a.created_at",
		from:    "applications a",
		order:   "a.id",
	}
	q.where(applicationVisibleTo, userUUID)
	return q
}

func scanApplication(row rowScanner) (Application, error) {
	var app Application
	var repository sql.NullString
	var createdAt string
	if err := row.Scan(&app.UUID, &app.Slug, &app.Name, &app.OrganisationUUID, &repository, &createdAt); err != nil {
		return app, err
	}
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
