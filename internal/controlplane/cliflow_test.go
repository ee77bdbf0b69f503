// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// cliSession sends requests the way Divio's CLI does (divio_cli/api_requests.py,
// utils.py), so that a test can replay its requests one by one:
// "Authorization: Token", a JSON body on every request (the v3 requests
// turn data, {} by default, into json=, so a GET carries "{}" too), list
// parameters as repeated keys (python-requests), and lists read by
// following the absolute next link as given. Every request is recorded.
type cliSession struct {
	t     *testing.T
	ts    *testServer
	token string
	sent  []string // "METHOD /path/?query"
}

// call sends one request. Like the CLI's APIRequest.verify, a 4xx fails
// the test unless proceedOn4xx (then the body is returned as it is).
func (c *cliSession) call(method, target string, params url.Values, data map[string]any, proceedOn4xx bool) (int, map[string]any) {
	c.t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = c.ts.http.URL + target
	}
	if len(params) > 0 {
		target += "?" + params.Encode()
	}
	if data == nil {
		data = map[string]any{}
	}
	body, err := json.Marshal(data)
	if err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(method, target, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token "+c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "divio-cli/3 (replayed by a test)")
	c.sent = append(c.sent, method+" "+req.URL.RequestURI())
	resp, err := c.ts.http.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	content, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode >= 500 || (resp.StatusCode >= 400 && !proceedOn4xx) {
		c.t.Fatalf("%s %s: %d %s", method, req.URL.RequestURI(), resp.StatusCode, content)
	}
	var answer map[string]any
	if err := json.Unmarshal(content, &answer); err != nil {
		c.t.Fatalf("%s %s: %d, body %q is not a JSON object: %v", method, req.URL.RequestURI(), resp.StatusCode, content, err)
	}
	return resp.StatusCode, answer
}

// get is a GET that must succeed.
func (c *cliSession) get(path string, params url.Values) map[string]any {
	c.t.Helper()
	_, answer := c.call(http.MethodGet, path, params, nil, false)
	return answer
}

// paginate is json_response_request_paginate without a limit: it reads
// count and results, and follows next (as given, without parameters)
// until it is null.
func (c *cliSession) paginate(path string, params url.Values) []map[string]any {
	c.t.Helper()
	answer := c.get(path, params)
	requireKeys(c.t, path, answer, "count", "results", "next")
	var results []map[string]any
	for {
		for _, item := range field[[]any](c.t, path, answer, "results") {
			object, ok := item.(map[string]any)
			if !ok {
				c.t.Fatalf("%s: an item %s is not an object", path, mustJSON(item))
			}
			results = append(results, object)
		}
		next, _ := answer["next"].(string)
		if next == "" {
			return results
		}
		answer = c.get(next, nil)
	}
}

// requireKeys fails unless object has every key (null allowed: the CLI
// indexes, it does not check types).
func requireKeys(t *testing.T, what string, object map[string]any, keys ...string) {
	t.Helper()
	for _, key := range keys {
		if _, ok := object[key]; !ok {
			t.Fatalf("%s: no %q in %s", what, key, mustJSON(object))
		}
	}
}

// field is object[key] as the CLI reads it; it fails t when the key is
// absent or not a T.
func field[T any](t *testing.T, what string, object map[string]any, key string) T {
	t.Helper()
	value, ok := object[key].(T)
	if !ok {
		t.Fatalf("%s: %q is not a %T in %s", what, key, value, mustJSON(object))
	}
	return value
}

// messagesUnder is the CLI's response.get(field): the messages a
// validation answer has under field.
func messagesUnder(answer map[string]any, field string) []any {
	messages, _ := answer[field].([]any)
	return messages
}

