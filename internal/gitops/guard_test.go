// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
)

func TestAddressAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr          string
		allowLoopback bool
		want          bool
		reason        string // part of the reason when refused
	}{
		// Public addresses.
		{"140.82.112.3", false, true, ""},
		{"8.8.8.8", false, true, ""},
		{"172.32.0.1", false, true, ""},
		{"100.128.0.1", false, true, ""},
		{"2606:50c0:8000::153", false, true, ""},
		{"64:ff9b::8c52:7003", false, true, ""}, // NAT64 of 140.82.112.3
		{"2002:8c52:7003::1", false, true, ""},  // 6to4 of 140.82.112.3

		// Loopback.
		{"127.0.0.1", false, false, "loopback"},
		{"127.255.0.9", false, false, "loopback"},
		{"::1", false, false, "loopback"},
		{"::ffff:127.0.0.1", false, false, "IPv4-mapped form of 127.0.0.1, a loopback"},
		{"127.0.0.1", true, true, ""},
		{"::1", true, true, ""},
		{"::ffff:127.0.0.1", true, true, ""},
		{"2002:7f00:1::", true, false, "6to4 form of 127.0.0.1"}, // not this machine, even in development

		// Private networks.
		{"10.0.0.1", false, false, "private network address (RFC 1918)"},
		{"172.16.0.1", false, false, "RFC 1918"},
		{"172.31.255.255", false, false, "RFC 1918"},
		{"192.168.1.1", false, false, "RFC 1918"},
		{"fc00::1", false, false, "private network"},
		{"fd00:ec2::254", false, false, "private network"}, // AWS's IPv6 metadata service
		{"fec0::1", false, false, "private network"},
		{"64:ff9b:1::a00:1", false, false, "private network"},

		// Link-local, where metadata services answer.
		{"169.254.169.254", false, false, "link-local"},
		{"169.254.169.254", true, false, "metadata"},
		{"fe80::1", false, false, "link-local"},
		{"fe80::1%eth0", false, false, "link-local"},

		// Carrier-grade NAT (Alibaba Cloud's metadata service is 100.100.100.200).
		{"100.64.0.1", false, false, "carrier-grade NAT"},
		{"100.100.100.200", false, false, "carrier-grade NAT"},

		// Unspecified, multicast, broadcast, reserved.
		{"0.0.0.0", false, false, "unspecified"},
		{"::", false, false, "unspecified"},
		{"224.0.0.1", false, false, "multicast"},
		{"ff02::1", false, false, "multicast"},
		{"255.255.255.255", false, false, "broadcast"},
		{"240.0.0.1", false, false, "reserved"},
		{"0.1.2.3", false, false, "reserved"},
		{"198.18.0.1", false, false, "reserved"},
		{"2001:db8::1", false, false, "reserved"},

		// IPv6 forms that carry a refused IPv4 address.
		{"::ffff:10.0.0.1", false, false, "IPv4-mapped form of 10.0.0.1, a private"},
		{"::ffff:169.254.169.254", false, false, "IPv4-mapped form of 169.254.169.254, a link-local"},
		{"64:ff9b::a9fe:a9fe", false, false, "NAT64 form of 169.254.169.254"},
		{"64:ff9b::7f00:1", true, false, "NAT64 form of 127.0.0.1"},
		{"2002:a9fe:a9fe::", false, false, "6to4 form of 169.254.169.254"},
		{"2002:0a00:0001:1::1", false, false, "6to4 form of 10.0.0.1"},
		{"::a00:1", false, false, "IPv4-compatible form of 10.0.0.1"},
		{"::ffff:0:a00:1", false, false, "IPv4-translated form of 10.0.0.1"},
		{"2001:0:4136:e378:8000:63bf:f5ff:fffe", false, false, "Teredo form of 10.0.0.1"}, // client 10.0.0.1
		{"2001:0:a9fe:a9fe::1", false, false, "Teredo form of 169.254.169.254"},           // server
	}
	for _, tt := range tests {
		addr := netip.MustParseAddr(tt.addr)
		ok, reason := AddressAllowed(addr, tt.allowLoopback)
		if ok != tt.want {
			t.Errorf("AddressAllowed(%s, allowLoopback=%v) = %v (%s), want %v", tt.addr, tt.allowLoopback, ok, reason, tt.want)
			continue
		}
		if ok && reason != "" {
			t.Errorf("AddressAllowed(%s) allowed with reason %q", tt.addr, reason)
		}
		if !ok && !strings.Contains(reason, tt.reason) {
			t.Errorf("AddressAllowed(%s) reason = %q, want it to contain %q", tt.addr, reason, tt.reason)
		}
	}
}

// fakeLookup answers from a table, and "no such host" for other names.
func fakeLookup(answers map[string][]string) func(context.Context, string) ([]netip.Addr, error) {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		list, ok := answers[host]
		if !ok {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		var out []netip.Addr
		for _, a := range list {
			out = append(out, netip.MustParseAddr(a))
		}
		return out, nil
	}
}

