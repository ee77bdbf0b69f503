// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/sshkey"
)

const testDSN = "ssh://git@git.example.com/a.git"

func sshRepository(organisation string, pair *sshkey.KeyPair) NewRepository {
	return NewRepository{OrganisationUUID: organisation, URL: testDSN, DSN: testDSN, AuthType: AuthSSH, KeyPair: pair}
}

// allow is a repository rule that allows everything.
func allow(Repository, string) error { return nil }

// verified creates an ssh repository of Acme and runs it through a clone
// check of main and a push check, both successful.
func verified(t *testing.T, fixture seeded) Repository {
	t.Helper()
	ctx := context.Background()
	repo, err := fixture.store.CreateRepository(ctx, sshRepository(fixture.acmeOrg, generate(t)))
	if err != nil {
		t.Fatal(err)
	}
	step, repo, err := fixture.store.CheckRepository(ctx, fixture.ada, repo.UUID, "main", true)
	if err != nil || step != CheckCloneStarted {
		t.Fatalf("first check: %v, %v", step, err)
	}
	success := CheckOutcome{Success: true, Commit: "c1", HostKey: "ssh-ed25519 AAAA1", HostKeyFingerprint: "SHA256:1", CheckedAt: testTime}
	if applied, err := fixture.store.FinishRepositoryCheck(ctx, repo.UUID, repo.Generation, success); err != nil || !applied {
		t.Fatalf("clone outcome: %v, %v", applied, err)
	}
	step, repo, err = fixture.store.CheckRepository(ctx, fixture.ada, repo.UUID, "main", true)
	if err != nil || step != CheckPushDue {
		t.Fatalf("second check: %v, %v", step, err)
	}
	if applied, err := fixture.store.FinishPushCheck(ctx, repo.UUID, repo.Generation, CheckOutcome{Success: true, CheckedAt: testTime}); err != nil || !applied {
		t.Fatalf("push outcome: %v, %v", applied, err)
	}
	repo, err = fixture.store.LoadRepository(ctx, repo.UUID)
	if err != nil || !repo.Verified() {
		t.Fatalf("not verified: %+v, %v", repo, err)
	}
	return repo
}

func TestCreateHTTPSRepository(t *testing.T) {
	fixture := newSeeded(t)
	ctx := context.Background()
	repo, err := fixture.store.CreateRepository(ctx, NewRepository{OrganisationUUID: fixture.acmeOrg, URL: "https://h/a.git", DSN: "https://h/a.git",
		AuthType: AuthHTTPS, HTTPSUsername: "ada", HTTPSPassword: "s3cret-token"})
	if err != nil {
		t.Fatal(err)
	}
	if repo.AuthType != AuthHTTPS || repo.HTTPSUsername != "ada" || repo.PublicKey != "" || repo.KeyType != "" || repo.OrganisationUUID != fixture.acmeOrg {
		t.Fatalf("created %+v", repo)
	}
	if password, err := fixture.store.RepositoryHTTPSPassword(ctx, repo.UUID); err != nil || password != "s3cret-token" {
		t.Fatalf("password %q, %v", password, err)
	}
	if _, err := fixture.store.RepositoryPrivateKey(ctx, repo.UUID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the private key of an https repository: error %v, want ErrNotFound", err)
	}
	// An organisation that does not exist.
	if _, err := fixture.store.CreateRepository(ctx, sshRepository("00000000-0000-0000-0000-000000000000", generate(t))); !errors.Is(err, ErrNotFound) {
		t.Fatalf("repository of no organisation: error %v, want ErrNotFound", err)
	}
}

