// Package diagnostics turns API and configuration problems into Terraform
// diagnostics. Every user-facing error wording of the provider lives here so
// the messages stay consistent and each names the attribute and the fix.
package diagnostics

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

// Environment variables the provider reads; named in messages.
const (
	EnvAPIURL   = "DIVIO_API_URL"
	EnvAPIToken = "DIVIO_API_TOKEN"
)

// FieldPaths maps API field names (as in a 400 body) to the Terraform
// attribute that carries them, so a validation error lands on the attribute.
type FieldPaths map[string]path.Path

// AddAPIError adds err, an error from the divioapi client, to diags with the
// given summary. Field errors of a 400 answer become attribute errors where
// fields maps them; everything else becomes a general error.
func AddAPIError(diags *diag.Diagnostics, summary string, err error, fields FieldPaths) {
	var apiErr *divioapi.Error
	if !errors.As(err, &apiErr) {
		diags.AddError(summary, "The Divio API could not be reached or answered unexpectedly: "+err.Error())
		return
	}
	switch {
	case apiErr.StatusCode == 401 || apiErr.StatusCode == 403:
		diags.AddError(summary, fmt.Sprintf("The Divio API refused the token (%d %s). Check the provider's api_token "+
			"(or the %s environment variable): it must be a valid API token of a user who is a member of the "+
			"organisation that owns the object.", apiErr.StatusCode, firstNonEmpty(apiErr.Detail, "unauthorized"), EnvAPIToken))
		return
	case apiErr.StatusCode == 400 && (len(apiErr.FieldErrors) > 0 || len(apiErr.NonFieldErrors) > 0):
		for _, field := range sortedKeys(apiErr.FieldErrors) {
			detail := strings.Join(apiErr.FieldErrors[field], " ")
			if p, ok := fields[field]; ok {
				diags.AddAttributeError(p, summary, detail)
			} else {
				diags.AddError(summary, field+": "+detail)
			}
		}
		for _, msg := range apiErr.NonFieldErrors {
			diags.AddError(summary, msg)
		}
		return
	}
	diags.AddError(summary, apiErr.Error())
}

// MissingToken is the diagnostic for a provider configured without a token.
func MissingToken(diags *diag.Diagnostics) {
	diags.AddAttributeError(path.Root("api_token"), "Missing Divio API token",
		"The provider needs an API token. Set api_token in the provider block or the "+EnvAPIToken+
			" environment variable. A token can be created in the Divio Control Panel under Account settings > Access token.")
}

// MalformedToken is the diagnostic for a token that cannot be a Divio token.
func MalformedToken(diags *diag.Diagnostics, fromEnv bool) {
	source := "api_token"
	if fromEnv {
		source = "the " + EnvAPIToken + " environment variable"
	}
	diags.AddAttributeError(path.Root("api_token"), "Malformed Divio API token",
		"The token from "+source+" contains whitespace or control characters (often a trailing newline from a "+
			"file). Set api_token or "+EnvAPIToken+" to the token alone.")
}

// InvalidAPIURL is the diagnostic for an unusable endpoint.
func InvalidAPIURL(diags *diag.Diagnostics, err error, fromEnv bool) {
	source := "api_url"
	if fromEnv {
		source = "the " + EnvAPIURL + " environment variable"
	}
	diags.AddAttributeError(path.Root("api_url"), "Invalid Divio API URL",
		fmt.Sprintf("The API URL from %s is not usable: %s Set api_url or %s to an absolute https:// URL such as %s.",
			source, err, EnvAPIURL, divioapi.DefaultBaseURL))
}

// PlainHTTP warns that a token is about to cross the network unencrypted.
func PlainHTTP(diags *diag.Diagnostics, apiURL string) {
	diags.AddAttributeWarning(path.Root("api_url"), "Divio API URL uses plain HTTP",
		"The API URL "+apiURL+" is not https:// and does not point at this machine (loopback), so the API token "+
			"travels unencrypted. Use https:// unless this is a trusted development network.")
}

// UnknownProviderValue is the diagnostic for provider attributes not known at
// plan time (for example taken from a resource not created yet).
func UnknownProviderValue(diags *diag.Diagnostics, attribute, envVar string) {
	diags.AddAttributeError(path.Root(attribute), "Unknown Divio provider "+attribute,
		"The provider cannot connect because "+attribute+" depends on a value known only after apply. "+
			"Set it to a literal or a variable, or use the "+envVar+" environment variable.")
}

// UnconfiguredProvider is reported when a type gets provider data it does not
// expect; it means a bug in the provider, so ask for a report.
func UnconfiguredProvider(diags *diag.Diagnostics, got any) {
	diags.AddError("Unexpected provider data",
		fmt.Sprintf("Expected *divioapi.Client, got %T. This is a bug in the provider; please report it.", got))
}

// InvalidImportID is the diagnostic for an import ID that cannot be right.
func InvalidImportID(diags *diag.Diagnostics, resourceType string, err error) {
	diags.AddError("Invalid import ID for "+resourceType, err.Error())
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