// Divio's CLI `divio app create` (interactive, SSH repository, a Divio
// template), replayed request by request as divio_cli sends them
// (cli.py application_create, wizards.py, wizards_utils.py, cloud.py),
// checking that every answer has what the CLI reads from it. The access
// checks are the fake checker's, which succeed.
func TestDivioCLIAppCreateFlow(t *testing.T) {
	modes := map[string]func(*Config){
		"default":     func(*Config) {},
		"public-only": withPublicOnly,
		// Strict mode with its stale reads and pages of 2, but no throttling:
		// the CLI does not retry a 429.
		"strict": func(cfg *Config) { cfg.Strict, cfg.StrictThrottle = true, -1 },
	}
	for name, mode := range modes {
		t.Run(name, func(t *testing.T) { replayAppCreate(t, newTestServer(t, mode)) })
	}
}

func replayAppCreate(t *testing.T, ts *testServer) {
	// Three templates: two pages in strict mode.
	if _, err := ts.server.Bootstrap(context.Background(), Seed{AppTemplates: []SeedAppTemplate{
		{Name: "Flask", URL: "https://github.com/divio/flask-template"},
		{Name: "Next.js", URL: "https://github.com/divio/nextjs-template"}}}); err != nil {
		t.Fatal(err)
	}
	cli := &cliSession{t: t, ts: ts, token: adaToken}
	objectsBefore := countRows(t, ts, "applications") + countRows(t, ts, "repositories")
	const name, slug = "CLI website", "cli-website"

	// get_name, get_slug: validate_application_field posts one field; its
	// messages are read under the field's name. A valid value has none.
	validate := func(path, field string, value any) []any {
		_, answer := cli.call(http.MethodPost, path, nil, map[string]any{field: value}, true)
		return messagesUnder(answer, field)
	}
	if msgs := validate("/apps/v3/applications/", "name", name); len(msgs) > 0 {
		t.Fatalf("name refused: %v", msgs)
	}
	if msgs := validate("/apps/v3/applications/", "slug", acmeWeb); len(msgs) == 0 {
		t.Fatal("a taken slug has no message under slug")
	}
	if msgs := validate("/apps/v3/applications/", "slug", slug); len(msgs) > 0 {
		t.Fatalf("slug refused: %v", msgs)
	}

	// get_org: the organisations, by uuid and name (`divio organisations
	// list` shows created_at too).
	orgs := cli.paginate("/iam/v3/organisations/", nil)
	for _, org := range orgs {
		requireKeys(t, "organisation", org, "uuid", "name", "created_at")
	}
	org := field[string](t, "organisation", orgs[0], "uuid")

	// get_plan_group: always filtered by the organisation.
	groups := cli.paginate("/billing/v3/application-plan-groups/", url.Values{"organisation": {org}})
	if len(groups) != 2 {
		t.Fatalf("plan groups %s", mustJSON(groups))
	}
	for _, group := range groups {
		requireKeys(t, "plan group", group, "uuid", "name")
	}
	planGroup := field[string](t, "plan group", groups[1], "uuid") // Pro

	// get_region: the plan group's regions from its own GET, then those
	// regions, by ?uuid= repeated.
	detail := cli.get("/billing/v3/application-plan-groups/"+planGroup+"/", nil)
	var regionIDs []string
	for _, id := range field[[]any](t, "plan group", detail, "regions") {
		regionIDs = append(regionIDs, fmt.Sprint(id))
	}
	regions := cli.paginate("/apps/v3/regions/", url.Values{"uuid": regionIDs})
	if len(regions) != len(regionIDs) || len(regions) != 2 {
		t.Fatalf("regions %s of %v", mustJSON(regions), regionIDs)
	}
	for _, region := range regions {
		requireKeys(t, "region", region, "uuid", "name")
	}
	region := field[string](t, "region", regions[1], "uuid")

	// get_template: the Divio templates, then the chosen URL validated.
	templates := cli.paginate("/apps/v3/app-templates/", nil)
	if len(templates) != 3 {
		t.Fatalf("templates %s", mustJSON(templates))
	}
	for _, template := range templates {
		requireKeys(t, "template", template, "uuid", "name", "url")
	}
	templateUUID, templateURL := field[string](t, "template", templates[0], "uuid"), field[string](t, "template", templates[0], "url")
	if msgs := validate("/apps/v3/applications/", "app_template", templateURL); len(msgs) > 0 {
		t.Fatalf("template refused: %v", msgs)
	}

	// get_release_commands, get_services: the template's own GET (no
	// services: no service list is read).
	template := cli.get("/apps/v3/app-templates/"+templateUUID+"/", nil)
	requireKeys(t, "template", template, "release_commands")
	template = cli.get("/apps/v3/app-templates/"+templateUUID+"/", nil)
	requireKeys(t, "template", template, "services")

	// get_git_repo: get_repo_url validates the URL alone (messages under url).
	if msgs := validate("/apps/v3/repositories/", "url", "not a url"); len(msgs) == 0 {
		t.Fatal("a bad URL has no message under url")
	}
	if msgs := validate("/apps/v3/repositories/", "url", sshURL); len(msgs) > 0 {
		t.Fatalf("URL refused: %v", msgs)
	}
	if got := countRows(t, ts, "applications") + countRows(t, ts, "repositories"); got != objectsBefore {
		t.Fatalf("validating fields created objects: %d, want %d", got, objectsBefore)
	}
	status, repo := cli.call(http.MethodPost, "/apps/v3/repositories/", nil,
		map[string]any{"organisation": org, "url": sshURL, "key_type": "ED25519"}, false)
	if status != http.StatusCreated || !strings.HasPrefix(field[string](t, "created repository", repo, "auth_info"), "ssh-ed25519 ") {
		t.Fatalf("created repository %d %s", status, mustJSON(repo))
	}
	repoUUID := field[string](t, "created repository", repo, "uuid")
	cliVerifyRepository(t, ts, cli, repoUUID, "main")

	// create_app, with the keys cli.py sends, then (verbose) build_app_url.
	status, app := cli.call(http.MethodPost, "/apps/v3/applications/", nil, map[string]any{
		"name": name, "slug": slug, "organisation": org, "plan_group": planGroup, "region": region,
		"app_template": templateURL, "release_commands": []map[string]any{{"label": "Migrate", "command": "python manage.py migrate"}},
		"repository": repoUUID, "branch": "main",
	}, false)
	if status != http.StatusCreated {
		t.Fatalf("create application: %d %s", status, mustJSON(app))
	}
	app = cli.get("/apps/v3/applications/"+field[string](t, "created application", app, "uuid")+"/", nil)
	requireKeys(t, "application", app, "uuid", "organisation")
	if app["organisation"] != org || app["repository"] != repoUUID || app["slug"] != slug {
		t.Fatalf("application %s", mustJSON(app))
	}
	t.Logf("the CLI's requests:\n%s", strings.Join(cli.sent, "\n"))
}