// The check state machine at the store: CLONING waits, a pending push
// check is claimed once, anything else starts a clone check.
func TestCheckRepositoryStateMachine(t *testing.T) {
	fixture := newSeeded(t)
	ctx := context.Background()
	repo, err := fixture.store.CreateRepository(ctx, sshRepository(fixture.acmeOrg, generate(t)))
	if err != nil {
		t.Fatal(err)
	}
	step, repo, err := fixture.store.CheckRepository(ctx, fixture.ada, repo.UUID, "develop", false)
	if err != nil || step != CheckCloneStarted || repo.State != StateCloning || repo.Branch != "develop" || repo.Migrate || repo.Generation != 1 {
		t.Fatalf("first check: %v %+v %v", step, repo, err)
	}
	if pending, err := fixture.store.PendingRepositoryChecks(ctx); err != nil || len(pending) != 1 || pending[0] != repo.UUID {
		t.Fatalf("pending %v, %v", pending, err)
	}
	step, again, err := fixture.store.CheckRepository(ctx, fixture.ada, repo.UUID, "other", true)
	if err != nil || step != CheckRunning || again.Branch != "develop" || again.Generation != 1 {
		t.Fatalf("while cloning: %v %+v %v", step, again, err)
	}
	success := CheckOutcome{Success: true, Commit: "c1", HostKey: "ssh-ed25519 AAAA1", HostKeyFingerprint: "SHA256:1", CheckedAt: testTime, Duration: 1500 * time.Millisecond}
	if applied, err := fixture.store.FinishRepositoryCheck(ctx, repo.UUID, 1, success); err != nil || !applied {
		t.Fatalf("clone outcome: %v, %v", applied, err)
	}
	repo, _ = fixture.store.LoadRepository(ctx, repo.UUID)
	if repo.State != StateCloned || !repo.PushCheckPending || !repo.EverCloned || repo.HostKey != "ssh-ed25519 AAAA1" ||
		repo.LastCommit != "c1" || repo.CheckDuration != 1500*time.Millisecond || !repo.CheckedAt.Equal(testTime) || repo.Verified() {
		t.Fatalf("after the clone check: %+v", repo)
	}
	// Another branch: not the push check, a new clone check.
	step, repo, err = fixture.store.CheckRepository(ctx, fixture.ada, repo.UUID, "main", false)
	if err != nil || step != CheckCloneStarted || repo.PushCheckPending || repo.Generation != 2 {
		t.Fatalf("another branch: %v %+v %v", step, repo, err)
	}
	if applied, err := fixture.store.FinishRepositoryCheck(ctx, repo.UUID, 2, success); err != nil || !applied {
		t.Fatalf("clone outcome: %v, %v", applied, err)
	}
	step, repo, err = fixture.store.CheckRepository(ctx, fixture.ada, repo.UUID, "main", false)
	if err != nil || step != CheckPushDue || repo.PushCheckPending {
		t.Fatalf("push due: %v %+v %v", step, repo, err)
	}
	// A failed push check keeps CLONED and records the error.
	failure := CheckOutcome{Code: "write_access_denied", Message: "read-only key", CheckedAt: testTime}
	if applied, err := fixture.store.FinishPushCheck(ctx, repo.UUID, 2, failure); err != nil || !applied {
		t.Fatalf("push failure: %v, %v", applied, err)
	}
	repo, _ = fixture.store.LoadRepository(ctx, repo.UUID)
	if repo.State != StateCloned || repo.ErrorCode != "write_access_denied" || repo.ErrorMessage != "read-only key" || repo.Verified() {
		t.Fatalf("after a failed push check: %+v", repo)
	}
	// Claimed and failed: the next check is a clone check, which clears the error.
	step, repo, err = fixture.store.CheckRepository(ctx, fixture.ada, repo.UUID, "main", false)
	if err != nil || step != CheckCloneStarted || repo.ErrorCode != "" || repo.State != StateCloning {
		t.Fatalf("after the failure: %v %+v %v", step, repo, err)
	}
}

