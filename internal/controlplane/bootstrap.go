// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

// Seed is the content of a seed (bootstrap) file. When it names neither
// regions nor plan groups, DefaultRegions and DefaultPlanGroups are seeded.
type Seed struct {
	Regions       []SeedRegion       `json:"regions"`
	PlanGroups    []SeedPlanGroup    `json:"plan_groups"`
	AppTemplates  []SeedAppTemplate  `json:"app_templates"`
	Organisations []SeedOrganisation `json:"organisations"`
}

// SeedRegion is a region applications run in.
type SeedRegion struct {
	Name string `json:"name"`
}

// SeedPlanGroup is an application plan group and the regions (by name, in
// order) it offers; each must be a region of the seed.
type SeedPlanGroup struct {
	Name    string   `json:"name"`
	Regions []string `json:"regions"`
}

// SeedAppTemplate is an application template.
type SeedAppTemplate struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// The catalogues seeded when a seed names neither regions nor plan groups.
var (
	DefaultRegions    = []SeedRegion{{Name: "eu-central"}, {Name: "us-east"}}
	DefaultPlanGroups = []SeedPlanGroup{{Name: "Free", Regions: []string{"eu-central"}}, {Name: "Pro", Regions: []string{"eu-central", "us-east"}}}
)

// SeedOrganisation is an organisation with its members and applications.
type SeedOrganisation struct {
	Name         string            `json:"name"`
	Users        []SeedUser        `json:"users"`
	Applications []SeedApplication `json:"applications"`
}

// SeedUser is a member of an organisation; Token, if set, is an API token of theirs.
type SeedUser struct {
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Token     string `json:"token"`
}

// SeedApplication is an application on Divio's own Git server. Name
// defaults to the slug; PlanGroup (a name) to the first plan group in the
// database, Region (a name) to that plan group's first region. When
// Environments is nil (absent in the file) it gets test and live, both
// tracking main; an explicit empty list means no environments.
type SeedApplication struct {
	Slug         string            `json:"slug"`
	Name         string            `json:"name"`
	PlanGroup    string            `json:"plan_group"`
	Region       string            `json:"region"`
	Environments []SeedEnvironment `json:"environments"`
}

// SeedEnvironment is an environment; Branch defaults to main.
type SeedEnvironment struct {
	Slug   string `json:"slug"`
	Branch string `json:"branch"`
}

// BootstrapResult names the UUIDs of the seeded objects.
type BootstrapResult struct {
	Regions       map[string]string `json:"regions"`       // region name -> uuid
	PlanGroups    map[string]string `json:"plan_groups"`   // plan group name -> uuid
	AppTemplates  map[string]string `json:"app_templates"` // app template name -> uuid
	Organisations map[string]string `json:"organisations"` // organisation name -> uuid
	Users         map[string]string `json:"users"`         // email -> uuid
	Applications  map[string]string `json:"applications"`  // application slug -> uuid
	Environments  map[string]string `json:"environments"`  // "app-slug/env-slug" -> uuid
}

const defaultBranch = "main"

var defaultEnvironments = []SeedEnvironment{{Slug: "test", Branch: defaultBranch}, {Slug: "live", Branch: defaultBranch}}

// slugPattern is Divio's slug form: lower-case letters and digits in
// groups joined by single hyphens.
var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// LoadSeedFile reads and validates a seed file. Unknown fields are errors,
// so that a misspelt field does not silently seed less than intended.
func LoadSeedFile(path string) (Seed, error) {
	content, err := os.ReadFile(path)
	if err != nil {
		return Seed{}, fmt.Errorf("seed file: %w", err)
	}
	var seed Seed
	decoder := json.NewDecoder(bytes.NewReader(content))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&seed); err != nil {
		return Seed{}, fmt.Errorf("seed file %s%s: %w", path, jsonErrorPosition(content, err), err)
	}
	if _, err := decoder.Token(); !errors.Is(err, io.EOF) {
		return Seed{}, fmt.Errorf("seed file %s: unexpected data after the JSON object", path)
	}
	if err := seed.Validate(); err != nil {
		return Seed{}, fmt.Errorf("seed file %s: %w", path, err)
	}
	return seed, nil
}

