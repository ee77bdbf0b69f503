// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"net/http"
	"testing"
)

func TestMe(t *testing.T) {
	ts := newTestServer(t)
	var me userView
	ts.get("/iam/v3/me/", http.StatusOK, &me)
	want := userView{UUID: ts.seed.Users["ada@acme.test"], FirstName: "Ada", LastName: "Lovelace", Email: "ada@acme.test"}
	if me != want {
		t.Fatalf("me = %+v, want %+v", me, want)
	}
	ts.request(http.MethodGet, "/iam/v3/me/", graceToken, nil).expect(t, http.StatusOK, &me)
	if me.Email != "grace@globex.test" {
		t.Fatalf("Grace's token answers %+v", me)
	}
}
