// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package httpx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
)

// JSONErrorsListener wraps l so that the errors net/http answers by itself,
// before any handler runs (a malformed request line, bad percent-encoding in
// the path, headers too large, an unsupported transfer encoding, an Expect
// it does not know), go out in the API's error shape, {"detail": "..."} as
// JSON, like every other error. net/http has no hook for them; it writes
// each in one piece, with headers no handler of ours writes (or, for 417, a
// status no handler of ours answers), which is how they are recognised here.
func JSONErrorsListener(l net.Listener) net.Listener { return jsonErrorsListener{l} }

type jsonErrorsListener struct{ net.Listener }

func (l jsonErrorsListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return jsonErrorsConn{conn}, nil
}

type jsonErrorsConn struct{ net.Conn }

// plainErrorHeaders are the headers of net/http's own error answers, in its
// order (a handler's headers are written sorted: Connection first).
var plainErrorHeaders = []byte("\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n")

func (c jsonErrorsConn) Write(p []byte) (int, error) {
	answer, ok := JSONServerError(p)
	if !ok {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(answer); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CloseWrite lets net/http half-close a connection after an error answer,
// as it does on a bare TCP connection, so that the client reads the answer
// before the connection goes.
func (c jsonErrorsConn) CloseWrite() error {
	if half, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return half.CloseWrite()
	}
	return nil
}

// JSONServerError turns one of net/http's own error answers into the same
// status with a JSON body; ok is false for anything else.
func JSONServerError(p []byte) (answer []byte, ok bool) {
	rest, found := bytes.CutPrefix(p, []byte("HTTP/1.1 "))
	if !found || len(rest) < 3 {
		return nil, false
	}
	// The status first: an answer that is not an error is not searched.
	status, err := strconv.Atoi(string(rest[:3]))
	if err != nil || status < 400 || status > 599 {
		return nil, false
	}
	var detail string
	if status == http.StatusExpectationFailed {
		// net/http's answer to an Expect other than 100-continue: no body,
		// and no handler of ours answers 417.
		detail = "The server cannot meet the request's Expect header; only 100-continue is supported."
	} else {
		_, body, found := bytes.Cut(rest, plainErrorHeaders)
		if !found {
			return nil, false
		}
		detail = TruncateInput(string(body))
	}
	encoded, _ := json.Marshal(map[string]string{"detail": detail})
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s",
		status, http.StatusText(status), len(encoded), encoded), true
}
