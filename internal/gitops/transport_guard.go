// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

// The address guard keeps the access check from being turned against the
// platform itself (server-side request forgery): a repository URL naming
// 127.0.0.1, a private network or a cloud metadata service would otherwise
// make the control plane connect there on the user's behalf.
//
// Every address a host name resolves to is checked, and the connection then
// goes to one of those checked addresses, never to the name again, so a DNS
// answer that changes between the check and the connection (DNS rebinding)
// cannot move it somewhere else.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// addrKind is why an address is refused; kindPublic means it is not.
type addrKind int

const (
	kindPublic addrKind = iota
	kindLoopback
	kindPrivate
	kindLinkLocal
	kindCGNAT
	kindUnspecified
	kindMulticast
	kindBroadcast
	kindReserved
)

type addrRange struct {
	prefix netip.Prefix
	kind   addrKind
}

func ranges(kind addrKind, prefixes ...string) []addrRange {
	out := make([]addrRange, len(prefixes))
	for i, p := range prefixes {
		out[i] = addrRange{netip.MustParsePrefix(p), kind}
	}
	return out
}

// refusedV4 and refusedV6 list the refused ranges; the first match wins, so
// narrower ranges come before wider ones that contain them.
var refusedV4 = slices.Concat(
	ranges(kindUnspecified, "0.0.0.0/32"),
	ranges(kindBroadcast, "255.255.255.255/32"),
	ranges(kindReserved, "0.0.0.0/8", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4"),
	ranges(kindLoopback, "127.0.0.0/8"),
	ranges(kindPrivate, "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"),
	ranges(kindLinkLocal, "169.254.0.0/16"),
	ranges(kindCGNAT, "100.64.0.0/10"),
	ranges(kindMulticast, "224.0.0.0/4"),
)

var refusedV6 = slices.Concat(
	ranges(kindUnspecified, "::/128"),
	ranges(kindLoopback, "::1/128"),
	// Local-use NAT64 (RFC 8215) translates to whatever the local network
	// decides, so the embedded IPv4 address says nothing.
	ranges(kindPrivate, "fc00::/7", "fec0::/10", "64:ff9b:1::/48"),
	ranges(kindLinkLocal, "fe80::/10"),
	ranges(kindMulticast, "ff00::/8"),
	ranges(kindReserved, "100::/64", "2001:db8::/32"),
)

// embeddedV4 lists the IPv6 forms that carry an IPv4 address the traffic
// ends up at: the address is checked as that IPv4 address.
var embeddedV4 = []struct {
	prefix netip.Prefix
	form   string
	// extract returns the embedded IPv4 addresses of a (16-byte) address.
	extract func(b [16]byte) []netip.Addr
}{
	{netip.MustParsePrefix("64:ff9b::/96"), "NAT64 form", last4},
	{netip.MustParsePrefix("::ffff:0:0:0/96"), "IPv4-translated form", last4},
	{netip.MustParsePrefix("2002::/16"), "6to4 form", func(b [16]byte) []netip.Addr {
		return []netip.Addr{netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})}
	}},
	{netip.MustParsePrefix("2001::/32"), "Teredo form", func(b [16]byte) []netip.Addr {
		server := netip.AddrFrom4([4]byte{b[4], b[5], b[6], b[7]})
		client := netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]})
		return []netip.Addr{server, client}
	}},
	// Deprecated IPv4-compatible addresses (::a.b.c.d); :: and ::1 are
	// matched as unspecified and loopback before this is reached.
	{netip.MustParsePrefix("::/96"), "IPv4-compatible form", last4},
}

func last4(b [16]byte) []netip.Addr {
	return []netip.Addr{netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})}
}

// metadataNames are the names cloud providers give their instance metadata
// services. They normally resolve to a link-local address, which is refused
// anyway; refusing the names too gives a clearer message and does not depend
// on the platform's resolver.
var metadataNames = map[string]bool{
	"metadata":                   true,
	"metadata.google.internal":   true,
	"metadata.goog":              true,
	"instance-data":              true,
	"instance-data.ec2.internal": true,
	"metadata.tencentyun.com":    true,
}

// refusal says why an address is refused. Reason is a phrase that follows
// the address in a message: "127.0.0.1 is <reason>".
type refusal struct {
	kind   addrKind
	reason string
}

// classify returns the kind of addr and, for refused addresses, the reason.
// IPv4-mapped addresses count as their IPv4 address (Go's dialer connects
// them as IPv4); NAT64, 6to4, Teredo and IPv4-compatible forms are refused
// when the IPv4 address they carry is.
func classify(addr netip.Addr) refusal {
	addr = addr.WithZone("")
	if addr.Is4In6() {
		r := classify(addr.Unmap())
		if r.kind != kindPublic {
			r.reason = "the IPv4-mapped form of " + addr.Unmap().String() + ", " + r.reason
		}
		return r
	}
	if addr.Is4() {
		for _, rg := range refusedV4 {
			if rg.prefix.Contains(addr) {
				return refusal{rg.kind, describe(rg.kind, addr)}
			}
		}
		return refusal{kind: kindPublic}
	}
	for _, rg := range refusedV6 {
		if rg.prefix.Contains(addr) {
			return refusal{rg.kind, describe(rg.kind, addr)}
		}
	}
	for _, e := range embeddedV4 {
		if !e.prefix.Contains(addr) {
			continue
		}
		for _, v4 := range e.extract(addr.As16()) {
			if r := classify(v4); r.kind != kindPublic {
				r.reason = "the " + e.form + " of " + v4.String() + ", " + r.reason
				return r
			}
		}
		break
	}
	return refusal{kind: kindPublic}
}

