// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"net/http"
	"strings"
	"testing"
)

func TestListEnvironments(t *testing.T) {
	ts := newTestServer(t)
	cases := map[string][]environmentView{
		"application=" + ts.seed.Applications[acmeWeb]: {
			{UUID: ts.seed.Environments[acmeWeb+"/test"], Application: ts.seed.Applications[acmeWeb], Slug: "test", Branch: "develop"},
			{UUID: ts.seed.Environments[acmeWeb+"/live"], Application: ts.seed.Applications[acmeWeb], Slug: "live", Branch: "main"},
		},
		// Seeded without environments: test and live on main.
		"application=" + ts.seed.Applications[acmeAPI] + "&slug=live": {
			{UUID: ts.seed.Environments[acmeAPI+"/live"], Application: ts.seed.Applications[acmeAPI], Slug: "live", Branch: "main"},
		},
		"application=" + ts.seed.Applications[globexWeb]: {},
	}
	for query, want := range cases {
		t.Run(query, func(t *testing.T) {
			var list listResponse[environmentView]
			ts.get("/apps/v3/environments/?"+query, http.StatusOK, &list)
			if list.Count != len(want) || len(list.Results) != len(want) {
				t.Fatalf("got %d %+v, want %+v", list.Count, list.Results, want)
			}
			for i := range want {
				if list.Results[i] != want[i] {
					t.Errorf("result %d = %+v, want %+v", i, list.Results[i], want[i])
				}
			}
		})
	}

	var all listResponse[environmentView]
	ts.get("/apps/v3/environments/", http.StatusOK, &all)
	if all.Count != 4 {
		t.Errorf("unfiltered: Ada sees %d environments, want the 4 of Acme", all.Count)
	}
	ts.request(http.MethodGet, "/apps/v3/environments/?application=xyz", adaToken, nil).
		expectJSON(t, http.StatusBadRequest, `{"application": ["“xyz” is not a valid UUID."]}`)
}

func TestGetEnvironment(t *testing.T) {
	ts := newTestServer(t)
	var env environmentView
	ts.get("/apps/v3/environments/"+ts.seed.Environments[acmeWeb+"/test"]+"/", http.StatusOK, &env)
	if env.Slug != "test" || env.Branch != "develop" || env.Application != ts.seed.Applications[acmeWeb] || env.LastFinishedDeployment != nil {
		t.Fatalf("got %+v", env)
	}
	other := ts.seed.Environments[globexWeb+"/test"]
	ts.request(http.MethodGet, "/apps/v3/environments/"+other+"/", adaToken, nil).
		expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	ts.request(http.MethodGet, "/apps/v3/environments/"+other+"/", graceToken, nil).expect(t, http.StatusOK, nil)
}

func TestEnvironmentTrackingBranch(t *testing.T) {
	syncer := newFakeSyncer()
	ts := newTestServer(t, withSyncer(syncer))
	var envs listResponse[environmentView]
	ts.get("/apps/v3/environments/?application="+ts.seed.Applications[acmeWeb]+"&slug=test", http.StatusOK, &envs)
	env := envs.Results[0]
	path := "/apps/v3/environments/" + env.UUID + "/"

	// Divio's own Git server: any valid branch name.
	var changed environmentView
	ts.request(http.MethodPatch, path, adaToken, map[string]any{"branch": "feature/login"}).expect(t, http.StatusOK, &changed)
	if changed.Branch != "feature/login" {
		t.Fatalf("changed %+v", changed)
	}
	ts.request(http.MethodPatch, path, adaToken, map[string]any{}).expect(t, http.StatusOK, &changed)
	if changed.Branch != "feature/login" {
		t.Fatalf("an empty PATCH changed %+v", changed)
	}
	for body, want := range map[string]string{
		`{"branch": null}`:       `{"branch": ["This field may not be null."]}`,
		`{"branch": ""}`:         `{"branch": ["This field may not be blank."]}`,
		`{"branch": "a..b"}`:     `{"branch": ["\"a..b\" is not a valid Git branch name: it must not contain “..”."]}`,
		`{"branch": 3}`:          `{"branch": ["Incorrect type. Expected string, but got number."]}`,
		`{"slug": "production"}`: `{"non_field_errors": ["JSON parse error - unknown field \"slug\"."]}`,
	} {
		ts.request(http.MethodPatch, path, adaToken, body).expectJSON(t, http.StatusBadRequest, want)
	}
	ts.request(http.MethodPatch, path, graceToken, map[string]any{"branch": "main"}).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)

	// An external repository: the branch must exist at the remote.
	bindApplication(t, ts, acmeWeb, sshURL)
	ts.request(http.MethodPatch, path, adaToken, map[string]any{"branch": "develop"}).
		expectJSON(t, http.StatusBadRequest, `{"branch": ["`+msgBranchMissingAtRemote("develop", sshURL)+`"]}`)
	if !strings.HasPrefix(msgBranchMissingAtRemote("develop", sshURL), "The remote repository requires a branch “develop”") {
		t.Errorf("message %q", msgBranchMissingAtRemote("develop", sshURL))
	}
	syncer.setOrigin("develop", headA)
	ts.request(http.MethodPatch, path, adaToken, map[string]any{"branch": "develop"}).expect(t, http.StatusOK, &changed)
	var read environmentView
	ts.get(path, http.StatusOK, &read)
	if changed.Branch != "develop" || read.Branch != "develop" {
		t.Fatalf("changed %+v, read %+v", changed, read)
	}
	if got := syncer.lookups; len(got) != 2 || got[0] != "develop" || got[1] != "develop" {
		t.Fatalf("lookups %v", got)
	}
}
