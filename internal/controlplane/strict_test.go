// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// withStrict is strict mode without throttling (tests that are not about
// it must not be answered 429 at random) and with its other defaults.
func withStrict(cfg *Config) { cfg.Strict, cfg.StrictThrottle = true, -1 }

// fieldsOf is the sorted keys of a JSON object, comma-separated.
func fieldsOf(t *testing.T, resp testResponse) string {
	t.Helper()
	return strings.Join(fieldNames(t, resp.body), ",")
}

// expectFields checks the status and the exact set of fields of an answer.
func expectFields(t *testing.T, resp testResponse, status int, fields string) {
	t.Helper()
	resp.expect(t, status, nil)
	if got := fieldsOf(t, resp); got != fields {
		t.Fatalf("fields %s, want %s; body %s", got, fields, resp.body)
	}
}

func TestStrictSettings(t *testing.T) {
	if got := newStrictSettings(Config{StrictThrottle: 0.5}); got != (strictSettings{}) {
		t.Fatalf("outside strict mode: %+v", got)
	}
	if got := newStrictSettings(Config{Strict: true}); got != (strictSettings{staleRead: 3 * time.Second, pageSize: 2, throttle: 0.1}) {
		t.Fatalf("defaults: %+v", got)
	}
	got := newStrictSettings(Config{Strict: true, StrictStaleRead: -1, StrictPageSize: 5, StrictThrottle: -1})
	if got != (strictSettings{pageSize: 5}) {
		t.Fatalf("negative values turn off: %+v", got)
	}
	ts := newTestServer(t, withStrict)
	if !ts.server.cfg.PublicOnly {
		t.Fatal("strict mode is not public-only")
	}
}

// In strict mode every answer carries only the fields Divio's CLI reads.
func TestStrictShapes(t *testing.T) {
	const denied = "Authentication error: the deploy key can read the repository but not write to it."
	checker := &fakeChecker{}
	ts := newTestServer(t, withStrict, withChecker(checker), func(cfg *Config) { cfg.StrictStaleRead = -1 })
	acme := ts.seed.Organisations["Acme"]
	pro := ts.seed.PlanGroups["Pro"]

	// Repositories: create {uuid, auth_info}; GET {state, dsn, auth_info}.
	resp := ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, objects{"organisation": acme, "url": sshURL, "key_type": "ED25519"})
	expectFields(t, resp, http.StatusCreated, "auth_info,uuid")
	repo := uuidOf(t, resp)
	expectFields(t, ts.request(http.MethodGet, "/apps/v3/repositories/"+repo+"/", adaToken, nil), http.StatusOK, "auth_info,dsn,state")

	// Check: code only; a failed push check non_field_errors only.
	check(t, ts, repo, "main").expectJSON(t, http.StatusAccepted, `{"code": "waiting"}`)
	waitIdle(t, ts)
	checker.answer(func(_ context.Context, req gitops.CheckRequest) gitops.CheckResult {
		if req.PushOnly {
			return gitops.CheckResult{Code: gitops.CodeWriteAccessDenied, Message: denied}
		}
		return fakeSuccess(req)
	})
	check(t, ts, repo, "main").expectJSON(t, http.StatusBadRequest, `{"non_field_errors": [`+mustJSON(denied)+`]}`)
	checker.answer(nil)
	check(t, ts, repo, "main").expectJSON(t, http.StatusAccepted, `{"code": "waiting"}`)
	waitIdle(t, ts)
	check(t, ts, repo, "main").expectJSON(t, http.StatusOK, `{"code": "success"}`)
	expectFields(t, ts.request(http.MethodGet, "/apps/v3/repositories/"+repo+"/", adaToken, nil), http.StatusOK, "auth_info,dsn,state")

	// Applications: create {uuid}; GET and list items the public fields.
	body := newAppBody(ts, "acme-strict")
	body["repository"], body["branch"], body["release_commands"] = repo, "main", nil
	resp = ts.request(http.MethodPost, "/apps/v3/applications/", adaToken, body)
	expectFields(t, resp, http.StatusCreated, "uuid")
	app := uuidOf(t, resp)
	const appFields = "name,organisation,repository,slug,uuid"
	expectFields(t, ts.request(http.MethodGet, "/apps/v3/applications/"+app+"/", adaToken, nil), http.StatusOK, appFields)
	var apps listResponse[map[string]any]
	ts.get("/apps/v3/applications/?slug=acme-strict", http.StatusOK, &apps)
	if len(apps.Results) != 1 || strings.Join(sortedKeys(apps.Results[0]), ",") != appFields {
		t.Fatalf("application list %s", mustJSON(apps))
	}

	// Organisations {uuid, name, created_at}; regions {uuid, name}.
	expectFields(t, ts.request(http.MethodGet, "/iam/v3/organisations/"+acme+"/", adaToken, nil), http.StatusOK, "created_at,name,uuid")
	expectListItemFields(t, ts, "/iam/v3/organisations/", "created_at,name,uuid")
	expectListItemFields(t, ts, "/apps/v3/regions/", "name,uuid")

	// Plan groups: the organisation filter is required; list items
	// {uuid, name}; the plan group's GET {uuid, name, regions}.
	for _, query := range []string{"", "?organisation="} {
		ts.request(http.MethodGet, "/billing/v3/application-plan-groups/"+query, adaToken, nil).expectJSON(t, http.StatusBadRequest,
			`{"organisation": ["This field is required."]}`)
	}
	expectListItemFields(t, ts, "/billing/v3/application-plan-groups/?organisation="+acme, "name,uuid")
	expectFields(t, ts.request(http.MethodGet, "/billing/v3/application-plan-groups/"+pro+"/", adaToken, nil), http.StatusOK, "name,regions,uuid")

	// Extensions are not there, as in public-only mode.
	ts.request(http.MethodGet, "/extensions/v1/", adaToken, nil).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	ts.request(http.MethodGet, "/apps/v3/repositories/", adaToken, nil).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
}

