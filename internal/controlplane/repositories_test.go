package controlplane

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
	"github.com/divio-community/terraform-provider-divio/internal/gitops"
	"github.com/divio-community/terraform-provider-divio/internal/giturl"
	"github.com/divio-community/terraform-provider-divio/internal/sealbox"
)

const (
	sshURL   = "ssh://git@git.example.com/acme/website.git"
	httpsURL = "https://git.example.com/acme/website.git"
	// A token that must never leave the control plane in plain text.
	httpsToken = "glpat-SECRET-token-0123456789"
)

// Fingerprints of the right form.
const (
	fingerprintA = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
	fingerprintB = "SHA256:PiPoFgA5WUoziU9lZOGxNIu9egCI1CxKy3PurtWcAJ0"
)

// objects is a JSON object in a request.
type objects = map[string]any

func createRepository(t *testing.T, ts *testServer, token string, body objects) repositoryView {
	t.Helper()
	var repo repositoryView
	ts.request(http.MethodPost, "/apps/v3/repositories/", token, body).expect(t, http.StatusCreated, &repo)
	return repo
}

func patchRepository(t *testing.T, ts *testServer, id string, body objects) repositoryView {
	t.Helper()
	var repo repositoryView
	ts.request(http.MethodPatch, "/apps/v3/repositories/"+id+"/", adaToken, body).expect(t, http.StatusOK, &repo)
	return repo
}

func getRepository(t *testing.T, ts *testServer, id string) repositoryView {
	t.Helper()
	var repo repositoryView
	ts.get("/apps/v3/repositories/"+id+"/", http.StatusOK, &repo)
	return repo
}

