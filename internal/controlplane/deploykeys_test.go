package controlplane

import (
	"bytes"
	"database/sql"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/divio-community/terraform-provider-divio/internal/sealbox"
)

func createDeployKey(t *testing.T, ts *testServer, token, application, keyType string) deployKeyView {
	t.Helper()
	body := map[string]string{"application": application}
	if keyType != "" {
		body["key_type"] = keyType
	}
	var key deployKeyView
	ts.request(http.MethodPost, "/apps/v3/deploy-keys/", token, body).expect(t, http.StatusCreated, &key)
	return key
}

func TestDeployKeyLifecycle(t *testing.T) {
	// Every response body passes through here, to prove none carries a private key.
	var mu sync.Mutex
	var responses bytes.Buffer
	ts := newTestServer(t, func(cfg *Config) {
		cfg.Middleware = []func(http.Handler) http.Handler{captureResponses(&mu, &responses)}
	})
	app := ts.seed.Applications[acmeWeb]
	cases := []struct{ requested, want, wireType string }{
		{"", "ED25519", ssh.KeyAlgoED25519}, // the default
		{"ED25519", "ED25519", ssh.KeyAlgoED25519},
		{"ECDSA", "ECDSA", ssh.KeyAlgoECDSA256},
		{"RSA", "RSA", ssh.KeyAlgoRSA},
	}
	for _, tc := range cases {
		t.Run(tc.want+"/"+tc.requested, func(t *testing.T) {
			created := createDeployKey(t, ts, adaToken, app, tc.requested)
			if created.KeyType != tc.want || created.Application != app || created.CreatedAt != "2026-11-25T10:00:00Z" {
				t.Errorf("created %+v", created)
			}
			public, comment, _, rest, err := ssh.ParseAuthorizedKey([]byte(created.PublicKey))
			if err != nil || comment != "" || len(rest) != 0 || strings.HasSuffix(created.PublicKey, "\n") {
				t.Fatalf("public_key %q: err %v, comment %q, rest %q", created.PublicKey, err, comment, rest)
			}
			if public.Type() != tc.wireType || ssh.FingerprintSHA256(public) != created.FingerprintSHA256 {
				t.Errorf("public key type %s fingerprint %s; response says %s", public.Type(), ssh.FingerprintSHA256(public), created.FingerprintSHA256)
			}

			var fetched deployKeyView
			ts.get("/apps/v3/deploy-keys/"+created.UUID+"/", http.StatusOK, &fetched)
			if fetched != created {
				t.Errorf("GET answered %+v, want %+v", fetched, created)
			}
			var listed listResponse[deployKeyView]
			ts.get("/apps/v3/deploy-keys/?application="+app, http.StatusOK, &listed)
			if len(listed.Results) != 1 || listed.Results[0] != created {
				t.Errorf("list answered %+v, want only %+v", listed.Results, created)
			}

			assertSealedAtRest(t, ts, created)

			ts.request(http.MethodDelete, "/apps/v3/deploy-keys/"+created.UUID+"/", adaToken, nil).expect(t, http.StatusNoContent, nil)
			ts.request(http.MethodGet, "/apps/v3/deploy-keys/"+created.UUID+"/", adaToken, nil).expect(t, http.StatusNotFound, nil)
			ts.request(http.MethodDelete, "/apps/v3/deploy-keys/"+created.UUID+"/", adaToken, nil).expect(t, http.StatusNotFound, nil)
		})
	}

	mu.Lock()
	defer mu.Unlock()
	if responses.Len() == 0 {
		t.Fatal("no responses were captured")
	}
	if strings.Contains(responses.String(), "PRIVATE KEY") || strings.Contains(strings.ToLower(responses.String()), "private") {
		t.Fatal("a response carries a private key")
	}
}