// expectListItemFields checks the fields of every item of a list's first page.
func expectListItemFields(t *testing.T, ts *testServer, path, fields string) {
	t.Helper()
	var page listResponse[map[string]any]
	ts.get(path, http.StatusOK, &page)
	if len(page.Results) == 0 {
		t.Fatalf("%s: empty", path)
	}
	for _, item := range page.Results {
		if got := strings.Join(sortedKeys(item), ","); got != fields {
			t.Fatalf("%s: item fields %s, want %s", path, got, fields)
		}
	}
}

func sortedKeys(object map[string]any) []string {
	return slices.Sorted(maps.Keys(object))
}

// uuidOf is the uuid of a JSON object answered.
func uuidOf(t *testing.T, resp testResponse) string {
	t.Helper()
	var object struct {
		UUID string `json:"uuid"`
	}
	if err := json.Unmarshal(resp.body, &object); err != nil || object.UUID == "" {
		t.Fatalf("no uuid in %s (%v)", resp.body, err)
	}
	return object.UUID
}

// After a check call, GETs answer the repository as it was before the
// call for StrictStaleRead; then as it is.
func TestStrictStaleReads(t *testing.T) {
	gated := newGatedChecker(nil)
	ts := newTestServer(t, withStrict, withChecker(gated))
	repo := createSSHRepository(t, ts, sshURL).UUID
	state := func() any {
		var got strictRepositoryView
		ts.get("/apps/v3/repositories/"+repo+"/", http.StatusOK, &got)
		return deref(got.State)
	}
	runCheck := func() {
		gated.awaitStart(t)
		gated.release <- struct{}{}
		waitIdle(t, ts)
	}

	check(t, ts, repo, "main").expectJSON(t, http.StatusAccepted, `{"code": "waiting"}`)
	runCheck() // the clone check has finished: CLONED
	if got := state(); got != nil {
		t.Fatalf("state %v right after the check call, want null (as before it)", got)
	}
	ts.clock.Advance(2999 * time.Millisecond)
	if got := state(); got != nil {
		t.Fatalf("state %v just before the window ends, want null", got)
	}
	ts.clock.Advance(time.Millisecond)
	if got := state(); got != "CLONED" {
		t.Fatalf("state %v after the window, want CLONED", got)
	}

	// The push check: stale reads show CLONED, as before it. Another clone
	// check (another branch) shows CLONED until the window ends although
	// the repository is CLONING, then CLONING, then CLONED when it is done.
	gated.release <- struct{}{} // the push check runs within the call
	check(t, ts, repo, "main").expectJSON(t, http.StatusOK, `{"code": "success"}`)
	gated.awaitStart(t)
	if got := state(); got != "CLONED" {
		t.Fatalf("state %v after the push check", got)
	}
	ts.clock.Advance(3 * time.Second)
	check(t, ts, repo, "develop").expectJSON(t, http.StatusAccepted, `{"code": "waiting"}`)
	if got := state(); got != "CLONED" {
		t.Fatalf("state %v while a new check waits, within the window", got)
	}
	ts.clock.Advance(3 * time.Second)
	if got := state(); got != "CLONING" {
		t.Fatalf("state %v while a new check waits, after the window", got)
	}
	runCheck()
	if got := state(); got != "CLONED" {
		t.Fatalf("state %v after the new check", got)
	}

	// Another user's GET is still 404; a window of -1 turns stale reads off.
	ts.request(http.MethodGet, "/apps/v3/repositories/"+repo+"/", graceToken, nil).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	fresh := newTestServer(t, withStrict, func(cfg *Config) { cfg.StrictStaleRead = -1 })
	repo = createSSHRepository(t, fresh, sshURL).UUID
	check(t, fresh, repo, "main").expect(t, http.StatusAccepted, nil)
	waitIdle(t, fresh)
	var got strictRepositoryView
	fresh.get("/apps/v3/repositories/"+repo+"/", http.StatusOK, &got)
	if deref(got.State) != "CLONED" {
		t.Fatalf("without stale reads: state %v", deref(got.State))
	}
}

