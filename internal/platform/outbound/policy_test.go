package outbound

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestPolicyCheck(t *testing.T) {
	prefixes := func(s ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, p := range s {
			out = append(out, netip.MustParsePrefix(p))
		}
		return out
	}
	tests := []struct {
		addr       string
		allow      []netip.Prefix
		wantReason string // "" means permitted
	}{
		// Public addresses pass.
		{"8.8.8.8", nil, ""},
		{"1.1.1.1", nil, ""},
		{"192.0.0.9", nil, "IETF protocol assignments"}, // globally reachable, but never a webhook
		{"100.63.255.255", nil, ""},
		{"100.128.0.0", nil, ""},
		{"172.15.255.255", nil, ""},
		{"172.32.0.0", nil, ""},
		{"2606:4700:4700::1111", nil, ""},
		{"2001:4860:4860::8888", nil, ""},
		{"::ffff:8.8.8.8", nil, ""},
		{"64:ff9b::808:808", nil, ""}, // NAT64 of 8.8.8.8

		// IPv4 special ranges.
		{"0.0.0.0", nil, "unspecified"},
		{"10.1.2.3", nil, "private (RFC 1918)"},
		{"172.16.0.1", nil, "private (RFC 1918)"},
		{"172.31.255.255", nil, "private (RFC 1918)"},
		{"192.168.1.1", nil, "private (RFC 1918)"},
		{"100.64.0.1", nil, "CGNAT"},
		{"100.127.255.254", nil, "CGNAT"},
		{"127.0.0.1", nil, "loopback"},
		{"127.255.255.254", nil, "loopback"},
		{"169.254.169.254", nil, "link-local"}, // cloud metadata service
		{"192.0.2.10", nil, "documentation"},
		{"198.18.0.1", nil, "benchmarking"},
		{"224.0.0.251", nil, "multicast"},
		{"239.255.255.250", nil, "multicast"},
		{"240.0.0.1", nil, "reserved"},
		{"255.255.255.255", nil, "broadcast"},

		// IPv6 special ranges.
		{"::", nil, "unspecified"},
		{"::1", nil, "loopback"},
		{"fd12:3456:789a::1", nil, "unique local (RFC 4193)"},
		{"fc00::1", nil, "unique local (RFC 4193)"},
		{"fe80::1", nil, "link-local"},
		{"fe80::1%eth0", nil, "link-local"},
		{"fec0::1", nil, "site-local"},
		{"ff02::1", nil, "multicast"},
		{"100::1", nil, "outside IPv6 global unicast"},
		{"::7f00:1", nil, "outside IPv6 global unicast"}, // deprecated IPv4-compatible form
		{"2001:db8::1", nil, "documentation"},
		{"2001::1", nil, "Teredo"},
		{"2002:7f00:1::", nil, "6to4"},
		{"3fff::1", nil, "documentation"},

		// Forms embedding a refused IPv4 address.
		{"::ffff:127.0.0.1", nil, "loopback (as 127.0.0.1)"},
		{"::ffff:10.0.0.1", nil, "private (RFC 1918) (as 10.0.0.1)"},
		{"::ffff:169.254.169.254", nil, "link-local"},
		{"64:ff9b::a00:1", nil, "private (RFC 1918) (as 10.0.0.1)"},
		{"64:ff9b::7f00:1", nil, "loopback"},

		// Allow-listed prefixes.
		{"10.20.0.5", prefixes("10.20.0.0/16"), ""},
		{"10.21.0.5", prefixes("10.20.0.0/16"), "private (RFC 1918)"},
		{"::ffff:10.20.0.5", prefixes("10.20.0.0/16"), ""},
		{"64:ff9b::a14:5", prefixes("10.20.0.0/16"), ""},
		{"127.0.0.1", prefixes("127.0.0.0/8"), ""},
		{"::1", prefixes("127.0.0.0/8"), "loopback"},
		{"::1", prefixes("::1/128"), ""},
		{"fd00::5", prefixes("fd00::/8"), ""},
		{"fe80::1%eth0", prefixes("fe80::/10"), ""},
		{"192.168.1.1", prefixes("10.0.0.0/8", "192.168.1.0/24"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			err := Policy{Allow: tt.allow}.Check(netip.MustParseAddr(tt.addr))
			if tt.wantReason == "" {
				if err != nil {
					t.Fatalf("Check(%s) = %v, want permitted", tt.addr, err)
				}
				return
			}
			if !errors.Is(err, ErrForbiddenAddress) {
				t.Fatalf("Check(%s) = %v, want ErrForbiddenAddress", tt.addr, err)
			}
			if !strings.Contains(err.Error(), tt.wantReason) {
				t.Errorf("Check(%s) = %q, want reason %q", tt.addr, err, tt.wantReason)
			}
		})
	}
}

func TestPolicyCheckRefusesInvalidAddress(t *testing.T) {
	if err := (Policy{}).Check(netip.Addr{}); !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("Check(zero Addr) = %v, want ErrForbiddenAddress", err)
	}
}