// jsonErrorPosition returns " (line L, column C)" for errors that carry an offset.
func jsonErrorPosition(content []byte, err error) string {
	var offset int64
	if syntaxErr, ok := errors.AsType[*json.SyntaxError](err); ok {
		offset = syntaxErr.Offset
	} else if typeErr, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		offset = typeErr.Offset
	} else {
		return ""
	}
	before := content[:min(int(offset), len(content))]
	line := bytes.Count(before, []byte("\n")) + 1
	column := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf(" (line %d, column %d)", line, column)
}

// Validate reports every problem in the seed, each prefixed with where it is.
func (seed Seed) Validate() error {
	v := &seedValidator{seed: seed, names: map[string]map[string]bool{}, tokenOwners: map[string]string{}}
	v.regions()
	v.planGroups()
	v.templates()
	for i, org := range seed.Organisations {
		v.organisation(fmt.Sprintf("organisations[%d]", i), org)
	}
	return errors.Join(v.problems...)
}

// seedValidator collects a seed's problems, and the names seen so far by
// kind (for duplicates and references).
type seedValidator struct {
	seed        Seed
	problems    []error
	names       map[string]map[string]bool // kind -> name -> seen
	tokenOwners map[string]string          // token -> email
}

func (v *seedValidator) problem(where, format string, args ...any) {
	v.problems = append(v.problems, fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...)))
}

// unique checks that name is set and not seen before among kind.
func (v *seedValidator) unique(kind, where, name string) {
	if v.names[kind] == nil {
		v.names[kind] = map[string]bool{}
	}
	if strings.TrimSpace(name) == "" {
		v.problem(where, "is required")
	} else if v.names[kind][name] {
		v.problem(where, "%q appears twice", name)
	}
	v.names[kind][name] = true
}

func (v *seedValidator) regions() {
	for i, region := range v.seed.Regions {
		v.unique("region", fmt.Sprintf("regions[%d].name", i), region.Name)
	}
}

func (v *seedValidator) planGroups() {
	for i, group := range v.seed.PlanGroups {
		where := fmt.Sprintf("plan_groups[%d]", i)
		v.unique("plan group", where+".name", group.Name)
		if len(group.Regions) == 0 {
			v.problem(where+".regions", "must name at least one region")
		}
		seen := map[string]bool{}
		for j, region := range group.Regions {
			if !v.names["region"][region] {
				v.problem(fmt.Sprintf("%s.regions[%d]", where, j), "%q is not a region of the seed", region)
			} else if seen[region] {
				v.problem(fmt.Sprintf("%s.regions[%d]", where, j), "%q appears twice", region)
			}
			seen[region] = true
		}
	}
}

func (v *seedValidator) templates() {
	for i, template := range v.seed.AppTemplates {
		where := fmt.Sprintf("app_templates[%d]", i)
		v.unique("template", where+".name", template.Name)
		if u, err := url.Parse(template.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.problem(where+".url", "%q is not an http or https URL", template.URL)
		}
	}
}

func (v *seedValidator) organisation(where string, org SeedOrganisation) {
	v.unique("organisation", where+".name", org.Name)
	for j, user := range org.Users {
		v.user(fmt.Sprintf("%s.users[%d]", where, j), user)
	}
	for j, app := range org.Applications {
		v.application(fmt.Sprintf("%s.applications[%d]", where, j), app)
	}
}

func (v *seedValidator) user(where string, user SeedUser) {
	if !strings.Contains(user.Email, "@") || strings.ContainsAny(user.Email, " \t\n") {
		v.problem(where+".email", "%q is not an email address", user.Email)
	}
	if user.Token == "" {
		return
	}
	if strings.ContainsAny(user.Token, " \t\n") {
		v.problem(where+".token", "must not contain white space")
	}
	email := strings.ToLower(user.Email)
	if owner, seen := v.tokenOwners[user.Token]; seen && owner != email {
		v.problem(where+".token", "is also the token of %s", owner)
	}
	v.tokenOwners[user.Token] = email
}