func withChecker(checker AccessChecker) func(*Config) {
	return func(cfg *Config) { cfg.AccessChecker = checker }
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestRepositoryLifecycleSSH(t *testing.T) {
	checker := &fakeChecker{}
	ts := newTestServer(t, withChecker(checker))
	app := ts.seed.Applications[acmeWeb]
	createDeployKey(t, ts, adaToken, app, "") // another key of the same application
	key := createDeployKey(t, ts, adaToken, app, "ECDSA")

	// url is the canonical form, dsn the clone URL.
	created := createRepository(t, ts, adaToken, objects{"application": app, "url": "git@GitHub.com:acme/website", "deploy_key": key.UUID})
	want := repositoryView{
		UUID: created.UUID, Organisation: ts.seed.Organisations["Acme"], Application: app,
		URL: "ssh://git@github.com/acme/website.git", DSN: "ssh://git@github.com/acme/website",
		Branch: "main", AuthType: "ssh", DeployKey: &key.UUID, AuthInfo: &key.PublicKey,
		WriteAccess: true, State: "CLONING",
		CreatedAt: "2026-11-25T10:00:00Z", UpdatedAt: "2026-11-25T10:00:00Z",
	}
	if !jsonEqual(created, want) {
		t.Fatalf("created\n%s\nwant\n%s", mustJSON(created), mustJSON(want))
	}
	var application applicationView
	ts.get("/apps/v3/applications/"+app+"/", http.StatusOK, &application)
	if application.Repository == nil || *application.Repository != created.UUID {
		t.Fatalf("the application's repository is %v, want %s", deref(application.Repository), created.UUID)
	}

	waitIdle(t, ts)
	checked := getRepository(t, ts, created.UUID)
	want.State = "CLONED"
	want.LastCommit = ptr(fakeCommit)
	want.HostKey, want.HostKeyFingerprint = ptr(fakeHostKey().AuthorizedKey), ptr(fakeHostKey().FingerprintSHA256)
	want.CheckedAt = ptr("2026-11-25T10:00:00Z")
	want.CheckDurationMS = ptr(int64(1234))
	if !jsonEqual(checked, want) {
		t.Fatalf("after the check\n%s\nwant\n%s", mustJSON(checked), mustJSON(want))
	}

	calls := checker.requests()
	if len(calls) != 1 {
		t.Fatalf("%d checks, want 1", len(calls))
	}
	privateKey, err := ts.server.store.DeployKeyPrivateKey(context.Background(), key.UUID)
	if err != nil {
		t.Fatal(err)
	}
	first := calls[0]
	if first.URL != created.DSN || first.Branch != "main" || !first.NewApplication || !first.WriteAccess ||
		first.PinnedHostKey != "" || first.ExpectedHostKeyFingerprint != "" ||
		!bytes.Equal(first.Auth.SSHPrivateKey, privateKey) || first.Auth.HTTPSUsername != "" || first.Auth.HTTPSToken != "" {
		t.Fatalf("first check request %+v", first)
	}

	// Later checks verify the pinned host key.
	var accepted repositoryView
	ts.request(http.MethodPost, "/apps/v3/repositories/"+created.UUID+"/check/", adaToken, objects{"migrate": true}).
		expect(t, http.StatusAccepted, &accepted)
	if accepted.State != "CLONING" || !accepted.Migrate || accepted.HostKey == nil || accepted.Error != nil {
		t.Fatalf("check answered %s", mustJSON(accepted))
	}
	waitIdle(t, ts)
	calls = checker.requests()
	if len(calls) != 2 || calls[1].PinnedHostKey != fakeHostKey().AuthorizedKey || calls[1].NewApplication {
		t.Fatalf("second check request %+v", calls[len(calls)-1])
	}

	for _, filter := range []string{"", "?application=" + app, "?organisation=" + ts.seed.Organisations["Acme"]} {
		var list listResponse[repositoryView]
		ts.get("/apps/v3/repositories/"+filter, http.StatusOK, &list)
		if list.Count != 1 || list.Results[0].UUID != created.UUID {
			t.Errorf("list %q: %+v", filter, list)
		}
	}
	var list listResponse[repositoryView]
	ts.get("/apps/v3/repositories/?application="+ts.seed.Applications[acmeAPI], http.StatusOK, &list)
	if list.Count != 0 {
		t.Errorf("filtering by another application lists %d", list.Count)
	}
	ts.request(http.MethodGet, "/apps/v3/repositories/?organisation=xyz", adaToken, nil).
		expectJSON(t, http.StatusBadRequest, `{"organisation": ["“xyz” is not a valid UUID."]}`)
}

func ptr[T any](v T) *T { return &v }

func mustJSON(v any) string {
	encoded, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(encoded)
}

func jsonEqual(a, b any) bool { return mustJSON(a) == mustJSON(b) }

func TestCreateRepositoryGeneratesKeyForKeyType(t *testing.T) {
	ts := newTestServer(t)
	app := ts.seed.Applications[acmeWeb]
	repo := createRepository(t, ts, adaToken, objects{
		"application": app, "organisation": ts.seed.Organisations["Acme"], "url": sshURL, "key_type": "RSA", "branch": "develop",
	})
	if repo.DeployKey == nil || repo.AuthInfo == nil || !strings.HasPrefix(*repo.AuthInfo, "ssh-rsa ") || repo.Branch != "develop" {
		t.Fatalf("created %s", mustJSON(repo))
	}
	var key deployKeyView
	ts.get("/apps/v3/deploy-keys/"+*repo.DeployKey+"/", http.StatusOK, &key)
	if key.Application != app || key.KeyType != "RSA" || key.PublicKey != *repo.AuthInfo {
		t.Fatalf("generated key %+v", key)
	}
}

func TestCreateRepositoryValidation(t *testing.T) {
	ts := newTestServer(t)
	app, otherApp, globexApp := ts.seed.Applications[acmeWeb], ts.seed.Applications[acmeAPI], ts.seed.Applications[globexWeb]
	key := createDeployKey(t, ts, adaToken, app, "")
	otherAppKey := createDeployKey(t, ts, adaToken, otherApp, "")
	globexKey := createDeployKey(t, ts, graceToken, globexApp, "")

	ssh := func(changes objects) objects {
		body := objects{"application": app, "url": sshURL, "deploy_key": key.UUID}
		for name, value := range changes {
			if value == nil {
				delete(body, name)
			} else {
				body[name] = value
			}
		}
		return body
	}
	https := func(changes objects) objects {
		body := ssh(objects{"url": httpsURL, "deploy_key": nil, "username": "ada", "password": httpsToken})
		for name, value := range changes {
			if value == nil {
				delete(body, name)
			} else {
				body[name] = value
			}
		}
		return body
	}
	urlMessage := func(raw string) string {
		_, err := giturl.Validate(raw)
		if err == nil {
			t.Fatalf("giturl accepts %q", raw)
		}
		return err.Error()
	}
	one := func(field, message string) string { return mustJSON(map[string][]string{field: {message}}) }

	cases := map[string]struct {
		body objects
		want string
	}{
		"missing application": {ssh(objects{"application": nil}), one("application", "This field is required.")},
		"malformed application": {ssh(objects{"application": "xyz"}),
			one("application", "“xyz” is not a valid UUID.")},
		// Ada's deploy key cannot be judged against Grace's application:
		// only the application is reported.
		"another organisation's application": {ssh(objects{"application": globexApp}),
			one("application", "Object with uuid="+globexApp+" does not exist.")},
		"organisation of another application": {ssh(objects{"organisation": ts.seed.Organisations["Globex"]}),
			one("organisation", "This is not the organisation of the application.")},
		"missing url":  {ssh(objects{"url": nil}), one("url", "This field is required.")},
		"empty url":    {ssh(objects{"url": ""}), one("url", urlMessage(""))},
		"http url":     {ssh(objects{"url": "http://git.example.com/a.git"}), one("url", urlMessage("http://git.example.com/a.git"))},
		"credentials":  {https(objects{"url": "https://u:p@git.example.com/a.git"}), one("url", urlMessage("https://u:p@git.example.com/a.git"))},
		"github https": {https(objects{"url": "https://github.com/acme/web.git"}), one("url", urlMessage("https://github.com/acme/web.git"))},
		"private address": {ssh(objects{"url": "ssh://git@10.1.2.3/a.git"}),
			one("url", addressMessage(t, "10.1.2.3"))},
		"metadata address": {https(objects{"url": "https://169.254.169.254/a.git"}),
			one("url", addressMessage(t, "169.254.169.254"))},
		"link-local IPv6": {ssh(objects{"url": "ssh://git@[fe80::1]/a.git"}),
			one("url", addressMessage(t, "fe80::1"))},
		"carrier-grade NAT": {ssh(objects{"url": "git@100.64.0.1:a.git"}),
			one("url", addressMessage(t, "100.64.0.1"))},
		"unspecified": {ssh(objects{"url": "ssh://git@0.0.0.0/a.git"}),
			one("url", addressMessage(t, "0.0.0.0"))},
		"multicast": {ssh(objects{"url": "ssh://git@[ff02::1]/a.git"}),
			one("url", addressMessage(t, "ff02::1"))},
		"ipv4-mapped private": {ssh(objects{"url": "ssh://git@[::ffff:192.168.1.1]/a.git"}),
			one("url", addressMessage(t, "::ffff:192.168.1.1"))},
		"invalid branch": {ssh(objects{"branch": "feature..x"}),
			one("branch", `"feature..x" is not a valid Git branch name: it must not contain “..”.`)},
		"blank branch": {ssh(objects{"branch": ""}), one("branch", "This field may not be blank.")},
		"write access off": {ssh(objects{"write_access": false}),
			one("write_access", "Write access is required to set up the external repository; turn it off once the repository is connected.")},
		"bad fingerprint": {ssh(objects{"expected_host_key_fingerprint": "SHA256:abc"}),
			one("expected_host_key_fingerprint", "Enter the host key fingerprint as ssh-keygen -lf prints it: “SHA256:” followed by 43 base64 characters.")},
		"md5 fingerprint": {ssh(objects{"expected_host_key_fingerprint": "MD5:47:de:40:a6:98:fc:1c:14:9a:fb:f4:c8:99:6f:b9:24"}),
			one("expected_host_key_fingerprint", "Enter the host key fingerprint as ssh-keygen -lf prints it: “SHA256:” followed by 43 base64 characters.")},
		"fingerprint with https": {https(objects{"expected_host_key_fingerprint": fingerprintA}),
			one("expected_host_key_fingerprint", "Only SSH URLs have a host key; remove expected_host_key_fingerprint or use an SSH URL.")},
		"ssh without key": {ssh(objects{"deploy_key": nil}),
			one("deploy_key", "An SSH URL needs a deploy key: set deploy_key to a deploy key of the application, or key_type to have one generated.")},
		"deploy key and key type": {ssh(objects{"key_type": "ED25519"}), one("key_type", "Set either deploy_key or key_type, not both.")},
		"bad key type": {ssh(objects{"deploy_key": nil, "key_type": "DSA"}),
			one("key_type", `"DSA" is not a valid choice. Choose one of ED25519, ECDSA, RSA.`)},
		"malformed deploy key": {ssh(objects{"deploy_key": "xyz"}), one("deploy_key", "“xyz” is not a valid UUID.")},
		"deploy key of another application": {ssh(objects{"deploy_key": otherAppKey.UUID}),
			one("deploy_key", "This deploy key belongs to another application; use a deploy key of the repository's application.")},
		"deploy key of another organisation": {ssh(objects{"deploy_key": globexKey.UUID}),
			one("deploy_key", "Object with uuid="+globexKey.UUID+" does not exist.")},
		"ssh with username and password": {ssh(objects{"username": "ada", "password": httpsToken}), mustJSON(map[string][]string{
			"username": {"Only HTTPS URLs use a username; SSH URLs authenticate with a deploy key."},
			"password": {"Only HTTPS URLs use a password; SSH URLs authenticate with a deploy key."},
		})},
		"https without credentials": {https(objects{"username": nil, "password": nil}), mustJSON(map[string][]string{
			"username": {"This field is required for an HTTPS URL: the user name at the Git host."},
			"password": {"This field is required for an HTTPS URL: a personal access token of the Git host."},
		})},
		"https with deploy key and key type": {https(objects{"deploy_key": key.UUID, "key_type": "ED25519"}), mustJSON(map[string][]string{
			"deploy_key": {"Only SSH URLs use a deploy key; HTTPS URLs authenticate with username and password."},
			"key_type":   {"Only SSH URLs use a deploy key, so key_type is not accepted with an HTTPS URL; set username and password instead."},
		})},
		"blank credentials": {https(objects{"username": "", "password": ""}), mustJSON(map[string][]string{
			"username": {"This field may not be blank."}, "password": {"This field may not be blank."},
		})},
		"bad characters": {https(objects{"username": "ada:x", "password": "tok\nen"}), mustJSON(map[string][]string{
			"username": {"A user name cannot contain “:” or control characters."},
			"password": {"The token cannot contain control characters."},
		})},
		"long token": {https(objects{"password": strings.Repeat("x", 1025)}),
			one("password", "Ensure this field has no more than 1024 characters.")},
		"unknown field": {ssh(objects{"webhook": "x"}), one("non_field_errors", `JSON parse error - unknown field "webhook".`)},
		"wrong type":    {ssh(objects{"migrate": "yes"}), one("migrate", "Incorrect type. Expected bool, but got string.")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resp := ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, tc.body)
			resp.expectJSON(t, http.StatusBadRequest, tc.want)
			if strings.Contains(string(resp.body), httpsToken) {
				t.Fatal("the answer quotes the token")
			}
		})
	}

	var list listResponse[repositoryView]
	ts.get("/apps/v3/repositories/", http.StatusOK, &list)
	if list.Count != 0 {
		t.Fatalf("rejected requests created %d repositories", list.Count)
	}
	var application applicationView
	ts.get("/apps/v3/applications/"+app+"/", http.StatusOK, &application)
	if application.Repository != nil {
		t.Fatal("a rejected request bound the application")
	}

	// One binding per application.
	repo := createRepository(t, ts, adaToken, ssh(nil))
	ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, https(nil)).expectJSON(t, http.StatusBadRequest,
		one("application", "This application already has an external repository ("+repo.UUID+"); change it with PATCH."))
}

