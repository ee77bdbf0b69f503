// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package diagnostics turns API and configuration problems into Terraform
// diagnostics. Every user-facing error wording of the provider lives here so
// the messages stay consistent and each names the attribute and the fix.
// It holds wording only: the rules that decide when a message applies live
// in internal/validators, the types' ValidateConfig and ModifyPlan, and the
// environment variables in the provider, which reads them.
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

// FieldPaths maps API field names (as in a 400 body) to the Terraform
// attribute that carries them, so a validation error lands on the attribute.
type FieldPaths map[string]path.Path

// AddAPIError adds err, an error from the divioapi client, to diags with the
// given summary. Field errors of a 400 answer become attribute errors where
// fields maps them; everything else becomes a general error.
//
// A refused token names the provider's token variable, DIVIO_API_TOKEN
// (provider.EnvAPIToken; a provider test checks that they agree).
func AddAPIError(diags *diag.Diagnostics, summary string, err error, fields FieldPaths) {
	var apiErr *divioapi.Error
	if !errors.As(err, &apiErr) {
		diags.AddError(summary, "The Divio API could not be reached or answered unexpectedly: "+err.Error())
		return
	}
	switch {
	case divioapi.IsUnauthorized(err):
		diags.AddError(summary, fmt.Sprintf("The Divio API refused the token (%d %s). Check the provider's api_token "+
			"(or the DIVIO_API_TOKEN environment variable): it must be a valid API token of a user who is a member of the "+
			"organisation that owns the object.", apiErr.StatusCode, firstNonEmpty(apiErr.Detail, "unauthorized")))
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

// MissingToken is the diagnostic for a provider configured without a token;
// envVar is the environment variable the provider also reads it from, and
// lookedIn says where it looked for the token Divio's CLI keeps (a netrc
// file and machine), or why it did not.
func MissingToken(diags *diag.Diagnostics, envVar, lookedIn string) {
	diags.AddAttributeError(path.Root("api_token"), "Missing Divio API token",
		"The provider needs an API token. Set api_token in the provider block or the "+envVar+
			" environment variable, or log in with Divio's CLI (divio login), which keeps the token in ~/.netrc. "+
			"The provider looked for that token: "+lookedIn+". A token can be created in the Divio Control Panel "+
			"under Account settings > Access token.")
}

// MalformedToken is the diagnostic for a token that cannot be a Divio
// token; source says where it came from ("api_token", "the DIVIO_API_TOKEN
// environment variable", a netrc file and machine), envVar is the variable
// to set instead.
func MalformedToken(diags *diag.Diagnostics, source, envVar string) {
	diags.AddAttributeError(path.Root("api_token"), "Malformed Divio API token",
		"The token from "+source+" contains whitespace or control characters (often a trailing newline from a "+
			"file). Set api_token or "+envVar+" to the token alone.")
}

// UnreadableNetrc reports a netrc file that exists but cannot be read: the
// provider would otherwise silently go without the token Divio's CLI
// keeps there. err never holds the file's content.
func UnreadableNetrc(diags *diag.Diagnostics, err error, envVar string) {
	diags.AddAttributeError(path.Root("api_token"), "Cannot read the Divio CLI's token",
		"The provider looks for the token Divio's CLI keeps in the netrc file when api_token and "+envVar+" are "+
			"not set, and could not read it: "+err.Error()+". Fix the file (divio login writes it), or set api_token "+
			"or "+envVar+".")
}

// InvalidAPIURL is the diagnostic for an unusable endpoint, taken from
// api_url or (fromEnv) from the environment variable envVar.
func InvalidAPIURL(diags *diag.Diagnostics, err error, envVar string, fromEnv bool) {
	source := "api_url"
	if fromEnv {
		source = "the " + envVar + " environment variable"
	}
	diags.AddAttributeError(path.Root("api_url"), "Invalid Divio API URL",
		fmt.Sprintf("The API URL from %s is not usable: %s. Set api_url or %s to an absolute https:// URL such as %s.",
			source, err, envVar, divioapi.DefaultBaseURL))
}

// InvalidBranchName is the plan-time error of a value that Git refuses as a
// branch name; err says why.
func InvalidBranchName(diags *diag.Diagnostics, attribute path.Path, err error) {
	diags.AddAttributeError(attribute, "Invalid branch name", err.Error()+".")
}

// InvalidRepositoryURL is the plan-time error of a Git URL the rules of
// internal/giturl refuse; err says why and what to write instead.
func InvalidRepositoryURL(diags *diag.Diagnostics, attribute path.Path, err error) {
	diags.AddAttributeError(attribute, "Invalid repository URL", err.Error())
}

// InvalidIdentifier is the plan-time error of a value that is not a UUID in
// canonical form; err says what an identifier looks like.
func InvalidIdentifier(diags *diag.Diagnostics, attribute path.Path, err error) {
	diags.AddAttributeError(attribute, "Invalid identifier", err.Error())
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

// VerificationFailed reports a failed verification ("Test access") of a
// repository on the attribute most likely at fault: Divio's own words
// (message, from the check's answer or the repository's error) when it
// gave any, and always the causes and fixes the Control Panel names for
// the stage, since Divio's public API often gives only the state.
func VerificationFailed(diags *diag.Diagnostics, attribute path.Path, stage, code, message string) {
	summary := "Repository verification failed"
	if code != "" {
		summary += " (" + code + ")"
	}
	detail := verificationCauses(stage)
	if message != "" {
		detail = "Divio answered: " + message + "\n\n" + detail
	}
	diags.AddAttributeError(attribute, summary, detail+"\n\nNothing was saved in the Terraform state. Fix the cause "+
		"and run apply again: it verifies the repository again.")
}

// NoSuchName is the error of a catalogue lookup that matched nothing.
func NoSuchName(diags *diag.Diagnostics, what, name, names string) {
	diags.AddAttributeError(path.Root("name"), "No such "+what,
		fmt.Sprintf("No %s is named %q. Those you can see: %s.", what, name, names))
}

func verificationCauses(stage string) string {
	if stage == "push" {
		return "Divio could clone the repository but could not push to it: the deploy key (public_key of the " +
			"divio_repository) must be installed with write access (GitHub: \"Allow write access\"; GitLab: \"Grant " +
			"write permissions to this key\"). Write access is needed to set the repository up; it may be taken away " +
			"afterwards, with push_check = false on later verifications."
	}
	return "Divio could not clone the repository (state INVALID). The Control Panel names these causes:\n" +
		"- The remote repository requires a branch: the branch (by default main) must exist at the remote.\n" +
		"- Authentication error: the deploy key (public_key) is not installed on the Git host, or the URL, " +
		"username or token is wrong.\n" +
		"- The branch holds more than a single readme file (and a licence): Divio's documentation asks that of a new " +
		"application's branch (the reference control plane checks it when migrate = false)."
}

// VerificationTimedOut reports a verification still running when the
// timeout ended.
func VerificationTimedOut(diags *diag.Diagnostics, timeout string) {
	diags.AddError("Repository verification did not finish",
		"Divio was still checking the repository when the create timeout ("+timeout+") ended. Nothing was saved; "+
			"run apply again to verify again, or raise timeouts.create.")
}

// MigrationVerificationTimedOut reports a verification still running when
// the update timeout of a migration ended.
func MigrationVerificationTimedOut(diags *diag.Diagnostics, timeout string) {
	diags.AddError("Repository verification did not finish",
		"Divio was still checking the repository when the update timeout ("+timeout+") ended. The application was "+
			"not migrated and the state keeps the previous migration; run apply again to verify again, or raise "+
			"timeouts.update.")
}

// ActionTimedOut reports an action still waiting for the API when its
// invoke timeout ended.
func ActionTimedOut(diags *diag.Diagnostics, action, timeout string, err error) {
	diags.AddError("Action did not finish",
		action+" was still waiting for the Divio API when its invoke timeout ("+timeout+") ended. The server may "+
			"still complete it: check data.divio_repository_sync_status, run the action again, or raise "+
			"timeouts.invoke in the action's config. ("+err.Error()+")")
}

// ReverificationPlanned warns, on refresh, that a verified repository is
// no longer CLONED, so the plan verifies it again.
func ReverificationPlanned(diags *diag.Diagnostics, state string) {
	diags.AddWarning("Repository no longer verified ("+state+")",
		"Divio reports the repository as "+state+": it can no longer use it as it was verified. The plan verifies it "+
			"again; fix the cause (deploy key, branch, credentials) first.")
}

// ExtensionMissing is the plan-time error for a type or attribute that
// needs something Divio's public API does not offer.
func ExtensionMissing(diags *diag.Diagnostics, attribute *path.Path, extension, what, instead string) {
	detail := what + " needs the " + extension + " extension, which Divio's public API (and this server) does not " +
		"offer: the provider asked the server which extensions it has. " + instead
	if attribute != nil {
		diags.AddAttributeError(*attribute, "Not available on this Divio API", detail)
		return
	}
	diags.AddError("Not available on this Divio API", detail)
}

// OutcomeUnknown reports a create whose answer was lost and that could not
// be repeated without risking a second object.
func OutcomeUnknown(diags *diag.Diagnostics, what, lookWhere string, err error) {
	diags.AddError("Could not tell whether the "+what+" was created",
		"The request reached Divio but its answer was lost ("+err.Error()+"), and Divio's public API does not "+
			"recognise a repeated create, so it was not sent again. Look for the "+what+" "+lookWhere+": import it "+
			"if it exists (terraform import), or run apply again if it does not.")
}

// RepositoryKept warns that destroy left a repository on Divio.
func RepositoryKept(diags *diag.Diagnostics, id string) {
	diags.AddWarning("The repository stays on Divio",
		"Divio's public API cannot delete a repository, so repository "+id+" stays in its organisation; Terraform no "+
			"longer manages it. Remove it in the Control Panel if no application uses it.")
}

// HTTPSCredentialsRequired is the plan-time error of an HTTPS URL without
// the https block.
func HTTPSCredentialsRequired(diags *diag.Diagnostics) {
	diags.AddAttributeError(path.Root("url"), "HTTPS credentials required",
		"An https:// URL needs an https block with username, password_wo (a personal access token from the Git "+
			"host, never your password) and password_wo_version. Add the block, or use the repository's SSH URL "+
			"(recommended), for which Divio issues a deploy key.")
}

// HTTPSBlockWithSSH is the plan-time error of the https block with an SSH URL.
func HTTPSBlockWithSSH(diags *diag.Diagnostics) {
	diags.AddAttributeError(path.Root("https"), "HTTPS credentials not used with SSH",
		"The https block is only used with https:// URLs; url is an SSH URL, for which Divio issues a deploy key "+
			"(key_type). Remove the block, or change url to the repository's https:// URL.")
}

// KeyTypeWithHTTPS is the plan-time error of key_type with an HTTPS URL.
func KeyTypeWithHTTPS(diags *diag.Diagnostics) {
	diags.AddAttributeError(path.Root("key_type"), "No deploy key with HTTPS",
		"key_type chooses the deploy key Divio issues for an SSH URL; url is an https:// URL, which authenticates "+
			"with the https block. Remove key_type.")
}

// PasswordVersionRequired is the plan-time error of password_wo without its version.
func PasswordVersionRequired(diags *diag.Diagnostics) {
	diags.AddAttributeError(path.Root("https").AtName("password_wo_version"), "password_wo and password_wo_version go together",
		"password_wo is write-only, so Terraform cannot see when it changes: set password_wo_version with it (any "+
			"number) and change the version whenever the token changes (which replaces the repository: Divio's public "+
			"API cannot change one).")
}

// NotChangeable is the plan-time error of a change Divio's public API
// cannot make and a replacement should not.
func NotChangeable(diags *diag.Diagnostics, attribute, inControlPanel string) {
	diags.AddAttributeError(path.Root(attribute), "Cannot change "+attribute,
		"Divio's public API cannot change "+attribute+" of an existing application, and replacing the application "+
			"for it would delete it. "+inControlPanel+", then update the configuration to match (the next plan is then empty).")
}

// DeletionProtected is the plan-time error of destroying a protected application.
func DeletionProtected(diags *diag.Diagnostics, slug string) {
	diags.AddAttributeError(path.Root("deletion_protection"), "Application is protected from deletion",
		"This plan destroys (or replaces) application "+slug+", and deletion_protection is true. If that is what "+
			"you want, set deletion_protection = false and apply first; to stop managing it without deleting it, "+
			"use a removed block (or terraform state rm).")
}

// ImportedValuesAdopted warns, at plan time, that the first apply after an
// import adopts configured values that cannot be read back, without acting
// on them.
func ImportedValuesAdopted(diags *diag.Diagnostics, attributes, consequence string) {
	diags.AddWarning("Adopting the configuration of an imported resource",
		"The resource was imported, and "+attributes+" cannot be read back from Divio: this apply records them as "+
			"configured and sends nothing ("+consequence+"). Change them again afterwards to act on them.")
}

// WebhookSecretForBitbucket is the plan-time error of a webhook secret
// (secret_wo, at attribute) for a Bitbucket webhook.
func WebhookSecretForBitbucket(diags *diag.Diagnostics, attribute path.Path) {
	diags.AddAttributeError(attribute, "Bitbucket webhooks have no secret",
		"Bitbucket does not send the webhook secret, so Divio does not use one: the webhook URL itself is the "+
			"credential. Remove secret_wo (and secret_wo_version), or use rotation_triggers to rotate the URL.")
}

// WebhookSecretVersionMismatch is the plan-time error, on secret_wo_version
// (attribute), of a webhook's secret_wo without its version or the version
// without the secret.
func WebhookSecretVersionMismatch(diags *diag.Diagnostics, attribute path.Path) {
	diags.AddAttributeError(attribute, "secret_wo and secret_wo_version go together",
		"secret_wo is write-only, so Terraform cannot see when it changes: set secret_wo_version with it (any "+
			"number) and change the version whenever you change the secret.")
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

// AnswerLacks reports a create whose answer lacked what Divio's CLI reads
// from it (e.g. uuid): the object may exist, and cannot be tracked. words
// are what the answer said instead, if anything.
func AnswerLacks(diags *diag.Diagnostics, what, field, lookWhere, words string) {
	detail := "Divio's CLI reads " + field + " from this answer, and so does the provider: without it the " + what +
		" cannot be tracked. Look for it " + lookWhere + " and import it (terraform import, or an import block), " +
		"instead of applying again, which would create a second one."
	if words != "" {
		detail = "Divio answered: " + words + "\n\n" + detail
	}
	diags.AddError("Divio's answer to creating the "+what+" had no "+field, detail)
}

// DeletionProtectedOnDestroy refuses, at apply time, to delete an
// application whose deletion_protection is on: the backstop for a
// replacement the plan could not refuse (a tainted application is planned
// as a create, without its prior state).
func DeletionProtectedOnDestroy(diags *diag.Diagnostics, slug string) {
	diags.AddError("Application "+slug+" is protected from deletion",
		"deletion_protection is true in the state of application "+slug+", so it is not deleted (a tainted "+
			"application is replaced without the plan being able to refuse it). If it must go, set "+
			"deletion_protection = false and apply first; if it was tainted by mistake, run terraform untaint.")
}