func TestRepositoryChecksByGeneration(t *testing.T) {
	fixture := newSeeded(t)
	ctx := context.Background()
	repo := verified(t, fixture)
	success := CheckOutcome{Success: true, Commit: "c1", HostKey: "ssh-ed25519 AAAA1", HostKeyFingerprint: "SHA256:1", CheckedAt: testTime}
	// Applying again does nothing: the repository is no longer CLONING.
	if applied, err := fixture.store.FinishRepositoryCheck(ctx, repo.UUID, repo.Generation, success); err != nil || applied {
		t.Fatalf("same outcome again: %v, %v", applied, err)
	}
	_, repo, err := fixture.store.CheckRepository(ctx, fixture.ada, repo.UUID, "main", true)
	if err != nil || repo.Generation != 2 || repo.State != StateCloning || repo.HostKey != "ssh-ed25519 AAAA1" || !repo.EverCloned ||
		!repo.PushVerifiedAt.IsZero() {
		t.Fatalf("after a new check: %+v, %v", repo, err)
	}
	if applied, _ := fixture.store.FinishRepositoryCheck(ctx, repo.UUID, 1, success); applied {
		t.Fatal("an outcome of generation 1 applied to generation 2")
	}
	// A later success keeps the pinned key; a failure keeps it and the commit.
	other := success
	other.HostKey, other.HostKeyFingerprint, other.Commit = "ssh-ed25519 AAAA2", "SHA256:2", "c2"
	if applied, err := fixture.store.FinishRepositoryCheck(ctx, repo.UUID, 2, other); err != nil || !applied {
		t.Fatalf("second outcome: %v, %v", applied, err)
	}
	repo, _ = fixture.store.LoadRepository(ctx, repo.UUID)
	if repo.HostKey != "ssh-ed25519 AAAA1" || repo.HostKeyFingerprint != "SHA256:1" || repo.LastCommit != "c2" {
		t.Fatalf("after a second success: %+v", repo)
	}
	// A push check claimed for generation 2 is stale once generation 3 is asked for.
	if step, _, _ := fixture.store.CheckRepository(ctx, fixture.ada, repo.UUID, "main", true); step != CheckPushDue {
		t.Fatalf("step %v, want the push check", step)
	}
	if step, _, _ := fixture.store.CheckRepository(ctx, fixture.ada, repo.UUID, "main", true); step != CheckCloneStarted {
		t.Fatalf("step %v, want a clone check", step)
	}
	if applied, _ := fixture.store.FinishPushCheck(ctx, repo.UUID, 2, CheckOutcome{Success: true, CheckedAt: testTime}); applied {
		t.Fatal("a push outcome of generation 2 applied to generation 3")
	}
	failure := CheckOutcome{Code: "auth_failed", Message: "no", CheckedAt: testTime.Add(time.Hour), Duration: time.Second}
	if applied, err := fixture.store.FinishRepositoryCheck(ctx, repo.UUID, 3, failure); err != nil || !applied {
		t.Fatalf("failure: %v, %v", applied, err)
	}
	repo, _ = fixture.store.LoadRepository(ctx, repo.UUID)
	if repo.State != StateInvalid || repo.ErrorCode != "auth_failed" || repo.HostKey == "" || repo.LastCommit != "c2" ||
		repo.CheckDuration != time.Second || !repo.CheckedAt.Equal(testTime.Add(time.Hour)) {
		t.Fatalf("after a failure: %+v", repo)
	}
	if pending, err := fixture.store.PendingRepositoryChecks(ctx); err != nil || len(pending) != 0 {
		t.Fatalf("pending %v, %v", pending, err)
	}
}