// AddressAllowed reports whether the access check may connect to addr, and
// if not, why ("a private network address (RFC 1918)", ...). Loopback
// addresses are allowed only with allowLoopback.
func AddressAllowed(addr netip.Addr, allowLoopback bool) (bool, string) {
	r := classify(addr)
	if r.kind == kindPublic || (r.kind == kindLoopback && allowLoopback && isPlainLoopback(addr)) {
		return true, ""
	}
	return false, r.reason
}

// isPlainLoopback is 127.0.0.0/8, ::1 or an IPv4-mapped 127.x address: the
// forms that actually reach this machine.
func isPlainLoopback(addr netip.Addr) bool {
	return addr.WithZone("").Unmap().IsLoopback()
}

// nameRefusal refuses names without asking DNS: metadata service names, and
// "localhost" (RFC 6761: always the loopback interface) unless loopback is
// allowed.
func nameRefusal(host string, allowLoopback bool) string {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	switch {
	case metadataNames[h]:
		return reasonMetadataName
	case !allowLoopback && (h == "localhost" || strings.HasSuffix(h, ".localhost")):
		return reasonLocalhostName
	}
	return ""
}

// guard resolves host names and dials only addresses it has checked. One
// guard serves one check: it looks a name up once and connects every time
// to the same checked addresses.
type guard struct {
	allowLoopback  bool
	lookup         func(ctx context.Context, host string) ([]netip.Addr, error)
	dial           func(ctx context.Context, network, address string) (net.Conn, error)
	connectTimeout time.Duration

	mu       sync.Mutex
	resolved map[string][]netip.Addr // checked answers, by name
}

// forbiddenError is a refused host; its message is the user's message.
type forbiddenError struct{ msg string }

func (e *forbiddenError) Error() string { return e.msg }

// resolveError is a failed name lookup.
type resolveError struct {
	host string
	err  error
}

func (e *resolveError) Error() string { return fmt.Sprintf("resolving %s: %v", e.host, e.err) }
func (e *resolveError) Unwrap() error { return e.err }

// dialError is a failed connection to every checked address.
type dialError struct {
	host string
	port int
	err  error // the last address's error
}

func (e *dialError) Error() string {
	return fmt.Sprintf("connecting to %s: %v", net.JoinHostPort(e.host, strconv.Itoa(e.port)), e.err)
}
func (e *dialError) Unwrap() error { return e.err }

// resolve returns the addresses of host (a name or an IP literal), all of
// them checked, or a *forbiddenError if any of them is refused: a name that
// resolves to both a public and a private address is refused, since the
// connection must not depend on which answer comes first.
func (g *guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if addr, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if ok, reason := AddressAllowed(addr, g.allowLoopback); !ok {
			return nil, &forbiddenError{msgForbiddenAddress(host, reason)}
		}
		return []netip.Addr{addr.WithZone("").Unmap()}, nil
	}
	if reason := nameRefusal(host, g.allowLoopback); reason != "" {
		return nil, &forbiddenError{msgForbiddenName(host, reason)}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if addrs, ok := g.resolved[host]; ok {
		return addrs, nil
	}
	addrs, err := g.lookup(ctx, host)
	if err != nil {
		return nil, &resolveError{host, err}
	}
	if len(addrs) == 0 {
		return nil, &resolveError{host, errors.New("no addresses")}
	}
	out := make([]netip.Addr, 0, len(addrs))
	for _, addr := range addrs {
		if ok, reason := AddressAllowed(addr, g.allowLoopback); !ok {
			return nil, &forbiddenError{msgForbiddenResolved(host, addr, reason)}
		}
		out = append(out, addr.WithZone("").Unmap())
	}
	if g.resolved == nil {
		g.resolved = make(map[string][]netip.Addr)
	}
	g.resolved[host] = out
	return out, nil
}

// dialHost resolves host, then connects to its checked addresses in turn
// until one answers. It returns the connection.
func (g *guard) dialHost(ctx context.Context, host string, port int) (net.Conn, error) {
	addrs, err := g.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	var last error
	for _, addr := range addrs {
		dctx, cancel := context.WithTimeout(ctx, g.connectTimeout)
		conn, err := g.dial(dctx, "tcp", netip.AddrPortFrom(addr, uint16(port)).String())
		cancel()
		if err == nil {
			return conn, nil
		}
		last = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, &dialError{host, port, last}
}

// dialContext is an http.Transport.DialContext: addr is the URL's
// "host:port", resolved and checked on every new connection.
func (g *guard) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, err
	}
	conn, err := g.dialHost(ctx, host, port)
	return conn, err
}