func (v *seedValidator) application(where string, app SeedApplication) {
	v.slug("application", where+".slug", app.Slug)
	if app.PlanGroup != "" && len(v.seed.PlanGroups) > 0 && !v.names["plan group"][app.PlanGroup] {
		v.problem(where+".plan_group", "%q is not a plan group of the seed", app.PlanGroup)
	}
	if app.Region != "" && len(v.seed.Regions) > 0 && !v.names["region"][app.Region] {
		v.problem(where+".region", "%q is not a region of the seed", app.Region)
	}
	environments := "environment of " + where // environment slugs are unique per application
	for k, env := range app.Environments {
		envWhere := fmt.Sprintf("%s.environments[%d]", where, k)
		v.slug(environments, envWhere+".slug", env.Slug)
		if strings.ContainsAny(env.Branch, " \t\n") {
			v.problem(envWhere+".branch", "%q is not a branch name", env.Branch)
		}
	}
}

// slug checks a slug's form and that it is not seen before among kind.
func (v *seedValidator) slug(kind, where, slug string) {
	if v.names[kind] == nil {
		v.names[kind] = map[string]bool{}
	}
	if !slugPattern.MatchString(slug) {
		v.problem(where, "%q is not a slug (lower-case letters, digits and single hyphens)", slug)
	} else if v.names[kind][slug] {
		v.problem(where, "%q appears twice", slug)
	}
	v.names[kind][slug] = true
}

// Bootstrap applies a seed: it creates the objects that are missing and
// leaves existing ones as they are (so changes made through the API
// survive), which makes applying the same seed again a no-op.
func (s *Server) Bootstrap(ctx context.Context, seed Seed) (*BootstrapResult, error) {
	result, err := applySeed(ctx, s.store, seed)
	if err != nil {
		return nil, err
	}
	s.logger.Info("bootstrap applied", "regions", len(result.Regions), "plan_groups", len(result.PlanGroups),
		"app_templates", len(result.AppTemplates), "organisations", len(result.Organisations), "users", len(result.Users),
		"applications", len(result.Applications), "environments", len(result.Environments))
	return result, nil
}

// BootstrapDB applies a seed to the database file at dbPath without a
// server and without the encryption key, which seeding does not need.
func BootstrapDB(ctx context.Context, dbPath string, seed Seed) (*BootstrapResult, error) {
	st, err := store.Open(ctx, store.Options{Path: dbPath})
	if err != nil {
		return nil, fmt.Errorf("controlplane: %w", err)
	}
	result, err := applySeed(ctx, st, seed)
	return result, errors.Join(err, st.Close())
}

// RevokeToken revokes an API token in the database at dbPath; a server
// running on it refuses the token from its next request on.
func RevokeToken(ctx context.Context, dbPath, token string) error {
	return withStore(ctx, dbPath, func(st *store.Store) error { return st.RevokeToken(ctx, token) })
}

// RemoveUser removes a user (by email), with their tokens, from the
// database at dbPath, effective at once.
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

func applySeed(ctx context.Context, st *store.Store, seed Seed) (*BootstrapResult, error) {
	if err := seed.Validate(); err != nil {
		return nil, fmt.Errorf("controlplane: invalid seed: %w", err)
	}
	result := &BootstrapResult{
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

func seedOrganisation(tx *store.SeedTx, org SeedOrganisation, result *BootstrapResult) error {
	orgUUID, err := tx.EnsureOrganisation(org.Name)
	if err != nil {
		return fmt.Errorf("organisation %q: %w", org.Name, err)
	}
	result.Organisations[org.Name] = orgUUID

	for _, user := range org.Users {
		userUUID, err := tx.EnsureUser(user.Email, user.FirstName, user.LastName)
		if err == nil {
			err = tx.EnsureMembership(orgUUID, userUUID)
		}
		if err == nil && user.Token != "" {
			err = tx.EnsureToken(userUUID, user.Token)
		}
		if err != nil {
			return fmt.Errorf("user %q: %w", user.Email, err)
		}
		result.Users[user.Email] = userUUID
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
			envUUID, err := tx.EnsureEnvironment(appUUID, env.Slug, cmp.Or(env.Branch, defaultBranch))
			if err != nil {
				return fmt.Errorf("environment %s/%s: %w", app.Slug, env.Slug, err)
			}
			result.Environments[app.Slug+"/"+env.Slug] = envUUID
		}
	}
	return nil
}

// seedCatalogues seeds the regions, plan groups and app templates (the
// default regions and plan groups when the seed names neither).
func seedCatalogues(tx *store.SeedTx, seed Seed, result *BootstrapResult) error {
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
func seedPlacement(tx *store.SeedTx, app SeedApplication) (groupUUID, regionUUID string, err error) {
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
