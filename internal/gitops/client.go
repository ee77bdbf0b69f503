// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

import (
	"context"
	"crypto/x509"
	"net"
	"net/netip"
	"time"
)

// Result codes. Every code but CodeSuccess is a failed check.
const (
	CodeSuccess             = "success"
	CodeInvalidURL          = "invalid_url"
	CodeForbiddenAddress    = "forbidden_address"
	CodeUnreachable         = "unreachable"
	CodeAuthenticationError = "authentication_error"
	CodeHostKeyMismatch     = "host_key_mismatch"
	CodeBranchMissing       = "branch_missing"
	CodeBranchNotEmpty      = "branch_not_empty"
	CodeWriteAccessDenied   = "write_access_denied"
	CodeInternalError       = "internal_error"
	// CodeHistoryRewritten is a Sync's only code of its own: SyncUpdate
	// refused to move the platform's copy because the remote's branch no
	// longer contains it.
	CodeHistoryRewritten = "history_rewritten"

	// Codes the control plane reports itself, for Git work it did not
	// start; defined here so that the Git layer, the control plane's store
	// and its API share one list.

	// CodeCredentialsUnavailable: the repository's stored credentials
	// could not be read (unsealed).
	CodeCredentialsUnavailable = "credentials_unavailable"
	// CodeNotConnected: a sync of a repository that no clone check has
	// connected (or, for SSH, with no pinned host key).
	CodeNotConnected = "not_connected"
	// CodeNoRepository: a sync asked for an application on Divio's own
	// Git server, which has no external repository.
	CodeNoRepository = "no_repository"
)

// Defaults for the Checker's zero values.
const (
	DefaultBranch         = "main"
	DefaultTimeout        = 60 * time.Second
	DefaultConnectTimeout = 15 * time.Second
	DefaultMaxFetchBytes  = 256 << 20
	DefaultSyncTimeout    = 10 * time.Minute
	DefaultMaxSyncBytes   = 4 << 30
)

// minRedactedToken: see redactSecrets.
const minRedactedToken = 8

// Auth holds the credentials for one check. Only the ones for the URL's
// scheme are used.
type Auth struct {
	SSHPrivateKey []byte // OpenSSH PEM private key (for ssh URLs); the SSH user comes from the URL (default "git")
	HTTPSUsername string
	HTTPSToken    string // personal access token
}

// Checker runs access checks. The zero value is ready to use; a Checker is
// safe for concurrent use and must not be changed while checks run.
type Checker struct {
	// AllowLoopback lets checks connect to loopback addresses
	// (development mode: the demo and the tests).
	AllowLoopback bool
	// Timeout bounds a whole check; 0 means DefaultTimeout.
	Timeout time.Duration
	// ConnectTimeout bounds each TCP connection attempt (one per address
	// a host resolves to); 0 means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver *net.Resolver
	// MaxFetchBytes bounds what one check reads from the remote over all
	// its connections (ref advertisements, the pack of the branch tip,
	// HTTP error pages); 0 means DefaultMaxFetchBytes. Blobs are not
	// fetched from hosts that support partial clone, so only trees count
	// there.
	MaxFetchBytes int64
	// RootCAs verifies HTTPS certificates; nil means the system's roots.
	RootCAs *x509.CertPool
	// SyncTimeout bounds a whole Sync (which, unlike the check, fetches
	// file contents); 0 means DefaultSyncTimeout.
	SyncTimeout time.Duration
	// MaxSyncBytes bounds what one Sync reads from the remote over all its
	// connections; 0 means DefaultMaxSyncBytes.
	MaxSyncBytes int64

	// Test hooks; nil means the real thing.
	lookup func(ctx context.Context, host string) ([]netip.Addr, error)
	dial   func(ctx context.Context, network, address string) (net.Conn, error)
}

// settings are a Checker's fields with every default applied: the one
// place the zero values are read.
type settings struct {
	checkTimeout   time.Duration
	connectTimeout time.Duration
	maxFetchBytes  int64
	syncTimeout    time.Duration
	maxSyncBytes   int64
	rootCAs        *x509.CertPool
	allowLoopback  bool
	lookup         func(ctx context.Context, host string) ([]netip.Addr, error)
	dial           func(ctx context.Context, network, address string) (net.Conn, error)
}

// settings applies the defaults to c's fields.
func (c *Checker) settings() settings {
	s := settings{
		checkTimeout: c.Timeout, connectTimeout: c.ConnectTimeout, maxFetchBytes: c.MaxFetchBytes,
		syncTimeout: c.SyncTimeout, maxSyncBytes: c.MaxSyncBytes, rootCAs: c.RootCAs,
	}
	defaultTo(&s.checkTimeout, DefaultTimeout)
	defaultTo(&s.connectTimeout, DefaultConnectTimeout)
	defaultTo(&s.maxFetchBytes, DefaultMaxFetchBytes)
	defaultTo(&s.syncTimeout, DefaultSyncTimeout)
	defaultTo(&s.maxSyncBytes, DefaultMaxSyncBytes)
	s.allowLoopback, s.lookup, s.dial = c.AllowLoopback, c.lookup, c.dial
	if s.lookup == nil {
		res := c.Resolver
		if res == nil {
			res = net.DefaultResolver
		}
		s.lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return res.LookupNetIP(ctx, "ip", host)
		}
	}
	if s.dial == nil {
		s.dial = (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext
	}
	return s
}

// newGuard is the address guard of one operation's target.
func (s *settings) newGuard() *guard {
	return &guard{allowLoopback: s.allowLoopback, lookup: s.lookup, dial: s.dial, connectTimeout: s.connectTimeout}
}

// defaultTo sets *v to def when it is not positive.
func defaultTo[T time.Duration | int64](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}
