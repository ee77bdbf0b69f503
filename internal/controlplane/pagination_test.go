// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// seedManyApplications gives Ada's organisation Acme n more applications.
func seedManyApplications(t *testing.T, ts *testServer, n int) {
	t.Helper()
	org := SeedOrganisation{Name: "Acme"}
	for i := range n {
		org.Applications = append(org.Applications, SeedApplication{Slug: fmt.Sprintf("app-%02d", i), Environments: []SeedEnvironment{}})
	}
	if _, err := ts.server.Bootstrap(context.Background(), Seed{Organisations: []SeedOrganisation{org}}); err != nil {
		t.Fatal(err)
	}
}

func TestFollowingNextVisitsEveryApplicationOnce(t *testing.T) {
	ts := newTestServer(t)
	seedManyApplications(t, ts, 43) // with acme-web and acme-api: 45
	organisation := ts.seed.Organisations["Acme"]

	seen := map[string]bool{}
	var pages []listResponse[applicationView]
	next := "/apps/v3/applications/?page_size=20&organisation=" + organisation
	for next != "" && len(pages) < 10 {
		var page listResponse[applicationView]
		ts.get(next, http.StatusOK, &page)
		pages = append(pages, page)
		for _, app := range page.Results {
			if seen[app.UUID] {
				t.Fatalf("application %s appears on two pages", app.Slug)
			}
			seen[app.UUID] = true
		}
		next = ""
		if page.Next != nil {
			next = *page.Next
		}
	}

	if len(pages) != 3 || len(seen) != 45 {
		t.Fatalf("%d pages with %d applications, want 3 pages with 45", len(pages), len(seen))
	}
	for i, page := range pages {
		if page.Count != 45 {
			t.Errorf("page %d: count %d, want 45", i+1, page.Count)
		}
		if wantLen := []int{20, 20, 5}[i]; len(page.Results) != wantLen {
			t.Errorf("page %d: %d results, want %d", i+1, len(page.Results), wantLen)
		}
	}
	if pages[0].Previous != nil || pages[2].Next != nil {
		t.Errorf("first page previous %v, last page next %v; want both null", pages[0].Previous, pages[2].Next)
	}
	// Links are absolute, keep the other parameters, and page 1 has no page parameter.
	base := ts.http.URL + "/apps/v3/applications/"
	assertLink(t, pages[0].Next, base, url.Values{"page": {"2"}, "page_size": {"20"}, "organisation": {organisation}})
	assertLink(t, pages[1].Next, base, url.Values{"page": {"3"}, "page_size": {"20"}, "organisation": {organisation}})
	assertLink(t, pages[1].Previous, base, url.Values{"page_size": {"20"}, "organisation": {organisation}})
	assertLink(t, pages[2].Previous, base, url.Values{"page": {"2"}, "page_size": {"20"}, "organisation": {organisation}})
}

func assertLink(t *testing.T, link *string, base string, wantQuery url.Values) {
	t.Helper()
	if link == nil {
		t.Fatalf("link is null, want %s?%s", base, wantQuery.Encode())
	}
	parsed, err := url.Parse(*link)
	if err != nil {
		t.Fatal(err)
	}
	if got := parsed.Scheme + "://" + parsed.Host + parsed.Path; got != base {
		t.Errorf("link %s: base %s, want %s", *link, got, base)
	}
	if parsed.Query().Encode() != wantQuery.Encode() {
		t.Errorf("link %s: query %s, want %s", *link, parsed.Query().Encode(), wantQuery.Encode())
	}
}

func TestPageOutOfRange(t *testing.T) {
	ts := newTestServer(t)
	for _, query := range []string{"page=2", "page=0", "page=-1", "page=abc", "page=99999999999999999999"} {
		ts.request(http.MethodGet, "/apps/v3/applications/?"+query, adaToken, nil).
			expectJSON(t, http.StatusNotFound, `{"detail": "Invalid page."}`)
	}
	// An empty list still has a first page.
	var empty listResponse[repositoryView]
	ts.get("/apps/v3/repositories/", http.StatusOK, &empty)
	if empty.Count != 0 || empty.Results == nil || empty.Next != nil || empty.Previous != nil {
		t.Fatalf("empty list answered %+v", empty)
	}
	if resp := ts.get("/apps/v3/repositories/", http.StatusOK, nil); !strings.Contains(string(resp.body), `"results":[]`) {
		t.Errorf("empty results are not []: %s", resp.body)
	}
}

func TestParsePageRequest(t *testing.T) {
	cases := map[string]pageRequest{
		"":                     {number: 1, size: 20},
		"page=3":               {number: 3, size: 20},
		"page_size=5":          {number: 1, size: 5},
		"page_size=100":        {number: 1, size: 100},
		"page_size=500":        {number: 1, size: 100}, // clamped
		"page_size=0":          {number: 1, size: 20},  // DRF ignores a bad page_size
		"page_size=-3":         {number: 1, size: 20},
		"page_size=big&page=2": {number: 2, size: 20},
	}
	for query, want := range cases {
		got, err := parsePageRequest(httptest.NewRequest(http.MethodGet, "/x/?"+query, nil), maxPageSize)
		if err != nil || got != want {
			t.Errorf("%q: got %+v, %v; want %+v", query, got, err, want)
		}
	}
}

func TestPageLinksUseTLSScheme(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "https://api.example.test/apps/v3/applications/?slug=a&page=2", nil)
	if link := *pageURL(r, 3); link != "https://api.example.test/apps/v3/applications/?page=3&slug=a" {
		t.Fatalf("link %s", link)
	}
}
