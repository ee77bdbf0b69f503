// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package acctest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// ThrottleNext answers the next matching request 429 with Retry-After,
// without running it; FailNext still works beside it.
func TestFaultsThrottleNext(t *testing.T) {
	ran := 0
	faults := &Faults{}
	server := httptest.NewServer(faults.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		ran++
		w.WriteHeader(http.StatusCreated)
	})))
	defer server.Close()
	post := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Post(server.URL+path, "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}

	faults.ThrottleNext("POST /apps/v3/repositories/", 2)
	faults.FailNext("POST /apps/v3/repositories/", http.StatusBadRequest, `{"url": ["no"]}`)
	resp, body := post("/apps/v3/repositories/")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "2" ||
		body != `{"detail": "Request was throttled. Expected available in 2 seconds."}` || ran != 0 {
		t.Fatalf("throttled: %d, Retry-After %q, %s; handler ran %d times", resp.StatusCode, resp.Header.Get("Retry-After"), body, ran)
	}
	resp, body = post("/apps/v3/repositories/")
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Retry-After") != "" || body != `{"url": ["no"]}` || ran != 0 {
		t.Fatalf("failed: %d, Retry-After %q, %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	faults.ThrottleNext("POST /apps/v3/applications/", 1)
	if resp, _ := post("/apps/v3/repositories/"); resp.StatusCode != http.StatusCreated || ran != 1 {
		t.Fatalf("an unfaulted request: %d", resp.StatusCode)
	}
	if resp, body := post("/apps/v3/applications/"); resp.StatusCode != http.StatusTooManyRequests ||
		body != `{"detail": "Request was throttled. Expected available in 1 second."}` {
		t.Fatalf("throttled application: %d %s", resp.StatusCode, body)
	}
}

// pageSizeLimit lowers a GET's page_size to the limit, or sets it, and
// leaves a smaller one and other methods alone.
func TestPageSizeLimit(t *testing.T) {
	var got string
	handler := pageSizeLimit(2)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = r.URL.RawQuery }))
	for _, c := range []struct{ method, query, want string }{
		{http.MethodGet, "page_size=100&organisation=x", "organisation=x&page_size=2"},
		{http.MethodGet, "", "page_size=2"},
		{http.MethodGet, "page=3&page_size=1", "page=3&page_size=1"},
		{http.MethodPost, "page_size=100", "page_size=100"},
	} {
		handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(c.method, "/apps/v3/applications/?"+c.query, nil))
		if got != c.want {
			t.Errorf("%s ?%s: the server saw ?%s, want ?%s", c.method, c.query, got, c.want)
		}
	}
}
