// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package httpx

// The JSON in and out of every endpoint: decoding bodies (which the
// pipeline has read already) the way DRF does, and writing answers.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"
)

// WriteJSON answers status with body encoded as JSON.
func WriteJSON(w http.ResponseWriter, status int, body any) {
	encoded, err := json.Marshal(body)
	if err != nil {
		// Only our own response types get here; they always marshal.
		panic(fmt.Sprintf("controlplane: encode response: %v", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(encoded)
}

// ReadBody returns the request body, which the pipeline read (within its
// limits) before the handler ran.
func ReadBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, bodyError(err)
	}
	return body, nil
}

// DecodeJSON strictly decodes a JSON object body into dst. An empty body
// counts as {} so that required-field messages name the missing fields.
func DecodeJSON(r *http.Request, dst any) error {
	body, err := ReadBody(r)
	if err != nil {
		return err
	}
	return DecodeBody(body, dst)
}

// isJSON reports whether a Content-Type names JSON.
func isJSON(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && mediaType == "application/json"
}

// TruncateInput shortens what a client sent before a message quotes it: a
// megabyte of garbage is not echoed back.
func TruncateInput(s string) string {
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

// DecodeBody is DecodeJSON of a body already read.
func DecodeBody(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	decoder := json.NewDecoder(bytes.NewReader(body))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(dst); err != nil {
		return jsonDecodeError(err)
	}
	if decoder.More() {
		return FieldError(NonFieldErrors, "JSON parse error - unexpected data after the JSON object.")
	}
	return nil
}

// jsonDecodeError words a decoding failure the way DRF does, naming JSON
// kinds rather than Go types.
func jsonDecodeError(err error) error {
	if typeErr, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if typeErr.Field == "" {
			return FieldError(NonFieldErrors, fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", typeErr.Value))
		}
		expected := typeErr.Type
		for expected.Kind() == reflect.Pointer {
			expected = expected.Elem()
		}
		return FieldError(typeErr.Field, fmt.Sprintf("Incorrect type. Expected %s, but got %s.", expected.Kind(), typeErr.Value))
	}
	return FieldError(NonFieldErrors, "JSON parse error - "+strings.TrimPrefix(err.Error(), "json: ")+".")
}

// DecodePatch decodes a body like DecodeJSON and also returns which fields
// it names, so that null can be told from absent.
func DecodePatch(r *http.Request, dst any) (map[string]bool, error) {
	body, err := ReadBody(r)
	if err != nil {
		return nil, err
	}
	if err := DecodeBody(body, dst); err != nil {
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
