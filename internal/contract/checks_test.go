// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package contract

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fakeT collects what the checks report.
type fakeT struct{ errors []string }

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

type clientDetail struct {
	Code string `json:"code"`
}

type clientBase struct {
	UUID string `json:"uuid"`
}

type clientObject struct {
	clientBase
	Added    *string        `json:"added_to_the_client"`
	When     time.Time      `json:"when"`
	Detail   *clientDetail  `json:"detail"`
	Items    []clientDetail `json:"items"`
	Untagged string
	Ignored  string `json:"-"`
}

// The checks themselves: a field the client reads and the answer lacks
// fails, at any depth; null objects are not descended into but count
// against coverage; a relied-on field must have a value.
func TestChecks(t *testing.T) {
	full := `{"uuid":"u","added_to_the_client":null,"when":"2026-01-01T00:00:00Z","detail":{"code":"c"},"items":[{"code":"x"}],"Untagged":""}`
	cases := []struct {
		name, body string
		want       []string // substrings of the errors, in order; none: passes
	}{
		{"complete", full, nil},
		{"missing field", strings.Replace(full, `"added_to_the_client":null,`, "", 1), []string{`lacks "added_to_the_client"`}},
		{"missing embedded field", strings.Replace(full, `"uuid":"u",`, "", 1), []string{`lacks "uuid"`}},
		{"missing nested field", strings.Replace(full, `"detail":{"code":"c"}`, `"detail":{}`, 1), []string{`.detail lacks "code"`}},
		{"missing field in a list", strings.Replace(full, `[{"code":"x"}]`, `[{"code":"x"},{}]`, 1), []string{`.items[1] lacks "code"`}},
		{"wrong type", strings.Replace(full, `"uuid":"u"`, `"uuid":1`, 1), []string{"does not decode"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeT{}
			requireAll[clientObject](f, coverage{}, answer{"GET /x/", []byte(c.body)})
			if len(f.errors) != len(c.want) {
				t.Fatalf("errors %q, want %d", f.errors, len(c.want))
			}
			for i, want := range c.want {
				if !strings.Contains(f.errors[i], want) {
					t.Errorf("error %q lacks %q", f.errors[i], want)
				}
			}
		})
	}

	cov := coverage{}
	requireAll[clientObject](&fakeT{}, cov, answer{"GET /x/", []byte(strings.Replace(full, `{"code":"c"}`, "null", 1))})
	if !cov[reflect.TypeFor[clientObject]()] || !cov[reflect.TypeFor[clientDetail]()] {
		t.Errorf("coverage %v: the list items cover clientDetail", cov)
	}
	cov = coverage{}
	requireAll[clientObject](&fakeT{}, cov, answer{"GET /x/", []byte(strings.NewReplacer(`{"code":"c"}`, "null", `[{"code":"x"}]`, "[]").Replace(full))})
	if cov[reflect.TypeFor[clientDetail]()] {
		t.Error("a null detail and an empty list cover clientDetail")
	}
	if got := len(reachable(reflect.TypeFor[clientObject]())); got != 2 {
		t.Errorf("reachable types: %d, want 2 (time.Time is a string on the wire)", got)
	}

	f := &fakeT{}
	requireSome[clientObject](f, answer{"GET /x/", []byte(full)}, "uuid", "added_to_the_client", "renamed")
	if len(f.errors) != 2 || !strings.Contains(f.errors[0], `"added_to_the_client" = null`) || !strings.Contains(f.errors[1], `no field "renamed"`) {
		t.Errorf("requireSome: %q", f.errors)
	}
}
