// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

// The JSON in and out of every endpoint: reading and decoding bodies the
// way DRF does, writing answers, and the small conversions answers share.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"
)

func writeJSON(w http.ResponseWriter, status int, body any) {
	encoded, err := json.Marshal(body)
	if err != nil {
		// Only our own response types get here; they always marshal.
		panic(fmt.Sprintf("controlplane: encode response: %v", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(encoded)
}

// readBody reads the whole request body; a body over the limit is errBodyTooBig.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			return nil, errBodyTooBig
		}
		return nil, fmt.Errorf("read request body: %w", err)
	}
	return body, nil
}

// decodeJSON strictly decodes a JSON object body into dst. An empty body
// counts as {} so that required-field messages name the missing fields.
func decodeJSON(r *http.Request, dst any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if err := checkJSONContentType(r, body); err != nil {
		return err
	}
	return decodeBody(body, dst)
}

// checkJSONContentType refuses a body sent as anything but JSON (415), as
// DRF's parsers do; an empty body needs no type.
func checkJSONContentType(r *http.Request, body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	contentType := r.Header.Get("Content-Type")
	if mediaType, _, err := mime.ParseMediaType(contentType); err == nil && mediaType == "application/json" {
		return nil
	}
	return &detailError{http.StatusUnsupportedMediaType, fmt.Sprintf("Unsupported media type %q in request.", truncateInput(contentType))}
}

// truncateInput shortens what a client sent before a message quotes it: a
// megabyte of garbage is not echoed back.
func truncateInput(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// decodeBody is decodeJSON of a body already read.
func decodeBody(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	decoder := json.NewDecoder(bytes.NewReader(body))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(dst); err != nil {
		return jsonDecodeError(err)
	}
	if decoder.More() {
		return fieldError(nonFieldErrors, "JSON parse error - unexpected data after the JSON object.")
	}
	return nil
}

// jsonDecodeError words a decoding failure the way DRF does, naming JSON
// kinds rather than Go types.
func jsonDecodeError(err error) error {
	if typeErr, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if typeErr.Field == "" {
			return fieldError(nonFieldErrors, fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", typeErr.Value))
		}
		expected := typeErr.Type
		for expected.Kind() == reflect.Pointer {
			expected = expected.Elem()
		}
		return fieldError(typeErr.Field, fmt.Sprintf("Incorrect type. Expected %s, but got %s.", expected.Kind(), typeErr.Value))
	}
	return fieldError(nonFieldErrors, "JSON parse error - "+strings.TrimPrefix(err.Error(), "json: ")+".")
}

// decodePatch decodes a body like decodeJSON and also returns which fields
// it names, so that null can be told from absent.
func decodePatch(r *http.Request, dst any) (map[string]bool, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if err := decodeBody(body, dst); err != nil {
		return nil, err
	}
	present := map[string]bool{}
	if len(bytes.TrimSpace(body)) > 0 {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return nil, jsonDecodeError(err)
		}
		for name := range fields {
			present[name] = true
		}
	}
	return present, nil
}

// nullable is nil for "", which the API answers as null.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// absoluteURL is path on the scheme and host r was sent to.
func absoluteURL(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: r.Host, Path: path}).String()
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
