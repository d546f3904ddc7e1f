package matcher

import (
	"net/netip"
	"strings"
)

func (s *Set) appendSpan(dst []Hit, sp span, t Type) []Hit {
	for _, id := range s.ids[sp.off : sp.off+sp.n] {
		dst = append(dst, Hit{ID: id, Type: t})
	}
	return dst
}

// AppendIP appends the indicators matching an address: the address itself
// and every range containing it, unless the allow-list covers the address.
// It does not allocate when dst has room for the hits.
func (s *Set) AppendIP(dst []Hit, a netip.Addr) []Hit {
	if !a.IsValid() {
		return dst
	}
	a = a.Unmap().WithZone("")
	if s.allowIP.Size() > 0 && s.allowIP.Contains(a) {
		return dst
	}
	if a.Is4() {
		if sp, ok := s.ip4[ip4Key(a)]; ok {
			dst = s.appendSpan(dst, sp, IPv4)
		}
	} else if sp, ok := s.ip6[a.As16()]; ok {
		dst = s.appendSpan(dst, sp, IPv6)
	}
	if sp, ok := s.cidrs.Lookup(a); ok {
		dst = s.appendSpan(dst, sp, CIDR)
	}
	return dst
}

// MatchIP is AppendIP into a new slice; it allocates only when something matches.
func (s *Set) MatchIP(a netip.Addr) []Hit { return s.AppendIP(nil, a) }

// AppendDomain appends the indicators on the domain and on each of its parent
// domains (an indicator on example.com matches a.b.example.com), unless the
// domain or one of its parents is allow-listed.
func (s *Set) AppendDomain(dst []Hit, d string) []Hit {
	var buf [256]byte
	name, ok := appendDomain(buf[:0], d)
	if !ok {
		return dst
	}
	return s.appendDomainNormal(dst, name)
}

func (s *Set) appendDomainNormal(dst []Hit, name []byte) []Hit {
	if len(s.allowDomain) > 0 && s.domainAllowed(name) {
		return dst
	}
	if len(s.domain) == 0 {
		return dst
	}
	for n := name; containsDot(n); n, _ = nextParent(n) { // indicators have two labels or more
		if sp, ok := s.domain[string(n)]; ok {
			dst = s.appendSpan(dst, sp, Domain)
		}
	}
	return dst
}

// MatchDomain is AppendDomain into a new slice.
func (s *Set) MatchDomain(d string) []Hit { return s.AppendDomain(nil, d) }

// AppendURL appends the indicators on the normalised URL, then those its
// host matches as a domain or address.
func (s *Set) AppendURL(dst []Hit, u string) []Hit {
	var buf [1024]byte
	b, hs, he, addr, ok := appendURL(buf[:0], u)
	if !ok {
		return dst
	}
	if _, allowed := s.allowValue[string(b)]; !allowed {
		if sp, ok := s.url[string(b)]; ok {
			dst = s.appendSpan(dst, sp, URL)
		}
	}
	if addr.IsValid() {
		return s.AppendIP(dst, addr)
	}
	return s.appendDomainNormal(dst, b[hs:he])
}

// MatchURL is AppendURL into a new slice.
func (s *Set) MatchURL(u string) []Hit { return s.AppendURL(nil, u) }

// AppendEmail appends the indicators on the address, then those its domain
// part matches as a domain.
func (s *Set) AppendEmail(dst []Hit, e string) []Hit {
	var buf [320]byte
	b, at, ok := appendEmail(buf[:0], e)
	if !ok {
		return dst
	}
	if _, allowed := s.allowValue[string(b)]; !allowed {
		if sp, ok := s.email[string(b)]; ok {
			dst = s.appendSpan(dst, sp, Email)
		}
	}
	return s.appendDomainNormal(dst, b[at:])
}

// MatchEmail is AppendEmail into a new slice.
func (s *Set) MatchEmail(e string) []Hit { return s.AppendEmail(nil, e) }

// AppendHash appends the indicators on an MD5, SHA-1 or SHA-256 hash given in
// hexadecimal; the type follows from the length.
func (s *Set) AppendHash(dst []Hit, h string) []Hit {
	t := hashKind(h)
	if t == "" {
		return dst
	}
	if len(s.allowValue) > 0 {
		var low [64]byte
		for i := 0; i < len(h); i++ {
			low[i] = lowerASCII(h[i])
		}
		if _, allowed := s.allowValue[string(low[:len(h)])]; allowed {
			return dst
		}
	}
	var sp span
	var ok bool
	switch t {
	case MD5:
		var k [16]byte
		if decodeHex(k[:], h) {
			sp, ok = s.md5[k]
		}
	case SHA1:
		var k [20]byte
		if decodeHex(k[:], h) {
			sp, ok = s.sha1[k]
		}
	default:
		var k [32]byte
		if decodeHex(k[:], h) {
			sp, ok = s.sha256[k]
		}
	}
	if ok {
		dst = s.appendSpan(dst, sp, t)
	}
	return dst
}

