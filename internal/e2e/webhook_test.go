// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package e2e

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/hooksender"
)

// binding is an application bound to a repository on the test Git host,
// with a webhook.
type binding struct {
	client *divioapi.Client
	app    string
	repo   *githost.Repo
	hook   *divioapi.Webhook
}

func bindWithWebhook(t testing.TB, client *divioapi.Client, host *githost.Host, app, name, hookType string) *binding {
	t.Helper()
	ctx := context.Background()
	application, err := client.GetApplication(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	repo := acctest.NewRepo(t, host, name, map[string]map[string]string{"main": {"README": "x\n"}, "develop": {"README": "x\n"}})
	created, err := client.CreateRepository(ctx, divioapi.CreateRepositoryRequest{Organisation: application.Organisation, URL: repo.SSHURL(), KeyType: "ED25519"})
	if err != nil {
		t.Fatal(err)
	}
	if err := host.AuthorizeKey(*created.AuthInfo, githost.ReadWrite); err != nil {
		t.Fatal(err)
	}
	if _, err := client.VerifyRepository(ctx, created.UUID, divioapi.VerifyOptions{Branch: "main", Migrate: true}); err != nil {
		t.Fatalf("verify %s: %v", name, err)
	}
	// The seeded application moves to the repository ("Migrate to external repository").
	if _, err := client.MigrateApplicationRepository(ctx, app, divioapi.MigrateRepositoryRequest{Repository: created.UUID, Branch: "main"}); err != nil {
		t.Fatal(err)
	}
	hook, err := client.CreateWebhook(ctx, divioapi.CreateWebhookRequest{Application: app, Type: hookType})
	if err != nil {
		t.Fatal(err)
	}
	return &binding{client: client, app: app, repo: repo, hook: hook}
}

func (b *binding) secret() string {
	if b.hook.Secret == nil {
		return ""
	}
	return *b.hook.Secret
}

// push commits to branch with real git and returns the new head.
func (b *binding) push(t testing.TB, branch string) string {
	t.Helper()
	head, err := b.repo.Commit(context.Background(), branch, map[string]string{"app.py": time.Now().String()}, "change")
	if err != nil {
		t.Fatal(err)
	}
	return head
}

func (b *binding) delivery(t testing.TB, branch, head string) *hooksender.Delivery {
	t.Helper()
	d, err := hooksender.New(b.hook.Type, b.hook.URL, b.secret(), hooksender.Push{Branch: branch, After: head, Repo: "acme/" + b.repo.Name})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func send(t testing.TB, d *hooksender.Delivery, wantStatus int, wantResult string) {
	t.Helper()
	resp, err := d.Send(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != wantStatus || !strings.Contains(resp.Body, wantResult) {
		t.Fatalf("delivery answered %d %s, want %d with %q", resp.Status, resp.Body, wantStatus, wantResult)
	}
}

func (b *binding) status(t testing.TB) *divioapi.SyncStatus {
	t.Helper()
	s, err := b.client.GetSyncStatus(context.Background(), b.app)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func waitIdle(t testing.TB, cp *acctest.ControlPlane) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := cp.Server.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

func head(s *divioapi.SyncStatus) string {
	if s.PlatformHead == nil {
		return ""
	}
	return *s.PlatformHead
}

// Each host's push delivery makes the platform pull the pushed commit.
func TestWebhookDeliveriesPullForEachHost(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	host := acctest.StartGitHost(t)
	other, err := divioapi.New(divioapi.Config{BaseURL: cp.URL, Token: cp.OtherToken, RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	bindings := map[string]*binding{
		"github":    bindWithWebhook(t, cp.Client(), host, cp.AppID(acctest.AppSlug), "gh", "github"),
		"gitlab":    bindWithWebhook(t, cp.Client(), host, cp.AppID(acctest.SecondAppSlug), "gl", "gitlab"),
		"bitbucket": bindWithWebhook(t, other, host, cp.AppID(acctest.OtherOrgAppSlug), "bb", "bitbucket"),
	}
	if bindings["bitbucket"].hook.Secret != nil {
		t.Errorf("a Bitbucket webhook got a secret: Bitbucket does not send it")
	}
	for typ, b := range bindings {
		t.Run(typ, func(t *testing.T) {
			pushed := b.push(t, "main")
			send(t, b.delivery(t, "main", pushed), 202, "accepted")
			waitIdle(t, cp)
			status := b.status(t)
			if head(status) != pushed || !status.InSync || status.LastDeliveryResult == nil || *status.LastDeliveryResult != "accepted" {
				t.Fatalf("after the delivery: %+v, want platform head %s in sync", status, pushed)
			}
		})
	}
}

// Deliveries that must not pull: forged, other events, other branches,
// replays, oversize bodies.
func TestWebhookDeliveriesThatMustNotPull(t *testing.T) {
	cp := acctest.StartControlPlane(t)
	host := acctest.StartGitHost(t)
	b := bindWithWebhook(t, cp.Client(), host, cp.AppID(acctest.AppSlug), "site", "github")
	before := head(b.status(t))
	pushed := b.push(t, "main")

	forged := b.delivery(t, "main", pushed)
	forged.Secret = "guessed-secret-guessed-secret"
	forged.Sign()
	send(t, forged, 401, "rejected")

	unsigned := b.delivery(t, "main", pushed)
	unsigned.Header.Del("X-Hub-Signature-256")
	send(t, unsigned, 401, "rejected")

	tampered := b.delivery(t, "main", pushed)
	tampered.Body = []byte(strings.Replace(string(tampered.Body), pushed, strings.Repeat("0", 40), 1))
	send(t, tampered, 401, "rejected")

	otherEvent := b.delivery(t, "main", pushed)
	otherEvent.Header.Set("X-GitHub-Event", "issues")
	send(t, otherEvent, 202, "ignored")

	ping := b.delivery(t, "main", pushed)
	ping.Header.Set("X-GitHub-Event", "ping")
	send(t, ping, 200, "pong")

	otherBranch := b.delivery(t, "develop", b.push(t, "develop"))
	send(t, otherBranch, 202, "ignored")

	oversize := b.delivery(t, "main", pushed)
	oversize.Body = append(oversize.Body[:len(oversize.Body)-1], []byte(`,"padding":"`+strings.Repeat("x", 2<<20)+`"}`)...)
	oversize.Sign()
	send(t, oversize, 413, "")

	wrongType := b.delivery(t, "main", pushed)
	wrongType.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	send(t, wrongType, 415, "")

	waitIdle(t, cp)
	if got := head(b.status(t)); got != before {
		t.Fatalf("a delivery that should not pull moved the platform head from %s to %s", before, got)
	}

	// The real delivery pulls once; its replay is answered but pulls nothing.
	genuine := b.delivery(t, "main", pushed)
	send(t, genuine, 202, "accepted")
	waitIdle(t, cp)
	first := b.status(t)
	if head(first) != pushed {
		t.Fatalf("the valid delivery did not pull: %+v", first)
	}
	send(t, genuine, 200, "duplicate")
	waitIdle(t, cp)
	if again := b.status(t); again.LastSyncAt == nil || !again.LastSyncAt.Equal(*first.LastSyncAt) {
		t.Fatalf("a replayed delivery pulled again: last sync %v then %v", first.LastSyncAt, again.LastSyncAt)
	}
}

// BenchmarkWebhookToSyncStatus measures, on loopback, the time from a
// delivery being accepted to the sync status showing the pushed commit.
// Run with -benchtime=100x for the p50/p95 over 100 pushes.
func BenchmarkWebhookToSyncStatus(b *testing.B) {
	cp := acctest.StartControlPlane(b)
	host := acctest.StartGitHost(b)
	bound := bindWithWebhook(b, cp.Client(), host, cp.AppID(acctest.AppSlug), "site", "github")
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		pushed := bound.push(b, "main")
		d := bound.delivery(b, "main", pushed)
		b.StartTimer()
		send(b, d, 202, "accepted")
		accepted := time.Now()
		for head(bound.status(b)) != pushed {
			if time.Since(accepted) > 30*time.Second {
				b.Fatalf("push %d: sync status never showed %s", i, pushed)
			}
			time.Sleep(2 * time.Millisecond)
		}
		latencies = append(latencies, time.Since(accepted))
	}
	b.StopTimer()
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[(len(latencies)*95)/100].Microseconds())/1000, "p95-ms")
}
