// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane"
)

// --strict and its settings reach the Config; a flag's 0 turns a
// behaviour off (a negative value in the Config, where 0 is the default).
func TestStrictFlags(t *testing.T) {
	cases := []struct {
		args []string
		want controlplane.Config
	}{
		{nil, controlplane.Config{StrictThrottle: 0.1, StrictStaleRead: 3 * time.Second, StrictPageSize: 2}},
		{[]string{"--strict"}, controlplane.Config{Strict: true, StrictThrottle: 0.1, StrictStaleRead: 3 * time.Second, StrictPageSize: 2}},
		{[]string{"--strict", "--strict-throttle", "0", "--strict-stale-read", "0", "--strict-page-size", "5"},
			controlplane.Config{Strict: true, StrictThrottle: -1, StrictStaleRead: -1, StrictPageSize: 5}},
		{[]string{"--strict", "--strict-throttle", "0.5", "--strict-stale-read", "500ms"},
			controlplane.Config{Strict: true, StrictThrottle: 0.5, StrictStaleRead: 500 * time.Millisecond, StrictPageSize: 2}},
	}
	for _, c := range cases {
		opts, err := parseServeFlags(append([]string{"--db", "x.db"}, c.args...), io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		var got controlplane.Config
		opts.strict.configure(&got)
		if got.Strict != c.want.Strict || got.StrictThrottle != c.want.StrictThrottle ||
			got.StrictStaleRead != c.want.StrictStaleRead || got.StrictPageSize != c.want.StrictPageSize {
			t.Errorf("%v: got %+v", c.args, got)
		}
	}
	for _, bad := range [][]string{{"--strict-throttle", "1.5"}, {"--strict-throttle", "-0.1"},
		{"--strict-stale-read", "-1s"}, {"--strict-page-size", "0"}} {
		_, err := parseServeFlags(append([]string{"--db", "x.db"}, bad...), io.Discard)
		if _, ok := errors.AsType[usageError](err); !ok {
			t.Errorf("%v: error %v, want a usage error", bad, err)
		}
	}
}

func TestUsageNamesStrictFlags(t *testing.T) {
	for _, flag := range []string{"--strict", "--strict-throttle", "--strict-stale-read", "--strict-page-size"} {
		if !strings.Contains(usage, flag) {
			t.Errorf("usage does not name %s", flag)
		}
	}
}
