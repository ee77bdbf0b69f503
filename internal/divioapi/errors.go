// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxErrorBody is how much of an unexpected answer Error keeps.
const maxErrorBody = 4 << 10

// Error is a non-2xx answer of the API.
type Error struct {
	StatusCode int
	Method     string
	Path       string // path and query of the request
	// Detail is DRF's {"detail": "..."}.
	Detail string
	// FieldErrors are DRF's {"field": ["message", ...]}, without detail and
	// non_field_errors. Nested serializer errors are keyed "field.sub".
	FieldErrors map[string][]string
	// NonFieldErrors are DRF's {"non_field_errors": ["message", ...]}.
	NonFieldErrors []string
	// Code is a scalar "code" beside the messages (the reference control
	// plane names the failure of a check with it), else "".
	Code string
	// Body is the raw answer, truncated to 4 KiB, for shapes not parsed above.
	Body string

	// RequestID is the answer's X-Request-Id, if any, to quote to support.
	RequestID string
	// Location is where a 3xx answer pointed; redirects are not followed.
	Location string
	// Attempts is how many attempts were made, retries included.
	Attempts int
}

// Error renders the answer for a diagnostic, e.g.
// `POST /apps/v3/repositories/: 400 key_type: "X" is not a valid choice.`
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.Path, e.StatusCode, e.message())
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request ID %s)", e.RequestID)
	}
	return b.String()
}

// Message is the API's own words when it gave any, else the status text.
func (e *Error) Message() string { return e.message() }

// message is the API's own words when it gave any, else the status text.
func (e *Error) message() string {
	if words := e.words(); words != "" {
		return words
	}
	msg := http.StatusText(e.StatusCode)
	if msg == "" {
		msg = "Unexpected status"
	}
	if e.Location != "" {
		msg += fmt.Sprintf(" (redirect to %s not followed; check the API base URL)", e.Location)
	}
	if s := snippet([]byte(e.Body)); s != "" {
		msg += ": " + s
	}
	return msg
}

// words are the API's own words (detail, non_field_errors, field errors),
// "" when it gave none.
func (e *Error) words() string {
	var parts []string
	if e.Detail != "" {
		parts = append(parts, e.Detail)
	}
	parts = append(parts, e.NonFieldErrors...)
	fields := make([]string, 0, len(e.FieldErrors))
	for f := range e.FieldErrors {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		for _, msg := range e.FieldErrors[f] {
			parts = append(parts, f+": "+msg)
		}
	}
	return strings.Join(parts, "; ")
}

// wordsOf reads the words of a 2xx answer in DRF's shapes (detail,
// non_field_errors, a field's list of messages; an older CLI showed
// non_field_errors[0] of a check) and a scalar code. Other members of the
// answer (an object's fields) are not words.
func wordsOf(raw []byte) (code, words string) {
	var members map[string]json.RawMessage
	_ = json.Unmarshal(raw, &members) // a non-object answer has no words
	kept := map[string]json.RawMessage{}
	for key, value := range members {
		var list []string
		if key == "detail" || key == "code" || json.Unmarshal(value, &list) == nil {
			kept[key] = value
		}
	}
	var parsed Error
	data, _ := json.Marshal(kept)
	parsed.parseBody(data)
	return parsed.Code, parsed.words()
}

// IsNotFound reports whether err is an *Error with status 404.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
}

// IsUnauthorized reports whether err is an *Error with status 401 or 403:
// the token is missing, wrong, or lacks permission.
func IsUnauthorized(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden)
}

// newError builds the *Error for a non-2xx answer with body data.
func newError(cl *call, resp *http.Response, data []byte) *Error {
	e := &Error{
		StatusCode: resp.StatusCode,
		Method:     cl.method,
		Path:       cl.path,
		Body:       truncateUTF8(string(data), maxErrorBody),
		RequestID:  resp.Header.Get("X-Request-Id"),
		Attempts:   cl.attempts,
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		e.Location = resp.Header.Get("Location")
	}
	e.parseBody(data)
	return e
}

// parseBody fills Detail, NonFieldErrors and FieldErrors from a DRF error
// object. Anything else (an HTML page, a list) stays only in Body.
func (e *Error) parseBody(data []byte) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return
	}
	for key, raw := range obj {
		switch {
		case key == "detail":
			e.Detail = strings.Join(messages("", raw, nil)[""], " ")
		case key == "non_field_errors":
			e.NonFieldErrors = messages("", raw, nil)[""]
		case key == "code":
			_ = json.Unmarshal(raw, &e.Code) // a non-string code is left out
		case isListOrObject(raw):
			// Field errors are always lists (or nested objects) in DRF;
			// scalar keys such as "code" are metadata, not messages.
			if e.FieldErrors == nil {
				e.FieldErrors = map[string][]string{}
			}
			messages(key, raw, e.FieldErrors)
		}
	}
}

// messages collects the messages in raw into into[key], flattening nested
// objects ("field.sub") and lists of objects ("field[1].sub").
func messages(key string, raw json.RawMessage, into map[string][]string) map[string][]string {
	if into == nil {
		into = map[string][]string{}
	}
	var s string
	var list []json.RawMessage
	var obj map[string]json.RawMessage
	switch {
	case json.Unmarshal(raw, &s) == nil:
		into[key] = append(into[key], s)
	case json.Unmarshal(raw, &list) == nil:
		for i, item := range list {
			sub := key
			if isListOrObject(item) {
				sub = key + "[" + strconv.Itoa(i) + "]"
			}
			messages(sub, item, into)
		}
	case json.Unmarshal(raw, &obj) == nil:
		for k, v := range obj {
			sub := k
			if key != "" {
				sub = key + "." + k
			}
			messages(sub, v, into)
		}
	default: // a number, a boolean or null: keep its JSON text
		into[key] = append(into[key], string(raw))
	}
	return into
}

func isListOrObject(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return strings.HasPrefix(s, "[") || strings.HasPrefix(s, "{")
}

// snippet is the start of an unexpected body on one line, for messages.
func snippet(data []byte) string {
	return truncateUTF8(strings.Join(strings.Fields(string(data)), " "), 200)
}

// truncateUTF8 cuts s to at most n bytes without splitting a character,
// marking the cut with "…".
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	// Drop the bytes of a character the cut split (at most utf8.UTFMax-1).
	for i := 1; i < utf8.UTFMax && len(s) > 0; i++ {
		if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size > 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return s + "…"
}
