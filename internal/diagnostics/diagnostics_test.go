// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

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

// A refused token (401 or 403, as divioapi.IsUnauthorized tells) names
// api_token and its environment variable; other statuses do not.
func TestAddAPIErrorNamesTheTokenOn401And403(t *testing.T) {
	for _, tc := range []struct {
		err  *divioapi.Error
		want string
	}{
		{&divioapi.Error{StatusCode: 401, Detail: "Invalid token."}, "refused the token (401 Invalid token.)"},
		{&divioapi.Error{StatusCode: 403}, "refused the token (403 unauthorized)"},
	} {
		var diags diag.Diagnostics
		AddAPIError(&diags, "Could not read", tc.err, nil)
		text := diagText(diags)
		if !strings.Contains(text, tc.want) || !strings.Contains(text, "api_token") || !strings.Contains(text, "DIVIO_API_TOKEN") {
			t.Errorf("%d diagnostic does not name api_token and DIVIO_API_TOKEN: %s", tc.err.StatusCode, text)
		}
	}
	var diags diag.Diagnostics
	AddAPIError(&diags, "Could not read", &divioapi.Error{StatusCode: 404, Method: "GET", Path: "/x/"}, nil)
	if text := diagText(diags); strings.Contains(text, "token") {
		t.Errorf("404 diagnostic speaks of the token: %s", text)
	}
}

// The provider's wording names the environment variable it is given, and
// lands on the attribute it is about.
func TestProviderSettingsWording(t *testing.T) {
	cases := []struct {
		name  string
		add   func(*diag.Diagnostics)
		attr  path.Path
		wants []string
	}{
		{"missing token", func(d *diag.Diagnostics) {
			MissingToken(d, "TOKEN_VAR", "/home/x/.netrc has no machine control.divio.com")
		}, path.Root("api_token"),
			[]string{"Missing Divio API token", "api_token in the provider block or the TOKEN_VAR environment variable", "divio login", "/home/x/.netrc has no machine control.divio.com"}},
		{"malformed token from the block", func(d *diag.Diagnostics) { MalformedToken(d, "api_token", "TOKEN_VAR") }, path.Root("api_token"),
			[]string{"Malformed Divio API token", "The token from api_token contains", "Set api_token or TOKEN_VAR"}},
		{"malformed token from the environment", func(d *diag.Diagnostics) { MalformedToken(d, "the TOKEN_VAR environment variable", "TOKEN_VAR") }, path.Root("api_token"),
			[]string{"The token from the TOKEN_VAR environment variable contains"}},
		{"unreadable netrc", func(d *diag.Diagnostics) {
			UnreadableNetrc(d, errors.New("/x/.netrc is not a valid netrc file (line 2)"), "TOKEN_VAR")
		}, path.Root("api_token"),
			[]string{"Cannot read the Divio CLI's token", "(line 2)", "set api_token or TOKEN_VAR"}},
		{"invalid URL from the environment", func(d *diag.Diagnostics) { InvalidAPIURL(d, errors.New("no scheme"), "URL_VAR", true) }, path.Root("api_url"),
			[]string{"Invalid Divio API URL", "from the URL_VAR environment variable is not usable: no scheme. Set api_url or URL_VAR"}},
		{"bitbucket secret", func(d *diag.Diagnostics) { WebhookSecretForBitbucket(d, path.Root("secret_wo")) }, path.Root("secret_wo"),
			[]string{"Bitbucket webhooks have no secret", "Remove secret_wo (and secret_wo_version)"}},
		{"secret version", func(d *diag.Diagnostics) { WebhookSecretVersionMismatch(d, path.Root("secret_wo_version")) }, path.Root("secret_wo_version"),
			[]string{"secret_wo and secret_wo_version go together"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var diags diag.Diagnostics
			c.add(&diags)
			if len(diags) != 1 {
				t.Fatalf("want one diagnostic, got %v", diags)
			}
			withPath, ok := diags[0].(diag.DiagnosticWithPath)
			if !ok || !withPath.Path().Equal(c.attr) {
				t.Errorf("not on %s: %v", c.attr, diags[0])
			}
			for _, want := range c.wants {
				if !strings.Contains(diagText(diags), want) {
					t.Errorf("lacks %q: %s", want, diagText(diags))
				}
			}
		})
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
	for _, want := range []string{"requires a branch", "Authentication error", "more than a single readme file (and a licence)", "run apply again"} {
		if !strings.Contains(text, want) {
			t.Errorf("public wording lacks %q: %s", want, text)
		}
	}
	text = diagText(detailed)
	for _, want := range []string{"(branch_missing)", "Divio answered: The remote repository requires a branch: no branch main.", "Authentication error"} {
		if !strings.Contains(text, want) {
			t.Errorf("detailed wording lacks %q: %s", want, text)
		}
	}
}

func diagText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary() + ": " + d.Detail() + "\n")
	}
	return b.String()
}

// A create answered without the UUID quotes what Divio said instead.
func TestAnswerLacksQuotesDivio(t *testing.T) {
	var diags diag.Diagnostics
	AnswerLacks(&diags, "application", "uuid", "by its slug web", "Your organisation is over its quota.")
	text := diagText(diags)
	for _, want := range []string{"had no uuid", "Divio answered: Your organisation is over its quota.", "import it"} {
		if !strings.Contains(text, want) {
			t.Errorf("wording lacks %q: %s", want, text)
		}
	}
}
