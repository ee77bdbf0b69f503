package diagnostics

import (
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

func TestAddAPIErrorPutsFieldErrorsOnAttributes(t *testing.T) {
	var diags diag.Diagnostics
	err := &divioapi.Error{StatusCode: 400, FieldErrors: map[string][]string{
		"key_type": {`"X" is not a valid choice.`},
		"other":    {"unmapped"},
	}, NonFieldErrors: []string{"whole request"}}
	AddAPIError(&diags, "Could not create", err, FieldPaths{"key_type": path.Root("key_type")})

	if len(diags) != 3 {
		t.Fatalf("want 3 diagnostics, got %d: %v", len(diags), diags)
	}
	var onAttribute diag.DiagnosticWithPath
	for _, d := range diags {
		if withPath, ok := d.(diag.DiagnosticWithPath); ok {
			onAttribute = withPath
		}
	}
	if onAttribute == nil || !onAttribute.Path().Equal(path.Root("key_type")) || !strings.Contains(onAttribute.Detail(), "not a valid choice") {
		t.Errorf("key_type error not on its attribute: %v", diags)
	}
	if !strings.Contains(diagText(diags), "other: unmapped") || !strings.Contains(diagText(diags), "whole request") {
		t.Errorf("unmapped and non-field errors missing: %s", diagText(diags))
	}
}

func TestAddAPIErrorNamesTheTokenOn401(t *testing.T) {
	var diags diag.Diagnostics
	AddAPIError(&diags, "Could not read", &divioapi.Error{StatusCode: 401, Detail: "Invalid token."}, nil)
	if text := diagText(diags); !strings.Contains(text, "api_token") || !strings.Contains(text, EnvAPIToken) {
		t.Errorf("401 diagnostic does not name api_token and %s: %s", EnvAPIToken, text)
	}
}

func TestAddAPIErrorOnTransportError(t *testing.T) {
	var diags diag.Diagnostics
	AddAPIError(&diags, "Could not read", errors.New("dial tcp 127.0.0.1:1: connection refused"), nil)
	if text := diagText(diags); !strings.Contains(text, "could not be reached") || !strings.Contains(text, "connection refused") {
		t.Errorf("transport error: %s", text)
	}
}

func TestCheckRepositoryAuth(t *testing.T) {
	cases := []struct {
		name string
		cfg  RepositoryAuthConfig
		want []string // summaries, in order
	}{
		{"ssh with key", RepositoryAuthConfig{DeployKeySet: true}, nil},
		{"ssh without key", RepositoryAuthConfig{}, []string{"Deploy key required"}},
		{"ssh with https block", RepositoryAuthConfig{DeployKeySet: true, HTTPSBlockSet: true}, []string{"HTTPS credentials not used with SSH"}},
		{"https complete", RepositoryAuthConfig{HTTPS: true, HTTPSBlockSet: true, UsernameSet: true, TokenSet: true, TokenVersionSet: true}, nil},
		{"https without token version", RepositoryAuthConfig{HTTPS: true, HTTPSBlockSet: true, UsernameSet: true, TokenSet: true}, []string{"HTTPS credentials required"}},
		{"https without token", RepositoryAuthConfig{HTTPS: true, HTTPSBlockSet: true, UsernameSet: true}, []string{"HTTPS credentials required"}},
		{"https with key and pin", RepositoryAuthConfig{HTTPS: true, HTTPSBlockSet: true, UsernameSet: true, TokenSet: true, TokenVersionSet: true, DeployKeySet: true, ExpectedHostKey: true},
			[]string{"Deploy key not used with HTTPS", "Host key fingerprint not used with HTTPS"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var diags diag.Diagnostics
			CheckRepositoryAuth(&diags, c.cfg)
			var got []string
			for _, d := range diags {
				got = append(got, d.Summary())
			}
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func diagText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary() + ": " + d.Detail() + "\n")
	}
	return b.String()
}
