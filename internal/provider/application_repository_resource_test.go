// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// applicationRepositoryType is the type of divio_application_repository's
// state.
var applicationRepositoryType = tftypes.Object{AttributeTypes: map[string]tftypes.Type{
	"application": tftypes.String,
	"repository":  tftypes.String,
	"branch":      tftypes.String,
	"migrate":     tftypes.Bool,
	"timeouts":    tftypes.Object{AttributeTypes: map[string]tftypes.Type{"create": tftypes.String, "update": tftypes.String}},
}}

// applicationRepositoryValue is a divio_application_repository object on
// repository, with the timeouts create and update ("": unset; both "": no
// timeouts block).
func applicationRepositoryValue(t *testing.T, repository, create, update string) *tfprotov6.DynamicValue {
	t.Helper()
	timeoutsType := applicationRepositoryType.AttributeTypes["timeouts"]
	timeouts := tftypes.NewValue(timeoutsType, nil)
	if create != "" || update != "" {
		value := func(s string) tftypes.Value {
			if s == "" {
				return tftypes.NewValue(tftypes.String, nil)
			}
			return tftypes.NewValue(tftypes.String, s)
		}
		timeouts = tftypes.NewValue(timeoutsType, map[string]tftypes.Value{"create": value(create), "update": value(update)})
	}
	v, err := tfprotov6.NewDynamicValue(applicationRepositoryType, tftypes.NewValue(applicationRepositoryType, map[string]tftypes.Value{
		"application": tftypes.NewValue(tftypes.String, "9c2f5d1a-6b7e-4f3a-8c1d-0e2b4a6c8d9f"),
		"repository":  tftypes.NewValue(tftypes.String, repository),
		"branch":      tftypes.NewValue(tftypes.String, "main"),
		"migrate":     tftypes.NewValue(tftypes.Bool, true),
		"timeouts":    timeouts,
	}))
	if err != nil {
		t.Fatal(err)
	}
	return &v
}

// The timeouts of divio_application_repository bound its create and its
// update (the verification and the migration): against an API that never
// answers, each fails once its timeout ends, naming it. A change of the
// timeouts alone sends nothing.
func TestUnitApplicationRepository_timeouts(t *testing.T) {
	const (
		repository      = "4a3b8f2e-0c4d-4c55-9d7f-2b1f0c9e8a11"
		otherRepository = "7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	)
	cp, requests := hangingAPI(t)
	server := configuredProviderServer(t, cp)
	apply := func(prior, planned *tfprotov6.DynamicValue) (time.Duration, string) {
		t.Helper()
		if prior == nil {
			null, err := tfprotov6.NewDynamicValue(applicationRepositoryType, tftypes.NewValue(applicationRepositoryType, nil))
			if err != nil {
				t.Fatal(err)
			}
			prior = &null
		}
		started := time.Now()
		resp, err := server.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
			TypeName: "divio_application_repository", PriorState: prior, PlannedState: planned, Config: planned,
		})
		if err != nil {
			t.Fatal(err)
		}
		return time.Since(started), diagText(resp.Diagnostics)
	}

	t.Run("create", func(t *testing.T) {
		elapsed, diags := apply(nil, applicationRepositoryValue(t, repository, "1s", ""))
		if !strings.Contains(diags, "Repository verification did not finish") || !strings.Contains(diags, "create timeout (1s)") {
			t.Fatalf("diagnostics %q", diags)
		}
		if elapsed < time.Second || elapsed > 15*time.Second {
			t.Fatalf("create ended after %s, want about the 1s timeout", elapsed)
		}
	})

	t.Run("update", func(t *testing.T) {
		prior := applicationRepositoryValue(t, repository, "", "")
		elapsed, diags := apply(prior, applicationRepositoryValue(t, otherRepository, "", "1s"))
		if !strings.Contains(diags, "Repository verification did not finish") || !strings.Contains(diags, "update timeout (1s)") ||
			!strings.Contains(diags, "timeouts.update") {
			t.Fatalf("diagnostics %q", diags)
		}
		if elapsed < time.Second || elapsed > 15*time.Second {
			t.Fatalf("update ended after %s, want about the 1s timeout", elapsed)
		}
	})

	t.Run("timeouts alone", func(t *testing.T) {
		before := requests.Load()
		_, diags := apply(applicationRepositoryValue(t, repository, "", ""), applicationRepositoryValue(t, repository, "20m", "20m"))
		if diags != "" {
			t.Fatalf("diagnostics %q", diags)
		}
		if requests.Load() != before {
			t.Fatal("a change of timeouts alone sent a request")
		}
	})
}
