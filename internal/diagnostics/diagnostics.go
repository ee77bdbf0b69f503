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

// AccessCheckFailed reports a failed access check of an external repository
// on the attribute most likely at fault, with the control plane's code and
// message (which say what to fix).
func AccessCheckFailed(diags *diag.Diagnostics, attribute path.Path, code, message string) {
	diags.AddAttributeError(attribute, "External repository access check failed ("+code+")",
		message+"\n\nNothing was saved in the Terraform state. Fix the cause and run apply again: it re-runs the access check.")
}

// AccessCheckTimedOut reports a check still running when the timeout ended.
func AccessCheckTimedOut(diags *diag.Diagnostics, operation string, timeout string) {
	diags.AddError("External repository access check did not finish",
		"The access check was still running when the "+operation+" timeout ("+timeout+") ended. The binding exists on "+
			"Divio and its check goes on; run apply again to wait for it, or raise timeouts."+operation+".")
}

// AccessCheckInvalid warns, on refresh, that the last check of a binding
// failed: the platform cannot pull until it is fixed.
func AccessCheckInvalid(diags *diag.Diagnostics, code, message string) {
	diags.AddWarning("External repository is not reachable by Divio ("+code+")",
		message+"\n\nDivio cannot pull from the repository until this is fixed. The plan re-runs the access check "+
			"in place: fix the cause, then apply.")
}

// ImportedValuesAdopted warns, at plan time, that the first apply after an
// import adopts configured values that cannot be read back, without acting
// on them.
func ImportedValuesAdopted(diags *diag.Diagnostics, attributes, consequence string) {
	diags.AddWarning("Adopting the configuration of an imported resource",
		"The resource was imported, and "+attributes+" cannot be read back from Divio: this apply records them as "+
			"configured and sends nothing ("+consequence+"). Change them again afterwards to act on them.")
}

// BindingNotDeleted is the warning of a destroy: Divio cannot go back to its
// own Git server, so destroy only stops managing the binding.
func BindingNotDeleted(diags *diag.Diagnostics, application, url string) {
	diags.AddWarning("The application stays on its external repository",
		"Terraform no longer manages the external repository binding of application "+application+", but the "+
			"application still uses "+url+": once an application uses an external Git repository, Divio cannot move "+
			"it back to its own Git server. Applying the resource again adopts the existing binding.")
}

// BindingAdopted warns that create found a binding and updated it instead.
func BindingAdopted(diags *diag.Diagnostics, application, id string) {
	diags.AddWarning("Adopted the existing external repository binding",
		"Application "+application+" already had an external repository binding ("+id+"); an application has at "+
			"most one and it cannot be deleted, so it was updated to this configuration and is now managed here.")
}

// RepositoryAuthConfig is what CheckRepositoryAuth needs to know of a
// divio_external_repository configuration.
type RepositoryAuthConfig struct {
	HTTPS           bool // the URL is an https:// URL
	DeployKeySet    bool
	HTTPSBlockSet   bool
	UsernameSet     bool
	TokenSet        bool
	TokenVersionSet bool
	ExpectedHostKey bool
}