// assertSealedAtRest reads the database file directly: the private key
// must be sealed under the key's UUID, and nowhere in plain text.
func assertSealedAtRest(t *testing.T, ts *testServer, key deployKeyView) {
	t.Helper()
	db, err := sql.Open("sqlite", ts.cfg.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var sealed []byte
	if err := db.QueryRow(`SELECT private_key_sealed FROM deploy_keys WHERE uuid = ?`, key.UUID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("PRIVATE KEY")) {
		t.Fatal("the private key column holds plain text")
	}
	box, err := sealbox.New(ts.cfg.EncryptionKey)
	if err != nil {
		t.Fatal(err)
	}
	privatePEM, err := box.Open(sealed, []byte(key.UUID))
	if err != nil {
		t.Fatalf("the column does not open with the box and the key's uuid: %v", err)
	}
	signer, err := ssh.ParsePrivateKey(privatePEM)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSuffix(string(ssh.MarshalAuthorizedKey(signer.PublicKey())), "\n"); got != key.PublicKey {
		t.Fatal("the sealed private key does not belong to the public key")
	}
	for _, file := range []string{ts.cfg.DBPath, ts.cfg.DBPath + "-wal"} {
		content, err := os.ReadFile(file)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(content, []byte("PRIVATE KEY")) || bytes.Contains(content, privatePEM[40:100]) {
			t.Fatalf("%s contains the private key in plain text", file)
		}
	}
}

func captureResponses(mu *sync.Mutex, into *bytes.Buffer) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			recorder := newResponseRecorder()
			next.ServeHTTP(recorder, r)
			mu.Lock()
			into.Write(recorder.body.Bytes())
			mu.Unlock()
			recorder.copyTo(w)
		})
	}
}

func TestCreateDeployKeyValidation(t *testing.T) {
	ts := newTestServer(t)
	other := ts.seed.Applications[globexWeb]
	cases := map[string]struct {
		body any
		want string
	}{
		"missing application": {map[string]string{}, `{"application": ["This field is required."]}`},
		"malformed application": {map[string]string{"application": "xyz"},
			`{"application": ["“xyz” is not a valid UUID."]}`},
		"another organisation's application": {map[string]string{"application": other},
			`{"application": ["Object with uuid=` + other + ` does not exist."]}`},
		"unknown key type": {map[string]string{"application": ts.seed.Applications[acmeWeb], "key_type": "DSA"},
			`{"key_type": ["\"DSA\" is not a valid choice. Choose one of ED25519, ECDSA, RSA."]}`},
		"key type in lower case": {map[string]string{"application": ts.seed.Applications[acmeWeb], "key_type": "ed25519"},
			`{"key_type": ["\"ed25519\" is not a valid choice. Choose one of ED25519, ECDSA, RSA."]}`},
		"both wrong": {map[string]string{"key_type": "X"},
			`{"application": ["This field is required."], "key_type": ["\"X\" is not a valid choice. Choose one of ED25519, ECDSA, RSA."]}`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ts.request(http.MethodPost, "/apps/v3/deploy-keys/", adaToken, tc.body).expectJSON(t, http.StatusBadRequest, tc.want)
		})
	}
	var list listResponse[deployKeyView]
	ts.request(http.MethodGet, "/apps/v3/deploy-keys/", graceToken, nil).expect(t, http.StatusOK, &list)
	if list.Count != 0 {
		t.Fatalf("a rejected request created %d keys", list.Count)
	}
}

func TestDeployKeysOfOtherOrganisations(t *testing.T) {
	ts := newTestServer(t)
	graces := createDeployKey(t, ts, graceToken, ts.seed.Applications[globexWeb], "")
	adas := createDeployKey(t, ts, adaToken, ts.seed.Applications[acmeWeb], "")

	path := "/apps/v3/deploy-keys/" + graces.UUID + "/"
	ts.request(http.MethodGet, path, adaToken, nil).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	ts.request(http.MethodDelete, path, adaToken, nil).expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	ts.request(http.MethodGet, path, graceToken, nil).expect(t, http.StatusOK, nil) // still there

	var list listResponse[deployKeyView]
	ts.get("/apps/v3/deploy-keys/", http.StatusOK, &list)
	if list.Count != 1 || list.Results[0].UUID != adas.UUID {
		t.Fatalf("Ada's list is %+v, want only her key", list.Results)
	}
	ts.get("/apps/v3/deploy-keys/?application="+ts.seed.Applications[globexWeb], http.StatusOK, &list)
	if list.Count != 0 {
		t.Fatalf("filtering by Globex's application shows Ada %d keys", list.Count)
	}
	ts.request(http.MethodGet, "/apps/v3/deploy-keys/?application=xyz", adaToken, nil).
		expectJSON(t, http.StatusBadRequest, `{"application": ["“xyz” is not a valid UUID."]}`)
}
