// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package hooksender

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
)

func TestGitHubSignatureIsHMACOfTheBody(t *testing.T) {
	d, err := New("github", "http://127.0.0.1/hooks/v1/x/", "s3cret-s3cret-s3cret", Push{Branch: "main", After: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte("s3cret-s3cret-s3cret"))
	mac.Write(d.Body)
	if got, want := d.Header.Get("X-Hub-Signature-256"), "sha256="+hex.EncodeToString(mac.Sum(nil)); got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
	d.Body = append(d.Body, ' ')
	d.Sign()
	if d.Header.Get("X-Hub-Signature-256") == "sha256="+hex.EncodeToString(mac.Sum(nil)) {
		t.Fatal("Sign did not follow the body")
	}
}

func TestPayloadsNameTheBranchAndHead(t *testing.T) {
	push := Push{Branch: "main", Before: "111", After: "222", Repo: "acme/site"}
	for _, typ := range []string{"github", "gitlab", "bitbucket"} {
		d, err := New(typ, "http://127.0.0.1/", "secret-secret-secret", push)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		if err := json.Unmarshal(d.Body, &body); err != nil {
			t.Fatal(err)
		}
		switch typ {
		case "github", "gitlab":
			if body["ref"] != "refs/heads/main" || body["after"] != "222" {
				t.Errorf("%s payload: %v", typ, body)
			}
		case "bitbucket":
			var bitbucket struct {
				Push struct {
					Changes []struct {
						New struct {
							Name   string
							Target struct{ Hash string }
						}
					}
				}
			}
			if err := json.Unmarshal(d.Body, &bitbucket); err != nil {
				t.Fatal(err)
			}
			changes := bitbucket.Push.Changes
			if len(changes) != 1 || changes[0].New.Name != "main" || changes[0].New.Target.Hash != "222" {
				t.Errorf("bitbucket payload: %v", body)
			}
		}
	}
	if _, err := New("gitea", "http://127.0.0.1/", "", push); err == nil {
		t.Error("unknown type accepted")
	}
}