func TestCreateRepositoryRefusesLoopbackOutsideDevMode(t *testing.T) {
	url := "ssh://git@127.0.0.1:2222/srv/repo.git"
	dev := newTestServer(t)
	createRepository(t, dev, adaToken, objects{"application": dev.seed.Applications[acmeWeb], "url": url, "key_type": "ED25519"})

	production := newTestServer(t, func(cfg *Config) { cfg.Dev = false })
	for url, host := range map[string]string{url: "127.0.0.1", "https://[::1]/repo.git": "::1"} {
		production.request(http.MethodPost, "/apps/v3/repositories/", adaToken,
			objects{"application": production.seed.Applications[acmeWeb], "url": url, "key_type": "ED25519"}).
			expectJSON(t, http.StatusBadRequest, mustJSON(map[string][]string{"url": {addressMessage(t, host)}}))
	}
}

func TestRepositoriesOfOtherOrganisations(t *testing.T) {
	ts := newTestServer(t)
	globexApp := ts.seed.Applications[globexWeb]
	graces := createRepository(t, ts, graceToken, objects{"application": globexApp, "url": sshURL, "key_type": "ED25519"})
	waitIdle(t, ts)

	path := "/apps/v3/repositories/" + graces.UUID + "/"
	notFound := `{"detail": "Not found."}`
	ts.request(http.MethodGet, path, adaToken, nil).expectJSON(t, http.StatusNotFound, notFound)
	ts.request(http.MethodPatch, path, adaToken, objects{"branch": "x"}).expectJSON(t, http.StatusNotFound, notFound)
	ts.request(http.MethodPost, path+"check/", adaToken, objects{}).expectJSON(t, http.StatusNotFound, notFound)
	// The 404 comes first even when the body is wrong as well.
	ts.request(http.MethodPatch, path, adaToken, objects{"deploy_key": "xyz"}).expectJSON(t, http.StatusNotFound, notFound)

	for _, filter := range []string{"", "?application=" + globexApp, "?organisation=" + ts.seed.Organisations["Globex"]} {
		var list listResponse[repositoryView]
		ts.get("/apps/v3/repositories/"+filter, http.StatusOK, &list)
		if list.Count != 0 {
			t.Errorf("Ada lists %q: %d repositories", filter, list.Count)
		}
	}

	// Ada's binding cannot use Grace's deploy key, nor be created for Grace's application.
	adasApp := ts.seed.Applications[acmeWeb]
	ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, objects{"application": adasApp, "url": sshURL, "deploy_key": *graces.DeployKey}).
		expectJSON(t, http.StatusBadRequest, `{"deploy_key": ["Object with uuid=`+*graces.DeployKey+` does not exist."]}`)
	adas := createRepository(t, ts, adaToken, objects{"application": adasApp, "url": sshURL, "key_type": "ED25519"})
	ts.request(http.MethodPatch, "/apps/v3/repositories/"+adas.UUID+"/", adaToken, objects{"deploy_key": *graces.DeployKey}).
		expectJSON(t, http.StatusBadRequest, `{"deploy_key": ["Object with uuid=`+*graces.DeployKey+` does not exist."]}`)

	// Grace still sees hers unchanged.
	var still repositoryView
	ts.request(http.MethodGet, path, graceToken, nil).expect(t, http.StatusOK, &still)
	if still.Branch != "main" || still.State != "CLONED" {
		t.Fatalf("Grace's repository changed: %s", mustJSON(still))
	}
}

