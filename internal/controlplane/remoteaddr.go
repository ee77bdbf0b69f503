// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package controlplane

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/divio-community/terraform-provider-divio/internal/gitops"
)

// hostAddressProblem returns the message for a repository host that is a
// literal IP address the control plane must not connect to (private,
// link-local and metadata, CGNAT, unspecified, multicast, reserved; loopback
// unless allowLoopback), or "". The rules are gitops' own, so that a URL is
// refused at once for the same reasons its access check would refuse it.
// Host names are resolved and checked by the access check, not here.
func hostAddressProblem(host string, allowLoopback bool) string {
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return ""
	}
	allowed, reason := gitops.AddressAllowed(addr, allowLoopback)
	if allowed {
		return ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("The host %s in the repository URL is %s. Use the public name of the Git host: Divio connects to it from the internet.", host, reason)
}
