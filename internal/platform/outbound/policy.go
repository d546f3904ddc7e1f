// Package outbound is the only way Bulwark's server side opens connections
// it was asked to open by users or remote data (webhooks, feed polling, OIDC
// discovery). It refuses addresses inside the deployment's own networks so a
// configured URL cannot be used to reach internal services (SSRF).
package outbound

import (
	"errors"
	"fmt"
	"net/netip"
)

// ErrForbiddenAddress is wrapped by every refusal; the message names the
// address and why it is refused.
var ErrForbiddenAddress = errors.New("address not allowed for outbound connections")

// Policy says which otherwise refused addresses may be reached.
type Policy struct {
	// Allow lists prefixes that are reachable even though they are not public,
	// for example an internal TAXII server at 10.20.0.0/16.
	Allow []netip.Prefix
}

// special is a range that is not reachable on the public internet.
type special struct {
	prefix netip.Prefix
	reason string
}

// ipv4Special follows the IANA IPv4 special-purpose registry; ranges that are
// globally reachable there are still refused when they cannot be a webhook.
var ipv4Special = []special{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified or this-network"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private (RFC 1918)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space (CGNAT)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private (RFC 1918)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("192.88.99.0/24"), "6to4 relay anycast"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private (RFC 1918)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved or broadcast"},
}

// ipv6Named gives the reason for well-known ranges outside global unicast
// (2000::/3), all of which are refused.
var ipv6Named = []special{
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("fc00::/7"), "unique local (RFC 4193)"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

var globalUnicast = netip.MustParsePrefix("2000::/3")

// ipv6Special lists the special-purpose ranges inside 2000::/3.
var ipv6Special = []special{
	{netip.MustParsePrefix("2001::/23"), "IETF protocol assignments (Teredo, benchmarking, ORCHID)"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("2002::/16"), "6to4"},
	{netip.MustParsePrefix("3fff::/20"), "documentation"},
}

// nat64 is the well-known NAT64 prefix: the IPv4 address it embeds decides.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// Check returns nil when addr may be connected to, or an error wrapping
// ErrForbiddenAddress that says why not. Forms that embed an IPv4 address
// (IPv4-mapped, NAT64) are judged by the IPv4 address.
func (p Policy) Check(addr netip.Addr) error {
	if !addr.IsValid() {
		return fmt.Errorf("%w: invalid address", ErrForbiddenAddress)
	}
	addr = addr.WithZone("")
	if p.allows(addr) {
		return nil
	}
	reason := refusalReason(addr)
	if reason == "" {
		return nil
	}
	return fmt.Errorf("%w: %s is %s", ErrForbiddenAddress, addr, reason)
}

// allows matches the allow-list against the address as written and against
// the IPv4 address it embeds, so allowing 127.0.0.0/8 also allows
// ::ffff:127.0.0.1.
func (p Policy) allows(addr netip.Addr) bool {
	embedded, hasEmbedded := embeddedIPv4(addr)
	for _, prefix := range p.Allow {
		if prefix.Contains(addr) || hasEmbedded && prefix.Contains(embedded) {
			return true
		}
	}
	return false
}

func embeddedIPv4(addr netip.Addr) (netip.Addr, bool) {
	switch {
	case addr.Is4In6():
		return addr.Unmap(), true
	case nat64.Contains(addr):
		b := addr.As16()
		return netip.AddrFrom4([4]byte(b[12:])), true
	}
	return netip.Addr{}, false
}

// refusalReason says why addr is not public, or "" when it is.
func refusalReason(addr netip.Addr) string {
	if v4, ok := embeddedIPv4(addr); ok {
		if reason := refusalReason(v4); reason != "" {
			return reason + " (as " + v4.String() + ")"
		}
		return ""
	}
	if addr.Is4() {
		return firstMatch(ipv4Special, addr)
	}
	if !globalUnicast.Contains(addr) {
		if reason := firstMatch(ipv6Named, addr); reason != "" {
			return reason
		}
		return "outside IPv6 global unicast"
	}
	return firstMatch(ipv6Special, addr)
}

func firstMatch(ranges []special, addr netip.Addr) string {
	for _, r := range ranges {
		if r.prefix.Contains(addr) {
			return r.reason
		}
	}
	return ""
}
