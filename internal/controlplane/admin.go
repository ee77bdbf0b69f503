// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

// Seeding and administration: what the binary's bootstrap, revoke-token
// and remove-user commands (and serve --bootstrap) do. Seeds themselves
// are package seed's.

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/seed"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

// The seed's types (see package seed).
type (
	// Seed is the content of a seed (bootstrap) file.
	Seed = seed.Seed
	// SeedRegion is a region applications run in.
	SeedRegion = seed.Region
	// SeedPlanGroup is an application plan group and the regions it offers.
	SeedPlanGroup = seed.PlanGroup
	// SeedAppTemplate is an application template.
	SeedAppTemplate = seed.AppTemplate
	// SeedOrganisation is an organisation with its members and applications.
	SeedOrganisation = seed.Organisation
	// SeedUser is a member of an organisation, with an API token of theirs.
	SeedUser = seed.User
	// SeedApplication is an application on Divio's own Git server.
	SeedApplication = seed.Application
	// SeedEnvironment is an environment of a seeded application.
	SeedEnvironment = seed.Environment
	// BootstrapResult names the UUIDs of the seeded objects.
	BootstrapResult = seed.Result
)

// The catalogues seeded when a seed names neither regions nor plan groups.
var (
	DefaultRegions    = seed.DefaultRegions
	DefaultPlanGroups = seed.DefaultPlanGroups
)

// LoadSeedFile reads and validates a seed file. Unknown fields are errors,
// so that a misspelt field does not silently seed less than intended.
func LoadSeedFile(path string) (Seed, error) { return seed.Load(path) }

// Bootstrap applies a seed: it creates the objects that are missing and
// leaves existing ones as they are (so changes made through the API
// survive), which makes applying the same seed again a no-op. A token
// revoked and a user removed (RevokeToken, RemoveUser) are never created
// again.
func (s *Server) Bootstrap(ctx context.Context, sd Seed) (*BootstrapResult, error) {
	result, err := seed.Apply(ctx, s.store, sd)
	if err != nil {
		return nil, err
	}
	s.logger.Info("bootstrap applied", "regions", len(result.Regions), "plan_groups", len(result.PlanGroups),
		"app_templates", len(result.AppTemplates), "organisations", len(result.Organisations), "users", len(result.Users),
		"applications", len(result.Applications), "environments", len(result.Environments))
	for _, skipped := range result.Skipped {
		s.logger.Info("bootstrap skipped what an administrator took away", "skipped", skipped)
	}
	return result, nil
}

// BootstrapDB applies a seed to the database file at dbPath without a
// server and without the encryption key, which seeding does not need.
func BootstrapDB(ctx context.Context, dbPath string, sd Seed) (*BootstrapResult, error) {
	st, err := store.Open(ctx, store.Options{Path: dbPath})
	if err != nil {
		return nil, fmt.Errorf("controlplane: %w", err)
	}
	result, err := seed.Apply(ctx, st, sd)
	return result, errors.Join(err, st.Close())
}

// RevokeToken revokes an API token in the database at dbPath; a server
// running on it refuses the token from its next request on, and no seed
// applied later gives it back.
func RevokeToken(ctx context.Context, dbPath, token string) error {
	return withStore(ctx, dbPath, func(st *store.Store) error { return st.RevokeToken(ctx, token) })
}

// RemoveUser removes a user (by email), with their tokens, from the
// database at dbPath, effective at once; no seed applied later brings them
// back.
func RemoveUser(ctx context.Context, dbPath, email string) error {
	return withStore(ctx, dbPath, func(st *store.Store) error { return st.RemoveUser(ctx, email) })
}

// withStore runs fn on the existing database at dbPath.
func withStore(ctx context.Context, dbPath string, fn func(*store.Store) error) error {
	if _, err := os.Stat(dbPath); err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	st, err := store.Open(ctx, store.Options{Path: dbPath})
	if err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	return errors.Join(fn(st), st.Close())
}