func TestCreateApplicationWithRepository(t *testing.T) {
	fixture := newSeeded(t)
	ctx := context.Background()
	repo := verified(t, fixture)
	n := NewApplication{OrganisationUUID: fixture.acmeOrg, Slug: "acme-shop", Name: "Shop", PlanGroupUUID: fixture.planGroup,
		RegionUUID: fixture.regions[1], AppTemplate: "https://t.example/x", RepositoryUUID: repo.UUID, Branch: "main",
		Environments: []NewEnvironment{{"test", "main"}, {"live", "main"}}}

	// The rule sees the repository inside the transaction; its error is returned as it is.
	refused := errors.New("refused")
	var seen Repository
	_, err := fixture.store.CreateApplication(ctx, n, func(r Repository, app string) error {
		seen = r
		if app != "" {
			t.Errorf("rule called for application %q, want a new one", app)
		}
		return refused
	})
	if !errors.Is(err, refused) || seen.UUID != repo.UUID || !seen.Verified() {
		t.Fatalf("error %v, rule saw %+v", err, seen)
	}
	app, err := fixture.store.CreateApplication(ctx, n, allow)
	if err != nil {
		t.Fatal(err)
	}
	if app.RepositoryUUID == nil || *app.RepositoryUUID != repo.UUID || app.Branch != "main" || app.PlanGroupUUID != fixture.planGroup ||
		app.RegionUUID != fixture.regions[1] || app.AppTemplate != "https://t.example/x" || !app.CreatedAt.Equal(testTime) {
		t.Fatalf("created %+v", app)
	}
	if envs, count, err := fixture.store.ListEnvironments(ctx, fixture.ada, EnvironmentFilter{ApplicationUUID: app.UUID}, Page{Limit: 10}); err != nil ||
		count != 2 || envs[0].Slug != "test" || envs[1].Slug != "live" {
		t.Fatalf("environments %+v, %v", envs, err)
	}
	// The repository knows its application; its sync state starts from the
	// last clone check, which read the same branch.
	repo, _ = fixture.store.LoadRepository(ctx, repo.UUID)
	if repo.ApplicationUUID != app.UUID || repo.ApplicationBranch != "main" {
		t.Fatalf("repository %+v", repo)
	}
	if state, err := fixture.store.SyncState(ctx, repo.UUID); err != nil || state.OriginHead != "c1" || !state.OriginHeadSeenAt.Equal(testTime) {
		t.Fatalf("sync state %+v, %v", state, err)
	}
	// The slug is taken; the repository too (one application per repository).
	if _, err := fixture.store.CreateApplication(ctx, n, allow); !errors.Is(err, ErrConflict) {
		t.Fatalf("same slug: error %v, want ErrConflict", err)
	}
	n.Slug = "acme-other"
	if _, err := fixture.store.CreateApplication(ctx, n, allow); !errors.Is(err, ErrConflict) {
		t.Fatalf("same repository: error %v, want ErrConflict", err)
	}
	if err := fixture.store.DeleteRepository(ctx, fixture.ada, repo.UUID); !errors.Is(err, ErrInUse) {
		t.Fatalf("deleting a repository in use: error %v, want ErrInUse", err)
	}
	// Deleting the application frees the repository; environments go with it.
	if err := fixture.store.DeleteApplication(ctx, fixture.ada, app.UUID); err != nil {
		t.Fatal(err)
	}
	if _, count, _ := fixture.store.ListEnvironments(ctx, fixture.ada, EnvironmentFilter{ApplicationUUID: app.UUID}, Page{Limit: 10}); count != 0 {
		t.Fatalf("%d environments left", count)
	}
	if repo, _ = fixture.store.LoadRepository(ctx, repo.UUID); repo.ApplicationUUID != "" {
		t.Fatalf("repository still used: %+v", repo)
	}
	if err := fixture.store.DeleteRepository(ctx, fixture.ada, repo.UUID); err != nil {
		t.Fatal(err)
	}
}