func TestGuardResolve(t *testing.T) {
	t.Parallel()
	answers := map[string][]string{
		"git.example.com":      {"140.82.112.3", "2606:50c0:8000::153"},
		"mapped.example.com":   {"::ffff:140.82.112.3"},
		"internal.example.com": {"10.0.0.7"},
		"split.example.com":    {"140.82.112.3", "192.168.0.10"},
		"meta.example.com":     {"169.254.169.254"},
		"cgnat.example.com":    {"100.64.1.1"},
		"nat64.example.com":    {"64:ff9b::a9fe:a9fe"},
		"v6local.example.com":  {"fe80::1%eth0"},
		"localhost":            {"127.0.0.1", "::1"},
		"empty.example.com":    {},
	}
	tests := []struct {
		host          string
		allowLoopback bool
		want          []string // allowed addresses, or nil
		refused       string   // part of the forbidden message
	}{
		{host: "git.example.com", want: []string{"140.82.112.3", "2606:50c0:8000::153"}},
		{host: "mapped.example.com", want: []string{"140.82.112.3"}},
		{host: "140.82.112.3", want: []string{"140.82.112.3"}},
		{host: "2606:50c0:8000::153", want: []string{"2606:50c0:8000::153"}},
		{host: "internal.example.com", refused: `"internal.example.com" resolves to 10.0.0.7, a private network address`},
		{host: "split.example.com", refused: "resolves to 192.168.0.10"},
		{host: "meta.example.com", refused: "link-local"},
		{host: "cgnat.example.com", refused: "carrier-grade NAT"},
		{host: "nat64.example.com", refused: "NAT64 form of 169.254.169.254"},
		{host: "v6local.example.com", refused: "link-local"},
		{host: "10.1.2.3", refused: "The host 10.1.2.3 in the repository URL is a private network address"},
		{host: "::ffff:a9fe:a9fe", refused: "[::ffff:a9fe:a9fe]"},
		{host: "metadata.google.internal", refused: "cloud metadata service"},
		{host: "METADATA.google.internal.", refused: "cloud metadata service"},
		{host: "metadata", refused: "cloud metadata service"},
		{host: "instance-data.ec2.internal", refused: "cloud metadata service"},
		{host: "localhost", refused: "loopback"},
		{host: "build.localhost", refused: "loopback"},
		{host: "localhost", allowLoopback: true, want: []string{"127.0.0.1", "::1"}},
		{host: "metadata.google.internal", allowLoopback: true, refused: "cloud metadata service"},
		{host: "127.0.0.1", allowLoopback: true, want: []string{"127.0.0.1"}},
	}
	for _, tt := range tests {
		g := &guard{allowLoopback: tt.allowLoopback, lookup: fakeLookup(answers)}
		got, err := g.resolve(context.Background(), tt.host)
		var fe *forbiddenError
		switch {
		case tt.refused != "":
			if !errors.As(err, &fe) {
				t.Errorf("resolve(%q) = %v, %v; want refused", tt.host, got, err)
			} else if !strings.Contains(fe.msg, tt.refused) || !strings.Contains(fe.msg, "not reachable from the Divio platform") {
				t.Errorf("resolve(%q) message %q, want it to contain %q", tt.host, fe.msg, tt.refused)
			}
		case err != nil:
			t.Errorf("resolve(%q): %v", tt.host, err)
		default:
			var gotS []string
			for _, a := range got {
				gotS = append(gotS, a.String())
			}
			if strings.Join(gotS, ",") != strings.Join(tt.want, ",") {
				t.Errorf("resolve(%q) = %v, want %v", tt.host, gotS, tt.want)
			}
		}
	}

	g := &guard{lookup: fakeLookup(answers)}
	for _, host := range []string{"nowhere.example.com", "empty.example.com"} {
		_, err := g.resolve(context.Background(), host)
		var re *resolveError
		if !errors.As(err, &re) {
			t.Errorf("resolve(%q) = %v, want a resolveError", host, err)
		}
	}
}

func TestGuardDialTriesEachCheckedAddress(t *testing.T) {
	t.Parallel()
	var dialed []string
	lookups := 0
	lookup := fakeLookup(map[string][]string{"git.example.com": {"2606:50c0:8000::153", "140.82.112.3"}})
	g := &guard{
		lookup: func(ctx context.Context, host string) ([]netip.Addr, error) {
			lookups++
			return lookup(ctx, host)
		},
		dial: func(_ context.Context, _, addr string) (net.Conn, error) {
			dialed = append(dialed, addr)
			if addr == "140.82.112.3:443" {
				c1, c2 := net.Pipe()
				c2.Close()
				return c1, nil
			}
			return nil, errors.New("network is unreachable (test)")
		},
		connectTimeout: DefaultConnectTimeout,
	}
	for range 2 {
		conn, err := g.dialContext(context.Background(), "tcp", "git.example.com:443")
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
	}
	if strings.Join(dialed, " ") != "[2606:50c0:8000::153]:443 140.82.112.3:443 [2606:50c0:8000::153]:443 140.82.112.3:443" {
		t.Errorf("dialed %v", dialed)
	}
	if lookups != 1 {
		t.Errorf("%d lookups for two connections, want 1: later connections use the checked answer", lookups)
	}
}
