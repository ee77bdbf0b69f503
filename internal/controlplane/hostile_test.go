// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

// What a hostile client found when it probed the control plane: each test
// here is one of those holes, kept closed.

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/testinfra/hooksender"
)

// Unsigned junk posted to a webhook's URL as fast as two connections can
// send it never makes the control plane refuse a delivery GitHub signed:
// the signature is checked before the webhook's budget is spent, and the
// junk is limited by its source address instead.
func TestSignedDeliveriesGetThroughAFloodOfUnsignedOnes(t *testing.T) {
	ts := newTestServer(t)
	repo := bindApplication(t, ts, acmeWeb, sshURL)
	hook := createWebhook(t, ts, objects{"application": repo.Application, "type": "github"})

	ctx, stop := context.WithCancel(context.Background())
	var flood sync.WaitGroup
	var mu sync.Mutex
	answers := map[int]int{}
	var sent atomic.Int64
	for range 2 {
		flood.Go(func() {
			client := &http.Client{Transport: &http.Transport{}}
			defer client.CloseIdleConnections()
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, strings.NewReader(`{"ref": "refs/heads/main", "junk": true}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-GitHub-Event", "push")
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				resp.Body.Close()
				mu.Lock()
				answers[resp.StatusCode]++
				mu.Unlock()
				sent.Add(1)
			}
		})
	}
	// Each signed push goes out while the flood runs, after a hundred more
	// unsigned requests (the webhook's budget is a burst of 20).
	for i := range 5 {
		for target := int64(100 * (i + 1)); sent.Load() < target; {
			time.Sleep(time.Millisecond)
		}
		head := fmt.Sprintf("%040x", i+1)
		delivery, err := hooksender.New("github", hook.URL, *hook.Secret, hooksender.Push{Branch: "main", Before: headA, After: head, Repo: "acme/website"})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := delivery.Send(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusAccepted || !strings.Contains(resp.Body, `"accepted"`) {
			t.Errorf("signed push %d during the flood: %d %s", i+1, resp.Status, resp.Body)
		}
	}
	stop()
	flood.Wait()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("answers to %d unsigned deliveries meanwhile: %v", sent.Load(), answers)
	if answers[http.StatusUnauthorized] == 0 || answers[http.StatusTooManyRequests] == 0 ||
		answers[http.StatusUnauthorized]+answers[http.StatusTooManyRequests] != int(sent.Load()) {
		t.Errorf("unsigned deliveries answered %v; want 401 until their source's budget is spent, then 429", answers)
	}
}

// Every route that takes a body refuses one that is not JSON (415), and
// changes nothing: PATCH of an environment and migrate-repository included.
func TestEveryBodyMustBeJSON(t *testing.T) {
	ts := newTestServer(t)
	environment := ts.seed.Environments[acmeWeb+"/test"]
	app := ts.seed.Applications[acmeAPI]
	repo := verify(t, ts, createSSHRepository(t, ts, sshURL).UUID, "main")
	routes := []struct{ method, path, body string }{
		{http.MethodPatch, "/apps/v3/environments/" + environment + "/", `{"branch": "feature"}`},
		{http.MethodPost, "/apps/v3/applications/" + app + "/migrate-repository/", `{"repository": "` + repo.UUID + `"}`},
		{http.MethodPost, "/apps/v3/applications/", `{"slug": "x"}`},
		{http.MethodPost, "/apps/v3/repositories/", `{"url": "git@github.com:acme/x.git"}`},
		{http.MethodPost, "/apps/v3/repositories/" + repo.UUID + "/check/", `{"branch": "main"}`},
		{http.MethodPost, "/apps/v3/applications/" + app + "/update/", `{}`},
		{http.MethodPost, "/apps/v3/applications/" + app + "/reset-to-origin/", `{}`},
		{http.MethodPost, "/apps/v3/webhooks/", `{"application": "` + app + `"}`},
	}
	for _, route := range routes {
		for _, contentType := range []string{"text/plain", "application/x-www-form-urlencoded", ""} {
			t.Run(route.method+" "+route.path+" "+contentType, func(t *testing.T) {
				req, err := http.NewRequest(route.method, ts.http.URL+route.path, strings.NewReader(route.body))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Authorization", "Token "+adaToken)
				if contentType != "" {
					req.Header.Set("Content-Type", contentType)
				}
				resp, err := ts.http.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var answer map[string]any
				if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != http.StatusUnsupportedMediaType {
					t.Fatalf("%d %v %v; want 415 with a JSON detail", resp.StatusCode, answer, err)
				}
			})
		}
	}
	var env environmentView
	ts.get("/apps/v3/environments/"+environment+"/", http.StatusOK, &env)
	var got applicationView
	ts.get("/apps/v3/applications/"+app+"/", http.StatusOK, &got)
	if env.Branch != "develop" || got.Repository != nil {
		t.Fatalf("a refused body changed state: environment %+v, application %+v", env, got)
	}
}

// A revoked token and a removed user stay gone when the control plane
// starts again with the same seed, as `make control-plane` does.
func TestRevocationSurvivesARestartWithTheSameSeed(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	if err := RevokeToken(ctx, ts.cfg.DBPath, adaToken); err != nil {
		t.Fatal(err)
	}
	if err := RemoveUser(ctx, ts.cfg.DBPath, "grace@globex.test"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		ts.restart()
		result, err := ts.server.Bootstrap(ctx, baseSeed())
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(result.Skipped); got != "[a token of ada@acme.test (revoked) user grace@globex.test (removed)]" {
			t.Errorf("skipped %s", got)
		}
		for _, token := range []string{adaToken, graceToken} {
			ts.request(http.MethodGet, "/iam/v3/me/", token, nil).expectJSON(t, http.StatusUnauthorized, `{"detail": "Invalid token."}`)
		}
	}
	if _, err := BootstrapDB(ctx, ts.cfg.DBPath, baseSeed()); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", ts.cfg.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var users, tokens int
	if err := db.QueryRow(`SELECT (SELECT COUNT(*) FROM users WHERE email = 'grace@globex.test'), (SELECT COUNT(*) FROM tokens)`).Scan(&users, &tokens); err != nil {
		t.Fatal(err)
	}
	if users != 0 || tokens != 0 {
		t.Fatalf("after restarts with the seed: %d users grace@globex.test, %d tokens; want none", users, tokens)
	}
}

// Credentials that are blank once white space is trimmed are refused like
// empty ones, under their field.
func TestWhitespaceOnlyCredentialsAreBlank(t *testing.T) {
	ts := newTestServer(t)
	acme := ts.seed.Organisations["Acme"]
	for _, blank := range []string{" ", "   ", " \u00a0 "} {
		ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken,
			objects{"organisation": acme, "url": httpsURL, "username": "ada", "password": blank}).
			expectJSON(t, http.StatusBadRequest, `{"password": ["This field may not be blank."]}`)
		ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken,
			objects{"organisation": acme, "url": httpsURL, "username": blank, "password": httpsToken}).
			expectJSON(t, http.StatusBadRequest, `{"username": ["This field may not be blank."]}`)
	}
	if n := countRepositories(t, ts); n != 0 {
		t.Fatalf("%d repositories created with blank credentials", n)
	}
	// A webhook's secret is a credential too, at creation and rotation.
	repo := bindApplication(t, ts, acmeWeb, sshURL)
	blankSecret := strings.Repeat(" ", 20)
	ts.request(http.MethodPost, "/apps/v3/webhooks/", adaToken, objects{"application": repo.Application, "type": "github", "secret": blankSecret}).
		expectJSON(t, http.StatusBadRequest, `{"secret": ["This field may not be blank."]}`)
	hook := createWebhook(t, ts, objects{"application": repo.Application, "type": "gitlab"})
	ts.request(http.MethodPost, "/apps/v3/webhooks/"+hook.UUID+"/rotate/", adaToken, objects{"secret": blankSecret}).
		expectJSON(t, http.StatusBadRequest, `{"secret": ["This field may not be blank."]}`)
}

// A body whose framing is broken is a 400 in JSON, not a 500.
func TestMalformedBodyFramingIsBadRequest(t *testing.T) {
	ts := newTestServer(t)
	addr := strings.TrimPrefix(ts.http.URL, "http://")
	head := "POST /apps/v3/repositories/ HTTP/1.1\r\nHost: x\r\nAuthorization: Token " + adaToken + "\r\nContent-Type: application/json\r\n"
	for name, request := range map[string]string{
		"bad chunk size":  head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
		"no chunk end":    head + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}xx",
		"short of length": head + "Content-Length: 100\r\n\r\n{}",
	} {
		t.Run(name, func(t *testing.T) {
			resp := halfClosedRequest(t, addr, request)
			var answer map[string]string
			if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != http.StatusBadRequest ||
				resp.Header.Get("Content-Type") != "application/json" || answer["detail"] == "" {
				t.Fatalf("%d %q %v %v; want 400 with a JSON detail", resp.StatusCode, resp.Header.Get("Content-Type"), answer, err)
			}
		})
	}
}

// halfClosedRequest sends request, closes the sending side (the client has
// sent all it will) and reads the answer.
func halfClosedRequest(t *testing.T, addr, request string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.Write([]byte(request)); err != nil {
		t.Fatal(err)
	}
	tcp, ok := conn.(*net.TCPConn)
	if !ok {
		t.Fatalf("%T is not a TCP connection", conn)
	}
	if err := tcp.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// The redirects net/http's router answers for a path it cleans, and the
// 417 it answers for an Expect it does not know, are JSON like every other
// answer.
func TestRedirectsAndExpectationFailuresAreJSON(t *testing.T) {
	ts := newTestServer(t)
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := &http.Server{Handler: ts.server.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = server.Serve(JSONErrorsListener(listener)) }()
	t.Cleanup(func() { _ = server.Close() })

	for request, status := range map[string]int{
		"GET /apps//v3/applications/ HTTP/1.1\r\nHost: x\r\nAuthorization: Token " + adaToken + "\r\n\r\n":             http.StatusTemporaryRedirect,
		"GET /apps/v3/x/../applications/ HTTP/1.1\r\nHost: x\r\nAuthorization: Token " + adaToken + "\r\n\r\n":         http.StatusTemporaryRedirect,
		"GET /apps/v3/applications HTTP/1.1\r\nHost: x\r\nAuthorization: Token " + adaToken + "\r\n\r\n":               http.StatusTemporaryRedirect,
		"POST /apps/v3/repositories/ HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 2\r\n\r\n{}":             http.StatusExpectationFailed,
		"GET /apps/v3/applications/ HTTP/1.1\r\nHost: x\r\nAuthorization: Token " + adaToken + "\r\nExpect: x\r\n\r\n": http.StatusExpectationFailed,
	} {
		resp := rawRequest(t, listener.Addr().String(), request)
		var body map[string]string
		if resp.StatusCode != status || resp.Header.Get("Content-Type") != "application/json" ||
			json.NewDecoder(resp.Body).Decode(&body) != nil || body["detail"] == "" {
			t.Errorf("%q: %d %q %v; want %d with a JSON detail", request, resp.StatusCode, resp.Header.Get("Content-Type"), body, status)
		}
		if status == http.StatusTemporaryRedirect && !strings.HasPrefix(resp.Header.Get("Location"), "/") {
			t.Errorf("%q: Location %q", request, resp.Header.Get("Location"))
		}
	}
}

// A repository's url is answered as given, as a DRF serializer echoes what
// was saved: an import then reads back the configuration's spelling.
func TestRepositoryURLIsAsGiven(t *testing.T) {
	ts := newTestServer(t)
	for _, given := range []string{
		"git@GitHub.com:acme/website",
		"ssh://git@github.com:22/acme/website.git/",
		"git@git.example.com:acme/website.git",
		"ssh://git@Git.Example.com:2222/acme/web.git",
	} {
		repo := createSSHRepository(t, ts, given)
		if repo.URL != given || getRepository(t, ts, repo.UUID).URL != given {
			t.Errorf("url %q answered %q (read %q), want it as given", given, repo.URL, getRepository(t, ts, repo.UUID).URL)
		}
	}
}

// The guide says what the server does with url: as given (it once said
// canonical, which the server never did).
func TestGuideSaysURLIsAnsweredAsGiven(t *testing.T) {
	guide, err := os.ReadFile("../../templates/guides/control-plane-api.md.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(guide), "\n") {
		if strings.HasPrefix(line, "| `url` | public |") {
			if !strings.Contains(line, "as given") || strings.Contains(line, "canonical form") {
				t.Errorf("the guide's url row does not say the url is answered as given:\n%s", line)
			}
			return
		}
	}
	t.Error("the guide has no row for a repository's url")
}