// cliVerifyRepository is wizards_utils.verify_app_repo: a check whose
// answer is ignored, GETs of the state every 2 s (at most 16) until CLONED
// or INVALID, then on CLONED a second check that must answer code
// "success". The clock stands in for the CLI's sleeps.
func cliVerifyRepository(t *testing.T, ts *testServer, cli *cliSession, id, branch string) {
	t.Helper()
	check := func() map[string]any {
		_, answer := cli.call(http.MethodPost, "/apps/v3/repositories/"+id+"/check/", nil,
			map[string]any{"branch": branch, "migrate": "true"}, true)
		return answer
	}
	check()
	state := ""
	for polls := 0; polls <= 15; polls++ {
		repo := cli.get("/apps/v3/repositories/"+id+"/", nil)
		requireKeys(t, "repository", repo, "state")
		state, _ = repo["state"].(string)
		if state == "CLONED" || state == "INVALID" {
			break
		}
		waitIdle(t, ts)
		ts.clock.Advance(2 * time.Second)
	}
	if state != "CLONED" {
		t.Fatalf("repository state %q after polling", state)
	}
	if answer := check(); answer["code"] != "success" {
		t.Fatalf("push check answered %s", mustJSON(answer))
	}
}

// countRows counts the rows of a table.
func countRows(t *testing.T, ts *testServer, table string) int {
	t.Helper()
	var n int
	if err := ts.server.store.DB().QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
