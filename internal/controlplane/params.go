// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"net/http"
	"net/url"

	"github.com/google/uuid"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
)

// invalidUUIDMessage is Django's wording, curly quotes included.
func invalidUUIDMessage(value string) string {
	return "“" + httpx.TruncateInput(value) + "” is not a valid UUID."
}

// parseUUID accepts what Django's UUIDField accepts (with or without
// hyphens, braces or urn:uuid:) and returns the canonical form the store uses.
func parseUUID(value string) (string, bool) {
	parsed, err := uuid.Parse(value)
	if err != nil {
		return "", false
	}
	return parsed.String(), true
}

// pathUUID returns the {uuid} path segment. Like Django's <uuid:...> path
// converter it takes only the canonical lower-case form; anything else is 404.
func pathUUID(r *http.Request) (string, error) {
	value := r.PathValue("uuid")
	if canonical, ok := parseUUID(value); ok && canonical == value {
		return value, nil
	}
	return "", httpx.ErrNotFound
}

// queryFilters reads list filters, collecting a message for each bad one.
type queryFilters struct {
	values url.Values
	errs   httpx.ValidationErrors
}

func newQueryFilters(r *http.Request) *queryFilters {
	return &queryFilters{values: r.URL.Query(), errs: httpx.ValidationErrors{}}
}

// text returns a filter's value; empty means no filter.
func (f *queryFilters) text(name string) string { return f.values.Get(name) }

// uuid returns a filter's value in canonical form; empty means no filter.
func (f *queryFilters) uuid(name string) string {
	value := f.values.Get(name)
	if value == "" {
		return ""
	}
	canonical, ok := parseUUID(value)
	if !ok {
		f.errs.Add(name, invalidUUIDMessage(value))
	}
	return canonical
}

// uuids returns every value of a repeated filter (?uuid=a&uuid=b, as
// python-requests sends a list) in canonical form; none means no filter.
func (f *queryFilters) uuids(name string) []string {
	var canonical []string
	for _, value := range f.values[name] {
		if value == "" {
			continue // as uuid: an empty value filters nothing
		}
		id, ok := parseUUID(value)
		if !ok {
			f.errs.Add(name, invalidUUIDMessage(value))
			continue
		}
		canonical = append(canonical, id)
	}
	return canonical
}

// required records that a filter is missing (or empty) when it is.
func (f *queryFilters) required(name string) {
	if f.values.Get(name) == "" {
		f.errs.Add(name, msgRequired)
	}
}

// err reports the bad filters, if any.
func (f *queryFilters) err() error { return f.errs.OrNil() }
