// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"context"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/divio-community/terraform-provider-divio/internal/testinfra/githost"
)

// Names of the catalogue entries every test control plane has (the seed's
// defaults).
const (
	PlanGroupName = "Free"
	RegionName    = "eu-central"
)

// PlanGroupID and RegionID are the UUIDs of the default plan group and region.
func (cp *ControlPlane) PlanGroupID() string { return cp.Seed.PlanGroups[PlanGroupName] }
func (cp *ControlPlane) RegionID() string    { return cp.Seed.Regions[RegionName] }

// CreateRepository creates a repository of OrgName for repo's SSH URL, as
// a user does in the Control Panel, and installs the deploy key Divio
// issued on host with access (as the GitHub provider would).
func (cp *ControlPlane) CreateRepository(t testing.TB, host *githost.Host, repo *githost.Repo, access githost.Access) *divioapi.Repository {
	t.Helper()
	created, err := cp.Client().CreateRepository(context.Background(), divioapi.CreateRepositoryRequest{
		Organisation: cp.OrgID(OrgName), URL: repo.SSHURL(), KeyType: "ED25519",
	})
	if err != nil {
		t.Fatalf("create repository: %v", err)
	}
	if created.AuthInfo == nil {
		t.Fatalf("repository %s has no auth_info", created.UUID)
	}
	if err := host.AuthorizeKey(*created.AuthInfo, access); err != nil {
		t.Fatal(err)
	}
	return created
}

// Verify runs Divio's verification of a repository and fails t unless it passes.
func (cp *ControlPlane) Verify(t testing.TB, id, branch string, migrate bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := cp.Client().VerifyRepository(ctx, id, divioapi.VerifyOptions{Branch: branch, Migrate: migrate}); err != nil {
		t.Fatalf("verify repository %s: %v", id, err)
	}
}

// CreateApplication creates an application of OrgName on repository (""
// for Divio's own Git server), tracking main.
func (cp *ControlPlane) CreateApplication(t testing.TB, slug, repository string) *divioapi.Application {
	t.Helper()
	req := divioapi.CreateApplicationRequest{
		Name: slug, Slug: slug, Organisation: cp.OrgID(OrgName), PlanGroup: cp.PlanGroupID(), Region: cp.RegionID(),
	}
	if repository != "" {
		branch := "main"
		req.Repository, req.Branch = &repository, &branch
	}
	app, err := cp.Client().CreateApplication(context.Background(), req)
	if err != nil {
		t.Fatalf("create application %s: %v", slug, err)
	}
	return app
}

// ApplicationOnRepository is the usual set-up of the extension tests: a
// repository for repo, verified, and a new application on it.
func (cp *ControlPlane) ApplicationOnRepository(t testing.TB, host *githost.Host, repo *githost.Repo, slug string) *divioapi.Application {
	t.Helper()
	created := cp.CreateRepository(t, host, repo, githost.ReadWrite)
	cp.Verify(t, created.UUID, "main", false)
	return cp.CreateApplication(t, slug, created.UUID)
}
