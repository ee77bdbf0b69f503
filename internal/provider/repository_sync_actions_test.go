package provider_test

import (
	"context"
	"strings"
	"testing"

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
		typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"application": tftypes.String}}
		config, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, map[string]tftypes.Value{"application": tftypes.NewValue(tftypes.String, app)}))
		if err != nil {
			t.Fatal(err)
		}
		stream, err := server.InvokeAction(ctx, &tfprotov6.InvokeActionRequest{ActionType: actionType, Config: &config})
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

func diagText(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary + ": " + d.Detail + "\n")
	}
	return b.String()
}
