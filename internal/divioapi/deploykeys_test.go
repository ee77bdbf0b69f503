package divioapi

import (
	"context"
	"net/http"
	"testing"
	"time"
)

var testKey = map[string]any{
	"uuid": "k1", "application": "a1", "key_type": "ED25519",
	"public_key":         "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB",
	"fingerprint_sha256": "SHA256:abc",
	"created_at":         "2026-11-25T10:00:00Z",
}

func TestCreateDeployKey(t *testing.T) {
	s := newScript(reply(http.StatusCreated, testKey))
	c, _ := newTestClient(t, s)
	k, err := c.CreateDeployKey(context.Background(), CreateDeployKeyRequest{Application: "a1"})
	if err != nil {
		t.Fatal(err)
	}
	want := DeployKey{
		UUID: "k1", Application: "a1", KeyType: "ED25519",
		PublicKey:         "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB",
		FingerprintSHA256: "SHA256:abc",
		CreatedAt:         time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC),
	}
	if *k != want {
		t.Errorf("CreateDeployKey = %+v, want %+v", k, want)
	}
	r := s.requests()[0]
	if r.Method != http.MethodPost || r.URI != "/apps/v3/deploy-keys/" || r.Body != `{"application":"a1"}` {
		t.Errorf("sent %s %s %s; want POST /apps/v3/deploy-keys/ without key_type", r.Method, r.URI, r.Body)
	}
}

func TestCreateDeployKeyValidationError(t *testing.T) {
	s := newScript(reply(http.StatusBadRequest, map[string]any{"key_type": []string{`"X" is not a valid choice.`}}))
	c, _ := newTestClient(t, s)
	_, err := c.CreateDeployKey(context.Background(), CreateDeployKeyRequest{Application: "a1", KeyType: "X"})
	if err == nil || err.Error() != `POST /apps/v3/deploy-keys/: 400 key_type: "X" is not a valid choice.` {
		t.Errorf("err = %v", err)
	}
	if got := s.requests()[0].Body; got != `{"application":"a1","key_type":"X"}` {
		t.Errorf("body %s", got)
	}
}

func TestGetListDeleteDeployKey(t *testing.T) {
	s := newScript(
		reply(http.StatusOK, testKey),
		reply(http.StatusOK, map[string]any{"next": nil, "results": []any{testKey}}),
		reply(http.StatusNoContent, nil),
		reply(http.StatusNotFound, map[string]string{"detail": "Not found."}),
	)
	c, _ := newTestClient(t, s)
	ctx := context.Background()
	if k, err := c.GetDeployKey(ctx, "k1"); err != nil || k.UUID != "k1" {
		t.Errorf("GetDeployKey = %+v, %v", k, err)
	}
	if ks, err := c.ListDeployKeys(ctx, DeployKeyFilter{Application: "a1"}); err != nil || len(ks) != 1 || ks[0].PublicKey == "" {
		t.Errorf("ListDeployKeys = %+v, %v", ks, err)
	}
	if err := c.DeleteDeployKey(ctx, "k1"); err != nil {
		t.Errorf("DeleteDeployKey: %v", err)
	}
	if err := c.DeleteDeployKey(ctx, "k1"); !IsNotFound(err) {
		t.Errorf("second DeleteDeployKey = %v, want 404", err)
	}
	want := []string{
		"GET /apps/v3/deploy-keys/k1/",
		"GET /apps/v3/deploy-keys/?application=a1&page_size=100",
		"DELETE /apps/v3/deploy-keys/k1/",
		"DELETE /apps/v3/deploy-keys/k1/",
	}
	for i, r := range s.requests() {
		if got := r.Method + " " + r.URI; i >= len(want) || got != want[i] {
			t.Errorf("request %d = %s", i, got)
		}
	}
}