func TestRepositoryCheckFailure(t *testing.T) {
	checker := &fakeChecker{}
	ts := newTestServer(t, withChecker(checker))
	repo := createRepository(t, ts, adaToken, objects{"application": ts.seed.Applications[acmeWeb], "url": sshURL, "key_type": "ED25519"})
	waitIdle(t, ts)
	cloned := getRepository(t, ts, repo.UUID)

	checker.answer(func(context.Context, gitops.CheckRequest) gitops.CheckResult {
		return gitops.CheckResult{Code: "branch_not_found", Message: "The remote repository has no branch “release”.", Duration: 2 * time.Second}
	})
	ts.clock.Advance(time.Hour)
	patchRepository(t, ts, repo.UUID, objects{"branch": "release"})
	waitIdle(t, ts)
	failed := getRepository(t, ts, repo.UUID)
	if failed.State != "INVALID" || failed.Error == nil || *failed.Error != (checkErrorView{"branch_not_found", "The remote repository has no branch “release”."}) {
		t.Fatalf("after a failed check: %s", mustJSON(failed))
	}
	// A failure keeps the pinned key and what the last success saw.
	if !jsonEqual(failed.HostKey, cloned.HostKey) || !jsonEqual(failed.LastCommit, cloned.LastCommit) ||
		deref(failed.CheckDurationMS) != int64(2000) || deref(failed.CheckedAt) != "2026-11-25T11:00:00Z" {
		t.Fatalf("after a failed check: %s", mustJSON(failed))
	}

	// A new check clears the error at once.
	var accepted repositoryView
	ts.request(http.MethodPost, "/apps/v3/repositories/"+repo.UUID+"/check/", adaToken, nil).expect(t, http.StatusAccepted, &accepted)
	if accepted.State != "CLONING" || accepted.Error != nil {
		t.Fatalf("check answered %s", mustJSON(accepted))
	}
	waitIdle(t, ts)

	// A checker that answers nothing is a failure too.
	checker.answer(func(context.Context, gitops.CheckRequest) gitops.CheckResult { return gitops.CheckResult{} })
	ts.request(http.MethodPost, "/apps/v3/repositories/"+repo.UUID+"/check/", adaToken, nil).expect(t, http.StatusAccepted, nil)
	waitIdle(t, ts)
	if got := getRepository(t, ts, repo.UUID); got.State != "INVALID" || got.Error == nil || got.Error.Code != "internal_error" {
		t.Fatalf("after an empty result: %s", mustJSON(got))
	}
}

