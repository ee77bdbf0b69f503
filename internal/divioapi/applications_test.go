// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
)

func TestGetApplication(t *testing.T) {
	s := newScript(reply(http.StatusOK, map[string]any{
		"uuid": "a1", "slug": "demo-app", "name": "Demo application", "organisation": "o1", "repository": "r1",
	}))
	c, _ := newTestClient(t, s)
	a, err := c.GetApplication(context.Background(), "a1")
	if err != nil {
		t.Fatal(err)
	}
	if a.UUID != "a1" || a.Slug != "demo-app" || a.Name != "Demo application" || a.Organisation != "o1" || a.Repository == nil || *a.Repository != "r1" {
		t.Errorf("GetApplication = %+v", a)
	}
	if got := s.requests()[0].URI; got != "/apps/v3/applications/a1/" {
		t.Errorf("requested %s", got)
	}
}

func TestListApplicationsFilters(t *testing.T) {
	s := newScript(reply(http.StatusOK, map[string]any{"next": nil, "results": []map[string]any{{"uuid": "a1", "repository": nil}}}))
	c, _ := newTestClient(t, s)
	apps, err := c.ListApplications(context.Background(), ApplicationFilter{Organisation: "o1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 1 || apps[0].Repository != nil {
		t.Errorf("ListApplications = %+v", apps)
	}
	// The empty slug is left out rather than sent as "slug=".
	if got, want := s.requests()[0].URI, "/apps/v3/applications/?organisation=o1&page_size=100"; got != want {
		t.Errorf("requested %s, want %s", got, want)
	}
}

// An answer without a repository member is told from one with null.
func TestApplicationRepositoryAnswered(t *testing.T) {
	for body, want := range map[string]struct {
		answered bool
		repo     string
	}{
		`{"uuid": "a1"}`:                     {false, ""},
		`{"uuid": "a1", "repository": null}`: {true, ""},
		`{"uuid": "a1", "repository": "r1"}`: {true, "r1"},
	} {
		var app Application
		if err := json.Unmarshal([]byte(body), &app); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		got := ""
		if app.Repository != nil {
			got = *app.Repository
		}
		if app.UUID != "a1" || app.RepositoryAnswered != want.answered || got != want.repo {
			t.Errorf("%s: %+v, repository %q; want answered %v, %q", body, app, got, want.answered, want.repo)
		}
	}
}

// A create's answer is decoded as the object, and what it says beside it
// (detail, non_field_errors) is kept for a diagnostic.
func TestCreateKeepsDivioWords(t *testing.T) {
	for body, want := range map[string]struct{ uuid, words string }{
		`{"uuid": "a1"}`: {"a1", ""},
		`{"uuid": "a1", "name": "Shop", "repository": null}`:           {"a1", ""},
		`{"detail": "Accepted.", "non_field_errors": ["Over quota."]}`: {"", "Accepted.; Over quota."},
	} {
		s := newScript(raw(http.StatusCreated, "application/json", body))
		c, _ := newTestClient(t, s, publicAPI)
		app, err := c.CreateApplication(context.Background(), CreateApplicationRequest{Name: "Shop", Slug: "shop"})
		if err != nil || app.UUID != want.uuid || app.Words != want.words {
			t.Errorf("%s: %+v, %v; want uuid %q, words %q", body, app, err, want.uuid, want.words)
		}
	}
}