// CheckRepositoryAuth enforces, at plan time, the credentials each kind of
// URL needs: a deploy key for SSH; the https block (username and token) for
// HTTPS, whose token is a personal access token, never a password.
func CheckRepositoryAuth(diags *diag.Diagnostics, c RepositoryAuthConfig) {
	if c.HTTPS {
		if c.DeployKeySet {
			diags.AddAttributeError(path.Root("deploy_key_id"), "Deploy key not used with HTTPS",
				"deploy_key_id is only used with SSH URLs; url is an https:// URL. Remove deploy_key_id, or use the "+
					"repository's SSH URL (recommended) and keep the deploy key.")
		}
		if !c.HTTPSBlockSet || !c.UsernameSet || !c.TokenSet || !c.TokenVersionSet {
			diags.AddAttributeError(path.Root("url"), "HTTPS credentials required",
				"An https:// URL needs an https block with username, token_wo (a personal access token from the Git "+
					"host, never your password) and token_wo_version (any number; change it whenever token_wo changes, "+
					"since Terraform cannot see changes of a write-only value). Add the block, or use the repository's "+
					"SSH URL with a deploy key.")
		}
		if c.ExpectedHostKey {
			diags.AddAttributeError(path.Root("expected_host_key_fingerprint"), "Host key fingerprint not used with HTTPS",
				"expected_host_key_fingerprint pins an SSH host key; HTTPS connections are verified with TLS certificates. Remove it.")
		}
		return
	}
	if c.HTTPSBlockSet {
		diags.AddAttributeError(path.Root("https"), "HTTPS credentials not used with SSH",
			"The https block is only allowed with https:// URLs; url is an SSH URL. Remove the block, or change url "+
				"to the repository's https:// URL.")
	}
	if !c.DeployKeySet {
		diags.AddAttributeError(path.Root("deploy_key_id"), "Deploy key required",
			"An SSH URL needs deploy_key_id: the id of a divio_repository_deploy_key whose public_key is installed on "+
				"the Git host (with write access). For example deploy_key_id = divio_repository_deploy_key.deploy.id.")
	}
}

// WriteAccessRequiredAtSetup is the plan-time error for a binding created
// with write_access = false.
func WriteAccessRequiredAtSetup(diags *diag.Diagnostics) {
	diags.AddAttributeError(path.Root("write_access"), "Write access is required to set up the repository",
		"Divio verifies push access when a repository is first connected; read-only mode can only be turned on "+
			"afterwards. Create the binding with write_access = true (and a deploy key with write access), then "+
			"set write_access = false in a later apply.")
}

// DeployKeyInUse warns that a destroyed deploy key stays on Divio because an
// external repository binding still uses it.
func DeployKeyInUse(diags *diag.Diagnostics, id string, err error) {
	diags.AddWarning("Deploy key kept: still in use",
		"Divio refused to delete deploy key "+id+" because an external repository binding still authenticates with it ("+
			err.Error()+"). Bindings cannot be removed, so the key stays on Divio; Terraform no longer manages it. "+
			"To retire it, point the binding at another deploy key first (deploy_key_id).")
}

// WebhookSecretConfig is what CheckWebhookSecret needs to know of a
// divio_repository_webhook configuration.
type WebhookSecretConfig struct {
	Bitbucket   bool
	TypeUnknown bool
	SecretSet   bool // secret_wo is set (possibly unknown)
	SecretKnown bool
	VersionSet  bool
}

// CheckWebhookSecret enforces the secret_wo rules at plan time.
func CheckWebhookSecret(diags *diag.Diagnostics, c WebhookSecretConfig) {
	if c.SecretSet && c.Bitbucket && !c.TypeUnknown {
		diags.AddAttributeError(path.Root("secret_wo"), "Bitbucket webhooks have no secret",
			"Bitbucket does not send the webhook secret, so Divio does not use one: the webhook URL itself is the "+
				"credential. Remove secret_wo (and secret_wo_version), or use rotation_triggers to rotate the URL.")
	}
	if c.SecretSet != c.VersionSet {
		diags.AddAttributeError(path.Root("secret_wo_version"), "secret_wo and secret_wo_version go together",
			"secret_wo is write-only, so Terraform cannot see when it changes: set secret_wo_version with it (any "+
				"number) and change the version whenever you change the secret.")
	}
}

// SyncWarning surfaces a sync-status warning (e.g. no_webhook) as a
// Terraform warning: worth knowing, not a failure.
func SyncWarning(diags *diag.Diagnostics, code, message string) {
	summary := "External repository: " + code
	if code == "no_webhook" {
		summary = "You have no webhook set up"
	}
	diags.AddWarning(summary, message)
}
