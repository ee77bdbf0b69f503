// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

// The small conversions the API's answers share.

import (
	"net/http"
	"net/url"
	"time"
)

// nullable is nil for "", which the API answers as null.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nullableTime is nil for the zero time, else the time in the API's format.
func nullableTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	// RFC3339Nano drops a zero fraction: only sync times, kept to the
	// millisecond, show one.
	formatted := t.UTC().Format(time.RFC3339Nano)
	return &formatted
}

// absoluteURL is path on the scheme and host r was sent to.
func absoluteURL(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: r.Host, Path: path}).String()
}
