// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package contract

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// reporter is what the checks need of a *testing.T (a fake in their own test).
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// jsonFields lists the JSON keys of struct type t as encoding/json names
// them (tag name, else field name; the fields of an untagged embedded
// struct as its own), skipping "-" and unexported fields.
func jsonFields(t reflect.Type) []string {
	var names []string
	for _, f := range fields(t) {
		names = append(names, f.key)
	}
	return names
}

type field struct {
	key string
	typ reflect.Type
}

func fields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		embedded := f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct
		switch {
		case embedded:
			out = append(out, fields(f.Type)...)
			continue
		case !f.IsExported() || name == "-":
			continue
		case name == "":
			name = f.Name
		}
		out = append(out, field{name, f.Type})
	}
	return out
}

// fieldType is the JSON key's field type in struct type t.
func fieldType(t reflect.Type, key string) reflect.Type {
	for _, f := range fields(t) {
		if f.key == key {
			return f.typ
		}
	}
	return nil
}

// objectType is the struct a field holds, through pointers and slices; nil
// for scalars and time.Time (a string on the wire).
func objectType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == reflect.TypeFor[time.Time]() {
		return nil
	}
	return t
}

// coverage remembers the struct types checked against a non-null object,
// so that a test can tell that nested types (a repository's error, a sync
// status's warnings) were checked too.
type coverage map[reflect.Type]bool

// reachable lists t and the struct types its fields hold, recursively.
func reachable(t reflect.Type) []reflect.Type {
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		if seen[t] {
			return
		}
		seen[t] = true
		for _, key := range jsonFields(t) {
			if nested := objectType(fieldType(t, key)); nested != nil {
				walk(nested)
			}
		}
	}
	walk(t)
	out := make([]reflect.Type, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// requireAll checks that a, a JSON object, decodes into T and has a key for
// every JSON field of T, and of the structs T's fields hold wherever they are
// not null.
func requireAll[T any](t reporter, cov coverage, a answer) {
	t.Helper()
	var decoded T
	if err := json.Unmarshal(a.body, &decoded); err != nil {
		t.Errorf("%s does not decode into %T: %v\n%s", a.what, decoded, err, a.body)
		return
	}
	checkKeys(t, cov, a.what, reflect.TypeFor[T](), a.body)
}

func checkKeys(t reporter, cov coverage, what string, typ reflect.Type, raw json.RawMessage) {
	t.Helper()
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		t.Errorf("%s is not a JSON object: %v\n%s", what, err, raw)
		return
	}
	cov[typ] = true
	for _, key := range jsonFields(typ) {
		value, ok := obj[key]
		if !ok {
			t.Errorf("%s lacks %q, which the client reads into %s", what, key, typ)
			continue
		}
		nested := objectType(fieldType(typ, key))
		if nested == nil || string(value) == "null" {
			continue
		}
		if fieldType(typ, key).Kind() == reflect.Slice {
			var items []json.RawMessage
			if err := json.Unmarshal(value, &items); err != nil {
				t.Errorf("%s.%s is not a list: %v", what, key, err)
				continue
			}
			for i, item := range items {
				checkKeys(t, cov, what+"."+key+"["+strconv.Itoa(i)+"]", nested, item)
			}
			continue
		}
		checkKeys(t, cov, what+"."+key, nested, value)
	}
}

// requireSome checks that a decodes into T and carries keys, each a JSON
// field of T (so that a renamed field fails), with a value that is neither
// null nor "".
func requireSome[T any](t reporter, a answer, keys ...string) {
	t.Helper()
	what := a.what
	var decoded T
	if err := json.Unmarshal(a.body, &decoded); err != nil {
		t.Errorf("%s does not decode into %T: %v\n%s", what, decoded, err, a.body)
		return
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(a.body, &obj); err != nil {
		t.Errorf("%s is not a JSON object: %v", what, err)
		return
	}
	fields := jsonFields(reflect.TypeFor[T]())
	for _, key := range keys {
		if !slices.Contains(fields, key) {
			t.Errorf("the client's %T has no field %q any more: update the relied-on list", decoded, key)
			continue
		}
		switch value, ok := obj[key]; {
		case !ok:
			t.Errorf("%s lacks %q, which the client relies on", what, key)
		case string(value) == "null" || string(value) == `""`:
			t.Errorf("%s has %q = %s; the client relies on a value", what, key, value)
		}
	}
}

// requireOnly checks that a, a JSON object, has no key but keys: what a
// server that answers only what Divio's CLI reads may carry.
func requireOnly(t reporter, a answer, keys ...string) {
	t.Helper()
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(a.body, &obj); err != nil {
		t.Errorf("%s is not a JSON object: %v", a.what, err)
		return
	}
	for key := range obj {
		if !slices.Contains(keys, key) {
			t.Errorf("%s carries %q, beyond what Divio's CLI reads (%s)", a.what, key, strings.Join(keys, ", "))
		}
	}
}
