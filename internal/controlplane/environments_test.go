package controlplane

import (
	"net/http"
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
