// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

// The answers are fetched by the client's own calls, through a transport
// that keeps each raw body: so the test asks exactly what the client asks
// (path, method, query, body), and checks the JSON before the client's
// decoding can hide a missing field behind a zero value.

// recorder is an http.RoundTripper that keeps the raw body of every answer.
type recorder struct {
	mu     sync.Mutex
	bodies []recorded
}

type recorded struct {
	request string // "GET /apps/v3/repositories/<uuid>/"
	status  int
	body    []byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	r.mu.Lock()
	r.bodies = append(r.bodies, recorded{req.Method + " " + req.URL.Path, resp.StatusCode, body})
	r.mu.Unlock()
	return resp, nil
}

// answer is one raw answer and what was asked ("GET /apps/v3/…").
type answer struct {
	what string
	body json.RawMessage
}

// fetch runs call (one client method) and returns the last answer it received.
func (r *recorder) fetch(t *testing.T, call func() error) answer {
	t.Helper()
	r.mu.Lock()
	mark := len(r.bodies)
	r.mu.Unlock()
	if err := call(); err != nil {
		t.Fatalf("client call failed: %v", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.bodies) == mark {
		t.Fatal("the client call sent no request")
	}
	last := r.bodies[len(r.bodies)-1]
	return answer{last.request, last.body}
}

// results are the objects of a paginated list answer (its first page).
func results(t *testing.T, list answer) []answer {
	t.Helper()
	var page struct {
		Results []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(list.body, &page); err != nil {
		t.Fatalf("%s is not a paginated list: %v\n%s", list.what, err, list.body)
	}
	if len(page.Results) == 0 {
		t.Fatalf("%s lists nothing: the contract cannot be checked on it", list.what)
	}
	items := make([]answer, len(page.Results))
	for i, body := range page.Results {
		items[i] = answer{fmt.Sprintf("%s results[%d]", list.what, i), body}
	}
	return items
}

// newClient is a client of cp whose answers rec keeps; it does not retry.
func newClient(t *testing.T, cp *acctest.ControlPlane) (*recorder, *divioapi.Client) {
	t.Helper()
	rec := &recorder{}
	client, err := divioapi.New(divioapi.Config{
		BaseURL: cp.URL, Token: cp.Token, RetryMax: -1,
		HTTPClient: &http.Client{Transport: rec, Timeout: 30 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	return rec, client
}

var readme = map[string]map[string]string{"main": {"README": "# site\n", "LICENSE": "MIT\n"}}

// verifiedRepository creates a repository for repo, installs its deploy key
// with write access, verifies it and returns its UUID.
func verifiedRepository(ctx context.Context, t *testing.T, cp *acctest.ControlPlane, client *divioapi.Client,
	host *githost.Host, repo *githost.Repo, migrate bool,
) string {
	t.Helper()
	created, err := client.CreateRepository(ctx, divioapi.CreateRepositoryRequest{
		Organisation: cp.OrgID(acctest.OrgName), URL: repo.SSHURL(), KeyType: "ED25519",
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.AuthInfo == nil {
		t.Fatalf("repository %s: no auth_info, so no deploy key to install", created.UUID)
	}
	if err := host.AuthorizeKey(*created.AuthInfo, githost.ReadWrite); err != nil {
		t.Fatal(err)
	}
	verifyCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if _, err := client.VerifyRepository(verifyCtx, created.UUID, divioapi.VerifyOptions{Branch: "main", Migrate: migrate}); err != nil {
		t.Fatalf("verify %s: %v", created.UUID, err)
	}
	return created.UUID
}

// With its extensions, the control plane answers every field the client
// reads, for every object type, in every answer the client decodes it from.
// requireCatalogue requires every field of the token's user and of every
// organisation, plan group and region listed.
func requireCatalogue(ctx context.Context, t *testing.T, cov coverage, rec *recorder, client *divioapi.Client, org string) {
	requireAll[divioapi.User](t, cov, rec.fetch(t, func() error { _, err := client.Me(ctx); return err }))
	for _, item := range results(t, rec.fetch(t, func() error { _, err := client.ListOrganisations(ctx); return err })) {
		requireAll[divioapi.Organisation](t, cov, item)
	}
	var groups []divioapi.PlanGroup
	for _, item := range results(t, rec.fetch(t, func() (err error) { groups, err = client.ListPlanGroups(ctx, org); return err })) {
		requireAll[divioapi.PlanGroup](t, cov, item)
	}
	requireAll[divioapi.PlanGroup](t, cov, rec.fetch(t, func() error { _, err := client.GetPlanGroup(ctx, groups[0].UUID); return err }))
	for _, item := range results(t, rec.fetch(t, func() error { _, err := client.ListRegions(ctx); return err })) {
		requireAll[divioapi.Region](t, cov, item)
	}
}

func TestExtensionAnswersCarryEveryField(t *testing.T) {
	ctx := context.Background()
	cp := acctest.StartControlPlane(t)
	host := acctest.StartGitHost(t)
	rec, client := newClient(t, cp)
	cov := coverage{}
	org := cp.OrgID(acctest.OrgName)
	var a answer

	// Who the token is, and the catalogue.
	requireCatalogue(ctx, t, cov, rec, client, cp.OrgID(acctest.OrgName))
	requireAll[divioapi.Organisation](t, cov, rec.fetch(t, func() error { _, err := client.GetOrganisation(ctx, org); return err }))

	// A repository: created, checked, verified, read and listed.
	site := acctest.NewRepo(t, host, "site", readme)
	var created *divioapi.Repository
	a = rec.fetch(t, func() (err error) {
		created, err = client.CreateRepository(ctx, divioapi.CreateRepositoryRequest{Organisation: org, URL: site.SSHURL(), KeyType: "ED25519"})
		return err
	})
	requireAll[divioapi.Repository](t, cov, a)
	if created.AuthInfo == nil {
		t.Fatalf("%s: no auth_info", a.what)
	}
	if err := host.AuthorizeKey(*created.AuthInfo, githost.ReadWrite); err != nil {
		t.Fatal(err)
	}
	requireAll[divioapi.CheckAnswer](t, cov, rec.fetch(t, func() error {
		_, err := client.CheckRepository(ctx, created.UUID, "main", false)
		return err
	}))
	verifyCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if _, err := client.VerifyRepository(verifyCtx, created.UUID, divioapi.VerifyOptions{Branch: "main"}); err != nil {
		t.Fatalf("verify: %v", err)
	}
	requireAll[divioapi.Repository](t, cov, rec.fetch(t, func() error { _, err := client.GetRepository(ctx, created.UUID); return err }))

	// A repository whose deploy key was never installed: its failed
	// verification fills the error object.
	broken := acctest.NewRepo(t, host, "broken", readme)
	var brokenRepo *divioapi.Repository
	rec.fetch(t, func() (err error) {
		brokenRepo, err = client.CreateRepository(ctx, divioapi.CreateRepositoryRequest{Organisation: org, URL: broken.SSHURL()})
		return err
	})
	var failed *divioapi.VerificationError
	if _, err := client.VerifyRepository(verifyCtx, brokenRepo.UUID, divioapi.VerifyOptions{Branch: "main"}); !errors.As(err, &failed) {
		t.Fatalf("verifying a repository without its deploy key: %v, want a VerificationError", err)
	}
	requireAll[divioapi.Repository](t, cov, rec.fetch(t, func() error { _, err := client.GetRepository(ctx, brokenRepo.UUID); return err }))
	a = rec.fetch(t, func() error { _, err := client.ListRepositories(ctx, org); return err })
	for _, item := range results(t, a) {
		requireAll[divioapi.Repository](t, cov, item)
	}

	// An application on the verified repository: created, read, listed.
	var app *divioapi.Application
	a = rec.fetch(t, func() (err error) {
		repository, branch := created.UUID, "main"
		app, err = client.CreateApplication(ctx, divioapi.CreateApplicationRequest{
			Name: "Contract", Slug: "contract", Organisation: org, PlanGroup: cp.PlanGroupID(), Region: cp.RegionID(),
			Repository: &repository, Branch: &branch,
		})
		return err
	})
	requireAll[divioapi.Application](t, cov, a)
	requireAll[divioapi.Application](t, cov, rec.fetch(t, func() error { _, err := client.GetApplication(ctx, app.UUID); return err }))
	a = rec.fetch(t, func() error {
		_, err := client.ListApplications(ctx, divioapi.ApplicationFilter{Organisation: org})
		return err
	})
	for _, item := range results(t, a) {
		requireAll[divioapi.Application](t, cov, item)
	}

	// Its environments: listed, read, their tracking branch set.
	var envs []divioapi.Environment
	a = rec.fetch(t, func() (err error) {
		envs, err = client.ListEnvironments(ctx, divioapi.EnvironmentFilter{Application: app.UUID})
		return err
	})
	for _, item := range results(t, a) {
		requireAll[divioapi.Environment](t, cov, item)
	}
	requireAll[divioapi.Environment](t, cov, rec.fetch(t, func() error { _, err := client.GetEnvironment(ctx, envs[0].UUID); return err }))
	requireAll[divioapi.Environment](t, cov, rec.fetch(t, func() error {
		_, err := client.SetEnvironmentBranch(ctx, envs[0].UUID, "main")
		return err
	}))

	// The sync status before any webhook carries a warning (no_webhook).
	a = rec.fetch(t, func() error { _, err := client.GetSyncStatus(ctx, app.UUID); return err })
	requireAll[divioapi.SyncStatus](t, cov, a)

	// A webhook: created, read, listed, rotated.
	var hook *divioapi.Webhook
	a = rec.fetch(t, func() (err error) {
		hook, err = client.CreateWebhook(ctx, divioapi.CreateWebhookRequest{Application: app.UUID, Type: "github"})
		return err
	})
	requireAll[divioapi.Webhook](t, cov, a)
	requireAll[divioapi.Webhook](t, cov, rec.fetch(t, func() error { _, err := client.GetWebhook(ctx, hook.UUID); return err }))
	a = rec.fetch(t, func() error { _, err := client.ListWebhooks(ctx, app.UUID); return err })
	for _, item := range results(t, a) {
		requireAll[divioapi.Webhook](t, cov, item)
	}
	requireAll[divioapi.Webhook](t, cov, rec.fetch(t, func() error {
		_, err := client.RotateWebhook(ctx, hook.UUID, divioapi.RotateWebhookRequest{})
		return err
	}))

	// The sync actions answer a sync status too.
	requireAll[divioapi.SyncStatus](t, cov, rec.fetch(t, func() error { _, err := client.PullUpdate(ctx, app.UUID); return err }))
	requireAll[divioapi.SyncStatus](t, cov, rec.fetch(t, func() error { _, err := client.ResetToOrigin(ctx, app.UUID); return err }))

	// Migrating an application (on Divio's own Git server) to a repository
	// verified for migration answers the application.
	legacy := acctest.NewRepo(t, host, "legacy", readme)
	legacyID := verifiedRepository(ctx, t, cp, client, host, legacy, true)
	requireAll[divioapi.Application](t, cov, rec.fetch(t, func() error {
		_, err := client.MigrateApplicationRepository(ctx, cp.AppID(acctest.SecondAppSlug),
			divioapi.MigrateRepositoryRequest{Repository: legacyID, Branch: "main"})
		return err
	}))

	// Every struct the client decodes, nested ones included, was checked
	// against an answer where it was not null.
	for _, root := range []reflect.Type{
		reflect.TypeFor[divioapi.User](), reflect.TypeFor[divioapi.Organisation](), reflect.TypeFor[divioapi.PlanGroup](),
		reflect.TypeFor[divioapi.Region](), reflect.TypeFor[divioapi.Repository](), reflect.TypeFor[divioapi.CheckAnswer](),
		reflect.TypeFor[divioapi.Application](), reflect.TypeFor[divioapi.Environment](), reflect.TypeFor[divioapi.SyncStatus](),
		reflect.TypeFor[divioapi.Webhook](),
	} {
		for _, typ := range reachable(root) {
			if !cov[typ] {
				t.Errorf("%s (in %s) was never checked against an answer where it is not null", typ, root)
			}
		}
	}
}

// Serving Divio's public API only, as api.divio.com, the control plane
// answers the fields the client relies on there.
func TestPublicAnswersCarryWhatTheClientReliesOn(t *testing.T) {
	ctx := context.Background()
	cp := acctest.StartControlPlaneWith(t, acctest.Options{PublicOnly: true})
	host := acctest.StartGitHost(t)
	rec, client := newClient(t, cp)
	cov := coverage{}
	org := cp.OrgID(acctest.OrgName)
	var a answer

	// The catalogue and the token's user are public: every field.
	requireCatalogue(ctx, t, cov, rec, client, cp.OrgID(acctest.OrgName))

	// A repository: the create answer carries its UUID and deploy key; the
	// check answers a code; once verified, a read carries state and DSN.
	site := acctest.NewRepo(t, host, "site", readme)
	var created *divioapi.Repository
	a = rec.fetch(t, func() (err error) {
		created, err = client.CreateRepository(ctx, divioapi.CreateRepositoryRequest{Organisation: org, URL: site.SSHURL(), KeyType: "ED25519"})
		return err
	})
	requireSome[divioapi.Repository](t, a, "uuid", "auth_info")
	if created.AuthInfo == nil {
		t.FailNow()
	}
	if err := host.AuthorizeKey(*created.AuthInfo, githost.ReadWrite); err != nil {
		t.Fatal(err)
	}
	a = rec.fetch(t, func() error { _, err := client.CheckRepository(ctx, created.UUID, "main", false); return err })
	requireSome[divioapi.CheckAnswer](t, a, "code")
	verifyCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if _, err := client.VerifyRepository(verifyCtx, created.UUID, divioapi.VerifyOptions{Branch: "main"}); err != nil {
		t.Fatalf("verify: %v", err)
	}
	a = rec.fetch(t, func() error { _, err := client.GetRepository(ctx, created.UUID); return err })
	requireSome[divioapi.Repository](t, a, "state", "dsn")

	// An application on it: created, read and listed with its identity and
	// repository.
	appFields := []string{"uuid", "slug", "name", "organisation", "repository"}
	var app *divioapi.Application
	a = rec.fetch(t, func() (err error) {
		repository, branch := created.UUID, "main"
		app, err = client.CreateApplication(ctx, divioapi.CreateApplicationRequest{
			Name: "Contract", Slug: "contract", Organisation: org, PlanGroup: cp.PlanGroupID(), Region: cp.RegionID(),
			Repository: &repository, Branch: &branch,
		})
		return err
	})
	requireSome[divioapi.Application](t, a, appFields...)
	a = rec.fetch(t, func() error { _, err := client.GetApplication(ctx, app.UUID); return err })
	requireSome[divioapi.Application](t, a, appFields...)
	a = rec.fetch(t, func() error {
		_, err := client.ListApplications(ctx, divioapi.ApplicationFilter{Slug: "contract"})
		return err
	})
	for _, item := range results(t, a) {
		requireSome[divioapi.Application](t, item, appFields...)
	}

	// Its environments, as the application data source reads them.
	a = rec.fetch(t, func() error {
		_, err := client.ListEnvironments(ctx, divioapi.EnvironmentFilter{Application: app.UUID})
		return err
	})
	for _, item := range results(t, a) {
		requireSome[divioapi.Environment](t, item, "uuid", "slug", "branch")
	}
}

// strictAnswer is what the control plane's strict mode answers to one
// request of the provider: the fields Divio's CLI reads (divio-api-notes.md,
// "What the CLI reads"), no more. The compatibility guide's table lists the
// same requests, with divio-cli's file and line for each field.
func strictAnswer[T any](t *testing.T, a answer, keys ...string) {
	t.Helper()
	requireSome[T](t, a, keys...)
	requireOnly(t, a, keys...)
}

// Against the strict mode every answer the provider's client decodes on
// Divio's public API carries exactly what Divio's CLI reads, and the
// client's calls (lists of two per page, a verification through stale
// reads and a 400 check) succeed on them. The acceptance test
// TestAccCoreFlow_strict runs the provider itself against the same mode:
// together they show that the provider needs nothing more.
func TestStrictAnswersCarryOnlyWhatTheCLIReads(t *testing.T) {
	ctx := context.Background()
	cp := acctest.StartControlPlaneWith(t, acctest.Options{Strict: true, StrictThrottle: -1})
	host := acctest.StartGitHost(t)
	rec, client := newClient(t, cp)
	org := cp.OrgID(acctest.OrgName)

	for _, item := range results(t, rec.fetch(t, func() error { _, err := client.ListOrganisations(ctx); return err })) {
		requireOnly(t, item, "uuid", "name", "created_at")
		requireSome[divioapi.Organisation](t, item, "uuid", "name")
	}
	var groups []divioapi.PlanGroup
	for _, item := range results(t, rec.fetch(t, func() (err error) { groups, err = client.ListPlanGroups(ctx, org); return err })) {
		strictAnswer[divioapi.PlanGroup](t, item, "uuid", "name")
	}
	strictAnswer[divioapi.PlanGroup](t, rec.fetch(t, func() error { _, err := client.GetPlanGroup(ctx, groups[0].UUID); return err }), "uuid", "name", "regions")
	for _, item := range results(t, rec.fetch(t, func() error { _, err := client.ListRegions(ctx); return err })) {
		strictAnswer[divioapi.Region](t, item, "uuid", "name")
	}

	site := acctest.NewRepo(t, host, "site", readme)
	var created *divioapi.Repository
	a := rec.fetch(t, func() (err error) {
		created, err = client.CreateRepository(ctx, divioapi.CreateRepositoryRequest{Organisation: org, URL: site.SSHURL(), KeyType: "ED25519"})
		return err
	})
	strictAnswer[divioapi.Repository](t, a, "uuid", "auth_info")
	if err := host.AuthorizeKey(*created.AuthInfo, githost.ReadWrite); err != nil {
		t.Fatal(err)
	}
	a = rec.fetch(t, func() error { _, err := client.CheckRepository(ctx, created.UUID, "main", true); return err })
	strictAnswer[divioapi.CheckAnswer](t, a, "code")
	verifyCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if _, err := client.VerifyRepository(verifyCtx, created.UUID, divioapi.VerifyOptions{Branch: "main", Migrate: true}); err != nil {
		t.Fatalf("verify: %v", err)
	}
	a = rec.fetch(t, func() error { _, err := client.GetRepository(ctx, created.UUID); return err })
	strictAnswer[divioapi.Repository](t, a, "state", "dsn", "auth_info")

	var app *divioapi.Application
	a = rec.fetch(t, func() (err error) {
		repository, branch := created.UUID, "main"
		app, err = client.CreateApplication(ctx, divioapi.CreateApplicationRequest{
			Name: "Contract", Slug: "contract", Organisation: org, PlanGroup: groups[0].UUID, Region: cp.RegionID(),
			Repository: &repository, Branch: &branch,
		})
		return err
	})
	strictAnswer[divioapi.Application](t, a, "uuid")
	appFields := []string{"uuid", "slug", "name", "organisation", "repository"}
	strictAnswer[divioapi.Application](t, rec.fetch(t, func() error { _, err := client.GetApplication(ctx, app.UUID); return err }), appFields...)
	a = rec.fetch(t, func() error {
		_, err := client.ListApplications(ctx, divioapi.ApplicationFilter{Slug: "contract"})
		return err
	})
	for _, item := range results(t, a) {
		strictAnswer[divioapi.Application](t, item, appFields...)
	}
}
