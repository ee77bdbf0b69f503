// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"net/http"
	"testing"
)

func TestGetEnvironment(t *testing.T) {
	s := newScript(reply(http.StatusOK, map[string]any{
		"uuid": "e1", "application": "a1", "slug": "test", "branch": "main",
		"last_finished_deployment": map[string]any{"uuid": "d1"}, // an object, as divio-cli reads it (cloud.py 474)
	}))
	c, _ := newTestClient(t, s)
	e, err := c.GetEnvironment(context.Background(), "e1")
	if err != nil {
		t.Fatal(err)
	}
	if e.UUID != "e1" || e.Application != "a1" || e.Slug != "test" || e.Branch != "main" {
		t.Errorf("GetEnvironment = %+v", e)
	}
	if got := s.requests()[0].URI; got != "/apps/v3/environments/e1/" {
		t.Errorf("requested %s", got)
	}
}

func TestListEnvironmentsFilters(t *testing.T) {
	s := newScript(reply(http.StatusOK, map[string]any{"next": nil, "results": []map[string]any{{"uuid": "e1"}, {"uuid": "e2"}}}))
	c, _ := newTestClient(t, s)
	envs, err := c.ListEnvironments(context.Background(), EnvironmentFilter{Application: "a1", Slug: "live"})
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) != 2 {
		t.Errorf("ListEnvironments = %+v", envs)
	}
	if got, want := s.requests()[0].URI, "/apps/v3/environments/?application=a1&page_size=100&slug=live"; got != want {
		t.Errorf("requested %s, want %s", got, want)
	}
}
