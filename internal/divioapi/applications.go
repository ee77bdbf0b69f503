// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"encoding/json"
	"net/http"
)

const applicationsPath = "/apps/v3/applications/"

// Application is a Divio application. Divio's CLI reads only uuid from a
// create's answer, and slug, organisation and repository from a GET: every
// field may be absent (zero), and RepositoryAnswered tells an absent
// repository from null (Divio's own Git server).
type Application struct {
	UUID         string `json:"uuid"`
	Slug         string `json:"slug"`
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
	// Repository is the UUID of the external repository; nil means Divio's
	// own Git server.
	Repository *string `json:"repository"`

	PlanGroup   *string `json:"plan_group"`
	Region      *string `json:"region"`
	AppTemplate *string `json:"app_template"`
	Branch      *string `json:"branch"`

	// RepositoryAnswered reports whether the answer had a repository
	// member at all (null included).
	RepositoryAnswered bool `json:"-"`
	// Words are what a create's answer said beside the object (detail,
	// non_field_errors, a field's messages), "" when nothing.
	Words string `json:"-"`
}

// UnmarshalJSON decodes an application, tolerating any shape of the
// members the CLI does not read, and notes whether it had a repository
// member.
func (a *Application) UnmarshalJSON(data []byte) error {
	type plain Application // without this method
	if err := decodeTolerating(data, (*plain)(a), "uuid", "slug", "organisation", "repository"); err != nil {
		return err
	}
	var members struct {
		Repository json.RawMessage `json:"repository"`
	}
	if err := json.Unmarshal(data, &members); err != nil {
		return err
	}
	a.RepositoryAnswered = members.Repository != nil
	return nil
}

// ApplicationFilter narrows ListApplications; empty fields do not filter.
type ApplicationFilter struct {
	Slug         string
	Organisation string // UUID
}

// CreateApplicationRequest is the public POST /apps/v3/applications/: the
// way an application is connected to an external repository (Repository
// and Branch) on Divio's public API.
type CreateApplicationRequest struct {
	Name         string  `json:"name"`
	Slug         string  `json:"slug"`
	Organisation string  `json:"organisation"`
	PlanGroup    string  `json:"plan_group"`
	Region       string  `json:"region"`
	AppTemplate  *string `json:"app_template,omitempty"`
	Repository   *string `json:"repository,omitempty"`
	Branch       *string `json:"branch,omitempty"`
}

// GetApplication returns the application id.
func (c *Client) GetApplication(ctx context.Context, id string) (*Application, error) {
	return getObject[Application](ctx, c, applicationsPath, id)
}

// ListApplications returns all applications of the caller's organisations
// that match f.
func (c *Client) ListApplications(ctx context.Context, f ApplicationFilter) ([]Application, error) {
	return ListAll[Application](ctx, c, applicationsPath,
		filter("slug", f.Slug, "organisation", f.Organisation))
}

// CreateApplication creates an application. It is not idempotent on
// Divio's public API: see Client.SetIdempotencyKeys.
func (c *Client) CreateApplication(ctx context.Context, r CreateApplicationRequest) (*Application, error) {
	return create[Application](ctx, c, applicationsPath, r, func(app *Application, words string) { app.Words = words })
}

// DeleteApplication deletes an application (extension application_deletion).
func (c *Client) DeleteApplication(ctx context.Context, id string) error {
	p, err := ObjectPath(applicationsPath, id)
	if err != nil {
		return err
	}
	return c.Do(ctx, http.MethodDelete, p, nil, nil, nil)
}

// MigrateRepositoryRequest moves an application to an external repository.
type MigrateRepositoryRequest struct {
	Repository string `json:"repository"`
	Branch     string `json:"branch"`
}

// MigrateApplicationRepository is the Control Panel's "Migrate to external
// repository" (extension application_migration).
func (c *Client) MigrateApplicationRepository(ctx context.Context, id string, r MigrateRepositoryRequest) (*Application, error) {
	p, err := ObjectPath(applicationsPath, id, "migrate-repository")
	if err != nil {
		return nil, err
	}
	var app Application
	if err := c.Do(ctx, http.MethodPost, p, nil, r, &app); err != nil {
		return nil, err
	}
	return &app, nil
}
