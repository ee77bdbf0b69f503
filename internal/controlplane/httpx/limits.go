// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package httpx

// The pipeline's first two stages: the body read whole within its size
// and time limits, and its content type.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// MaxBodyBytes bounds every request body. The API's own bodies are a few
// hundred bytes; the largest are webhook deliveries, whose payloads list
// the pushed commits.
const MaxBodyBytes = 1 << 20

// readBody reads the whole body within MaxBodyBytes and, when bodyTimeout
// is set, within that time, and puts it back for the handler. A body that
// is too large is ErrBodyTooBig (413), one that does not arrive in time
// ErrBodyTimeout (408), one whose framing is broken (a bad chunk, fewer
// bytes than Content-Length announced) a 400.
//
// Once the body is in, the connection's read deadline is lifted (as
// net/http does when it starts watching for the client to go away): a
// read that times out cancels the request's context, and a handler may
// rightly run longer than the request took to arrive (a sync).
func readBody(w http.ResponseWriter, r *http.Request, bodyTimeout time.Duration) ([]byte, error) {
	controller := http.NewResponseController(w)
	if bodyTimeout > 0 {
		// Not every writer reaches the connection (a recorder does not):
		// the server's ReadTimeout bounds those.
		_ = controller.SetReadDeadline(time.Now().Add(bodyTimeout))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return nil, bodyError(err)
	}
	_ = controller.SetReadDeadline(time.Time{})
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// bodyError says what went wrong reading a body.
func bodyError(err error) error {
	if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
		return ErrBodyTooBig
	}
	if netErr, ok := errors.AsType[net.Error](err); (ok && netErr.Timeout()) || errors.Is(err, os.ErrDeadlineExceeded) {
		return ErrBodyTimeout
	}
	return &Error{Status: http.StatusBadRequest, Detail: fmt.Sprintf("The request body is malformed: %s.", TruncateInput(err.Error()))}
}

// unsupportedMediaType is the 415 of a body sent as something else than JSON.
func unsupportedMediaType(contentType string) *Error {
	return &Error{Status: http.StatusUnsupportedMediaType, Detail: fmt.Sprintf("Unsupported media type %q in request.", TruncateInput(contentType))}
}

// checkContentType refuses a body sent as anything but JSON (415), as
// DRF's parsers do, whatever the method; an empty body needs no type.
func checkContentType(r *http.Request, body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if contentType := r.Header.Get("Content-Type"); !isJSON(contentType) {
		return unsupportedMediaType(contentType)
	}
	return nil
}
