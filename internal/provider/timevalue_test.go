// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"testing"
	"time"
)

// Sync times keep the API's milliseconds; whole seconds read as before.
func TestTimeValueKeepsMilliseconds(t *testing.T) {
	at := time.Date(2026, 12, 6, 10, 20, 30, 123_000_000, time.FixedZone("CET", 3600))
	if got := timeValue(&at).ValueString(); got != "2026-12-06T09:20:30.123Z" {
		t.Errorf("timeValue = %s, want the milliseconds in UTC", got)
	}
	whole := at.Truncate(time.Second)
	if got := timeValue(&whole).ValueString(); got != "2026-12-06T09:20:30Z" {
		t.Errorf("timeValue = %s, want whole seconds as before", got)
	}
	if !timeValue(nil).IsNull() {
		t.Error("a missing time is not null")
	}
}
