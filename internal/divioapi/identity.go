// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"net/http"
)

// User is the owner of the token.
type User struct {
	UUID      string `json:"uuid"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
}

// Me returns the user the token belongs to; it is how a token is validated.
func (c *Client) Me(ctx context.Context) (*User, error) {
	var u User
	if err := c.Do(ctx, http.MethodGet, "/iam/v3/me/", nil, nil, &u); err != nil {
		return nil, err
	}
	return &u, nil
}
