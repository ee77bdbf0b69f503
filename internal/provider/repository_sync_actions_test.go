// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
)

// OpenTofu cannot run actions, so the actions are invoked through the
// provider's protocol server, as Terraform 1.14 would, against the real
// control plane and a real Git host.
func TestAccRepositoryActions_updateAndResetToOrigin(t *testing.T) {
	ctx := context.Background()
	cp := acctest.StartControlPlane(t)
	host := acctest.StartGitHost(t)
	app, site := bind(t, cp, host)
	server, ok := configuredProviderServer(t, cp).(tfprotov6.ActionServer)
	if !ok {
		t.Fatal("the provider server does not serve actions")
	}

	invoke := func(actionType string) (progress []string, diags []*tfprotov6.Diagnostic) {
		t.Helper()
		return invokeAction(t, server, actionType, app, "")
	}

	// A new commit without a webhook: Update pulls it.
	head, err := site.Commit(ctx, "main", map[string]string{"app.py": "v2\n"}, "v2")
	if err != nil {
		t.Fatal(err)
	}
	progress, diags := invoke("divio_repository_update")
	if len(diags) != 0 || len(progress) != 1 || !strings.Contains(progress[0], "platform head "+head) {
		t.Fatalf("update: progress %v, diagnostics %v", progress, diagText(diags))
	}

	// History rewritten at origin: Update refuses, Reset to origin follows it.
	rewritten, err := site.ForcePush(ctx, "main", map[string]string{"README": "rewritten\n"}, "rewrite")
	if err != nil {
		t.Fatal(err)
	}
	if _, diags := invoke("divio_repository_update"); !strings.Contains(diagText(diags), "history_rewritten") &&
		!strings.Contains(strings.ToLower(diagText(diags)), "reset to origin") {
		t.Fatalf("update after a force-push: want a history-rewritten error, got %q", diagText(diags))
	}
	if status := syncStatus(t, cp, app); status.PlatformHead == nil || *status.PlatformHead != head {
		t.Fatalf("a refused update moved the platform head: %+v", status)
	}
	progress, diags = invoke("divio_repository_reset_to_origin")
	if len(diags) != 0 || !strings.Contains(strings.Join(progress, " "), "platform head "+rewritten) {
		t.Fatalf("reset: progress %v, diagnostics %v", progress, diagText(diags))
	}
	status := syncStatus(t, cp, app)
	if !status.InSync || status.HistoryRewrittenAt == nil {
		t.Fatalf("after reset to origin: %+v", status)
	}
}

// actionConfigType is the type of both actions' config.
var actionConfigType = tftypes.Object{AttributeTypes: map[string]tftypes.Type{
	"application": tftypes.String,
	"timeouts":    tftypes.Object{AttributeTypes: map[string]tftypes.Type{"invoke": tftypes.String}},
}}

// invokeAction invokes an action through the protocol server, as Terraform
// 1.14 does, with timeouts.invoke set to invokeTimeout ("": no timeouts
// block), and returns its progress messages and diagnostics.
func invokeAction(t *testing.T, server tfprotov6.ActionServer, actionType, application, invokeTimeout string) (progress []string, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	timeoutsType := actionConfigType.AttributeTypes["timeouts"]
	timeouts := tftypes.NewValue(timeoutsType, nil)
	if invokeTimeout != "" {
		timeouts = tftypes.NewValue(timeoutsType, map[string]tftypes.Value{"invoke": tftypes.NewValue(tftypes.String, invokeTimeout)})
	}
	config, err := tfprotov6.NewDynamicValue(actionConfigType, tftypes.NewValue(actionConfigType, map[string]tftypes.Value{
		"application": tftypes.NewValue(tftypes.String, application), "timeouts": timeouts,
	}))
	if err != nil {
		t.Fatal(err)
	}
	stream, err := server.InvokeAction(context.Background(), &tfprotov6.InvokeActionRequest{ActionType: actionType, Config: &config})
	if err != nil {
		t.Fatal(err)
	}
	for event := range stream.Events {
		switch e := event.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			progress = append(progress, e.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			diags = append(diags, e.Diagnostics...)
		}
	}
	return progress, diags
}

// hangingAPI is a Divio API that never answers: every request waits until
// its client gives up. It counts the requests it got.
func hangingAPI(t *testing.T) (*acctest.ControlPlane, *atomic.Int64) {
	t.Helper()
	var requests atomic.Int64
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		t.Logf("hanging on %s %s", r.Method, r.URL.Path)
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(done) })
	return &acctest.ControlPlane{URL: srv.URL, Token: "a-token-for-a-server-that-never-answers"}, &requests
}

// The actions' timeouts.invoke bounds their call: against an API that
// never answers, each fails with "Action did not finish" once it ends.
func TestUnitRepositoryActions_invokeTimeout(t *testing.T) {
	cp, requests := hangingAPI(t)
	server, ok := configuredProviderServer(t, cp).(tfprotov6.ActionServer)
	if !ok {
		t.Fatal("the provider server does not serve actions")
	}
	for _, actionType := range []string{"divio_repository_update", "divio_repository_reset_to_origin"} {
		t.Run(actionType, func(t *testing.T) {
			before := requests.Load()
			started := time.Now()
			progress, diags := invokeAction(t, server, actionType, "5b0f0c55-7c1e-4c0e-9a55-1c3a3b4a0b7d", "1s")
			elapsed := time.Since(started)
			text := diagText(diags)
			if len(progress) != 0 || !strings.Contains(text, "Action did not finish") ||
				!strings.Contains(text, "invoke timeout (1s)") || !strings.Contains(text, "timeouts.invoke") {
				t.Fatalf("progress %v, diagnostics %q", progress, text)
			}
			if elapsed < time.Second || elapsed > 15*time.Second {
				t.Fatalf("the action ended after %s, want about the 1s timeout", elapsed)
			}
			if requests.Load() == before {
				t.Fatal("the action sent no request")
			}
		})
	}
	// A malformed timeout is an error before any request.
	before := requests.Load()
	if _, diags := invokeAction(t, server, "divio_repository_update", "5b0f0c55-7c1e-4c0e-9a55-1c3a3b4a0b7d", "soon"); len(diags) == 0 {
		t.Fatal("timeouts.invoke = \"soon\" was accepted")
	}
	if requests.Load() != before {
		t.Fatal("a malformed timeout sent a request")
	}
}

func diagText(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary + ": " + d.Detail + "\n")
	}
	return b.String()
}
