// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"context"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBootstrapIsIdempotent(t *testing.T) {
	ts := newTestServer(t)
	again, err := ts.server.Bootstrap(context.Background(), baseSeed())
	if err != nil {
		t.Fatal(err)
	}
	for name, pair := range map[string][2]map[string]string{
		"regions":       {ts.seed.Regions, again.Regions},
		"plan groups":   {ts.seed.PlanGroups, again.PlanGroups},
		"app templates": {ts.seed.AppTemplates, again.AppTemplates},
		"organisations": {ts.seed.Organisations, again.Organisations},
		"users":         {ts.seed.Users, again.Users},
		"applications":  {ts.seed.Applications, again.Applications},
		"environments":  {ts.seed.Environments, again.Environments},
	} {
		if !maps.Equal(pair[0], pair[1]) {
			t.Errorf("%s: second run %v, first %v", name, pair[1], pair[0])
		}
	}
	if len(again.Environments) != 6 {
		t.Errorf("%d environments, want 6 (2 explicit, 2×2 default)", len(again.Environments))
	}

	db := ts.server.store.DB()
	for table, want := range map[string]int{
		"organisations": 2, "users": 2, "memberships": 2, "tokens": 2, "applications": 3, "environments": 6,
		"regions": 2, "plan_groups": 2, "plan_group_regions": 3, "app_templates": 1,
	} {
		var count int
		if err := db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&count); err != nil {
			t.Fatal(err)
		}
		if count != want {
			t.Errorf("%s has %d rows after two runs, want %d", table, count, want)
		}
	}
}

func TestBootstrapKeepsChangesAndAddsWhatIsNew(t *testing.T) {
	ts := newTestServer(t)
	seed := baseSeed()
	seed.Organisations[0].Applications[0].Name = "Renamed in the seed"
	seed.Organisations[0].Applications[0].Environments[0].Branch = "other"
	seed.Organisations[0].Applications = append(seed.Organisations[0].Applications,
		SeedApplication{Slug: "acme-new", Environments: []SeedEnvironment{{Slug: "staging"}}},
		SeedApplication{Slug: "acme-bare", Environments: []SeedEnvironment{}})
	result, err := ts.server.Bootstrap(context.Background(), seed)
	if err != nil {
		t.Fatal(err)
	}

	var app applicationView
	ts.get("/apps/v3/applications/"+ts.seed.Applications[acmeWeb]+"/", http.StatusOK, &app)
	if app.Name != "Acme website" {
		t.Errorf("existing application renamed to %q", app.Name)
	}
	var env environmentView
	ts.get("/apps/v3/environments/"+ts.seed.Environments[acmeWeb+"/test"]+"/", http.StatusOK, &env)
	if env.Branch != "develop" {
		t.Errorf("existing environment's branch changed to %q", env.Branch)
	}
	ts.get("/apps/v3/applications/"+result.Applications["acme-new"]+"/", http.StatusOK, &app)
	if app.Name != "acme-new" {
		t.Errorf("a new application without a name is named %q, want its slug", app.Name)
	}
	ts.get("/apps/v3/environments/"+result.Environments["acme-new/staging"]+"/", http.StatusOK, &env)
	if env.Branch != "main" {
		t.Errorf("an environment without a branch tracks %q, want main", env.Branch)
	}
	for _, unwanted := range []string{"acme-new/test", "acme-bare/test"} {
		if _, ok := result.Environments[unwanted]; ok {
			t.Errorf("%s exists: an application with an explicit list of environments also got the default ones", unwanted)
		}
	}
}