// In strict mode, a check call that restarts the clone check of an
// INVALID repository answers 400 with the last failure, but the check
// has started: the polled state tells. Outside strict mode it is a 202.
func TestStrictRecheckOfInvalidRepository(t *testing.T) {
	const unreachable = "The Git host git.example.com could not be reached."
	for _, strict := range []bool{true, false} {
		checker := &fakeChecker{}
		ts := newTestServer(t, withChecker(checker), func(cfg *Config) { cfg.Strict, cfg.StrictThrottle = strict, -1 })
		repo := createSSHRepository(t, ts, sshURL).UUID
		checker.answer(func(context.Context, gitops.CheckRequest) gitops.CheckResult {
			return gitops.CheckResult{Code: gitops.CodeUnreachable, Message: unreachable}
		})
		check(t, ts, repo, "main").expectJSON(t, http.StatusAccepted, `{"code": "waiting"}`)
		waitIdle(t, ts)
		ts.clock.Advance(time.Minute)

		checker.answer(nil)
		resp := check(t, ts, repo, "main")
		if strict {
			resp.expectJSON(t, http.StatusBadRequest, `{"non_field_errors": [`+mustJSON(unreachable)+`]}`)
		} else {
			resp.expectJSON(t, http.StatusAccepted, `{"code": "waiting"}`)
		}
		waitIdle(t, ts)
		if n := len(checker.requests()); n != 2 {
			t.Fatalf("strict %v: %d checks ran, want 2 (the second one started despite the 400)", strict, n)
		}
		ts.clock.Advance(time.Minute)
		var got map[string]any
		ts.get("/apps/v3/repositories/"+repo+"/", http.StatusOK, &got)
		if got["state"] != "CLONED" {
			t.Fatalf("strict %v: state after the re-check %s", strict, mustJSON(got))
		}
		// The repository can be verified and used as usual.
		check(t, ts, repo, "main").expectJSON(t, http.StatusOK, `{"code": "success"}`)
	}
}

