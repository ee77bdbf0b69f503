// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// decodeTolerating decodes the JSON object data into the struct v points
// to, member by member. A member whose value does not fit its field is an
// error only for the members Divio's CLI reads (read); any other member is
// then left absent, since nothing public shows its shape on api.divio.com
// and it must never be a reason to fail.
func decodeTolerating(data []byte, v any, read ...string) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return err
	}
	object := reflect.ValueOf(v).Elem()
	for i := range object.NumField() {
		name, _, _ := strings.Cut(object.Type().Field(i).Tag.Get("json"), ",")
		raw, answered := members[name]
		if name == "" || name == "-" || !answered {
			continue
		}
		field := object.Field(i)
		if err := json.Unmarshal(raw, field.Addr().Interface()); err != nil {
			if slices.Contains(read, name) {
				return fmt.Errorf("member %q: %w", name, err)
			}
			field.SetZero()
		}
	}
	return nil
}