// MatchHash is AppendHash into a new slice.
func (s *Set) MatchHash(h string) []Hit { return s.AppendHash(nil, h) }

// Classify tells what a raw field from a log looks like: an address, a URL,
// an e-mail address, a hash or a domain; "" when none of these.
func Classify(v string) Type {
	v = strings.TrimSpace(v)
	switch {
	case v == "" || v == "-":
		return ""
	case strings.Contains(v, "://"):
		return URL
	case strings.IndexByte(v, '@') >= 0:
		return Email
	case hashKind(v) != "" && allHex(v):
		return hashKind(v)
	}
	if a, ok := parseLogAddr(v); ok {
		if a.Unmap().Is4() {
			return IPv4
		}
		return IPv6
	}
	var buf [256]byte
	if b, ok := appendDomain(buf[:0], withoutPort(v)); ok && containsDot(b) {
		return Domain
	}
	return ""
}

// withoutPort drops a ":443"-style port from a host name, as logs often
// write "example.com:8080" where a name is expected.
func withoutPort(v string) string {
	if i := strings.LastIndexByte(v, ':'); i > 0 && strings.IndexByte(v[:i], ':') < 0 && allDigits(v[i+1:]) {
		return v[:i]
	}
	return v
}

// parseLogAddr reads an address as logs write it: bare, or with a port
// ("192.0.2.1:443", "[2001:db8::1]:443"). It checks the characters first
// so that the common case of a non-address costs no error allocation.
// Zones (fe80::1%eth0) are not accepted.
func parseLogAddr(v string) (netip.Addr, bool) {
	if len(v) < 2 || len(v) > 64 {
		return netip.Addr{}, false
	}
	if v[0] == '[' {
		j := strings.IndexByte(v, ']')
		if j < 0 || (j+1 < len(v) && (v[j+1] != ':' || !allDigits(v[j+2:]))) {
			return netip.Addr{}, false
		}
		v = v[1:j]
	}
	colons := strings.Count(v, ":")
	if colons == 1 {
		host, port, _ := strings.Cut(v, ":")
		if !allDigits(port) {
			return netip.Addr{}, false
		}
		v = host
		colons = 0
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		ok := '0' <= c && c <= '9' || c == '.'
		if colons > 0 {
			ok = ok || isHex(c) || c == ':'
		}
		if !ok {
			return netip.Addr{}, false
		}
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Addr{}, false
	}
	return a, true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// AppendToken classifies a raw field (see Classify) and matches it.
func (s *Set) AppendToken(dst []Hit, v string) []Hit {
	v = strings.TrimSpace(v)
	switch Classify(v) {
	case URL:
		return s.AppendURL(dst, v)
	case Email:
		return s.AppendEmail(dst, v)
	case MD5, SHA1, SHA256:
		return s.AppendHash(dst, v)
	case IPv4, IPv6:
		a, _ := parseLogAddr(v)
		return s.AppendIP(dst, a)
	case Domain:
		return s.AppendDomain(dst, withoutPort(v))
	}
	return dst
}

// MatchToken is AppendToken into a new slice.
func (s *Set) MatchToken(v string) []Hit { return s.AppendToken(nil, v) }

// AllowListed tells whether the allow-list would suppress matches of the
// indicator, so the hub can warn the person entering it. A range counts as
// allow-listed when an allow-listed range contains all of it; a URL or an
// e-mail address when its host or domain is allow-listed.
func (s *Set) AllowListed(ind Indicator) bool {
	v := strings.TrimSpace(ind.Value)
	switch ind.Type {
	case IPv4, IPv6, CIDR:
		p, err := parseAddrOrPrefix(v)
		return err == nil && s.allowIP.Size() > 0 && s.allowIP.LookupPrefix(p)
	case Domain:
		d, err := normalDomain(v)
		return err == nil && s.domainAllowed([]byte(d))
	case URL:
		b, hs, he, addr, ok := appendURL(nil, v)
		if !ok {
			return false
		}
		if _, allowed := s.allowValue[string(b)]; allowed {
			return true
		}
		if addr.IsValid() {
			return s.allowIP.Size() > 0 && s.allowIP.Contains(addr.Unmap())
		}
		return s.domainAllowed(b[hs:he])
	case Email:
		b, at, ok := appendEmail(nil, v)
		if !ok {
			return false
		}
		_, allowed := s.allowValue[string(b)]
		return allowed || s.domainAllowed(b[at:])
	case MD5, SHA1, SHA256:
		_, allowed := s.allowValue[strings.ToLower(v)]
		return allowed
	}
	return false
}

func (s *Set) domainAllowed(name []byte) bool {
	for n := name; containsDot(n); n, _ = nextParent(n) { // indicators have two labels or more
		if _, ok := s.allowDomain[string(n)]; ok {
			return true
		}
	}
	return false
}
