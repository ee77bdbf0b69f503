// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
)

func TestRequestBodyErrors(t *testing.T) {
	ts := newTestServer(t)
	app := ts.seed.Organisations["Acme"]
	cases := map[string]struct {
		body   string
		status int
		want   string
	}{
		"malformed":      {`{"organisation": `, http.StatusBadRequest, `{"non_field_errors": ["JSON parse error - unexpected EOF."]}`},
		"unknown field":  {`{"organisation": "` + app + `", "colour": "red"}`, http.StatusBadRequest, `{"non_field_errors": ["JSON parse error - unknown field \"colour\"."]}`},
		"not an object":  {`["x"]`, http.StatusBadRequest, `{"non_field_errors": ["Invalid data. Expected a dictionary, but got array."]}`},
		"wrong type":     {`{"organisation": 42}`, http.StatusBadRequest, `{"organisation": ["Incorrect type. Expected string, but got number."]}`},
		"trailing data":  {`{"organisation": "` + app + `"} {}`, http.StatusBadRequest, `{"non_field_errors": ["JSON parse error - unexpected data after the JSON object."]}`},
		"empty is {}":    {``, http.StatusBadRequest, `{"organisation": ["This field is required."], "url": ["This field is required."]}`},
		"larger than 1M": {`{"organisation": "` + strings.Repeat("a", httpx.MaxBodyBytes) + `"}`, http.StatusRequestEntityTooLarge, `{"detail": "Request body is larger than 1 MiB."}`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, tc.body).expectJSON(t, tc.status, tc.want)
		})
	}
}

// Every answer is JSON in the documented shape: a body of another type is
// refused with 415, long input is not echoed back whole, and paths the
// router would clean (.., //) are not answered with a plain-text redirect.
func TestAPIHygiene(t *testing.T) {
	ts := newTestServer(t)
	acme := ts.seed.Organisations["Acme"]
	ts.request(http.MethodPost, "/apps/v3/repositories/", adaToken, `{"organisation": "`+acme+`", "url": "git@github.com:acme/x.git"}`,
		"Content-Type", "text/plain").
		expectJSON(t, http.StatusUnsupportedMediaType, `{"detail": "Unsupported media type \"text/plain\" in request."}`)
	var list listResponse[repositoryView]
	ts.get("/apps/v3/repositories/", http.StatusOK, &list)
	if list.Count != 0 {
		t.Fatalf("a text/plain body created %d repositories", list.Count)
	}

	long := strings.Repeat("x", 1<<20)
	resp := ts.request(http.MethodGet, "/apps/v3/applications/?organisation="+long, adaToken, nil)
	if resp.status != http.StatusBadRequest || len(resp.body) > 1024 || !strings.Contains(string(resp.body), "…") {
		t.Fatalf("a 1 MiB id: %d, %d bytes of answer", resp.status, len(resp.body))
	}

	for _, path := range []string{"/apps/v3/../iam/v3/me/", "/apps//v3/applications/", "/apps/v3/applications/./"} {
		resp := ts.request(http.MethodGet, path, adaToken, nil)
		if ct := resp.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || resp.status/100 == 3 {
			t.Errorf("GET %s: %d %q %s; want a JSON answer, not a redirect", path, resp.status, ct, resp.body)
		}
	}
}

// The errors net/http answers before any handler runs are JSON too, when the
// server listens through JSONErrorsListener (as the binary does); answers of
// handlers go through untouched, on a kept-alive connection.
func TestJSONErrorsListener(t *testing.T) {
	ts := newTestServer(t)
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := &http.Server{Handler: ts.server.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = server.Serve(JSONErrorsListener(listener)) }()
	t.Cleanup(func() { _ = server.Close() })

	for request, status := range map[string]int{
		"GET /apps/v3/%zz/ HTTP/1.1\r\nHost: x\r\n\r\n":          http.StatusBadRequest,
		"GET /apps/v3/applications/ HTTP/9.9\r\nHost: x\r\n\r\n": http.StatusHTTPVersionNotSupported,
		"GET /apps/v3/applications/ HTTP/1.1\r\n\r\n":            http.StatusBadRequest, // no Host
	} {
		resp := rawRequest(t, listener.Addr().String(), request)
		var body map[string]string
		if resp.StatusCode != status || resp.Header.Get("Content-Type") != "application/json" ||
			json.NewDecoder(resp.Body).Decode(&body) != nil || body["detail"] == "" {
			t.Errorf("%q: %d %q %v; want %d with a JSON detail", request, resp.StatusCode, resp.Header.Get("Content-Type"), body, status)
		}
	}

	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, "http://"+listener.Addr().String()+"/apps/v3/applications/", nil)
		req.Header.Set("Authorization", "Token "+adaToken)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var list listResponse[json.RawMessage]
		if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || resp.StatusCode != http.StatusOK || list.Count == 0 {
			t.Fatalf("a handler's answer through the listener: %d %v %+v", resp.StatusCode, err, list)
		}
		resp.Body.Close()
	}
	// A handler's own 400 (its headers sorted, Connection first) is left alone.
	handlerAnswer := []byte("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nno")
	if _, rewritten := httpx.JSONServerError(handlerAnswer); rewritten {
		t.Error("a handler's answer was rewritten")
	}
}

// rawRequest writes request as is on a new connection and reads the answer.
func rawRequest(t *testing.T, addr, request string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.Write([]byte(request)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
