// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane"
)

// An apply of 50 resources against a server that answers 30% of requests
// with 429 or 503 (Retry-After: 1) and drops 10% of its answers after it
// acted converges: every resource is created once, and the plan after it
// is empty.
func TestAccFaults_applyConverges(t *testing.T) {
	const resources = 50
	faults := &controlplane.Faults{TooManyRequests: 0.15, Unavailable: 0.15, Dropped: 0.10, RetryAfter: 1}
	cp := acctest.StartControlPlaneWith(t, acctest.Options{Faults: faults})
	w := acctest.NewWorkdir(t)
	w.Write("provider.tf", cp.ProviderBlock())
	w.Write("main.tf", fmt.Sprintf(`
resource "divio_repository" "site" {
  for_each     = toset([for i in range(%d) : tostring(i)])
  organisation = %q
  url          = "git@github.com:acme/site-${each.key}.git"
}
`, resources, cp.OrgID(acctest.OrgName)))
	started := time.Now()
	w.Must("apply", "-auto-approve", "-no-color", "-parallelism=10")
	applied := time.Since(started)
	expectEmptyPlan(t, w)

	faults.Off.Store(true)
	repos, err := cp.Client().ListRepositories(context.Background(), cp.OrgID(acctest.OrgName))
	if err != nil {
		t.Fatal(err)
	}
	urls := map[string]bool{}
	for _, r := range repos {
		urls[r.URL] = true
	}
	injected := len(acctest.Faulted(cp.Requests.Since(0)))
	t.Logf("apply of %d resources under faults: %v, %d requests, %d answered with an injected 429/503", resources, applied.Round(time.Second),
		len(cp.Requests.Since(0)), injected)
	if len(repos) != resources || len(urls) != resources {
		t.Fatalf("%d repositories stored (%d distinct URLs) for %d resources", len(repos), len(urls), resources)
	}
	if injected == 0 {
		t.Fatal("no fault was injected: the test proves nothing")
	}
}
