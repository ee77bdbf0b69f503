package provider

import (
	"github.com/divio-community/terraform-provider-divio/internal/diagnostics"
	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// clientFrom extracts the API client the provider passed to a type's
// Configure. It returns nil (and no error) before the provider is configured,
// which the framework does during validation.
func clientFrom(providerData any, diags *diag.Diagnostics) *divioapi.Client {
	if providerData == nil {
		return nil
	}
	client, ok := providerData.(*divioapi.Client)
	if !ok {
		diagnostics.UnconfiguredProvider(diags, providerData)
		return nil
	}
	return client
}
