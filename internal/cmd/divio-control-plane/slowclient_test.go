// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane"
)

// slowClientWait is how long a test waits for the server to give up on a
// client that stopped sending: longer than the server's read timeout.
var slowClientWait = controlplane.DefaultTimeouts.Header + controlplane.DefaultTimeouts.Body + 5*time.Second

// A client that announces a body and sends part of it (slowloris) holds
// its connection no longer than the server's read timeout: it is answered
// 408 in JSON and the connection is closed.
func TestSlowClientIsCutOff(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	server, err := controlplane.New(context.Background(), controlplane.Config{
		DBPath: filepath.Join(dir, "cp.db"), EncryptionKey: make([]byte, 32), Dev: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	seed := controlplane.Seed{Organisations: []controlplane.SeedOrganisation{{Name: "Acme",
		Users: []controlplane.SeedUser{{Email: "ada@acme.test", Token: "ada-token"}}}}}
	if _, err := server.Bootstrap(context.Background(), seed); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	opts := serveOptions{listen: "127.0.0.1:0", readyFile: filepath.Join(dir, "ready"), dbPath: filepath.Join(dir, "cp.db")}
	served := make(chan error, 1)
	go func() { served <- listenAndServe(ctx, stop, server.HTTPServer(), opts, slog.New(slog.DiscardHandler)) }()
	t.Cleanup(func() {
		stop()
		if err := <-served; err != nil {
			t.Error(err)
		}
	})
	var baseURL []byte
	for deadline := time.Now().Add(10 * time.Second); len(baseURL) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the server did not write its ready file")
		}
		baseURL, _ = os.ReadFile(opts.readyFile)
	}

	conn, err := net.Dial("tcp", strings.TrimPrefix(string(baseURL), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	_, err = io.WriteString(conn, "POST /apps/v3/repositories/ HTTP/1.1\r\nHost: x\r\nAuthorization: Token ada-token\r\n"+
		"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"")
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(start.Add(slowClientWait))
	reader := bufio.NewReader(conn)
	resp, err := http.ReadResponse(reader, nil)
	if err != nil {
		t.Fatalf("no answer after %v: %v", time.Since(start).Round(time.Second), err)
	}
	var answer map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != http.StatusRequestTimeout || answer["detail"] == "" {
		t.Fatalf("%d %v %v; want 408 with a JSON detail", resp.StatusCode, answer, err)
	}
	resp.Body.Close()
	if _, err := reader.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("the connection was not closed after %v: %v", time.Since(start).Round(time.Second), err)
	}
	t.Logf("cut off after %v", time.Since(start).Round(time.Millisecond))
}
