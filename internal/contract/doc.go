// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package contract holds the contract test between the API client
// (internal/divioapi) and the reference control plane
// (internal/controlplane): every answer the client reads decodes into its
// divioapi type, and carries every field of that type (with extensions) or
// the fields the client relies on (public API only). It has tests only.
package contract
