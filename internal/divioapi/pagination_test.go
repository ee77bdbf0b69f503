// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// pager serves /apps/v3/applications/ as pages of two, with absolute next
// links made by next(base, page) ("" = last page).
func pager(t *testing.T, pages int, next func(base string, page int) string) (*Client, *script) {
	t.Helper()
	var base string
	s := newScript(func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if p == 0 {
			p = 1
		}
		var nextLink any
		if p < pages {
			nextLink = next(base, p)
		}
		results := []Application{
			{UUID: fmt.Sprintf("a%d-1", p), Slug: r.URL.Query().Get("slug")},
			{UUID: fmt.Sprintf("a%d-2", p)},
		}
		reply(http.StatusOK, map[string]any{"count": 2 * pages, "next": nextLink, "previous": nil, "results": results})(w, r)
	})
	c, srv := newTestClient(t, s)
	base = srv.URL
	return c, s
}

func TestListAllFollowsNext(t *testing.T) {
	c, s := pager(t, 3, func(base string, p int) string {
		return fmt.Sprintf("%s/apps/v3/applications/?page=%d&page_size=100&slug=demo", base, p+1)
	})
	apps, err := c.ListApplications(context.Background(), ApplicationFilter{Slug: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range apps {
		ids = append(ids, a.UUID)
	}
	if got, want := strings.Join(ids, ","), "a1-1,a1-2,a2-1,a2-2,a3-1,a3-2"; got != want {
		t.Errorf("results %s, want %s", got, want)
	}
	reqs := s.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	if got, want := reqs[0].URI, "/apps/v3/applications/?page_size=100&slug=demo"; got != want {
		t.Errorf("first request %s, want %s", got, want)
	}
	for _, r := range reqs {
		checkHeader(t, r, "Authorization", "Token "+testToken)
	}
}

func TestListAllEmptyIsNotNil(t *testing.T) {
	s := newScript(reply(http.StatusOK, map[string]any{"count": 0, "next": nil, "results": []any{}}))
	c, _ := newTestClient(t, s)
	orgs, err := c.ListOrganisations(context.Background())
	if err != nil || orgs == nil || len(orgs) != 0 {
		t.Errorf("ListOrganisations = %#v, %v; want an empty slice", orgs, err)
	}
}

func TestListAllRefusesNextOnAnotherHost(t *testing.T) {
	var stolen atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stolen.Add(1)
	}))
	defer other.Close()

	for name, next := range map[string]string{
		"other port":   other.URL + "/apps/v3/applications/?page=2",
		"other scheme": strings.Replace(other.URL, "http://", "https://", 1) + "/apps/v3/applications/?page=2",
		"user info":    strings.Replace(other.URL, "http://", "http://mallory@", 1) + "/apps/v3/applications/?page=2",
	} {
		c, _ := pager(t, 2, func(string, int) string { return next })
		_, err := c.ListApplications(context.Background(), ApplicationFilter{})
		if err == nil || !strings.Contains(err.Error(), "refusing to follow") {
			t.Errorf("%s: err = %v, want a refusal", name, err)
		}
		if c.RequestCount() != 1 {
			t.Errorf("%s: RequestCount = %d, want 1", name, c.RequestCount())
		}
	}
	if stolen.Load() != 0 {
		t.Errorf("the other host received %d requests", stolen.Load())
	}
}

func TestListAllAcceptsRelativeAndDefaultPortNext(t *testing.T) {
	c, s := pager(t, 2, func(string, int) string { return "/apps/v3/applications/?page=2" })
	apps, err := c.ListApplications(context.Background(), ApplicationFilter{})
	if err != nil || len(apps) != 4 {
		t.Fatalf("ListApplications = %d results, %v", len(apps), err)
	}
	if n := len(s.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}

	a, _ := New(Config{BaseURL: "https://api.divio.com"})
	if _, err := a.nextPage(a.base, "https://API.divio.com:443/apps/v3/applications/?page=2"); err != nil {
		t.Errorf("explicit default port refused: %v", err)
	}
	// DRF behind a TLS-terminating proxy links to http://: followed, on https.
	for _, next := range []string{"http://api.divio.com/apps/v3/applications/?page=2", "http://api.divio.com:80/apps/v3/applications/?page=2"} {
		u, err := a.nextPage(a.base, next)
		if err != nil || u.String() != "https://api.divio.com/apps/v3/applications/?page=2" {
			t.Errorf("nextPage(%s) = %v, %v; want it on https://api.divio.com", next, u, err)
		}
	}
	for _, next := range []string{"http://api.divio.com:8080/x/", "https://api.divio.com.evil.test/x/", "ftp://api.divio.com/x/"} {
		if u, err := a.nextPage(a.base, next); err == nil {
			t.Errorf("nextPage(%s) = %v; want a refusal", next, u)
		}
	}
}

// A next link on http:// to the API's host is followed on the configured
// scheme: behind a TLS-terminating proxy DRF sees http and links so.
func TestListAllFollowsProxyHTTPNextOnTheBaseURL(t *testing.T) {
	var srv *httptest.Server
	var plainLinks atomic.Int64
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var next any
		if r.URL.Query().Get("page") == "" {
			plainLinks.Add(1)
			next = strings.Replace(srv.URL, "https://", "http://", 1) + "/apps/v3/applications/?page=2"
		}
		reply(http.StatusOK, map[string]any{"next": next, "results": []Application{{UUID: "a-" + r.URL.Query().Get("page")}}})(w, r)
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, Token: testToken, HTTPClient: srv.Client(), DisableExtensions: true})
	if err != nil {
		t.Fatal(err)
	}
	apps, err := c.ListApplications(context.Background(), ApplicationFilter{})
	if err != nil || len(apps) != 2 || apps[1].UUID != "a-2" {
		t.Fatalf("ListApplications = %+v, %v; want both pages", apps, err)
	}
	if plainLinks.Load() != 1 || c.RequestCount() != 2 {
		t.Errorf("first pages served %d, requests %d; want 1 and 2 (the second over TLS)", plainLinks.Load(), c.RequestCount())
	}
}
