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

// A failed verification without the API's reason (Divio's public API gives
// only the state) names the causes the Control Panel lists; with a reason
// it quotes it.
func TestVerificationFailedWording(t *testing.T) {
	var public, detailed diag.Diagnostics
	VerificationFailed(&public, path.Root("repository"), "clone", "", "")
	VerificationFailed(&detailed, path.Root("branch"), "clone", "branch_missing", "The remote repository requires a branch: no branch main.")
	text := diagText(public)
	for _, want := range []string{"requires a branch", "Authentication error", "LICENSE, README or README.rst", "run apply again"} {
		if !strings.Contains(text, want) {
			t.Errorf("public wording lacks %q: %s", want, text)
		}
	}
	if text := diagText(detailed); !strings.Contains(text, "(branch_missing)") || !strings.Contains(text, "no branch main") {
		t.Errorf("detailed wording: %s", text)
	}
}

func diagText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary() + ": " + d.Detail() + "\n")
	}
	return b.String()
}
