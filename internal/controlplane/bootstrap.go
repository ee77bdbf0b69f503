package controlplane

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

// Seed is the content of a seed (bootstrap) file.
type Seed struct {
	Organisations []SeedOrganisation `json:"organisations"`
}

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

// SeedApplication is an application. Name defaults to the slug. When
// Environments is nil (absent in the file) it gets test and live, both
// tracking main; an explicit empty list means no environments.
type SeedApplication struct {
	Slug         string            `json:"slug"`
	Name         string            `json:"name"`
	Environments []SeedEnvironment `json:"environments"`
}

// SeedEnvironment is an environment; Branch defaults to main.
type SeedEnvironment struct {
	Slug   string `json:"slug"`
	Branch string `json:"branch"`
}

// BootstrapResult names the UUIDs of the seeded objects.
type BootstrapResult struct {
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
	var problems []error
	problem := func(where, format string, args ...any) {
		problems = append(problems, fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...)))
	}
	organisationNames := map[string]bool{}
	tokenOwners := map[string]string{}
	appSlugs := map[string]bool{}
	for i, org := range seed.Organisations {
		orgWhere := fmt.Sprintf("organisations[%d]", i)
		if strings.TrimSpace(org.Name) == "" {
			problem(orgWhere+".name", "is required")
		} else if organisationNames[org.Name] {
			problem(orgWhere+".name", "%q appears twice", org.Name)
		}
		organisationNames[org.Name] = true

		for j, user := range org.Users {
			userWhere := fmt.Sprintf("%s.users[%d]", orgWhere, j)
			if !strings.Contains(user.Email, "@") || strings.ContainsAny(user.Email, " \t\n") {
				problem(userWhere+".email", "%q is not an email address", user.Email)
			}
			if user.Token == "" {
				continue
			}
			if strings.ContainsAny(user.Token, " \t\n") {
				problem(userWhere+".token", "must not contain white space")
			}
			email := strings.ToLower(user.Email)
			if owner, seen := tokenOwners[user.Token]; seen && owner != email {
				problem(userWhere+".token", "is also the token of %s", owner)
			}
			tokenOwners[user.Token] = email
		}

		for j, app := range org.Applications {
			appWhere := fmt.Sprintf("%s.applications[%d]", orgWhere, j)
			if !slugPattern.MatchString(app.Slug) {
				problem(appWhere+".slug", "%q is not a slug (lower-case letters, digits and single hyphens)", app.Slug)
			} else if appSlugs[app.Slug] {
				problem(appWhere+".slug", "%q appears twice", app.Slug)
			}
			appSlugs[app.Slug] = true

			envSlugs := map[string]bool{}
			for k, env := range app.Environments {
				envWhere := fmt.Sprintf("%s.environments[%d]", appWhere, k)
				if !slugPattern.MatchString(env.Slug) {
					problem(envWhere+".slug", "%q is not a slug (lower-case letters, digits and single hyphens)", env.Slug)
				} else if envSlugs[env.Slug] {
					problem(envWhere+".slug", "%q appears twice", env.Slug)
				}
				envSlugs[env.Slug] = true
				if strings.ContainsAny(env.Branch, " \t\n") {
					problem(envWhere+".branch", "%q is not a branch name", env.Branch)
				}
			}
		}
	}
	return errors.Join(problems...)
}

// Bootstrap applies a seed: it creates the objects that are missing and
// leaves existing ones as they are (so changes made through the API
// survive), which makes applying the same seed again a no-op.
func (s *Server) Bootstrap(ctx context.Context, seed Seed) (*BootstrapResult, error) {
	result, err := applySeed(ctx, s.store, seed)
	if err != nil {
		return nil, err
	}
	s.logger.Info("bootstrap applied", "organisations", len(result.Organisations), "users", len(result.Users),
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

func applySeed(ctx context.Context, st *store.Store, seed Seed) (*BootstrapResult, error) {
	if err := seed.Validate(); err != nil {
		return nil, fmt.Errorf("controlplane: invalid seed: %w", err)
	}
	result := &BootstrapResult{
		Organisations: map[string]string{},
		Users:         map[string]string{},
		Applications:  map[string]string{},
		Environments:  map[string]string{},
	}
	err := st.Seed(ctx, func(tx *store.SeedTx) error {
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
		appUUID, err := tx.EnsureApplication(orgUUID, app.Slug, name)
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
