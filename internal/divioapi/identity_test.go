// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"net/http"
	"testing"
)

func TestMe(t *testing.T) {
	s := newScript(reply(http.StatusOK, map[string]string{
		"uuid": "u1", "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
	}))
	c, _ := newTestClient(t, s)
	u, err := c.Me(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if *u != (User{UUID: "u1", FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"}) {
		t.Errorf("Me = %+v", u)
	}
}

func TestMeUnauthorized(t *testing.T) {
	c, _ := newTestClient(t, newScript(reply(http.StatusUnauthorized, map[string]string{"detail": "Invalid token."})))
	_, err := c.Me(context.Background())
	if !IsUnauthorized(err) || err.Error() != "GET /iam/v3/me/: 401 Invalid token." {
		t.Errorf("err = %v", err)
	}
}