func TestPatchRepository(t *testing.T) {
	checker := &fakeChecker{}
	ts := newTestServer(t, withChecker(checker))
	app := ts.seed.Applications[acmeWeb]
	key := createDeployKey(t, ts, adaToken, app, "")
	otherKey := createDeployKey(t, ts, adaToken, app, "")
	otherAppKey := createDeployKey(t, ts, adaToken, ts.seed.Applications[acmeAPI], "")

	// Before any success, write access cannot be turned off.
	checker.answer(func(context.Context, gitops.CheckRequest) gitops.CheckResult {
		return gitops.CheckResult{Code: "auth_failed", Message: "Permission denied."}
	})
	repo := createRepository(t, ts, adaToken, objects{"application": app, "url": sshURL, "deploy_key": key.UUID})
	path := "/apps/v3/repositories/" + repo.UUID + "/"
	waitIdle(t, ts)
	ts.request(http.MethodPatch, path, adaToken, objects{"write_access": false}).expectJSON(t, http.StatusBadRequest,
		`{"write_access": ["Write access can only be turned off once the repository has been connected (CLONED) at least once."]}`)

	checker.answer(nil)
	patched := patchRepository(t, ts, repo.UUID, objects{})
	if patched.State != "CLONING" || patched.Error != nil {
		t.Fatalf("an empty PATCH answered %s", mustJSON(patched))
	}
	waitIdle(t, ts)
	patched = patchRepository(t, ts, repo.UUID, objects{"write_access": false, "branch": "develop", "migrate": true})
	if patched.WriteAccess || patched.Branch != "develop" || !patched.Migrate || patched.State != "CLONING" || patched.HostKey == nil {
		t.Fatalf("PATCH answered %s", mustJSON(patched))
	}
	waitIdle(t, ts)
	if last := checker.requests()[len(checker.requests())-1]; last.WriteAccess || last.NewApplication || last.Branch != "develop" {
		t.Fatalf("the check after PATCH got %+v", last)
	}

	bad := map[string]struct {
		body objects
		want string
	}{
		"null url":          {objects{"url": nil}, `{"url": ["This field may not be null."]}`},
		"null branch":       {objects{"branch": nil, "migrate": nil}, `{"branch": ["This field may not be null."], "migrate": ["This field may not be null."]}`},
		"bad branch":        {objects{"branch": "-x"}, `{"branch": ["\"-x\" is not a valid Git branch name: it must not start with “-”."]}`},
		"bad url":           {objects{"url": "file:///srv/repo.git"}, mustJSON(map[string][]string{"url": {urlMessageOf(t, "file:///srv/repo.git")}})},
		"private url":       {objects{"url": "ssh://git@192.168.0.10/a.git"}, mustJSON(map[string][]string{"url": {addressMessage(t, "192.168.0.10")}})},
		"key dropped":       {objects{"deploy_key": nil}, `{"deploy_key": ["An SSH URL needs a deploy key: set deploy_key to a deploy key of the application."]}`},
		"other app's key":   {objects{"deploy_key": otherAppKey.UUID}, `{"deploy_key": ["This deploy key belongs to another application; use a deploy key of the repository's application."]}`},
		"username with ssh": {objects{"username": "ada"}, `{"username": ["Only HTTPS URLs use a username; SSH URLs authenticate with a deploy key."]}`},
		"https without credentials": {objects{"url": httpsURL}, `{"username": ["This field is required for an HTTPS URL: the user name at the Git host."],
			"password": ["This field is required for an HTTPS URL: a personal access token of the Git host."]}`},
		"https with key": {objects{"url": httpsURL, "deploy_key": key.UUID, "username": "u", "password": "p"},
			`{"deploy_key": ["Only SSH URLs use a deploy key; HTTPS URLs authenticate with username and password."]}`},
		"host key value":  {objects{"host_key": "ssh-ed25519 AAAA"}, `{"host_key": ["Only null can be set: it forgets the pinned host key, and the next successful check pins the key the host then presents."]}`},
		"bad fingerprint": {objects{"expected_host_key_fingerprint": "SHA256:" + strings.Repeat("A", 42) + "B"}, `{"expected_host_key_fingerprint": ["Enter the host key fingerprint as ssh-keygen -lf prints it: “SHA256:” followed by 43 base64 characters."]}`},
		"key type":        {objects{"key_type": "RSA"}, `{"non_field_errors": ["JSON parse error - unknown field \"key_type\"."]}`},
		"application":     {objects{"application": ts.seed.Applications[acmeAPI]}, `{"non_field_errors": ["JSON parse error - unknown field \"application\"."]}`},
	}
	before := getRepository(t, ts, repo.UUID)
	for name, tc := range bad {
		t.Run(name, func(t *testing.T) {
			ts.request(http.MethodPatch, path, adaToken, tc.body).expectJSON(t, http.StatusBadRequest, tc.want)
		})
	}
	if after := getRepository(t, ts, repo.UUID); !jsonEqual(after, before) {
		t.Fatalf("rejected PATCHes changed the repository:\n%s\nwas\n%s", mustJSON(after), mustJSON(before))
	}
	calls := len(checker.requests())

	// Another key of the application; the host key stays pinned.
	patched = patchRepository(t, ts, repo.UUID, objects{"deploy_key": otherKey.UUID})
	if deref(patched.DeployKey) != otherKey.UUID || deref(patched.AuthInfo) != otherKey.PublicKey || patched.HostKey == nil {
		t.Fatalf("PATCH deploy_key answered %s", mustJSON(patched))
	}
	waitIdle(t, ts)
	privateKey, err := ts.server.store.DeployKeyPrivateKey(context.Background(), otherKey.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if last := checker.requests()[len(checker.requests())-1]; !bytes.Equal(last.Auth.SSHPrivateKey, privateKey) || last.PinnedHostKey == "" {
		t.Fatalf("the check after changing the key got %+v", last)
	}

	// Same host, other spelling and path: the pin stays. Another host (or port): it goes.
	patched = patchRepository(t, ts, repo.UUID, objects{"url": "ssh://git@GIT.example.com/acme/other.git"})
	if patched.HostKey == nil || patched.URL != "ssh://git@git.example.com/acme/other.git" {
		t.Fatalf("PATCH url (same host) answered %s", mustJSON(patched))
	}
	waitIdle(t, ts)
	for _, body := range []objects{
		{"url": "ssh://git@git.example.com:2222/acme/other.git"},
		{"url": "git@git.example.org:acme/other.git"},
		{"expected_host_key_fingerprint": fingerprintA},
		{"host_key": nil},
	} {
		patched = patchRepository(t, ts, repo.UUID, body)
		if patched.HostKey != nil || patched.HostKeyFingerprint != nil {
			t.Fatalf("PATCH %v kept the pinned host key: %s", body, mustJSON(patched))
		}
		waitIdle(t, ts)
		if last := checker.requests()[len(checker.requests())-1]; last.PinnedHostKey != "" {
			t.Fatalf("the check after PATCH %v got a pinned key", body)
		}
		if got := getRepository(t, ts, repo.UUID); got.HostKey == nil {
			t.Fatalf("the check after PATCH %v pinned no key", body)
		}
	}
	if got := getRepository(t, ts, repo.UUID); deref(got.ExpectedHostKeyFingerprint) != fingerprintA {
		t.Fatalf("expected fingerprint %v", deref(got.ExpectedHostKeyFingerprint))
	}
	if last := checker.requests()[len(checker.requests())-1]; last.ExpectedHostKeyFingerprint != fingerprintA {
		t.Fatalf("the checker was not given the expected fingerprint: %+v", last)
	}
	patched = patchRepository(t, ts, repo.UUID, objects{"expected_host_key_fingerprint": nil})
	if patched.ExpectedHostKeyFingerprint != nil || patched.HostKey == nil {
		t.Fatalf("clearing the expected fingerprint answered %s", mustJSON(patched))
	}
	waitIdle(t, ts)

	// To HTTPS: the deploy key, host key and expected fingerprint go.
	patchRepository(t, ts, repo.UUID, objects{"expected_host_key_fingerprint": fingerprintB})
	patched = patchRepository(t, ts, repo.UUID, objects{"url": httpsURL, "username": "ada", "password": httpsToken})
	if patched.AuthType != "https" || patched.DeployKey != nil || patched.AuthInfo != nil || deref(patched.Username) != "ada" ||
		patched.HostKey != nil || patched.ExpectedHostKeyFingerprint != nil {
		t.Fatalf("PATCH to HTTPS answered %s", mustJSON(patched))
	}
	waitIdle(t, ts)
	// HTTPS credentials carry over; the username alone can change.
	patched = patchRepository(t, ts, repo.UUID, objects{"username": "ada2"})
	waitIdle(t, ts)
	if last := checker.requests()[len(checker.requests())-1]; last.Auth.HTTPSUsername != "ada2" || last.Auth.HTTPSToken != httpsToken || last.Auth.SSHPrivateKey != nil {
		t.Fatalf("the check after PATCH username got %+v", last.Auth)
	}
	ts.request(http.MethodPatch, path, adaToken, objects{"password": nil}).expectJSON(t, http.StatusBadRequest,
		`{"password": ["This field is required for an HTTPS URL: a personal access token of the Git host."]}`)
	// Back to SSH needs a key, and refuses HTTPS credentials.
	ts.request(http.MethodPatch, path, adaToken, objects{"url": sshURL}).expectJSON(t, http.StatusBadRequest,
		`{"deploy_key": ["An SSH URL needs a deploy key: set deploy_key to a deploy key of the application."]}`)
	ts.request(http.MethodPatch, path, adaToken, objects{"url": sshURL, "deploy_key": key.UUID, "password": "x"}).expectJSON(t, http.StatusBadRequest,
		`{"password": ["Only HTTPS URLs use a password; SSH URLs authenticate with a deploy key."]}`)
	patched = patchRepository(t, ts, repo.UUID, objects{"url": sshURL, "deploy_key": key.UUID})
	if patched.AuthType != "ssh" || patched.Username != nil || deref(patched.DeployKey) != key.UUID {
		t.Fatalf("PATCH back to SSH answered %s", mustJSON(patched))
	}
	waitIdle(t, ts)
	var sealed []byte
	if err := ts.server.store.DB().QueryRow(`SELECT https_token_sealed FROM repositories WHERE uuid = ?`, repo.UUID).Scan(&sealed); err != nil || sealed != nil {
		t.Fatalf("the token is kept after switching to SSH (%v)", err)
	}
	if len(checker.requests()) <= calls {
		t.Fatal("accepted PATCHes started no checks")
	}
}

func urlMessageOf(t *testing.T, raw string) string {
	t.Helper()
	_, err := giturl.Validate(raw)
	if err == nil {
		t.Fatalf("giturl accepts %q", raw)
	}
	return err.Error()
}

func TestCheckEndpoint(t *testing.T) {
	ts := newTestServer(t)
	repo := createRepository(t, ts, adaToken, objects{"application": ts.seed.Applications[acmeWeb], "url": sshURL, "key_type": "ED25519"})
	path := "/apps/v3/repositories/" + repo.UUID + "/check/"
	waitIdle(t, ts)
	var accepted repositoryView
	ts.request(http.MethodPost, path, adaToken, objects{"branch": "develop", "migrate": true}).expect(t, http.StatusAccepted, &accepted)
	if accepted.Branch != "develop" || !accepted.Migrate || accepted.State != "CLONING" {
		t.Fatalf("check answered %s", mustJSON(accepted))
	}
	ts.request(http.MethodPost, path, adaToken, objects{"branch": "a b"}).expectJSON(t, http.StatusBadRequest,
		`{"branch": ["\"a b\" is not a valid Git branch name: it must not contain spaces."]}`)
	ts.request(http.MethodPost, path, adaToken, objects{"url": sshURL}).expectJSON(t, http.StatusBadRequest,
		`{"non_field_errors": ["JSON parse error - unknown field \"url\"."]}`)
	ts.request(http.MethodPost, "/apps/v3/repositories/"+ts.seed.Applications[acmeWeb]+"/check/", adaToken, nil).
		expectJSON(t, http.StatusNotFound, `{"detail": "Not found."}`)
	waitIdle(t, ts)
	if got := getRepository(t, ts, repo.UUID); got.State != "CLONED" || got.Branch != "develop" {
		t.Fatalf("after the check: %s", mustJSON(got))
	}
}

func TestRepositoryChecksCoalesce(t *testing.T) {
	checker := newGatedChecker(nil)
	ts := newTestServer(t, withChecker(checker))
	repo := createRepository(t, ts, adaToken, objects{"application": ts.seed.Applications[acmeWeb], "url": sshURL, "key_type": "ED25519"})
	checker.awaitStart(t)

	path := "/apps/v3/repositories/" + repo.UUID + "/check/"
	ts.request(http.MethodPost, path, adaToken, objects{"branch": "first"}).expect(t, http.StatusAccepted, nil)
	ts.request(http.MethodPost, path, adaToken, objects{"branch": "latest"}).expect(t, http.StatusAccepted, nil)
	checker.release <- struct{}{}
	second := checker.awaitStart(t)
	if second.Branch != "latest" {
		t.Fatalf("the second check got branch %q, want the latest", second.Branch)
	}
	checker.release <- struct{}{}
	waitIdle(t, ts)
	if calls := checker.requests(); len(calls) != 2 {
		t.Fatalf("%d checks, want 2", len(calls))
	}
	if got := getRepository(t, ts, repo.UUID); got.State != "CLONED" || got.Branch != "latest" {
		t.Fatalf("after the checks: %s", mustJSON(got))
	}
}

func TestStaleCheckResultIsDiscarded(t *testing.T) {
	checker := newGatedChecker(func(req gitops.CheckRequest) gitops.CheckResult {
		if req.Branch == "main" {
			return gitops.CheckResult{Code: "success", Commit: strings.Repeat("a", 40)}
		}
		return gitops.CheckResult{Code: "branch_not_found", Message: "No such branch."}
	})
	ts := newTestServer(t, withChecker(checker))
	repo := createRepository(t, ts, adaToken, objects{"application": ts.seed.Applications[acmeWeb], "url": sshURL, "key_type": "ED25519"})
	checker.awaitStart(t)
	patchRepository(t, ts, repo.UUID, objects{"branch": "gone"})

	// The first check (of main) succeeds, but for settings that are no
	// longer current: its result is dropped and the binding stays CLONING.
	checker.release <- struct{}{}
	checker.awaitStart(t)
	if got := getRepository(t, ts, repo.UUID); got.State != "CLONING" || got.LastCommit != nil || got.CheckedAt != nil {
		t.Fatalf("a stale result was stored: %s", mustJSON(got))
	}
	checker.release <- struct{}{}
	waitIdle(t, ts)
	if got := getRepository(t, ts, repo.UUID); got.State != "INVALID" || got.Error.Code != "branch_not_found" || got.LastCommit != nil {
		t.Fatalf("after the checks: %s", mustJSON(got))
	}

	// The store refuses an outcome for an old generation outright.
	stored, err := ts.server.store.LoadRepository(context.Background(), repo.UUID)
	if err != nil {
		t.Fatal(err)
	}
	applied, err := ts.server.store.FinishRepositoryCheck(context.Background(), repo.UUID, stored.Generation-1,
		store.CheckOutcome{Success: true, CheckedAt: time.Now()})
	if err != nil || applied {
		t.Fatalf("an outcome for generation %d applied (%v)", stored.Generation-1, err)
	}
}

func TestRepositoryChecksResumeAfterRestart(t *testing.T) {
	blocked := newGatedChecker(nil) // never released: the check is cancelled by Close
	ts := newTestServer(t, withChecker(blocked))
	repo := createRepository(t, ts, adaToken, objects{"application": ts.seed.Applications[acmeWeb], "url": sshURL, "key_type": "ED25519"})
	blocked.awaitStart(t)

	resumed := &fakeChecker{}
	ts.cfg.AccessChecker = resumed
	ts.restart()
	waitIdle(t, ts)
	if got := getRepository(t, ts, repo.UUID); got.State != "CLONED" || len(resumed.requests()) != 1 {
		t.Fatalf("after restart: %d checks, %s", len(resumed.requests()), mustJSON(got))
	}

	// As after kill -9: the database says CLONING and nothing is running.
	ts.stop()
	db, err := sql.Open("sqlite", ts.cfg.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE repositories SET state = 'CLONING', check_generation = check_generation + 1`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ts.start()
	waitIdle(t, ts)
	if got := getRepository(t, ts, repo.UUID); got.State != "CLONED" || len(resumed.requests()) != 2 {
		t.Fatalf("after a crash: %d checks, %s", len(resumed.requests()), mustJSON(got))
	}
}

func TestHTTPSTokenNeverLeaves(t *testing.T) {
	var mu sync.Mutex
	var responses, logs bytes.Buffer
	checker := &fakeChecker{}
	ts := newTestServer(t, withChecker(checker), func(cfg *Config) {
		cfg.Middleware = []func(http.Handler) http.Handler{captureResponses(&mu, &responses)}
		cfg.Logger = slog.New(slog.NewTextHandler(&lockedWriter{mu: &mu, w: &logs}, nil))
	})
	app := ts.seed.Applications[acmeWeb]
	repo := createRepository(t, ts, adaToken, objects{"application": app, "url": httpsURL, "username": "ada", "password": httpsToken})
	if repo.AuthType != "https" || deref(repo.Username) != "ada" || repo.DeployKey != nil || repo.AuthInfo != nil {
		t.Fatalf("created %s", mustJSON(repo))
	}
	waitIdle(t, ts)
	newToken := httpsToken + "-rotated"
	patchRepository(t, ts, repo.UUID, objects{"password": newToken})
	waitIdle(t, ts)
	getRepository(t, ts, repo.UUID)
	ts.get("/apps/v3/repositories/", http.StatusOK, nil)
	ts.request(http.MethodPatch, "/apps/v3/repositories/"+repo.UUID+"/", adaToken, objects{"password": newToken, "branch": ".."}).
		expect(t, http.StatusBadRequest, nil)

	calls := checker.requests()
	if len(calls) != 2 || calls[0].Auth.HTTPSToken != httpsToken || calls[1].Auth.HTTPSToken != newToken ||
		calls[1].Auth.HTTPSUsername != "ada" || calls[1].Auth.SSHPrivateKey != nil {
		t.Fatalf("the checker got %+v", calls)
	}

	mu.Lock()
	for name, text := range map[string]string{"responses": responses.String(), "logs": logs.String()} {
		if strings.Contains(text, httpsToken) {
			t.Errorf("the %s contain the token", name)
		}
	}
	if !strings.Contains(logs.String(), "repository check") || !strings.Contains(logs.String(), "repository="+repo.UUID) ||
		!strings.Contains(logs.String(), "code=success") {
		t.Errorf("the checks are not logged:\n%s", logs.String())
	}
	mu.Unlock()

	// At rest: sealed under the repository's uuid + "https-token", and nowhere in plain text.
	var sealed []byte
	if err := ts.server.store.DB().QueryRow(`SELECT https_token_sealed FROM repositories WHERE uuid = ?`, repo.UUID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	box, err := sealbox.New(ts.cfg.EncryptionKey)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := box.Open(sealed, []byte(repo.UUID+"https-token")); err != nil || string(plain) != newToken {
		t.Fatalf("the sealed token does not open to the token: %v", err)
	}
	// The files as they are while the server runs (recent pages in the
	// WAL), and after it has stopped (checkpointed into the database).
	for _, stop := range []bool{false, true} {
		if stop {
			ts.stop()
		}
		for _, file := range []string{ts.cfg.DBPath, ts.cfg.DBPath + "-wal"} {
			content, err := os.ReadFile(file)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if bytes.Contains(content, []byte("SECRET-token")) {
				t.Fatalf("%s contains the token in plain text", file)
			}
		}
	}
}

func TestDeleteDeployKeyUsedByRepository(t *testing.T) {
	ts := newTestServer(t)
	app := ts.seed.Applications[acmeWeb]
	key := createDeployKey(t, ts, adaToken, app, "")
	spare := createDeployKey(t, ts, adaToken, app, "")
	repo := createRepository(t, ts, adaToken, objects{"application": app, "url": sshURL, "deploy_key": key.UUID})
	ts.request(http.MethodDelete, "/apps/v3/deploy-keys/"+key.UUID+"/", adaToken, nil).expectJSON(t, http.StatusBadRequest,
		`{"non_field_errors": ["This deploy key is in use by a repository and cannot be deleted."]}`)
	ts.request(http.MethodDelete, "/apps/v3/deploy-keys/"+spare.UUID+"/", adaToken, nil).expect(t, http.StatusNoContent, nil)

	// Once the binding uses another key, the first one can go.
	replacement := createDeployKey(t, ts, adaToken, app, "")
	patchRepository(t, ts, repo.UUID, objects{"deploy_key": replacement.UUID})
	ts.request(http.MethodDelete, "/apps/v3/deploy-keys/"+key.UUID+"/", adaToken, nil).expect(t, http.StatusNoContent, nil)
	waitIdle(t, ts)
}

func TestDeleteRepositoryIsNotAllowed(t *testing.T) {
	ts := newTestServer(t)
	repo := createRepository(t, ts, adaToken, objects{"application": ts.seed.Applications[acmeWeb], "url": sshURL, "key_type": "ED25519"})
	resp := ts.request(http.MethodDelete, "/apps/v3/repositories/"+repo.UUID+"/", adaToken, nil)
	resp.expectJSON(t, http.StatusMethodNotAllowed, `{"detail": "Method \"DELETE\" not allowed."}`)
	if allow := resp.header.Get("Allow"); allow != "GET, HEAD, PATCH" {
		t.Errorf("Allow = %q, want GET, HEAD, PATCH", allow)
	}
	ts.request(http.MethodDelete, "/apps/v3/repositories/", adaToken, nil).expect(t, http.StatusMethodNotAllowed, nil)
	getRepository(t, ts, repo.UUID)
	waitIdle(t, ts)
}

func TestCreateRepositoryIsIdempotent(t *testing.T) {
	checker := &fakeChecker{}
	ts := newTestServer(t, withChecker(checker))
	body := objects{"application": ts.seed.Applications[acmeWeb], "url": httpsURL, "username": "ada", "password": httpsToken}
	first := ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, body, "Idempotency-Key", "create-repo-1")
	first.expect(t, http.StatusCreated, nil)
	waitIdle(t, ts)
	again := ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, body, "Idempotency-Key", "create-repo-1")
	again.expect(t, http.StatusCreated, nil)
	if again.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.body, first.body) {
		t.Fatalf("replay: %s %s", again.header, again.body)
	}
	waitIdle(t, ts)
	var list listResponse[repositoryView]
	ts.get("/apps/v3/repositories/", http.StatusOK, &list)
	if list.Count != 1 || len(checker.requests()) != 1 {
		t.Fatalf("%d repositories and %d checks after a replay, want 1 and 1", list.Count, len(checker.requests()))
	}
	// The stored answer is the answer, not the request: no token in it.
	var stored []byte
	if err := ts.server.store.DB().QueryRow(`SELECT response_body FROM idempotency_records`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored, []byte(httpsToken)) {
		t.Fatal("the idempotency record holds the token")
	}
	ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, objects{"application": body["application"], "url": sshURL},
		"Idempotency-Key", "create-repo-1").expect(t, http.StatusUnprocessableEntity, nil)

	// The check endpoint replays as well, without starting a check.
	path := "/apps/v3/repositories/" + list.Results[0].UUID + "/check/"
	ts.request(http.MethodPost, path, adaToken, nil, "Idempotency-Key", "check-1").expect(t, http.StatusAccepted, nil)
	waitIdle(t, ts)
	ts.request(http.MethodPost, path, adaToken, nil, "Idempotency-Key", "check-1").expect(t, http.StatusAccepted, nil)
	waitIdle(t, ts)
	if n := len(checker.requests()); n != 2 {
		t.Fatalf("%d checks after a replayed check request, want 2", n)
	}
}
