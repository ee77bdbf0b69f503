// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package seed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// Apply applies a seed to a store: it creates the objects that are missing
// and leaves existing ones as they are (so changes made through the API
// survive), which makes applying the same seed again a no-op. A user an
// administrator removed, and a token an administrator revoked, are not
// missing: they are never created again (they are listed in
// Result.Skipped).
func Apply(ctx context.Context, st *store.Store, seed Seed) (*Result, error) {
	if err := seed.Validate(); err != nil {
		return nil, fmt.Errorf("controlplane: invalid seed: %w", err)
	}
	result := &Result{
		Regions:       map[string]string{},
		PlanGroups:    map[string]string{},
		AppTemplates:  map[string]string{},
		Organisations: map[string]string{},
		Users:         map[string]string{},
		Applications:  map[string]string{},
		Environments:  map[string]string{},
	}
	err := st.Seed(ctx, func(tx *store.SeedTx) error {
		if err := seedCatalogues(tx, seed, result); err != nil {
			return err
		}
		for _, org := range seed.Organisations {
			if err := seedOrganisation(tx, org, result); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("controlplane: bootstrap: %w", err)
	}
	return result, nil
}

func seedOrganisation(tx *store.SeedTx, org Organisation, result *Result) error {
	orgUUID, err := tx.EnsureOrganisation(org.Name)
	if err != nil {
		return fmt.Errorf("organisation %q: %w", org.Name, err)
	}
	result.Organisations[org.Name] = orgUUID

	for _, user := range org.Users {
		if err := seedUser(tx, orgUUID, user, result); err != nil {
			return fmt.Errorf("user %q: %w", user.Email, err)
		}
	}

	for _, app := range org.Applications {
		name := cmp.Or(app.Name, app.Slug)
		group, region, err := seedPlacement(tx, app)
		if err != nil {
			return fmt.Errorf("application %q: %w", app.Slug, err)
		}
		appUUID, err := tx.EnsureApplication(orgUUID, app.Slug, name, group, region)
		if err != nil {
			return fmt.Errorf("application %q: %w", app.Slug, err)
		}
		result.Applications[app.Slug] = appUUID

		environments := app.Environments
		if environments == nil {
			environments = defaultEnvironments
		}
		for _, env := range environments {
			envUUID, err := tx.EnsureEnvironment(appUUID, env.Slug, cmp.Or(env.Branch, gitops.DefaultBranch))
			if err != nil {
				return fmt.Errorf("environment %s/%s: %w", app.Slug, env.Slug, err)
			}
			result.Environments[app.Slug+"/"+env.Slug] = envUUID
		}
	}
	return nil
}

// seedUser seeds a member of an organisation and their token, unless an
// administrator removed the user or revoked the token.
func seedUser(tx *store.SeedTx, orgUUID string, user User, result *Result) error {
	userUUID, err := tx.EnsureUser(user.Email, user.FirstName, user.LastName)
	if errors.Is(err, store.ErrRevoked) {
		result.Skipped = append(result.Skipped, fmt.Sprintf("user %s (removed)", user.Email))
		return nil
	}
	if err == nil {
		err = tx.EnsureMembership(orgUUID, userUUID)
	}
	if err != nil {
		return err
	}
	result.Users[user.Email] = userUUID
	if user.Token == "" {
		return nil
	}
	err = tx.EnsureToken(userUUID, user.Token)
	if errors.Is(err, store.ErrRevoked) {
		result.Skipped = append(result.Skipped, fmt.Sprintf("a token of %s (revoked)", user.Email))
		return nil
	}
	return err
}

// seedCatalogues seeds the regions, plan groups and app templates (the
// default regions and plan groups when the seed names neither).
func seedCatalogues(tx *store.SeedTx, seed Seed, result *Result) error {
	regions, groups := seed.Regions, seed.PlanGroups
	if len(regions) == 0 && len(groups) == 0 {
		regions, groups = DefaultRegions, DefaultPlanGroups
	}
	for _, region := range regions {
		id, err := tx.EnsureRegion(region.Name)
		if err != nil {
			return fmt.Errorf("region %q: %w", region.Name, err)
		}
		result.Regions[region.Name] = id
	}
	for _, group := range groups {
		var regionUUIDs []string
		for _, name := range group.Regions {
			regionUUIDs = append(regionUUIDs, result.Regions[name])
		}
		id, err := tx.EnsurePlanGroup(group.Name, regionUUIDs)
		if err != nil {
			return fmt.Errorf("plan group %q: %w", group.Name, err)
		}
		result.PlanGroups[group.Name] = id
	}
	for _, template := range seed.AppTemplates {
		id, err := tx.EnsureAppTemplate(template.Name, template.URL)
		if err != nil {
			return fmt.Errorf("app template %q: %w", template.Name, err)
		}
		result.AppTemplates[template.Name] = id
	}
	return nil
}

// seedPlacement returns the plan group and region of a seeded application:
// the ones it names, or the first plan group in the database and that plan
// group's first region.
func seedPlacement(tx *store.SeedTx, app Application) (groupUUID, regionUUID string, err error) {
	group, err := tx.PlanGroupByName(app.PlanGroup)
	if errors.Is(err, store.ErrNotFound) {
		if app.PlanGroup == "" {
			return "", "", errors.New("there is no plan group to put it in")
		}
		return "", "", fmt.Errorf("there is no plan group %q", app.PlanGroup)
	}
	if err != nil {
		return "", "", err
	}
	if app.Region == "" {
		if len(group.RegionUUIDs) == 0 {
			return "", "", fmt.Errorf("the plan group %q offers no region", group.Name)
		}
		return group.UUID, group.RegionUUIDs[0], nil
	}
	region, err := tx.RegionByName(app.Region)
	if errors.Is(err, store.ErrNotFound) {
		return "", "", fmt.Errorf("there is no region %q", app.Region)
	}
	if err != nil {
		return "", "", err
	}
	if !slices.Contains(group.RegionUUIDs, region.UUID) {
		return "", "", fmt.Errorf("the plan group %q does not offer the region %q", group.Name, app.Region)
	}
	return group.UUID, region.UUID, nil
}
