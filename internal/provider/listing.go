// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"slices"
	"strings"

	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

// The enumerations beneath the list resources (terraform query) and the
// plural data sources (import blocks with for_each): one code path per
// type, so that both find the same objects with the same filters. Divio's
// public API is only known to filter applications by slug and
// organisation, so the "contains" filters apply here, case-insensitively.

// applicationQuery selects applications; empty fields do not filter.
type applicationQuery struct {
	Organisation string // UUID
	SlugContains string
	NameContains string
}

// listApplications returns the applications q selects, in the API's order.
// The organisation filter is also applied to the answers that name their
// organisation, should a server ignore the query parameter.
func listApplications(ctx context.Context, c *divioapi.Client, q applicationQuery) ([]divioapi.Application, error) {
	apps, err := c.ListApplications(ctx, divioapi.ApplicationFilter{Organisation: q.Organisation})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(apps, func(a divioapi.Application) bool {
		return (q.Organisation != "" && a.Organisation != "" && a.Organisation != q.Organisation) ||
			!containsFold(a.Slug, q.SlugContains) || !containsFold(a.Name, q.NameContains)
	}), nil
}

// repositoryQuery selects repositories; empty fields do not filter.
type repositoryQuery struct {
	Organisation string // UUID
	Application  string // UUID: only the repository it uses
	URLContains  string
	Limit        int // the most repositories to return; 0: all
}

// listRepositories returns the repositories q selects: the server's whole
// list where it offers one (extension repository_list, by organisation),
// else — on Divio's public API — the repositories the selected
// applications use, through their repository field, each read once.
func listRepositories(ctx context.Context, c *divioapi.Client, q repositoryQuery) ([]divioapi.Repository, error) {
	if q.Application == "" && q.Organisation != "" && hasExtension(ctx, c, divioapi.ExtRepositoryList) {
		repos, err := c.ListRepositories(ctx, q.Organisation)
		if err != nil {
			return nil, err
		}
		return limited(slices.DeleteFunc(repos, func(r divioapi.Repository) bool { return !q.matches(r) }), q.Limit), nil
	}
	return repositoriesInUse(ctx, c, q)
}

// matches reports whether r passes q's URL filter (a repository whose
// answer lacks its URL does not, when there is one).
func (q repositoryQuery) matches(r divioapi.Repository) bool {
	return q.URLContains == "" || (r.URL != "" && containsFold(r.URL, q.URLContains))
}

// repositoriesInUse reads the repositories the applications q selects use,
// until it has q.Limit of them. What a repository's answer lacks and its
// application knows (its UUID, its organisation) is filled in from the
// application.
func repositoriesInUse(ctx context.Context, c *divioapi.Client, q repositoryQuery) ([]divioapi.Repository, error) {
	apps, err := applicationsOf(ctx, c, q)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	return collect(apps, q.Limit, func(app divioapi.Application) ([]divioapi.Repository, error) {
		if app.Repository == nil || seen[*app.Repository] {
			return nil, nil
		}
		seen[*app.Repository] = true
		repo, err := c.GetRepository(ctx, *app.Repository)
		if err != nil {
			return nil, err
		}
		repo.UUID = *app.Repository
		if repo.Organisation == "" {
			repo.Organisation = app.Organisation
		}
		if !q.matches(*repo) {
			return nil, nil
		}
		return []divioapi.Repository{*repo}, nil
	})
}

// applicationsOf is the one application q names, or those of its
// organisation.
func applicationsOf(ctx context.Context, c *divioapi.Client, q repositoryQuery) ([]divioapi.Application, error) {
	if q.Application == "" {
		return listApplications(ctx, c, applicationQuery{Organisation: q.Organisation})
	}
	app, err := c.GetApplication(ctx, q.Application)
	if divioapi.IsNotFound(err) {
		return nil, &filterNotFound{id: q.Application} // the token cannot see it
	}
	if err != nil {
		return nil, err
	}
	if app.UUID == "" {
		app.UUID = q.Application
	}
	return []divioapi.Application{*app}, nil
}

// containsFold reports whether s contains sub, ignoring case ("" always).
func containsFold(s, sub string) bool {
	return sub == "" || strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// collect gathers what find returns for each application, in order, and
// stops asking once it has limit items (0: no limit).
func collect[T any](apps []divioapi.Application, limit int, find func(divioapi.Application) ([]T, error)) ([]T, error) {
	var all []T
	for _, app := range apps {
		if limit > 0 && len(all) >= limit {
			break
		}
		found, err := find(app)
		if err != nil {
			return nil, err
		}
		all = append(all, found...)
	}
	return limited(all, limit), nil
}

// limited is the first limit items (all of them when limit is 0).
func limited[T any](items []T, limit int) []T {
	if limit > 0 && len(items) > limit {
		return items[:limit]
	}
	return items
}

// bindingQuery selects the applications whose webhooks or environments are
// listed: the one application, else those of the organisation.
type bindingQuery struct {
	Organisation string // UUID
	Application  string // UUID
	Limit        int    // the most objects to return; 0: all
}

// applications are the applications q names.
func (q bindingQuery) applications(ctx context.Context, c *divioapi.Client) ([]divioapi.Application, error) {
	return applicationsOf(ctx, c, repositoryQuery{Organisation: q.Organisation, Application: q.Application})
}

// inApplication is an object found under an application, with it.
type inApplication[T any] struct {
	Object      T
	Application divioapi.Application
}

// perApplication gathers what find returns for each application q selects
// (one request each), until it has q.Limit objects.
func perApplication[T any](ctx context.Context, c *divioapi.Client, q bindingQuery, find func(divioapi.Application) ([]T, error)) ([]inApplication[T], error) {
	apps, err := q.applications(ctx, c)
	if err != nil {
		return nil, err
	}
	return collect(apps, q.Limit, func(app divioapi.Application) ([]inApplication[T], error) {
		found, err := find(app)
		owned := make([]inApplication[T], 0, len(found))
		for _, object := range found {
			owned = append(owned, inApplication[T]{Object: object, Application: app})
		}
		return owned, err
	})
}

// webhooksByApplication returns the webhooks of the applications q selects
// (extension webhooks), each with its application: one list request per
// application.
func webhooksByApplication(ctx context.Context, c *divioapi.Client, q bindingQuery) ([]inApplication[divioapi.Webhook], error) {
	return perApplication(ctx, c, q, func(app divioapi.Application) ([]divioapi.Webhook, error) {
		return c.ListWebhooks(ctx, app.UUID)
	})
}

// environmentQuery selects environments: those of the applications its
// bindingQuery selects, with the slug when set.
type environmentQuery struct {
	bindingQuery
	Slug string
}

// environmentsByApplication returns the environments q selects, each with
// the branch it tracks and its application: one list request per
// application.
func environmentsByApplication(ctx context.Context, c *divioapi.Client, q environmentQuery) ([]inApplication[divioapi.Environment], error) {
	return perApplication(ctx, c, q.bindingQuery, func(app divioapi.Application) ([]divioapi.Environment, error) {
		return c.ListEnvironments(ctx, divioapi.EnvironmentFilter{Application: app.UUID, Slug: q.Slug})
	})
}

// filterNotFound is the application filter naming an application the
// token cannot see.
type filterNotFound struct{ id string }

func (e *filterNotFound) Error() string { return "application " + e.id + " not found" }
