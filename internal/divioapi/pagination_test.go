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
	if _, err := a.nextPage(a.base, "http://api.divio.com/apps/v3/applications/?page=2"); err == nil {
		t.Error("downgrade to http accepted")
	}
}

func TestListAllDetectsLoop(t *testing.T) {
	c, s := pager(t, 10, func(base string, _ int) string {
		// Every page's next is page 2, so page 2 points at itself.
		return base + "/apps/v3/applications/?page=2&page_size=100"
	})
	_, err := c.ListApplications(context.Background(), ApplicationFilter{})
	if err == nil || !strings.Contains(err.Error(), "loop") {
		t.Errorf("err = %v, want a loop error", err)
	}
	if n := len(s.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestListAllPageCap(t *testing.T) {
	old := maxPages
	maxPages = 5
	defer func() { maxPages = old }()

	c, s := pager(t, 1000, func(base string, p int) string {
		return fmt.Sprintf("%s/apps/v3/applications/?page=%d", base, p+1)
	})
	_, err := c.ListApplications(context.Background(), ApplicationFilter{})
	if err == nil || !strings.Contains(err.Error(), "more than 5 pages") {
		t.Errorf("err = %v, want the page cap", err)
	}
	if n := len(s.requests()); n != 5 {
		t.Errorf("%d requests, want 5", n)
	}
}

func TestListAllNeedsResults(t *testing.T) {
	s := newScript(reply(http.StatusOK, map[string]any{"uuid": "not-a-list"}))
	c, _ := newTestClient(t, s)
	if _, err := c.ListEnvironments(context.Background(), EnvironmentFilter{Application: "a1"}); err == nil || !strings.Contains(err.Error(), "results") {
		t.Errorf("err = %v, want a not-a-list error", err)
	}
}

func TestListAllKeepsCallerPageSizeAndQuery(t *testing.T) {
	s := newScript(reply(http.StatusOK, map[string]any{"next": nil, "results": []any{}}))
	c, _ := newTestClient(t, s)
	q := map[string][]string{"page_size": {"7"}}
	if _, err := ListAll[Environment](context.Background(), c, "/apps/v3/environments/", q); err != nil {
		t.Fatal(err)
	}
	if got := s.requests()[0].URI; got != "/apps/v3/environments/?page_size=7" {
		t.Errorf("requested %s", got)
	}
	if len(q) != 1 {
		t.Errorf("caller's query was modified: %v", q)
	}
}
