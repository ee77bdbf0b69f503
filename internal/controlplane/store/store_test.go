// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package store

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/sealbox"
	"github.com/divio-community/terraform-provider-divio/internal/sshkey"
)

var testTime = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func testBox(t *testing.T, fill byte) *sealbox.Box {
	t.Helper()
	box, err := sealbox.New(bytes.Repeat([]byte{fill}, sealbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return box
}

func openTestStore(t *testing.T, path string, box *sealbox.Box) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Path: path, Box: box, Now: func() time.Time { return testTime }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// seeded is a store with two organisations, each with one member and one
// application, and a plan group with two regions.
type seeded struct {
	store              *Store
	path               string
	ada, grace         string // user uuids
	acmeApp, globexApp string // application uuids
	acmeOrg, globexOrg string
	planGroup          string
	regions            [2]string
}

func newSeeded(t *testing.T) seeded {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cp.db")
	fixture := seeded{store: openTestStore(t, path, testBox(t, 1)), path: path}
	err := fixture.store.Seed(context.Background(), func(tx *SeedTx) error {
		var err error
		must := func(id string, e error) string {
			err = errors.Join(err, e)
			return id
		}
		fixture.acmeOrg = must(tx.EnsureOrganisation("Acme"))
		fixture.globexOrg = must(tx.EnsureOrganisation("Globex"))
		fixture.ada = must(tx.EnsureUser("ada@acme.test", "Ada", "Lovelace"))
		fixture.grace = must(tx.EnsureUser("grace@globex.test", "Grace", "Hopper"))
		err = errors.Join(err,
			tx.EnsureMembership(fixture.acmeOrg, fixture.ada),
			tx.EnsureMembership(fixture.globexOrg, fixture.grace),
			tx.EnsureToken(fixture.ada, "ada-token"))
		fixture.regions[0] = must(tx.EnsureRegion("eu-central"))
		fixture.regions[1] = must(tx.EnsureRegion("us-east"))
		fixture.planGroup = must(tx.EnsurePlanGroup("Pro", []string{fixture.regions[1], fixture.regions[0]}))
		fixture.acmeApp = must(tx.EnsureApplication(fixture.acmeOrg, "acme-web", "100% Acme", fixture.planGroup, fixture.regions[0]))
		fixture.globexApp = must(tx.EnsureApplication(fixture.globexOrg, "globex-web", "Globex", fixture.planGroup, fixture.regions[1]))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return fixture
}

func TestOpenConfiguresSQLite(t *testing.T) {
	s := newSeeded(t).store
	ctx := context.Background()
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000"} {
		var got string
		if err := s.db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}

func TestMigrationsAreRecordedAndAppliedOnce(t *testing.T) {
	fixture := newSeeded(t)
	countMigrations := func(s *Store) int {
		var n int
		if err := s.db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := countMigrations(fixture.store); n != len(migrations) {
		t.Fatalf("%d migrations recorded, want %d", n, len(migrations))
	}
	fixture.store.Close()
	reopened := openTestStore(t, fixture.path, testBox(t, 1)) // would fail re-creating tables
	if n := countMigrations(reopened); n != len(migrations) {
		t.Fatalf("%d migrations recorded after reopening, want %d", n, len(migrations))
	}
	if _, err := reopened.GetApplication(context.Background(), fixture.ada, fixture.acmeApp); err != nil {
		t.Fatalf("data lost on reopening: %v", err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	fixture := newSeeded(t)
	if _, err := fixture.store.db.Exec(`INSERT INTO schema_migrations VALUES (?, 'x')`, len(migrations)+1); err != nil {
		t.Fatal(err)
	}
	fixture.store.Close()
	if _, err := Open(context.Background(), Options{Path: fixture.path}); err == nil {
		t.Fatal("opened a database with a newer schema")
	}
}

func TestOpenChecksTheKey(t *testing.T) {
	fixture := newSeeded(t)
	fixture.store.Close()
	if _, err := Open(context.Background(), Options{Path: fixture.path, Box: testBox(t, 2)}); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("error %v, want ErrWrongKey", err)
	}
	keyless := openTestStore(t, fixture.path, nil)
	if _, err := keyless.CreateRepository(context.Background(), sshRepository(fixture.acmeOrg, generate(t))); !errors.Is(err, ErrNoKey) {
		t.Fatalf("create without a key: error %v, want ErrNoKey", err)
	}
}

func generate(t *testing.T) *sshkey.KeyPair {
	t.Helper()
	pair, err := sshkey.Generate(sshkey.ED25519)
	if err != nil {
		t.Fatal(err)
	}
	return pair
}

func TestUserByToken(t *testing.T) {
	fixture := newSeeded(t)
	user, err := fixture.store.UserByToken(context.Background(), "ada-token")
	if err != nil || user.UUID != fixture.ada || user.Email != "ada@acme.test" {
		t.Fatalf("got %+v, %v", user, err)
	}
	if _, err := fixture.store.UserByToken(context.Background(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown token: error %v, want ErrNotFound", err)
	}
}

func TestVisibilityFollowsMembership(t *testing.T) {
	fixture := newSeeded(t)
	ctx := context.Background()
	if _, err := fixture.store.GetApplication(ctx, fixture.ada, fixture.globexApp); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Ada reads Globex's application: error %v", err)
	}
	apps, count, err := fixture.store.ListApplications(ctx, fixture.grace, ApplicationFilter{}, Page{Limit: 10})
	if err != nil || count != 1 || len(apps) != 1 || apps[0].UUID != fixture.globexApp {
		t.Fatalf("Grace lists %+v (%d, %v)", apps, count, err)
	}
	// instr, not LIKE: '%' matches only itself.
	apps, count, err = fixture.store.ListApplications(ctx, fixture.ada, ApplicationFilter{NameSearch: "%"}, Page{Limit: 10})
	if err != nil || count != 1 || apps[0].Name != "100% Acme" {
		t.Fatalf("search for %%: %+v (%d, %v)", apps, count, err)
	}
	repo, err := fixture.store.CreateRepository(ctx, sshRepository(fixture.acmeOrg, generate(t)))
	if err != nil {
		t.Fatal(err)
	}
	if err := fixture.store.DeleteRepository(ctx, fixture.grace, repo.UUID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Grace deletes Ada's repository: error %v, want ErrNotFound", err)
	}
	if _, err := fixture.store.GetRepository(ctx, fixture.grace, repo.UUID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Grace reads Ada's repository: error %v, want ErrNotFound", err)
	}
	if _, _, err := fixture.store.CheckRepository(ctx, fixture.grace, repo.UUID, "main", true); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Grace checks Ada's repository: error %v, want ErrNotFound", err)
	}
	if _, count, err := fixture.store.ListRepositories(ctx, fixture.grace, RepositoryFilter{}, Page{Limit: 10}); err != nil || count != 0 {
		t.Fatalf("Grace lists %d repositories (%v)", count, err)
	}
	if _, err := fixture.store.GetRepository(ctx, fixture.ada, repo.UUID); err != nil {
		t.Fatalf("Ada's repository is gone after Grace's attempts: %v", err)
	}
	if err := fixture.store.DeleteApplication(ctx, fixture.grace, fixture.acmeApp); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Grace deletes Ada's application: error %v, want ErrNotFound", err)
	}
	if _, err := fixture.store.GetOrganisation(ctx, fixture.ada, fixture.globexOrg); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Ada reads Globex: error %v, want ErrNotFound", err)
	}
}

func TestPrivateKeyIsSealedUnderTheRepository(t *testing.T) {
	fixture := newSeeded(t)
	ctx := context.Background()
	pair := generate(t)
	repo, err := fixture.store.CreateRepository(ctx, sshRepository(fixture.acmeOrg, pair))
	if err != nil {
		t.Fatal(err)
	}
	if repo.CreatedAt != testTime || repo.KeyType != sshkey.ED25519 || repo.PublicKey != pair.AuthorizedKey ||
		repo.KeyFingerprint != pair.FingerprintSHA256 || repo.State != "" || repo.Generation != 0 {
		t.Fatalf("created %+v", repo)
	}
	private, err := fixture.store.RepositoryPrivateKey(ctx, repo.UUID)
	if err != nil || !bytes.Equal(private, pair.PrivateKeyPEM) {
		t.Fatalf("RepositoryPrivateKey: %v", err)
	}
	if _, err := fixture.store.RepositoryHTTPSPassword(ctx, repo.UUID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the HTTPS password of an ssh repository: error %v, want ErrNotFound", err)
	}
	// A sealed value moved to another row does not open there.
	other, err := fixture.store.CreateRepository(ctx, sshRepository(fixture.acmeOrg, generate(t)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fixture.store.db.Exec(`UPDATE repositories SET private_key_sealed =
		(SELECT private_key_sealed FROM repositories WHERE uuid = ?) WHERE uuid = ?`, repo.UUID, other.UUID); err != nil {
		t.Fatal(err)
	}
	if _, err := fixture.store.RepositoryPrivateKey(ctx, other.UUID); !errors.Is(err, sealbox.ErrOpen) {
		t.Fatalf("a swapped sealed key opened: error %v", err)
	}
}

func TestIdempotencyRecords(t *testing.T) {
	fixture := newSeeded(t)
	ctx := context.Background()
	record := IdempotencyRecord{UserUUID: fixture.ada, Key: "k", RequestSHA256: "abc", StatusCode: 204, CreatedAt: testTime}
	if err := fixture.store.SaveIdempotencyRecord(ctx, record, testTime.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := fixture.store.IdempotencyRecord(ctx, fixture.ada, "k", testTime)
	if err != nil || got.StatusCode != 204 || got.RequestSHA256 != "abc" || len(got.ResponseBody) != 0 || !got.CreatedAt.Equal(testTime) {
		t.Fatalf("got %+v, %v", got, err)
	}
	if _, err := fixture.store.IdempotencyRecord(ctx, fixture.grace, "k", testTime); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another user's key: error %v, want ErrNotFound", err)
	}
	if _, err := fixture.store.IdempotencyRecord(ctx, fixture.ada, "k", testTime.Add(time.Second)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired record: error %v, want ErrNotFound", err)
	}
	// Saving purges records older than the cut-off.
	later := IdempotencyRecord{UserUUID: fixture.ada, Key: "k2", RequestSHA256: "def", StatusCode: 201, CreatedAt: testTime.Add(48 * time.Hour)}
	if err := fixture.store.SaveIdempotencyRecord(ctx, later, testTime.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	var remaining int
	if err := fixture.store.db.QueryRow(`SELECT count(*) FROM idempotency_records`).Scan(&remaining); err != nil || remaining != 1 {
		t.Fatalf("%d records remain (%v), want 1", remaining, err)
	}
}

func TestSeedEnsuresOnce(t *testing.T) {
	fixture := newSeeded(t)
	ctx := context.Background()
	err := fixture.store.Seed(ctx, func(tx *SeedTx) error {
		user, err := tx.EnsureUser("ADA@acme.test", "Other", "Name") // emails match case-insensitively
		if err != nil || user != fixture.ada {
			t.Errorf("EnsureUser: %s, %v; want %s", user, err, fixture.ada)
		}
		if err := tx.EnsureToken(fixture.grace, "ada-token"); !errors.Is(err, ErrConflict) {
			t.Errorf("EnsureToken with Ada's token for Grace: error %v, want ErrConflict", err)
		}
		if _, err := tx.EnsureApplication(fixture.acmeOrg, "globex-web", "x", fixture.planGroup, fixture.regions[0]); !errors.Is(err, ErrConflict) {
			t.Errorf("EnsureApplication with Globex's slug: error %v, want ErrConflict", err)
		}
		group, err := tx.EnsurePlanGroup("Pro", nil) // exists: its regions stay
		if err != nil || group != fixture.planGroup {
			t.Errorf("EnsurePlanGroup: %s, %v; want %s", group, err, fixture.planGroup)
		}
		first, err1 := tx.EnsureEnvironment(fixture.acmeApp, "test", "main")
		second, err2 := tx.EnsureEnvironment(fixture.acmeApp, "test", "other")
		if err := errors.Join(err1, err2); err != nil || first != second {
			t.Errorf("EnsureEnvironment twice: %s, %s, %v", first, second, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	env, err := fixture.store.GetEnvironment(ctx, fixture.ada, mustListOne(t, fixture).UUID)
	if err != nil || env.Branch != "main" {
		t.Fatalf("environment %+v, %v; want branch main kept", env, err)
	}
}

func mustListOne(t *testing.T, fixture seeded) Environment {
	t.Helper()
	envs, count, err := fixture.store.ListEnvironments(context.Background(), fixture.ada,
		EnvironmentFilter{ApplicationUUID: fixture.acmeApp, Slug: "test"}, Page{Limit: 10})
	if err != nil || count != 1 {
		t.Fatalf("environments: %+v, %d, %v", envs, count, err)
	}
	return envs[0]
}

func TestOpenRejectsQuestionMarkInPath(t *testing.T) {
	if _, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "a?b.db")}); err == nil {
		t.Fatal("opened a path with '?'")
	}
}

// What an administrator took away stays away: seeding never gives back a
// revoked token, nor brings back a removed user (whatever the case of the
// email) or their tokens.
func TestSeedingNeverUndoesARevocation(t *testing.T) {
	fixture := newSeeded(t)
	ctx := context.Background()
	err := fixture.store.Seed(ctx, func(tx *SeedTx) error { return tx.EnsureToken(fixture.grace, "grace-token") })
	if err != nil {
		t.Fatal(err)
	}
	if err := fixture.store.RevokeToken(ctx, "ada-token"); err != nil {
		t.Fatal(err)
	}
	if err := fixture.store.RevokeToken(ctx, "ada-token"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoking again: %v, want ErrNotFound", err)
	}
	if err := fixture.store.RemoveUser(ctx, "grace@globex.test"); err != nil {
		t.Fatal(err)
	}
	err = fixture.store.Seed(ctx, func(tx *SeedTx) error {
		if err := tx.EnsureToken(fixture.ada, "ada-token"); !errors.Is(err, ErrRevoked) {
			t.Errorf("EnsureToken of a revoked token: %v, want ErrRevoked", err)
		}
		if _, err := tx.EnsureUser("Grace@Globex.test", "Grace", "Hopper"); !errors.Is(err, ErrRevoked) {
			t.Errorf("EnsureUser of a removed user: %v, want ErrRevoked", err)
		}
		if err := tx.EnsureToken(fixture.ada, "grace-token"); !errors.Is(err, ErrRevoked) {
			t.Errorf("EnsureToken of a removed user's token: %v, want ErrRevoked", err)
		}
		return tx.EnsureToken(fixture.ada, "ada-new-token")
	})
	if err != nil {
		t.Fatal(err)
	}
	for token, want := range map[string]error{"ada-token": ErrNotFound, "grace-token": ErrNotFound, "ada-new-token": nil} {
		if _, err := fixture.store.UserByToken(ctx, token); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", token, err, want)
		}
	}
}
