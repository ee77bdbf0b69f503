// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package testinfra holds, in its sub-packages, what the tests, the
// benchmarks and the demo run beside the provider and the control plane, and
// what neither of them imports: githost (a real SSH and HTTPS Git host on
// loopback), hooksender (webhook deliveries signed as Git hosts sign them)
// and emptyprovider (the do-nothing provider the benchmarks measure against).
package testinfra