// A seed with its own catalogues: no defaults then; applications name
// their plan group and region, or take the first plan group and its first region.
func TestBootstrapCatalogues(t *testing.T) {
	seed := Seed{
		Regions:      []SeedRegion{{Name: "mars-north"}, {Name: "mars-south"}},
		PlanGroups:   []SeedPlanGroup{{Name: "Tiny", Regions: []string{"mars-south"}}, {Name: "Huge", Regions: []string{"mars-north", "mars-south"}}},
		AppTemplates: []SeedAppTemplate{{Name: "Flask", URL: "https://example.com/flask.git"}},
		Organisations: []SeedOrganisation{{Name: "Acme", Users: []SeedUser{{Email: "ada@acme.test", Token: adaToken}},
			Applications: []SeedApplication{{Slug: "first"}, {Slug: "placed", PlanGroup: "Huge", Region: "mars-north"}}}},
	}
	ts := &testServer{t: t, clock: newTestClock(), cfg: Config{DBPath: filepath.Join(t.TempDir(), "cp.db"),
		EncryptionKey: make([]byte, 32), Git: fakeGit{&fakeChecker{}, newFakeSyncer()}}}
	ts.start()
	result, err := ts.server.Bootstrap(context.Background(), seed)
	if err != nil {
		t.Fatal(err)
	}
	if len(result.Regions) != 2 || len(result.PlanGroups) != 2 || result.AppTemplates["Flask"] == "" {
		t.Fatalf("result %+v", result)
	}
	for slug, want := range map[string][2]string{
		"first":  {result.PlanGroups["Tiny"], result.Regions["mars-south"]},
		"placed": {result.PlanGroups["Huge"], result.Regions["mars-north"]},
	} {
		var app applicationView
		ts.get("/apps/v3/applications/"+result.Applications[slug]+"/", http.StatusOK, &app)
		if app.PlanGroup != want[0] || app.Region != want[1] || app.Repository != nil || app.Branch != "main" {
			t.Errorf("%s: %s, want plan group %s and region %s", slug, mustJSON(app), want[0], want[1])
		}
	}
	var regions listResponse[regionView]
	ts.get("/apps/v3/regions/", http.StatusOK, &regions)
	if regions.Count != 2 || regions.Results[0].Name != "mars-north" {
		t.Fatalf("regions %s: want the seed's only", mustJSON(regions))
	}
	// A region the plan group does not offer.
	bad := Seed{Organisations: []SeedOrganisation{{Name: "Acme", Applications: []SeedApplication{{Slug: "x", PlanGroup: "Tiny", Region: "mars-north"}}}}}
	if _, err := ts.server.Bootstrap(context.Background(), bad); err == nil || !strings.Contains(err.Error(), `does not offer the region "mars-north"`) {
		t.Fatalf("error %v", err)
	}
}

func TestBootstrapConflicts(t *testing.T) {
	ts := newTestServer(t)
	cases := map[string]SeedOrganisation{
		"slug of another organisation's application": {Name: "Initech", Applications: []SeedApplication{{Slug: globexWeb}}},
		"token of another user":                      {Name: "Initech", Users: []SeedUser{{Email: "bob@initech.test", Token: adaToken}}},
	}
	for name, org := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := ts.server.Bootstrap(context.Background(), Seed{Organisations: []SeedOrganisation{org}}); err == nil {
				t.Fatal("Bootstrap succeeded")
			}
			// The seed is applied in one transaction: nothing of it remains.
			var count int
			if err := ts.server.store.DB().QueryRow(`SELECT count(*) FROM organisations WHERE name = 'Initech'`).Scan(&count); err != nil || count != 0 {
				t.Fatalf("failed seed left %d organisations (%v)", count, err)
			}
		})
	}
}

func TestTokensAreStoredHashed(t *testing.T) {
	ts := newTestServer(t)
	var stored string
	if err := ts.server.store.DB().QueryRow(`SELECT token_sha256 FROM tokens LIMIT 1`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if len(stored) != 64 || stored == adaToken || stored == graceToken {
		t.Fatalf("tokens column holds %q, want a SHA-256 hex digest", stored)
	}
	ts.stop()
	content, err := os.ReadFile(ts.cfg.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(content), adaToken) {
		t.Fatal("the database file contains a token in plain text")
	}
}

func TestBootstrapDBWithoutKey(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "cp.db")
	seeded, err := BootstrapDB(context.Background(), dbPath, baseSeed())
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, cfg: Config{DBPath: dbPath, EncryptionKey: make([]byte, 32)}, clock: newTestClock()}
	ts.start()
	var app applicationView
	ts.get("/apps/v3/applications/"+seeded.Applications[acmeWeb]+"/", http.StatusOK, &app)
	if app.Slug != acmeWeb {
		t.Fatalf("got %+v", app)
	}
}

func writeSeedFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadSeedFile(t *testing.T) {
	// The example in the contract.
	seed, err := LoadSeedFile(writeSeedFile(t, `{
  "organisations": [
    {
      "name": "Demo organisation",
      "users": [{"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace", "token": "demo-token-change-me"}],
      "applications": [
        {"slug": "demo-app", "name": "Demo application",
         "environments": [{"slug": "test", "branch": "main"}, {"slug": "live", "branch": "main"}]}
      ]
    }
  ]
}`))
	if err != nil {
		t.Fatal(err)
	}
	org := seed.Organisations[0]
	if org.Name != "Demo organisation" || org.Users[0].Token != "demo-token-change-me" || org.Applications[0].Environments[1].Slug != "live" {
		t.Fatalf("decoded %+v", seed)
	}
}

