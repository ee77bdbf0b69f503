// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

func TestLogsMaskTheToken(t *testing.T) {
	s := newScript(
		discovery(ExtIdempotencyKeys), // so that the POST is retried
		reply(http.StatusServiceUnavailable, map[string]string{"detail": "Busy."}, "Retry-After", "0"),
		reply(http.StatusOK, map[string]string{"uuid": "u1"}, "X-Request-Id", "req-7"),
	)
	c, _ := newTestClient(t, s, withExtensions)
	if _, err := c.Extensions(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &out)

	// The token in both the path and the query string ends up in the logged URL.
	err := c.Do(ctx, http.MethodPost, "/tokens/"+testToken+"/", url.Values{"token": {testToken}}, map[string]string{"a": "b"}, nil)
	if err != nil {
		t.Fatal(err)
	}

	logs := out.String()
	if strings.Contains(logs, testToken) {
		t.Errorf("the token appears in the logs:\n%s", logs)
	}
	if strings.Contains(logs, "Authorization") {
		t.Errorf("the Authorization header appears in the logs:\n%s", logs)
	}

	entries, err := tflogtest.MultilineJSONDecode(&out)
	if err != nil {
		t.Fatal(err)
	}
	var attempts, retries []map[string]any
	for _, e := range entries {
		if e["@module"] != "provider.divio_api" {
			t.Errorf("entry from module %v, want provider.divio_api: %v", e["@module"], e)
		}
		switch e["@level"] {
		case "debug":
			attempts = append(attempts, e)
		case "warn":
			retries = append(retries, e)
		}
	}
	if len(attempts) != 2 || len(retries) != 1 {
		t.Fatalf("%d debug and %d warn lines, want 2 and 1:\n%s", len(attempts), len(retries), logs)
	}
	first, second := attempts[0], attempts[1]
	if first["status"] != float64(503) || second["status"] != float64(200) {
		t.Errorf("statuses %v, %v; want 503, 200", first["status"], second["status"])
	}
	if first["attempt"] != float64(1) || second["attempt"] != float64(2) {
		t.Errorf("attempts %v, %v; want 1, 2", first["attempt"], second["attempt"])
	}
	if second["request_id"] != "req-7" {
		t.Errorf("request_id = %v, want req-7", second["request_id"])
	}
	key := s.requests()[1].Header.Get("Idempotency-Key") // [0] is discovery
	if first["idempotency_key"] != key || second["idempotency_key"] != key {
		t.Errorf("idempotency_key %v, %v; want %s", first["idempotency_key"], second["idempotency_key"], key)
	}
	if first["method"] != "POST" || !strings.Contains(fmt.Sprint(first["url"]), "/tokens/***/?token=***") {
		t.Errorf("method %v, url %v; want POST and a masked URL", first["method"], first["url"])
	}
	if _, ok := first["duration_ms"]; !ok {
		t.Error("no duration_ms")
	}
	if retries[0]["status"] != float64(503) || retries[0]["wait_ms"] != float64(0) {
		t.Errorf("retry line %v; want status 503 and the Retry-After wait", retries[0])
	}
}

func TestLogsConnectionErrors(t *testing.T) {
	c, err := New(Config{BaseURL: "http://127.0.0.1:1", Token: testToken, RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &out)
	if _, err := c.Me(ctx); err == nil {
		t.Fatal("no error")
	}
	if !strings.Contains(out.String(), `"@message":"Divio API request failed"`) {
		t.Errorf("no line for the failed attempt:\n%s", out.String())
	}
}

func TestLoggingWithoutLoggerIsNoop(t *testing.T) {
	c, _ := newTestClient(t, newScript(reply(http.StatusOK, map[string]string{"uuid": "u1"})))
	if _, err := c.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
}
