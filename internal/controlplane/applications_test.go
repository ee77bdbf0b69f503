package controlplane

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestGetApplication(t *testing.T) {
	ts := newTestServer(t)
	var app applicationView
	ts.get("/apps/v3/applications/"+ts.seed.Applications[acmeWeb]+"/", http.StatusOK, &app)
	want := applicationView{
		UUID: ts.seed.Applications[acmeWeb], Slug: acmeWeb, Name: "Acme website",
		Organisation: ts.seed.Organisations["Acme"], Repository: nil,
	}
	if app != want {
		t.Fatalf("got %+v, want %+v", app, want)
	}
	// repository is present and null, not omitted.
	if resp := ts.get("/apps/v3/applications/"+want.UUID+"/", http.StatusOK, nil); !strings.Contains(string(resp.body), `"repository":null`) {
		t.Errorf("body %s lacks \"repository\":null", resp.body)
	}
}

func TestApplicationsOfOtherOrganisationsAreNotFound(t *testing.T) {
	ts := newTestServer(t)
	other := ts.seed.Applications[globexWeb]
	ts.request(http.MethodGet, "/apps/v3/applications/"+other+"/", adaToken, nil).
		expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	// The owner does see it: the 404 is about visibility, not existence.
	ts.request(http.MethodGet, "/apps/v3/applications/"+other+"/", graceToken, nil).expect(t, http.StatusOK, nil)

	var list listResponse[applicationView]
	ts.get("/apps/v3/applications/", http.StatusOK, &list)
	for _, app := range list.Results {
		if app.UUID == other {
			t.Fatalf("Ada's list contains Globex's application %s", app.Slug)
		}
	}
	if list.Count != 2 {
		t.Fatalf("Ada sees %d applications, want 2", list.Count)
	}
}

func TestApplicationFilters(t *testing.T) {
	ts := newTestServer(t)
	// Ada is a member of both organisations here, so the organisation filter has something to exclude.
	extra := Seed{Organisations: []SeedOrganisation{{
		Name:         "Globex",
		Users:        []SeedUser{{Email: "ada@acme.test"}},
		Applications: []SeedApplication{{Slug: "percent", Name: "100% Coverage"}},
	}}}
	if _, err := ts.server.Bootstrap(context.Background(), extra); err != nil {
		t.Fatal(err)
	}
	cases := map[string][]string{
		"":                {acmeWeb, acmeAPI, globexWeb, "percent"},
		"slug=" + acmeAPI: {acmeAPI},
		"slug=acme":       {},
		"organisation=" + ts.seed.Organisations["Acme"]: {acmeWeb, acmeAPI},
		// Django's UUID parsing also takes the hyphen-less form.
		"organisation=" + strings.ReplaceAll(ts.seed.Organisations["Globex"], "-", ""): {globexWeb, "percent"},
		"name_search=WEBSITE":                                                   {acmeWeb, globexWeb},
		"name_search=" + url.QueryEscape("%"):                                   {"percent"},
		"name_search=acme&slug=" + acmeWeb:                                      {acmeWeb},
		"organisation=" + ts.seed.Organisations["Acme"] + "&name_search=globex": {},
	}
	for query, want := range cases {
		t.Run(query, func(t *testing.T) {
			var list listResponse[applicationView]
			ts.get("/apps/v3/applications/?"+query, http.StatusOK, &list)
			var got []string
			for _, app := range list.Results {
				got = append(got, app.Slug)
			}
			if strings.Join(got, ",") != strings.Join(want, ",") || list.Count != len(want) {
				t.Fatalf("got %d %v, want %v", list.Count, got, want)
			}
		})
	}
}
