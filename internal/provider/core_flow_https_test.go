// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider_test

import (
	"strings"
	"testing"

	"github.com/divio-community/terraform-provider-divio/internal/acctest"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

// The core flow with an HTTPS URL (a self-hosted Git server) against a
// server with Divio's public API only, on the real CLI and a real HTTPS Git
// host (git http-backend behind TLS): the repository gets a username and a
// write-only token, the verification clones and pushes over HTTPS with them,
// the application is created on it and the plan is then empty. The token is
// not in the state.
func TestAccCoreFlow_httpsGitHost(t *testing.T) {
	host := acctest.StartHTTPSGitHost(t)
	cp := acctest.StartControlPlaneWith(t, acctest.Options{PublicOnly: true, RootCAs: host.CertPool()})
	site := acctest.NewHTTPSRepo(t, host, "site", map[string]map[string]string{"main": readmeOnly})
	const token = "glpat-acceptance-token-4d7c1f"
	if err := host.AddToken("deploy", token, githost.ReadWrite); err != nil {
		t.Fatal(err)
	}
	w := acctest.NewWorkdir(t)
	w.Write("provider.tf", cp.ProviderBlock())
	https := `url          = "` + site.HTTPSURL() + `"
  https {
    username            = "deploy"
    password_wo         = "` + token + `"
    password_wo_version = 1
  }`
	w.Write("main.tf", strings.Replace(coreFlowConfig(site.HTTPSURL(), true), `url          = "`+site.HTTPSURL()+`"`, https, 1))
	w.Must("apply", "-auto-approve", "-no-color")
	expectEmptyPlan(t, w)

	if state := w.StateValues("divio_repository_verification.site"); str(state, "state") != "CLONED" {
		t.Errorf("verification state %q, want CLONED", str(state, "state"))
	}
	if r := w.Must("show", "-json", "-no-color"); strings.Contains(r.Stdout, token) {
		t.Error("the token is in the state")
	}
}
