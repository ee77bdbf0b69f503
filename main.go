// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Command terraform-provider-divio serves the Divio provider to Terraform and
// OpenTofu over plugin protocol 6.
package main

import (
	"context"
	"flag"
	"log"
	"os"

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
	if !debug {
		silenceLogsTheCLIDrops()
	}

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address:         registryAddress,
		Debug:           debug,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}

// silenceLogsTheCLIDrops turns the provider's logs off when the CLI that
// started it would drop them: Terraform and OpenTofu show a provider's logs
// only when TF_LOG or TF_LOG_PROVIDER is set, but the plugin libraries log at
// TRACE by default, so every request would be encoded as JSON, piped to the
// CLI, parsed there and thrown away. Any TF_LOG_SDK* or TF_LOG_PROVIDER_*
// the user set is kept.
func silenceLogsTheCLIDrops() {
	if os.Getenv("TF_LOG") != "" || os.Getenv("TF_LOG_PROVIDER") != "" {
		return
	}
	// Each logger and subsystem separately: an unset subsystem level still
	// builds every message before its logger drops it.
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_DIVIO", "TF_LOG_PROVIDER_DIVIO_API"} {
		if os.Getenv(name) == "" {
			_ = os.Setenv(name, "OFF")
		}
	}
}
