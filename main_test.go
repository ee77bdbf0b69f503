// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"os"
	"testing"
)

// The provider's logs are off only when the CLI would drop them, and a
// level the user chose is kept.
func TestSilenceLogsTheCLIDrops(t *testing.T) {
	names := []string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_DIVIO", "TF_LOG_PROVIDER_DIVIO_API"}
	for _, c := range []struct {
		name string
		set  map[string]string
		want map[string]string
	}{
		{"no logging asked", nil, map[string]string{"TF_LOG_SDK": "OFF", "TF_LOG_SDK_PROTO": "OFF", "TF_LOG_SDK_FRAMEWORK": "OFF", "TF_LOG_PROVIDER_DIVIO": "OFF", "TF_LOG_PROVIDER_DIVIO_API": "OFF"}},
		{"TF_LOG", map[string]string{"TF_LOG": "DEBUG"}, map[string]string{"TF_LOG": "DEBUG", "TF_LOG_SDK": ""}},
		{"TF_LOG_PROVIDER", map[string]string{"TF_LOG_PROVIDER": "TRACE"}, map[string]string{"TF_LOG_SDK": "", "TF_LOG_PROVIDER_DIVIO": ""}},
		{"a chosen subsystem level", map[string]string{"TF_LOG_SDK_PROTO": "TRACE"}, map[string]string{"TF_LOG_SDK_PROTO": "TRACE", "TF_LOG_SDK": "OFF"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, name := range names {
				t.Setenv(name, c.set[name]) // restored after the test
				if c.set[name] == "" {
					_ = os.Unsetenv(name)
				}
			}
			silenceLogsTheCLIDrops()
			for name, want := range c.want {
				if got := os.Getenv(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}
