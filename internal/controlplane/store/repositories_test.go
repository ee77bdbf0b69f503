package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func sshSettings(deployKey string) RepositorySettings {
	return RepositorySettings{
		URL: "ssh://git@git.example.com/a.git", DSN: "ssh://git@git.example.com/a.git", Branch: "main",
		AuthType: AuthSSH, DeployKeyUUID: deployKey, WriteAccess: true,
	}
}

func TestCreateRepositoryOncePerApplication(t *testing.T) {
	fixture := newSeeded(t)
	ctx := context.Background()
	repo, err := fixture.store.CreateRepository(ctx, NewRepository{ApplicationUUID: fixture.acmeApp, NewDeployKey: generate(t), Settings: sshSettings("")})
	if err != nil {
		t.Fatal(err)
	}
	if repo.State != StateCloning || repo.Generation != 1 || repo.DeployKeyUUID == "" || repo.DeployKeyPublicKey == "" ||
		repo.OrganisationUUID != fixture.acmeOrg || !repo.CreatedAt.Equal(testTime) {
		t.Fatalf("created %+v", repo)
	}
	app, err := fixture.store.GetApplication(ctx, fixture.ada, fixture.acmeApp)
	if err != nil || app.RepositoryUUID == nil || *app.RepositoryUUID != repo.UUID {
		t.Fatalf("application %+v, %v", app, err)
	}

	// A second binding fails as a whole: its new deploy key is not kept either.
	_, err = fixture.store.CreateRepository(ctx, NewRepository{ApplicationUUID: fixture.acmeApp, NewDeployKey: generate(t), Settings: sshSettings("")})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("second binding: error %v, want ErrConflict", err)
	}
	if _, count, _ := fixture.store.ListDeployKeys(ctx, fixture.ada, DeployKeyFilter{}, Page{Limit: 10}); count != 1 {
		t.Fatalf("%d deploy keys, want 1", count)
	}

	// A deploy key that is gone.
	_, err = fixture.store.CreateRepository(ctx, NewRepository{ApplicationUUID: fixture.globexApp, Settings: sshSettings("00000000-0000-0000-0000-000000000000")})
	if !errors.Is(err, ErrMissingReference) {
		t.Fatalf("missing deploy key: error %v, want ErrMissingReference", err)
	}

	// Visibility follows membership.
	if _, err := fixture.store.GetRepository(ctx, fixture.grace, repo.UUID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Grace reads Ada's binding: error %v", err)
	}
	_, err = fixture.store.UpdateRepository(ctx, fixture.grace, repo.UUID, func(current Repository) (RepositorySettings, error) {
		t.Fatal("change called for another organisation's binding")
		return current.Settings(), nil
	})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Grace updates Ada's binding: error %v", err)
	}
	if err := fixture.store.DeleteDeployKey(ctx, fixture.ada, repo.DeployKeyUUID); !errors.Is(err, ErrInUse) {
		t.Fatalf("deleting the binding's key: error %v, want ErrInUse", err)
	}
}

func TestRepositoryChecksByGeneration(t *testing.T) {
	fixture := newSeeded(t)
	ctx := context.Background()
	repo, err := fixture.store.CreateRepository(ctx, NewRepository{ApplicationUUID: fixture.acmeApp, NewDeployKey: generate(t), Settings: sshSettings("")})
	if err != nil {
		t.Fatal(err)
	}
	success := CheckOutcome{Success: true, Commit: "c1", HostKey: "ssh-ed25519 AAAA1", HostKeyFingerprint: "SHA256:1", CheckedAt: testTime, Duration: 1500 * time.Millisecond}
	if applied, err := fixture.store.FinishRepositoryCheck(ctx, repo.UUID, 1, success); err != nil || !applied {
		t.Fatalf("first outcome: %v, %v", applied, err)
	}
	// Applying twice does nothing: the binding is no longer CLONING.
	if applied, err := fixture.store.FinishRepositoryCheck(ctx, repo.UUID, 1, success); err != nil || applied {
		t.Fatalf("same outcome again: %v, %v", applied, err)
	}
	repo, err = fixture.store.UpdateRepository(ctx, fixture.ada, repo.UUID, func(current Repository) (RepositorySettings, error) {
		return current.Settings(), nil
	})
	if err != nil || repo.Generation != 2 || repo.State != StateCloning || repo.HostKey != "ssh-ed25519 AAAA1" || !repo.EverCloned {
		t.Fatalf("after an update: %+v, %v", repo, err)
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
	repo, _ = fixture.store.UpdateRepository(ctx, fixture.ada, repo.UUID, func(current Repository) (RepositorySettings, error) {
		return current.Settings(), nil
	})
	failure := CheckOutcome{Code: "auth_failed", Message: "no", CheckedAt: testTime.Add(time.Hour), Duration: time.Second}
	if applied, err := fixture.store.FinishRepositoryCheck(ctx, repo.UUID, 3, failure); err != nil || !applied {
		t.Fatalf("failure: %v, %v", applied, err)
	}
	repo, _ = fixture.store.LoadRepository(ctx, repo.UUID)
	if repo.State != StateInvalid || repo.ErrorCode != "auth_failed" || repo.HostKey == "" || repo.LastCommit != "c2" ||
		repo.CheckDuration != time.Second || !repo.CheckedAt.Equal(testTime.Add(time.Hour)) {
		t.Fatalf("after a failure: %+v", repo)
	}
	pending, err := fixture.store.PendingRepositoryChecks(ctx)
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending %v, %v", pending, err)
	}
}
