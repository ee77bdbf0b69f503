// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

// Page sizes as in DRF's PageNumberPagination with page_size_query_param.
const (
	defaultPageSize = 20
	maxPageSize     = 100
	// maxPageNumber keeps the offset far from overflowing; no list is that long.
	maxPageNumber = 1 << 31
)

// errInvalidPage is DRF's answer to a page past the end, or not a page.
var errInvalidPage = &httpx.Error{Status: http.StatusNotFound, Detail: "Invalid page."}

// pageRequest is the 1-based page number and the page size of a list request.
type pageRequest struct {
	number int
	size   int
}

// parsePageRequest reads ?page= and ?page_size=, pages holding at most
// limit items. Like DRF, a bad page is 404 "Invalid page." while a bad
// page_size falls back to the default.
func parsePageRequest(r *http.Request, limit int) (pageRequest, error) {
	query := r.URL.Query()
	p := pageRequest{number: 1, size: min(defaultPageSize, limit)}
	if value := query.Get("page"); value != "" {
		number, err := strconv.Atoi(value)
		if err != nil || number < 1 || number > maxPageNumber {
			return p, errInvalidPage
		}
		p.number = number
	}
	if size, err := strconv.Atoi(query.Get("page_size")); err == nil && size > 0 {
		p.size = min(size, limit)
	}
	return p, nil
}

func (p pageRequest) storePage() store.Page {
	return store.Page{Limit: p.size, Offset: (p.number - 1) * p.size}
}

// lastPage is the number of the last page; an empty list still has page 1.
func (p pageRequest) lastPage(count int) int {
	return max(1, (count+p.size-1)/p.size)
}

type pageResponse[V any] struct {
	Count    int     `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []V     `json:"results"`
}

// serveList answers one page of a list: load reads the page from the
// store, view turns each item into its JSON object.
func serveList[T, V any](s *Server, w http.ResponseWriter, r *http.Request,
	load func(store.Page) ([]T, int, error), view func(T) V) {
	page, err := parsePageRequest(r, s.pageLimit())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, count, err := load(page.storePage())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if page.number > page.lastPage(count) {
		s.writeError(w, r, errInvalidPage)
		return
	}
	response := pageResponse[V]{Count: count, Results: make([]V, 0, len(items))}
	for _, item := range items {
		response.Results = append(response.Results, view(item))
	}
	if page.number < page.lastPage(count) {
		response.Next = pageURL(r, page.number+1)
	}
	if page.number > 1 {
		response.Previous = pageURL(r, page.number-1)
	}
	httpx.WriteJSON(w, http.StatusOK, response)
}

// pageURL is the absolute URL of another page of the same list, keeping
// the other query parameters. Page 1 is linked without ?page=, as DRF does.
func pageURL(r *http.Request, number int) *string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	query := r.URL.Query()
	if number == 1 {
		query.Del("page")
	} else {
		query.Set("page", strconv.Itoa(number))
	}
	link := (&url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: query.Encode()}).String()
	return &link
}
