// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"net/http"
)

const environmentsPath = "/apps/v3/environments/"

// Environment is an environment (test, live, …) of an application.
type Environment struct {
	UUID        string `json:"uuid"`
	Application string `json:"application"`
	Slug        string `json:"slug"`
	// Branch is the Git branch the environment tracks.
	Branch string `json:"branch"`
	// last_finished_deployment is not decoded: the CLI reads it as an
	// object (cloud.py 474), and the provider has no use for it.
}

// UnmarshalJSON decodes an environment, tolerating any shape of the members
// the CLI does not read (it reads uuid and slug).
func (e *Environment) UnmarshalJSON(data []byte) error {
	type plain Environment // without this method
	return decodeTolerating(data, (*plain)(e), "uuid", "slug")
}

// EnvironmentFilter narrows ListEnvironments; empty fields do not filter.
type EnvironmentFilter struct {
	Application string // UUID
	Slug        string
}

// GetEnvironment returns the environment id.
func (c *Client) GetEnvironment(ctx context.Context, id string) (*Environment, error) {
	return getObject[Environment](ctx, c, environmentsPath, id)
}

// ListEnvironments returns all environments that match f.
func (c *Client) ListEnvironments(ctx context.Context, f EnvironmentFilter) ([]Environment, error) {
	return ListAll[Environment](ctx, c, environmentsPath,
		filter("application", f.Application, "slug", f.Slug))
}

// SetEnvironmentBranch changes the branch an environment tracks ("custom
// tracking branches"). The API refuses a branch missing at the remote.
func (c *Client) SetEnvironmentBranch(ctx context.Context, id, branch string) (*Environment, error) {
	p, err := ObjectPath(environmentsPath, id)
	if err != nil {
		return nil, err
	}
	var env Environment
	if err := c.Do(ctx, http.MethodPatch, p, nil, map[string]string{"branch": branch}, &env); err != nil {
		return nil, err
	}
	return &env, nil
}
