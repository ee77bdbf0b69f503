// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package hooks

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

// GitHub's documented test vector is verified, and near misses are not.
func TestGitHubSignature(t *testing.T) {
	const secret, payload = "It's a Secret to Everybody", "Hello, World!"
	const want = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	header := http.Header{"X-Hub-Signature-256": {want}}
	hook := storeWebhook("github", secret)
	if problem := verifyDelivery(hook, header, []byte(payload)); problem != "" {
		t.Fatalf("the documented signature is refused: %s", problem)
	}
	for _, bad := range []string{"", "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "sha256=zz", "sha1=7d38cdd689735b008b3c702edd92eea23791c5f6",
		strings.Replace(want, "757", "758", 1)} {
		header.Set("X-Hub-Signature-256", bad)
		if verifyDelivery(hook, header, []byte(payload)) == "" {
			t.Errorf("signature %q accepted", bad)
		}
	}
}

func TestDeliveryIDFallbacks(t *testing.T) {
	body := []byte(`{"a":1}`)
	sum := sha256.Sum256(body)
	bodyHash := "sha256:" + hex.EncodeToString(sum[:])
	for _, c := range []struct {
		typ    string
		header http.Header
		want   string
	}{
		{"github", http.Header{"X-Github-Delivery": {"72d3162e-cc78-11e3-81ab-4c9367dc0958"}}, "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
		{"github", http.Header{}, bodyHash},
		{"gitlab", http.Header{"X-Gitlab-Event-Uuid": {"e1"}, "Idempotency-Key": {"k1"}}, "e1"},
		{"gitlab", http.Header{"Idempotency-Key": {"k1"}}, "k1"},
		{"bitbucket", http.Header{"X-Request-Uuid": {"r1"}, "X-Hook-Uuid": {"h1"}}, "r1"},
		{"bitbucket", http.Header{"X-Hook-Uuid": {"h1"}}, "h1:" + bodyHash},
		{"bitbucket", http.Header{}, bodyHash},
	} {
		if got := deliveryID(storeWebhook(c.typ, "").Type, c.header, body); got != c.want {
			t.Errorf("%s %v: id %q, want %q", c.typ, c.header, got, c.want)
		}
	}
	long := deliveryID("github", http.Header{"X-Github-Delivery": {strings.Repeat("x", 1000)}}, body)
	if len(long) > maxDeliveryIDLength || !strings.HasPrefix(long, "sha256:") {
		t.Errorf("a long id is kept as %q", long)
	}
}

// storeWebhook is a webhook of type typ with secret, for unit tests.
func storeWebhook(typ, secret string) store.Webhook {
	return store.Webhook{UUID: uuid.NewString(), Type: store.WebhookType(typ), Secret: secret}
}
