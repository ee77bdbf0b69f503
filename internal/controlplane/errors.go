package controlplane

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

// nonFieldErrors is the key DRF uses for errors about a request as a whole.
const nonFieldErrors = "non_field_errors"

// maxBodyBytes bounds every request body; the API's bodies are tiny.
const maxBodyBytes = 1 << 20

// detailError is an error answered as {"detail": "..."} with its status.
type detailError struct {
	status int
	detail string
}

func (e *detailError) Error() string { return fmt.Sprintf("%d %s", e.status, e.detail) }

var (
	errNotFound    = &detailError{http.StatusNotFound, "Not found."}
	errInvalidPage = &detailError{http.StatusNotFound, "Invalid page."}
	errBodyTooBig  = &detailError{http.StatusRequestEntityTooLarge, "Request body is larger than 1 MiB."}
)

// validationErrors is a 400 answer: messages by field name, or under
// non_field_errors for the request as a whole.
type validationErrors map[string][]string

func (v validationErrors) Error() string {
	parts := make([]string, 0, len(v))
	for field, messages := range v {
		parts = append(parts, field+": "+strings.Join(messages, " "))
	}
	return strings.Join(parts, "; ")
}

func (v validationErrors) add(field, message string) { v[field] = append(v[field], message) }

// orNil lets a handler collect messages and return them only if there are any.
func (v validationErrors) orNil() error {
	if len(v) == 0 {
		return nil
	}
	return v
}

func fieldError(field, message string) validationErrors {
	return validationErrors{field: {message}}
}

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

// writeError answers err: API errors as themselves, store.ErrNotFound as
// 404, anything else as a logged 500 that tells the client nothing more.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var detail *detailError
	var invalid validationErrors
	switch {
	case errors.As(err, &detail):
		if detail.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", "Token")
		}
		writeJSON(w, detail.status, map[string]string{"detail": detail.detail})
	case errors.As(err, &invalid):
		writeJSON(w, http.StatusBadRequest, invalid)
	case errors.Is(err, store.ErrNotFound):
		writeJSON(w, http.StatusNotFound, map[string]string{"detail": errNotFound.detail})
	default:
		s.logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("method", r.Method), slog.String("path", logPath(r)), slog.String("error", err.Error()))
		writeJSON(w, http.StatusInternalServerError, map[string]string{"detail": "A server error occurred."})
	}
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
