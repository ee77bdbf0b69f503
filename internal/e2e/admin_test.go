// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package e2e

import (
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The admin commands act on a running server's database, effective at
// once: a revoked token and a removed user's token are refused by the very
// next request, and other users are untouched.
func TestAdminCommandsTakeEffectAtOnce(t *testing.T) {
	binary := buildControlPlane(t)
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.json")
	writeFile(t, seed, fmt.Sprintf(`{"organisations": [{"name": "Acme", "users": [
		{"email": "ada@acme.test", "first_name": "Ada", "last_name": "Lovelace", "token": %q},
		{"email": "grace@acme.test", "first_name": "Grace", "last_name": "Hopper", "token": "grace-token-0123456789"},
		{"email": "alan@acme.test", "first_name": "Alan", "last_name": "Turing", "token": "alan-token-0123456789"}]}]}`, crashToken))
	server := startControlPlane(t, binary, dir, "--bootstrap", seed)
	db := filepath.Join(dir, "cp.db")
	for token, want := range map[string]int{crashToken: 200, "grace-token-0123456789": 200, "alan-token-0123456789": 200} {
		if got := me(t, server.url, token); got != want {
			t.Fatalf("before: token %s… answered %d, want %d", token[:5], got, want)
		}
	}

	revoke := exec.Command(binary, "revoke-token", "--db", db)
	revoke.Stdin = strings.NewReader("grace-token-0123456789\n")
	if out, err := revoke.CombinedOutput(); err != nil {
		t.Fatalf("revoke-token: %v\n%s", err, out)
	}
	if out, err := exec.Command(binary, "remove-user", "--db", db, "alan@acme.test").CombinedOutput(); err != nil {
		t.Fatalf("remove-user: %v\n%s", err, out)
	}
	for token, want := range map[string]int{crashToken: 200, "grace-token-0123456789": 401, "alan-token-0123456789": 401} {
		if got := me(t, server.url, token); got != want {
			t.Errorf("after: token %s… answered %d, want %d", token[:5], got, want)
		}
	}
	// Revoking what does not exist says so.
	again := exec.Command(binary, "revoke-token", "--db", db)
	again.Stdin = strings.NewReader("grace-token-0123456789\n")
	if out, err := again.CombinedOutput(); err == nil {
		t.Errorf("revoking an unknown token succeeded: %s", out)
	}
}

func me(t *testing.T, baseURL, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, baseURL+"/iam/v3/me/", nil)
	req.Header.Set("Authorization", "Token "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