func TestMigrateApplicationRepository(t *testing.T) {
	fixture := newSeeded(t)
	ctx := context.Background()
	err := fixture.store.Seed(ctx, func(tx *SeedTx) error {
		_, err1 := tx.EnsureEnvironment(fixture.acmeApp, "test", "develop")
		_, err2 := tx.EnsureEnvironment(fixture.acmeApp, "live", "main")
		return errors.Join(err1, err2)
	})
	if err != nil {
		t.Fatal(err)
	}
	repo := verified(t, fixture)
	if _, err := fixture.store.MigrateApplicationRepository(ctx, fixture.grace, fixture.acmeApp, repo.UUID, "x", allow); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Grace migrates Ada's application: error %v", err)
	}
	var appSeen string
	app, err := fixture.store.MigrateApplicationRepository(ctx, fixture.ada, fixture.acmeApp, repo.UUID, "release",
		func(_ Repository, app string) error { appSeen = app; return nil })
	if err != nil || appSeen != fixture.acmeApp || app.RepositoryUUID == nil || *app.RepositoryUUID != repo.UUID || app.Branch != "release" {
		t.Fatalf("migrated %+v (rule saw %q), %v", app, appSeen, err)
	}
	envs, _, _ := fixture.store.ListEnvironments(ctx, fixture.ada, EnvironmentFilter{ApplicationUUID: fixture.acmeApp}, Page{Limit: 10})
	if len(envs) != 2 || envs[0].Branch != "release" || envs[1].Branch != "main" {
		t.Fatalf("environments %+v: want test on release, live on main", envs)
	}
	// The last clone check read main, not release: no origin head yet.
	if state, _ := fixture.store.SyncState(ctx, repo.UUID); state.OriginHead != "" {
		t.Fatalf("sync state %+v", state)
	}
	// Another application cannot take it (and another organisation's is not Ada's to migrate).
	if _, err := fixture.store.MigrateApplicationRepository(ctx, fixture.ada, fixture.globexApp, repo.UUID, "main", allow); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Ada migrates Globex's application: error %v", err)
	}
	second, err := fixture.store.CreateApplication(ctx, NewApplication{OrganisationUUID: fixture.acmeOrg, Slug: "acme-two", Name: "Two",
		PlanGroupUUID: fixture.planGroup, RegionUUID: fixture.regions[0], Branch: "main"}, allow)
	if err != nil || second.RepositoryUUID != nil {
		t.Fatalf("created %+v, %v", second, err)
	}
	if _, err := fixture.store.MigrateApplicationRepository(ctx, fixture.ada, second.UUID, repo.UUID, "main", allow); !errors.Is(err, ErrConflict) {
		t.Fatalf("a second application takes the repository: error %v, want ErrConflict", err)
	}
}

func TestCatalogues(t *testing.T) {
	fixture := newSeeded(t)
	ctx := context.Background()
	groups, count, err := fixture.store.ListPlanGroups(ctx, Page{Limit: 10})
	if err != nil || count != 1 || groups[0].Name != "Pro" || len(groups[0].RegionUUIDs) != 2 ||
		groups[0].RegionUUIDs[0] != fixture.regions[1] || groups[0].RegionUUIDs[1] != fixture.regions[0] {
		t.Fatalf("plan groups %+v, %v: want Pro with its regions in their order", groups, err)
	}
	if group, err := fixture.store.GetPlanGroup(ctx, fixture.planGroup); err != nil || group.Name != "Pro" {
		t.Fatalf("plan group %+v, %v", group, err)
	}
	regions, count, err := fixture.store.ListRegions(ctx, RegionFilter{}, Page{Limit: 10})
	if err != nil || count != 2 || regions[0].Name != "eu-central" {
		t.Fatalf("regions %+v, %v", regions, err)
	}
	regions, count, err = fixture.store.ListRegions(ctx, RegionFilter{UUIDs: []string{fixture.regions[1], fixture.planGroup}}, Page{Limit: 10})
	if err != nil || count != 1 || regions[0].UUID != fixture.regions[1] {
		t.Fatalf("regions filtered by UUID %+v, %v", regions, err)
	}
	if _, err := fixture.store.GetRegion(ctx, fixture.planGroup); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a plan group's uuid as a region: error %v", err)
	}
	if _, count, err := fixture.store.ListAppTemplates(ctx, Page{Limit: 10}); err != nil || count != 0 {
		t.Fatalf("%d templates, %v", count, err)
	}
	orgs, count, err := fixture.store.ListOrganisations(ctx, fixture.ada, Page{Limit: 10})
	if err != nil || count != 1 || orgs[0].UUID != fixture.acmeOrg || orgs[0].Name != "Acme" || orgs[0].CreatedAt.IsZero() {
		t.Fatalf("Ada's organisations %+v, %v", orgs, err)
	}
}
