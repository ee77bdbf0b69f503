// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package e2e holds end-to-end tests and benchmarks of the whole loop below
// Terraform: the reference control plane, a real SSH Git host, real pushes
// with git, and webhook deliveries sent as GitHub, GitLab and Bitbucket
// send them.
package e2e
