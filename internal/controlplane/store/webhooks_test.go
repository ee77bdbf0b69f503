// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// bound is a verified repository that Acme's application uses, following main.
func bound(t *testing.T, fixture seeded) Repository {
	t.Helper()
	repo := verified(t, fixture)
	if _, err := fixture.store.MigrateApplicationRepository(context.Background(), fixture.ada, fixture.acmeApp, repo.UUID, "main", allow); err != nil {
		t.Fatal(err)
	}
	return repo
}

func TestWebhookSecretsAreSealedAtRest(t *testing.T) {
	fixture := newSeeded(t)
	ctx := context.Background()
	repo := bound(t, fixture)
	const secret, token = "plain-secret-0123456789abcdef", "plain-token-Zm9vYmFyYmF6cXV4"
	hook, err := fixture.store.CreateWebhook(ctx, NewWebhook{ApplicationUUID: fixture.acmeApp,
		Type: WebhookGitHub, Secret: secret, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	if hook.Secret != secret || hook.Token != token || hook.OrganisationUUID != fixture.acmeOrg || hook.RepositoryUUID != repo.UUID ||
		!hook.RotatedAt.Equal(hook.CreatedAt) {
		t.Fatalf("created %+v", hook)
	}
	if _, err := fixture.store.CreateWebhook(ctx, NewWebhook{ApplicationUUID: fixture.acmeApp,
		Type: WebhookBitbucket, Token: "another-token"}); !errors.Is(err, ErrConflict) {
		t.Fatalf("second webhook: error %v, want ErrConflict", err)
	}
	byToken, err := fixture.store.WebhookByToken(ctx, token)
	if err != nil || byToken.UUID != hook.UUID {
		t.Fatalf("by token: %+v, %v", byToken, err)
	}
	if _, err := fixture.store.GetWebhook(ctx, fixture.grace, hook.UUID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Grace reads Ada's webhook: error %v", err)
	}
	if _, err := fixture.store.RotateWebhook(ctx, fixture.grace, hook.UUID, "x", false, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Grace rotates Ada's webhook: error %v", err)
	}
	if err := fixture.store.DeleteWebhook(ctx, fixture.grace, hook.UUID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Grace deletes Ada's webhook: error %v", err)
	}
	fixture.store.Close()
	for _, suffix := range []string{"", "-wal"} {
		content, err := os.ReadFile(fixture.path + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(content, []byte(secret)) || bytes.Contains(content, []byte(token)) {
			t.Errorf("the database file%s holds the secret or token in plain text", suffix)
		}
	}
}

func TestRecordDeliveryOncePerID(t *testing.T) {
	fixture := newSeeded(t)
	ctx := context.Background()
	repo := bound(t, fixture)
	hook, err := fixture.store.CreateWebhook(ctx, NewWebhook{ApplicationUUID: fixture.acmeApp,
		Type: WebhookBitbucket, Token: "token"})
	if err != nil {
		t.Fatal(err)
	}
	const head = "c4b2b7914156a878aa7c9da452a09fb50c2091b2"
	delivery := Delivery{WebhookUUID: hook.UUID, RepositoryUUID: repo.UUID, ID: "d1", Result: DeliveryAccepted, PushedHead: head, ReceivedAt: testTime}
	var wg sync.WaitGroup
	var mu sync.Mutex
	recorded := 0
	for range 10 {
		wg.Go(func() {
			duplicate, err := fixture.store.RecordDelivery(ctx, delivery)
			if err != nil {
				t.Error(err)
				return
			}
			if !duplicate {
				mu.Lock()
				recorded++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if recorded != 1 {
		t.Fatalf("%d of 10 deliveries with one id recorded, want 1", recorded)
	}
	state, err := fixture.store.SyncState(ctx, repo.UUID)
	// The payload's head is not the origin head: only a sync sets that.
	if err != nil || state.OriginHead == head || state.SyncRequested != 1 {
		t.Fatalf("sync state %+v, %v", state, err)
	}
	pending, err := fixture.store.PendingSyncs(ctx)
	if err != nil || len(pending) != 1 || pending[0] != repo.UUID {
		t.Fatalf("pending syncs %v, %v", pending, err)
	}
	err = fixture.store.FinishSync(ctx, repo.UUID, SyncOutcome{Branch: "main", DSN: repo.DSN, Result: gitops.CodeSuccess,
		OriginHead: head, PlatformHead: head, At: testTime.Add(time.Minute), Served: state.SyncRequested})
	if err != nil {
		t.Fatal(err)
	}
	if pending, err := fixture.store.PendingSyncs(ctx); err != nil || len(pending) != 0 {
		t.Fatalf("pending syncs after the sync %v, %v", pending, err)
	}
	hook, err = fixture.store.GetWebhook(ctx, fixture.ada, hook.UUID)
	if err != nil || hook.LastDeliveryResult != DeliveryDuplicate || hook.Secret != "" {
		t.Fatalf("webhook %+v, %v", hook, err)
	}
	// Delivery ids are forgotten after the retention period.
	delivery.ReceivedAt = testTime.Add(deliveryRetention + time.Hour)
	delivery.ID = "d2"
	if _, err := fixture.store.RecordDelivery(ctx, delivery); err != nil {
		t.Fatal(err)
	}
	var count int
	if err := fixture.store.db.QueryRow(`SELECT count(*) FROM webhook_deliveries`).Scan(&count); err != nil || count != 1 {
		t.Fatalf("%d deliveries kept, want 1 (%v)", count, err)
	}
}
