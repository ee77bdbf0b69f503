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

// nextPage resolves a `next` link against the current page's URL and checks
// that it stays on the API's scheme and host.
func (c *Client) nextPage(current *url.URL, next string) (*url.URL, error) {
	ref, err := url.Parse(next)
	if err != nil {
		return nil, fmt.Errorf("GET %s: the API's next link %q is not a valid URL", current.RequestURI(), next)
	}
	u := current.ResolveReference(ref)
	if u.User != nil || !sameOrigin(u, c.base) {
		return nil, fmt.Errorf("GET %s: refusing to follow the API's next link to %s://%s: it is not the API's host %s://%s, and the token must not be sent there",
			current.RequestURI(), u.Scheme, u.Host, c.base.Scheme, c.base.Host)
	}
	return u, nil
}

// sameOrigin compares scheme, host and port, with default ports made explicit.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) &&
		port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
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
