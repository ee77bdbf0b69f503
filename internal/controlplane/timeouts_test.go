// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serveProduction serves ts's handler as the binary does: HTTPServer (with
// its timeouts) on JSONErrorsListener. It returns the base URL.
func serveProduction(t *testing.T, ts *testServer) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := ts.server.HTTPServer()
	go func() { _ = server.Serve(JSONErrorsListener(listener)) }()
	t.Cleanup(func() { _ = server.Close() })
	return "http://" + listener.Addr().String()
}

// A body that stops arriving is answered 408 in JSON once Timeouts.Body
// has passed, and the connection closed, on any server of the handler.
func TestBodyThatStopsArrivingIs408(t *testing.T) {
	ts := newTestServer(t, func(cfg *Config) { cfg.Timeouts.Body = 300 * time.Millisecond })
	for name, base := range map[string]string{"httptest": ts.http.URL, "HTTPServer": serveProduction(t, ts)} {
		t.Run(name, func(t *testing.T) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			start := time.Now()
			_, err = io.WriteString(conn, "POST /apps/v3/repositories/ HTTP/1.1\r\nHost: x\r\nAuthorization: Token "+adaToken+"\r\n"+
				"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"")
			if err != nil {
				t.Fatal(err)
			}
			_ = conn.SetReadDeadline(start.Add(10 * time.Second))
			reader := bufio.NewReader(conn)
			resp, err := http.ReadResponse(reader, nil)
			if err != nil {
				t.Fatalf("no answer after %v: %v", time.Since(start), err)
			}
			var answer map[string]string
			if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != http.StatusRequestTimeout ||
				answer["detail"] != "The request body did not arrive in time." {
				t.Fatalf("%d %v %v; want 408 with a JSON detail", resp.StatusCode, answer, err)
			}
			resp.Body.Close()
			if _, err := reader.ReadByte(); !errors.Is(err, io.EOF) {
				t.Fatalf("the connection was not closed: %v", err)
			}
		})
	}
}

// An Update whose sync takes longer than the read and write timeouts
// still answers: the read deadline is lifted once the body is in (a read
// that times out would cancel the request), and routes that wait for Git
// work have Timeouts.GitWrite to answer.
func TestSlowSyncOutlivesTheReadAndWriteTimeouts(t *testing.T) {
	syncer := newFakeSyncer()
	ts := newTestServer(t, withSyncer(syncer), func(cfg *Config) {
		cfg.Timeouts = Timeouts{Header: 200 * time.Millisecond, Body: 200 * time.Millisecond, Write: 300 * time.Millisecond, GitWrite: time.Minute}
	})
	repo := bindApplication(t, ts, acmeWeb, sshURL)
	base := serveProduction(t, ts)
	gate := make(chan struct{})
	syncer.mu.Lock()
	syncer.block = map[string]chan struct{}{sshURL: gate}
	syncer.mu.Unlock()
	time.AfterFunc(time.Second, func() { close(gate) })

	req, err := http.NewRequest(http.MethodPost, base+"/apps/v3/applications/"+repo.Application+"/update/", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Token "+adaToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("a sync slower than the timeouts: %v", err)
	}
	defer resp.Body.Close()
	var status syncStatusView
	if err := json.NewDecoder(resp.Body).Decode(&status); err != nil || resp.StatusCode != http.StatusOK || !status.InSync {
		t.Fatalf("a sync slower than the timeouts: %d %+v %v", resp.StatusCode, status, err)
	}
}

// The timeouts the binary uses, each with its reason in DefaultTimeouts'
// comment, are all set on HTTPServer's http.Server.
func TestHTTPServerHasEveryTimeout(t *testing.T) {
	ts := newTestServer(t)
	server := ts.server.HTTPServer()
	if server.ReadHeaderTimeout != DefaultTimeouts.Header || server.ReadTimeout != DefaultTimeouts.Header+DefaultTimeouts.Body ||
		server.WriteTimeout != DefaultTimeouts.Write || server.IdleTimeout != DefaultTimeouts.Idle || server.MaxHeaderBytes == 0 {
		t.Fatalf("HTTPServer: header %v, read %v, write %v, idle %v, max header bytes %d", server.ReadHeaderTimeout,
			server.ReadTimeout, server.WriteTimeout, server.IdleTimeout, server.MaxHeaderBytes)
	}
	if DefaultTimeouts.GitWrite <= DefaultTimeouts.Write {
		t.Fatalf("GitWrite %v is not longer than Write %v", DefaultTimeouts.GitWrite, DefaultTimeouts.Write)
	}
}