func TestLoadSeedFileWithCatalogues(t *testing.T) {
	// The contract's example of the additions.
	seed, err := LoadSeedFile(writeSeedFile(t, `{
  "regions": [{"name": "eu-central"}],
  "plan_groups": [{"name": "Free", "regions": ["eu-central"]}],
  "app_templates": [{"name": "Django", "url": "https://github.com/divio/django-template"}],
  "organisations": [{"name": "Demo", "applications": [{"slug": "demo-app", "plan_group": "Free", "region": "eu-central"}]}]
}`))
	if err != nil {
		t.Fatal(err)
	}
	if seed.Regions[0].Name != "eu-central" || seed.PlanGroups[0].Regions[0] != "eu-central" || seed.AppTemplates[0].URL != "https://github.com/divio/django-template" ||
		seed.Organisations[0].Applications[0].PlanGroup != "Free" {
		t.Fatalf("decoded %+v", seed)
	}
}

// The quickstart's seed loads and applies: the demo application on
// Divio's own Git server, in the default plan group and region.
func TestQuickstartSeed(t *testing.T) {
	seed, err := LoadSeedFile(filepath.Join("..", "..", "examples", "quickstart", "bootstrap.json"))
	if err != nil {
		t.Fatal(err)
	}
	result, err := BootstrapDB(context.Background(), filepath.Join(t.TempDir(), "cp.db"), seed)
	if err != nil {
		t.Fatal(err)
	}
	if result.Applications["demo-app"] == "" || result.PlanGroups["Free"] == "" || result.Regions["eu-central"] == "" ||
		result.Environments["demo-app/test"] == "" || result.Environments["demo-app/live"] == "" {
		t.Fatalf("result %+v", result)
	}
}

func TestLoadSeedFileErrors(t *testing.T) {
	cases := map[string]struct{ content, want string }{
		"unknown field": {`{"organisations": [{"name": "A", "colour": "red"}]}`, `unknown field "colour"`},
		"syntax":        {"{\"organisations\": [\n  {\"name\": \"A\",}\n]}", "line 2"},
		"wrong type":    {`{"organisations": {"name": "A"}}`, "cannot unmarshal"},
		"trailing data": {`{"organisations": []} []`, "unexpected data"},
		"no name":       {`{"organisations": [{"name": " "}]}`, "organisations[0].name: is required"},
		"bad email":     {`{"organisations": [{"name": "A", "users": [{"email": "nobody"}]}]}`, `organisations[0].users[0].email: "nobody" is not an email address`},
		"bad slug": {`{"organisations": [{"name": "A", "applications": [{"slug": "Demo App"}]}]}`,
			`organisations[0].applications[0].slug: "Demo App" is not a slug`},
		"duplicate slug": {`{"organisations": [{"name": "A", "applications": [{"slug": "x"}]}, {"name": "B", "applications": [{"slug": "x"}]}]}`,
			`organisations[1].applications[0].slug: "x" appears twice`},
		"shared token": {`{"organisations": [{"name": "A", "users": [{"email": "a@x.test", "token": "t"}, {"email": "b@x.test", "token": "t"}]}]}`,
			"organisations[0].users[1].token: is also the token of a@x.test"},
		"plan group of an unknown region": {`{"regions": [{"name": "eu"}], "plan_groups": [{"name": "Free", "regions": ["us"]}]}`,
			`plan_groups[0].regions[0]: "us" is not a region of the seed`},
		"plan group without regions": {`{"regions": [{"name": "eu"}], "plan_groups": [{"name": "Free", "regions": []}]}`,
			`plan_groups[0].regions: must name at least one region`},
		"duplicate region": {`{"regions": [{"name": "eu"}, {"name": "eu"}]}`, `regions[1].name: "eu" appears twice`},
		"template without URL": {`{"app_templates": [{"name": "Django", "url": "django"}]}`,
			`app_templates[0].url: "django" is not an http or https URL`},
		"application of an unknown plan group": {`{"regions": [{"name": "eu"}], "plan_groups": [{"name": "Free", "regions": ["eu"]}], "organisations": [{"name": "A", "applications": [{"slug": "xy", "plan_group": "Pro"}]}]}`,
			`organisations[0].applications[0].plan_group: "Pro" is not a plan group of the seed`},
		"application repository": {`{"organisations": [{"name": "A", "applications": [{"slug": "xy", "repository": "x"}]}]}`,
			`unknown field "repository"`},
		"duplicate environment": {`{"organisations": [{"name": "A", "applications": [{"slug": "x", "environments": [{"slug": "test"}, {"slug": "test"}]}]}]}`,
			`organisations[0].applications[0].environments[1].slug: "test" appears twice`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := LoadSeedFile(writeSeedFile(t, tc.content))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := LoadSeedFile(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("a missing file loaded")
	}
}
