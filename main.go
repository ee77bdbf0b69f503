// Command terraform-provider-divio serves the Divio provider to Terraform and
// OpenTofu over plugin protocol 6.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/divio-community/terraform-provider-divio/internal/provider"
)

// version is set at release time by goreleaser (-X main.version=...).
var version = "dev"

// registryAddress is the provider's address in the Terraform and OpenTofu
// registries; configurations use source = "divio-community/divio".
const registryAddress = "registry.terraform.io/divio-community/divio"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address:         registryAddress,
		Debug:           debug,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
