// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxPages bounds ListAll, whatever the server's links say (a variable so
// that the test need not fetch 10,000 pages).
var maxPages = 10000

// pageSize is asked for when the caller does not choose: the largest the API
// allows, to spend as few requests as possible.
const pageSize = "100"

// page is a DRF paginated answer.
type page[T any] struct {
	Next    *string `json:"next"`
	Results *[]T    `json:"results"`
}

// ListAll GETs path with query and follows DRF's `next` links to the last
// page, returning all results. A `next` on another scheme or host than the
// base URL is refused, so the token is never sent elsewhere; a `next` already
// fetched, or more than 10,000 pages, is an error rather than a loop.
func ListAll[T any](ctx context.Context, c *Client, path string, query url.Values) ([]T, error) {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	if q.Get("page_size") == "" {
		q.Set("page_size", pageSize)
	}
	u, err := c.resolve(path, q)
	if err != nil {
		return nil, err
	}

	all := []T{}
	fetched := map[string]bool{}
	for n := 1; ; n++ {
		if n > maxPages {
			return nil, fmt.Errorf("GET %s: the list has more than %d pages; giving up", path, maxPages)
		}
		fetched[u.String()] = true

		var p page[T]
		if err := c.send(ctx, http.MethodGet, u, nil, &p); err != nil {
			return nil, err
		}
		if p.Results == nil {
			return nil, fmt.Errorf("GET %s: the answer is not a paginated list (it has no \"results\")", u.RequestURI())
		}
		all = append(all, *p.Results...)
		if p.Next == nil || *p.Next == "" {
			return all, nil
		}

		next, err := c.nextPage(u, *p.Next)
		if err != nil {
			return nil, err
		}
		if fetched[next.String()] {
			return nil, fmt.Errorf("GET %s: the API's next link points back to %s, which was already fetched; the pagination links form a loop", u.RequestURI(), next.RequestURI())
		}
		u = next
	}
}

// nextPage resolves a `next` link against the current page's URL and
// rebuilds it on the configured base URL: DRF builds absolute links from
// the request it saw, and behind a TLS-terminating proxy that is
// "http://api.divio.com/…". A link to the API's host name is followed on
// the configured scheme and port (so the token never travels in clear
// text); a link to any other host is refused, so the token never goes
// there.
func (c *Client) nextPage(current *url.URL, next string) (*url.URL, error) {
	ref, err := url.Parse(next)
	if err != nil {
		return nil, fmt.Errorf("GET %s: the API's next link %q is not a valid URL", current.RequestURI(), next)
	}
	u := current.ResolveReference(ref)
	if u.User != nil || !sameHost(u, c.base) {
		return nil, fmt.Errorf("GET %s: refusing to follow the API's next link to %s://%s: it is not the API's host %s, and the token must not be sent there",
			current.RequestURI(), u.Scheme, u.Host, c.base.Host)
	}
	u.Scheme, u.Host = c.base.Scheme, c.base.Host
	return u, nil
}

// sameHost reports whether next names the base URL's host: the same host
// name, and no port or the base's own (a proxy's link may carry its
// scheme's default port, or none).
func sameHost(next, base *url.URL) bool {
	if next.Scheme != "http" && next.Scheme != "https" {
		return false
	}
	if !strings.EqualFold(next.Hostname(), base.Hostname()) {
		return false
	}
	p := next.Port()
	return p == "" || p == port(base) || p == defaultPort(next.Scheme)
}

// port is the URL's port, its scheme's default when it names none.
func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	return defaultPort(u.Scheme)
}

func defaultPort(scheme string) string {
	if strings.EqualFold(scheme, "https") {
		return "443"
	}
	return "80"
}

// filter builds a list query from key/value pairs, leaving out empty values
// so that an unset filter does not become "match the empty string".
func filter(pairs ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			q.Set(pairs[i], pairs[i+1])
		}
	}
	return q
}