// With a throttled share of 1, every API request is answered 429 with
// Retry-After: 1 before it runs: nothing is created. Deliveries are not
// throttled (in strict mode they are an extension's, so 404).
func TestStrictThrottling(t *testing.T) {
	ts := newTestServer(t, func(cfg *Config) { cfg.Strict, cfg.StrictThrottle = true, 1 })
	acme := ts.seed.Organisations["Acme"]
	before := countRows(t, ts, "repositories") + countRows(t, ts, "applications")
	for _, call := range []struct {
		method, path string
		body         any
	}{
		{http.MethodPost, "/apps/v3/repositories/", objects{"organisation": acme, "url": sshURL}},
		{http.MethodPost, "/apps/v3/applications/", newAppBody(ts, "acme-throttled")},
		{http.MethodGet, "/iam/v3/organisations/", nil},
		{http.MethodGet, "/iam/v3/me/", nil},
	} {
		resp := ts.request(call.method, call.path, adaToken, call.body)
		resp.expectJSON(t, http.StatusTooManyRequests, `{"detail": "Request was throttled. Expected available in 1 second."}`)
		if got := resp.header.Get("Retry-After"); got != "1" {
			t.Fatalf("%s %s: Retry-After %q", call.method, call.path, got)
		}
	}
	if after := countRows(t, ts, "repositories") + countRows(t, ts, "applications"); after != before {
		t.Fatalf("throttled creates created %d objects", after-before)
	}
	ts.request(http.MethodPost, "/hooks/v1/some-token/", "", `{}`).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)

	// The default share is neither none nor all.
	ts = newTestServer(t, func(cfg *Config) { cfg.Strict = true })
	throttled := 0
	for range 400 {
		if ts.request(http.MethodGet, "/iam/v3/me/", adaToken, nil).status == http.StatusTooManyRequests {
			throttled++
		}
	}
	if throttled < 10 || throttled > 100 {
		t.Fatalf("%d of 400 requests throttled by default, want about 40", throttled)
	}
}

// Lists hold at most StrictPageSize items whatever page_size asks, and
// link the next page by an absolute URL that keeps the parameters.
func TestStrictPagination(t *testing.T) {
	ts := newTestServer(t, withStrict)
	if _, err := ts.server.Bootstrap(context.Background(), Seed{AppTemplates: []SeedAppTemplate{
		{Name: "Flask", URL: "https://github.com/divio/flask-template"},
		{Name: "Next.js", URL: "https://github.com/divio/nextjs-template"},
		{Name: "Laravel", URL: "https://github.com/divio/laravel-template"},
		{Name: "Wagtail", URL: "https://github.com/divio/wagtail-template"}}}); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	next := ts.http.URL + "/apps/v3/app-templates/?page_size=100"
	for pages := 1; ; pages++ {
		var page listResponse[appTemplateView]
		ts.get(next, http.StatusOK, &page)
		if page.Count != 5 || len(page.Results) > 2 || (page.Next != nil && len(page.Results) != 2) {
			t.Fatalf("page %d: %s", pages, mustJSON(page))
		}
		for _, template := range page.Results {
			names[template.Name] = true
		}
		if page.Next == nil {
			if pages != 3 || len(names) != 5 {
				t.Fatalf("%d pages, %d templates; want 3 pages of the 5", pages, len(names))
			}
			break
		}
		link, err := url.Parse(*page.Next)
		if err != nil || link.Scheme != "http" || link.Host != strings.TrimPrefix(ts.http.URL, "http://") ||
			link.Query().Get("page_size") != "100" || link.Query().Get("page") != strconv.Itoa(pages+1) {
			t.Fatalf("next link %q", *page.Next)
		}
		next = *page.Next
	}
	// Without page_size too.
	var page listResponse[appTemplateView]
	ts.get("/apps/v3/app-templates/", http.StatusOK, &page)
	if len(page.Results) != 2 || page.Next == nil || !strings.HasPrefix(*page.Next, "http://") {
		t.Fatalf("first page %s", mustJSON(page))
	}
}
