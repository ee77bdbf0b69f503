// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

func TestGetApplication(t *testing.T) {
	ts := newTestServer(t)
	var app applicationView
	ts.get("/apps/v3/applications/"+ts.seed.Applications[acmeWeb]+"/", http.StatusOK, &app)
	want := applicationView{
		UUID: ts.seed.Applications[acmeWeb], Slug: acmeWeb, Name: "Acme website",
		Organisation: ts.seed.Organisations["Acme"], Repository: nil,
		ApplicationDetails: &ApplicationDetails{
			PlanGroup: ts.seed.PlanGroups["Free"], Region: ts.seed.Regions["eu-central"], AppTemplate: nil,
			Branch: "main", CreatedAt: "2026-11-25T10:00:00Z",
		},
	}
	if !jsonEqual(app, want) {
		t.Fatalf("got\n%s\nwant\n%s", mustJSON(app), mustJSON(want))
	}
	// repository and app_template are present and null, not omitted.
	resp := ts.get("/apps/v3/applications/"+want.UUID+"/", http.StatusOK, nil)
	for _, field := range []string{`"repository":null`, `"app_template":null`} {
		if !strings.Contains(string(resp.body), field) {
			t.Errorf("body %s lacks %s", resp.body, field)
		}
	}
}

func TestApplicationsOfOtherOrganisationsAreNotFound(t *testing.T) {
	ts := newTestServer(t)
	other := ts.seed.Applications[globexWeb]
	for _, call := range []struct{ method, path string }{
		{http.MethodGet, "/apps/v3/applications/" + other + "/"},
		{http.MethodDelete, "/apps/v3/applications/" + other + "/"},
		{http.MethodPost, "/apps/v3/applications/" + other + "/migrate-repository/"},
	} {
		ts.request(call.method, call.path, adaToken, `{"repository": "`+other+`"}`).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	}
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

// newAppBody is a valid creation request for Acme, on Divio's own Git server.
func newAppBody(ts *testServer, slug string) objects {
	return objects{
		"name": "New " + slug, "slug": slug, "organisation": ts.seed.Organisations["Acme"],
		"plan_group": ts.seed.PlanGroups["Pro"], "region": ts.seed.Regions["us-east"],
	}
}

func createApplication(t *testing.T, ts *testServer, body objects) applicationView {
	t.Helper()
	var app applicationView
	ts.request(http.MethodPost, "/apps/v3/applications/", adaToken, body).expect(t, http.StatusCreated, &app)
	return app
}

func environmentsOf(t *testing.T, ts *testServer, app string) map[string]string {
	t.Helper()
	var list listResponse[environmentView]
	ts.get("/apps/v3/environments/?application="+app, http.StatusOK, &list)
	branches := map[string]string{}
	for _, env := range list.Results {
		branches[env.Slug] = env.Branch
	}
	return branches
}

// Creation as Divio's CLI posts it (every field, release_commands and a
// template URL included), on Divio's own Git server.
func TestCreateApplication(t *testing.T) {
	ts := newTestServer(t)
	body := newAppBody(ts, "acme-shop")
	body["app_template"] = "https://github.com/divio/django-template"
	body["release_commands"] = []objects{{"label": "migrate", "command": "python manage.py migrate"}}
	body["repository"] = nil
	body["branch"] = "main" // the CLI always sends it
	ts.clock.Advance(90e9)
	app := createApplication(t, ts, body)
	want := applicationView{
		UUID: app.UUID, Slug: "acme-shop", Name: "New acme-shop", Organisation: ts.seed.Organisations["Acme"], Repository: nil,
		ApplicationDetails: &ApplicationDetails{
			PlanGroup: ts.seed.PlanGroups["Pro"], Region: ts.seed.Regions["us-east"],
			AppTemplate: ptr("https://github.com/divio/django-template"), Branch: "main", CreatedAt: "2026-11-25T10:01:30Z",
		},
	}
	if !jsonEqual(app, want) {
		t.Fatalf("created\n%s\nwant\n%s", mustJSON(app), mustJSON(want))
	}
	var read applicationView
	ts.get("/apps/v3/applications/"+app.UUID+"/", http.StatusOK, &read)
	if !jsonEqual(read, want) {
		t.Fatalf("read\n%s\nwant\n%s", mustJSON(read), mustJSON(want))
	}
	if envs := environmentsOf(t, ts, app.UUID); len(envs) != 2 || envs["test"] != "main" || envs["live"] != "main" {
		t.Fatalf("environments %v, want test and live tracking main", envs)
	}
	// A template of the catalogue may be named by its UUID; its URL is stored.
	body = newAppBody(ts, "acme-blog")
	body["app_template"] = ts.seed.AppTemplates["Django"]
	if app := createApplication(t, ts, body); deref(app.AppTemplate) != "https://github.com/divio/django-template" {
		t.Fatalf("created %s", mustJSON(app))
	}
}

// Creation with a verified repository of the same organisation: the
// application and both environments follow the branch.
func TestCreateApplicationWithRepository(t *testing.T) {
	ts := newTestServer(t)
	repo := createSSHRepository(t, ts, sshURL)
	verify(t, ts, repo.UUID, "develop")
	body := newAppBody(ts, "acme-shop")
	body["repository"], body["branch"] = repo.UUID, "develop"
	app := createApplication(t, ts, body)
	if deref(app.Repository) != repo.UUID || app.Branch != "develop" {
		t.Fatalf("created %s", mustJSON(app))
	}
	if envs := environmentsOf(t, ts, app.UUID); envs["test"] != "develop" || envs["live"] != "develop" {
		t.Fatalf("environments %v, want test and live tracking develop", envs)
	}
	// The last clone check read the same branch: its head is the origin head.
	if status := syncStatusOf(t, ts, app.UUID); deref(status.OriginHead) != fakeCommit || deref(status.Branch) != "develop" {
		t.Fatalf("sync status %s", mustJSON(status))
	}
	// Without a branch: main.
	other := createSSHRepository(t, ts, sshURL)
	verify(t, ts, other.UUID, "main")
	body = newAppBody(ts, "acme-api-2")
	body["repository"] = other.UUID
	if app := createApplication(t, ts, body); app.Branch != "main" || deref(app.Repository) != other.UUID {
		t.Fatalf("created %s", mustJSON(app))
	}
}

func TestCreateApplicationValidation(t *testing.T) {
	checker := &fakeChecker{}
	ts := newTestServer(t, withChecker(checker))
	// Ada is also a member of Initech, so a repository of another of her
	// organisations can be tried.
	seeded, err := ts.server.Bootstrap(context.Background(), Seed{Organisations: []SeedOrganisation{{
		Name: "Initech", Users: []SeedUser{{Email: "ada@acme.test"}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	acme, globex := ts.seed.Organisations["Acme"], ts.seed.Organisations["Globex"]
	free, euCentral, usEast := ts.seed.PlanGroups["Free"], ts.seed.Regions["eu-central"], ts.seed.Regions["us-east"]

	never := createSSHRepository(t, ts, sshURL)
	cloned := createSSHRepository(t, ts, sshURL)
	check(t, ts, cloned.UUID, "main").expect(t, http.StatusAccepted, nil)
	waitIdle(t, ts)
	invalid := createSSHRepository(t, ts, sshURL)
	checker.answer(func(context.Context, gitops.CheckRequest) gitops.CheckResult {
		return gitops.CheckResult{Code: gitops.CodeBranchMissing, Message: "no branch"}
	})
	check(t, ts, invalid.UUID, "main").expect(t, http.StatusAccepted, nil)
	waitIdle(t, ts)
	checker.answer(nil)
	used := bindApplication(t, ts, acmeAPI, sshURL)
	initech := createRepository(t, ts, adaToken, objects{"organisation": seeded.Organisations["Initech"], "url": sshURL})
	verify(t, ts, initech.UUID, "main")
	graces := createRepository(t, ts, graceToken, objects{"organisation": globex, "url": sshURL})

	with := func(changes objects) objects {
		body := newAppBody(ts, "acme-new")
		for name, value := range changes {
			if value == nil {
				delete(body, name)
			} else {
				body[name] = value
			}
		}
		return body
	}
	one := func(field, message string) string { return mustJSON(map[string][]string{field: {message}}) }
	cases := map[string]struct {
		body objects
		want string
	}{
		"empty": {objects{}, mustJSON(map[string][]string{
			"name": {msgRequired}, "slug": {msgRequired}, "organisation": {msgRequired}, "plan_group": {msgRequired}, "region": {msgRequired},
		})},
		"blank name":         {with(objects{"name": " "}), one("name", msgBlank)},
		"long name":          {with(objects{"name": strings.Repeat("n", 256)}), one("name", "Ensure this field has no more than 255 characters.")},
		"upper-case slug":    {with(objects{"slug": "Acme-New"}), one("slug", msgSlugFormat)},
		"one-character slug": {with(objects{"slug": "a"}), one("slug", msgSlugFormat)},
		"leading hyphen":     {with(objects{"slug": "-acme"}), one("slug", msgSlugFormat)},
		"64-character slug":  {with(objects{"slug": strings.Repeat("a", 64)}), one("slug", msgSlugFormat)},
		"slug taken":         {with(objects{"slug": acmeWeb}), one("slug", msgSlugTaken)},
		// Slugs are global: another organisation's counts too.
		"slug of another organisation": {with(objects{"slug": globexWeb}), one("slug", msgSlugTaken)},
		"malformed organisation":       {with(objects{"organisation": "xyz"}), one("organisation", "“xyz” is not a valid UUID.")},
		"another organisation":         {with(objects{"organisation": globex}), one("organisation", msgDoesNotExist(globex))},
		"unknown plan group":           {with(objects{"plan_group": acme}), one("plan_group", msgDoesNotExist(acme))},
		"unknown region":               {with(objects{"region": acme}), one("region", msgDoesNotExist(acme))},
		"region not in the plan group": {with(objects{"plan_group": free, "region": usEast}), one("region", msgRegionNotInGroup)},
		"bad template URL":             {with(objects{"app_template": "not a url"}), one("app_template", msgTemplateURL)},
		"ftp template URL":             {with(objects{"app_template": "ftp://example.com/t"}), one("app_template", msgTemplateURL)},
		"unknown template":             {with(objects{"app_template": acme}), one("app_template", msgDoesNotExist(acme))},
		"branch without repository":    {with(objects{"branch": "develop"}), one("branch", msgBranchNeedsRepo)},
		"bad branch":                   {with(objects{"repository": used.UUID, "branch": "a..b"}), mustJSON(map[string][]string{"branch": {`"a..b" is not a valid Git branch name: it must not contain “..”.`}})},
		"malformed repository":         {with(objects{"repository": "xyz"}), one("repository", "“xyz” is not a valid UUID.")},
		"another organisation's repository": {with(objects{"repository": graces.UUID}),
			one("repository", msgDoesNotExist(graces.UUID))},
		"repository of another of the user's organisations": {with(objects{"repository": initech.UUID}),
			one("repository", msgRepositoryOtherOrg)},
		"repository never checked": {with(objects{"repository": never.UUID}), one("repository", msgRepositoryNotChecked(never.UUID))},
		"repository cloned, push not verified": {with(objects{"repository": cloned.UUID}),
			one("repository", msgRepositoryNoPush(cloned.UUID))},
		"repository invalid": {with(objects{"repository": invalid.UUID}),
			one("repository", msgRepositoryInvalid(invalid.UUID, gitops.CodeBranchMissing))},
		"repository used by another application": {with(objects{"repository": used.UUID}), one("repository", msgRepositoryTaken(acmeAPI))},
		"unknown field":                          {with(objects{"colour": "red"}), one("non_field_errors", `JSON parse error - unknown field "colour".`)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ts.request(http.MethodPost, "/apps/v3/applications/", adaToken, tc.body).expectJSON(t, http.StatusBadRequest, tc.want)
		})
	}
	var count int
	if err := ts.server.store.DB().QueryRow(`SELECT count(*) FROM applications`).Scan(&count); err != nil || count != 3 {
		t.Fatalf("%d applications after refused requests (%v), want the 3 seeded", count, err)
	}
	// The region rule the other way round: Pro offers eu-central too.
	createApplication(t, ts, with(objects{"region": euCentral}))
}

// The Control Panel's "Migrate to external repository": the same rules as
// at creation; the test environment follows the branch, live keeps its own.
func TestMigrateApplicationRepository(t *testing.T) {
	ts := newTestServer(t)
	app := ts.seed.Applications[acmeWeb] // test tracks develop, live main
	path := "/apps/v3/applications/" + app + "/migrate-repository/"
	repo := createSSHRepository(t, ts, sshURL)

	ts.request(http.MethodPost, path, adaToken, objects{"repository": repo.UUID}).expectJSON(t, http.StatusBadRequest,
		mustJSON(map[string][]string{"repository": {msgRepositoryNotChecked(repo.UUID)}}))
	ts.request(http.MethodPost, path, adaToken, objects{}).expectJSON(t, http.StatusBadRequest, `{"repository": ["This field is required."]}`)
	ts.request(http.MethodPost, path, adaToken, objects{"repository": nil}).expectJSON(t, http.StatusBadRequest, `{"repository": ["This field may not be null."]}`)
	verify(t, ts, repo.UUID, "main")

	migrated := migrateApplication(t, ts, app, objects{"repository": repo.UUID, "branch": "release"})
	if deref(migrated.Repository) != repo.UUID || migrated.Branch != "release" || migrated.Slug != acmeWeb {
		t.Fatalf("migrated %s", mustJSON(migrated))
	}
	if envs := environmentsOf(t, ts, app); envs["test"] != "release" || envs["live"] != "main" {
		t.Fatalf("environments %v, want test on release and live on main", envs)
	}
	// Once external, never back to Divio's own Git server.
	ts.request(http.MethodPost, path, adaToken, objects{"repository": nil}).expectJSON(t, http.StatusBadRequest,
		mustJSON(map[string][]string{"repository": {msgRepositoryNoNull}}))
	// To another repository: the first one is free again.
	other := createSSHRepository(t, ts, sshURL)
	verify(t, ts, other.UUID, "main")
	if moved := migrateApplication(t, ts, app, objects{"repository": other.UUID}); deref(moved.Repository) != other.UUID || moved.Branch != "main" {
		t.Fatalf("moved %s", mustJSON(moved))
	}
	if got := getRepository(t, ts, repo.UUID); got.UUID != repo.UUID {
		t.Fatal("the first repository went")
	}
	ts.request(http.MethodDelete, "/apps/v3/repositories/"+repo.UUID+"/", adaToken, nil).expect(t, http.StatusNoContent, nil)
	// The repository of another application is refused.
	ts.request(http.MethodPost, "/apps/v3/applications/"+ts.seed.Applications[acmeAPI]+"/migrate-repository/", adaToken,
		objects{"repository": other.UUID}).expectJSON(t, http.StatusBadRequest, mustJSON(map[string][]string{"repository": {msgRepositoryTaken(acmeWeb)}}))
}

// Deleting an application takes its environments and webhook with it;
// its repository stays, free for another application.
func TestDeleteApplication(t *testing.T) {
	ts := newTestServer(t)
	repo := bindApplication(t, ts, acmeWeb, sshURL)
	hook := createWebhook(t, ts, objects{"application": repo.Application, "type": "github"})
	envs := []string{ts.seed.Environments[acmeWeb+"/test"], ts.seed.Environments[acmeWeb+"/live"]}

	ts.request(http.MethodDelete, "/apps/v3/applications/"+repo.Application+"/", graceToken, nil).
		expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	ts.request(http.MethodDelete, "/apps/v3/applications/"+repo.Application+"/", adaToken, nil).expect(t, http.StatusNoContent, nil)
	for _, path := range []string{
		"/apps/v3/applications/" + repo.Application + "/",
		"/apps/v3/environments/" + envs[0] + "/", "/apps/v3/environments/" + envs[1] + "/",
		"/apps/v3/webhooks/" + hook.UUID + "/",
	} {
		ts.request(http.MethodGet, path, adaToken, nil).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	}
	ts.request(http.MethodDelete, "/apps/v3/applications/"+repo.Application+"/", adaToken, nil).
		expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	// The repository stays, still verified, and a new application may use it.
	if got := getRepository(t, ts, repo.UUID); got.PushVerifiedAt == nil {
		t.Fatalf("repository after the deletion: %s", mustJSON(got))
	}
	body := newAppBody(ts, acmeWeb) // the slug is free again
	body["repository"] = repo.UUID
	if app := createApplication(t, ts, body); deref(app.Repository) != repo.UUID {
		t.Fatalf("created %s", mustJSON(app))
	}
}

func TestCreateApplicationIsIdempotent(t *testing.T) {
	ts := newTestServer(t)
	body := newAppBody(ts, "acme-once")
	first := ts.request(http.MethodPost, "/apps/v3/applications/", adaToken, body, "Idempotency-Key", "app-1")
	first.expect(t, http.StatusCreated, nil)
	again := ts.request(http.MethodPost, "/apps/v3/applications/", adaToken, body, "Idempotency-Key", "app-1")
	again.expect(t, http.StatusCreated, nil)
	var a, b applicationView
	if err := json.Unmarshal(first.body, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(again.body, &b); err != nil {
		t.Fatal(err)
	}
	if again.header.Get("Idempotent-Replayed") != "true" || a.UUID != b.UUID {
		t.Fatalf("replay: %s %s", again.header, again.body)
	}
	// Without the key, the same body is a second request: the slug is taken.
	ts.request(http.MethodPost, "/apps/v3/applications/", adaToken, body).expectJSON(t, http.StatusBadRequest,
		mustJSON(map[string][]string{"slug": {msgSlugTaken}}))
}
