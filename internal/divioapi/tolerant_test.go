// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
)

// TestDecodeToleratesShapesOfUnreadMembers: a member the CLI does not read,
// answered in a shape nothing public shows, is absent; the rest decodes.
func TestDecodeToleratesShapesOfUnreadMembers(t *testing.T) {
	var repo Repository
	err := json.Unmarshal([]byte(`{"uuid": "r1", "state": "CLONED", "auth_info": "ssh-ed25519 AAAA",
		"error": "a string", "push_verified_at": 17, "key_type": {"name": "ED25519"}}`), &repo)
	if err != nil {
		t.Fatal(err)
	}
	if repo.UUID != "r1" || repo.StateName() != "CLONED" || repo.AuthInfo == nil || repo.Error != nil ||
		repo.PushVerifiedAt != nil || repo.KeyType != nil {
		t.Errorf("decoded %+v", repo)
	}
	var app Application
	if err := json.Unmarshal([]byte(`{"uuid": "a1", "repository": null, "plan_group": {"uuid": "p"}}`), &app); err != nil {
		t.Fatal(err)
	}
	if app.UUID != "a1" || !app.RepositoryAnswered || app.Repository != nil || app.PlanGroup != nil {
		t.Errorf("decoded %+v", app)
	}
}

// TestDecodeRefusesShapesOfReadMembers: a member the CLI reads must have
// its shape, or the answer is not Divio's API.
func TestDecodeRefusesShapesOfReadMembers(t *testing.T) {
	for name, answer := range map[string]string{
		"repository uuid":        `{"uuid": 1}`,
		"repository state":       `{"uuid": "r1", "state": ["CLONED"]}`,
		"application slug":       `{"uuid": "a1", "slug": 2}`,
		"application repository": `{"uuid": "a1", "repository": {"uuid": "r1"}}`,
		"environment uuid":       `{"uuid": false}`,
	} {
		var err error
		switch name[:3] {
		case "rep":
			err = json.Unmarshal([]byte(answer), new(Repository))
		case "app":
			err = json.Unmarshal([]byte(answer), new(Application))
		default:
			err = json.Unmarshal([]byte(answer), new(Environment))
		}
		if err == nil {
			t.Errorf("%s: %s decoded without an error", name, answer)
		}
	}
}

// TestListPlanGroupsIgnoresTheListsRegions: the CLI reads a plan group's
// regions from its own GET only, so the list may answer them in any shape.
func TestListPlanGroupsIgnoresTheListsRegions(t *testing.T) {
	s := newScript(reply(http.StatusOK, map[string]any{"next": nil, "results": []map[string]any{
		{"uuid": "p1", "name": "Free", "regions": []map[string]any{{"uuid": "r1", "name": "EU"}}},
	}}))
	c, _ := newTestClient(t, s)
	groups, err := c.ListPlanGroups(context.Background(), "o1")
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || groups[0].UUID != "p1" || groups[0].Name != "Free" || groups[0].Regions != nil {
		t.Errorf("ListPlanGroups = %+v", groups)
	}
}
