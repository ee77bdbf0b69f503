// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package seed reads seed (bootstrap) files and applies them: the
// organisations, users (with their API tokens), applications and
// catalogues a control plane starts with.
package seed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// Seed is the content of a seed (bootstrap) file. When it names neither
// regions nor plan groups, DefaultRegions and DefaultPlanGroups are seeded.
type Seed struct {
	Regions       []Region       `json:"regions"`
	PlanGroups    []PlanGroup    `json:"plan_groups"`
	AppTemplates  []AppTemplate  `json:"app_templates"`
	Organisations []Organisation `json:"organisations"`
}

// Region is a region applications run in.
type Region struct {
	Name string `json:"name"`
}

// PlanGroup is an application plan group and the regions (by name, in
// order) it offers; each must be a region of the seed.
type PlanGroup struct {
	Name    string   `json:"name"`
	Regions []string `json:"regions"`
}

// AppTemplate is an application template.
type AppTemplate struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// The catalogues seeded when a seed names neither regions nor plan groups.
var (
	DefaultRegions    = []Region{{Name: "eu-central"}, {Name: "us-east"}}
	DefaultPlanGroups = []PlanGroup{{Name: "Free", Regions: []string{"eu-central"}}, {Name: "Pro", Regions: []string{"eu-central", "us-east"}}}
)

// Organisation is an organisation with its members and applications.
type Organisation struct {
	Name         string        `json:"name"`
	Users        []User        `json:"users"`
	Applications []Application `json:"applications"`
}

// User is a member of an organisation; Token, if set, is an API token of theirs.
type User struct {
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Token     string `json:"token"`
}

// Application is an application on Divio's own Git server. Name
// defaults to the slug; PlanGroup (a name) to the first plan group in the
// database, Region (a name) to that plan group's first region. When
// Environments is nil (absent in the file) it gets test and live, both
// tracking main; an explicit empty list means no environments.
type Application struct {
	Slug         string        `json:"slug"`
	Name         string        `json:"name"`
	PlanGroup    string        `json:"plan_group"`
	Region       string        `json:"region"`
	Environments []Environment `json:"environments"`
}

// Environment is an environment; Branch defaults to main.
type Environment struct {
	Slug   string `json:"slug"`
	Branch string `json:"branch"`
}

// Result names the UUIDs of the seeded objects, and what was not seeded
// because an administrator took it away.
type Result struct {
	Regions       map[string]string `json:"regions"`       // region name -> uuid
	PlanGroups    map[string]string `json:"plan_groups"`   // plan group name -> uuid
	AppTemplates  map[string]string `json:"app_templates"` // app template name -> uuid
	Organisations map[string]string `json:"organisations"` // organisation name -> uuid
	Users         map[string]string `json:"users"`         // email -> uuid
	Applications  map[string]string `json:"applications"`  // application slug -> uuid
	Environments  map[string]string `json:"environments"`  // "app-slug/env-slug" -> uuid
	// Skipped are the users an administrator removed and the tokens an
	// administrator revoked that the seed names: never created again.
	Skipped []string `json:"skipped,omitempty"`
}

// defaultEnvironments are the environments of a seeded application that
// names none: those an application created through the API gets, tracking
// main.
var defaultEnvironments = func() []Environment {
	var environments []Environment
	for _, slug := range store.DefaultEnvironments {
		environments = append(environments, Environment{Slug: slug, Branch: gitops.DefaultBranch})
	}
	return environments
}()

// slugPattern is Divio's slug form: lower-case letters and digits in
// groups joined by single hyphens.
var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Load reads and validates a seed file. Unknown fields are errors,
// so that a misspelt field does not silently seed less than intended.
func Load(path string) (Seed, error) {
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

func (v *seedValidator) organisation(where string, org Organisation) {
	v.unique("organisation", where+".name", org.Name)
	for j, user := range org.Users {
		v.user(fmt.Sprintf("%s.users[%d]", where, j), user)
	}
	for j, app := range org.Applications {
		v.application(fmt.Sprintf("%s.applications[%d]", where, j), app)
	}
}

func (v *seedValidator) user(where string, user User) {
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

func (v *seedValidator) application(where string, app Application) {
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
