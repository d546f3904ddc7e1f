package sharing

import (
	"errors"
	"strings"
	"testing"

	"bulwark/internal/sharing/matcher"
	"bulwark/internal/sharing/stixpattern"
)

func TestNormaliseIndicator(t *testing.T) {
	for _, c := range []struct {
		typ       matcher.Type
		in        string
		wantType  matcher.Type
		want, err string
	}{
		{"", " 203.0.113.5 ", matcher.IPv4, "203.0.113.5", ""},
		{"", "2001:DB8::1", matcher.IPv6, "2001:db8::1", ""},
		{"", "198.51.100.7/24", matcher.CIDR, "198.51.100.0/24", ""},
		{"", "Clerk-Login.Example.", matcher.Domain, "clerk-login.example", ""},
		{"", "bücher.example", matcher.Domain, "xn--bcher-kva.example", ""},
		{"", "Phish@Evil.Example", matcher.Email, "Phish@evil.example", ""},
		{"", strings.Repeat("A", 32), matcher.MD5, strings.Repeat("a", 32), ""},
		{"", "http://evil.example/login", matcher.URL, "http://evil.example/login", ""},
		{matcher.IPv4, "2001:db8::1", "", "", "not of type ipv4"},
		{matcher.IPv4, "203.0.113.0/24", "", "", "use the type cidr"},
		{matcher.SHA1, "abcd", "", "", "hexadecimal digits"},
		{"", "", "", "", "enter the value"},
		{"", "hello", "", "", "choose its type"},
		{"weird", "x.example", "", "", "not an indicator type"},
	} {
		typ, got, err := NormaliseIndicator(c.typ, c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !errors.Is(err, errInvalidSentinel()) {
				t.Errorf("%s %q: error %v, want %q", c.typ, c.in, err, c.err)
			}
			continue
		}
		if err != nil || typ != c.wantType || got != c.want {
			t.Errorf("%s %q: %s %q %v, want %s %q", c.typ, c.in, typ, got, err, c.wantType, c.want)
		}
	}
}

func errInvalidSentinel() error { return invalid("x", "y").(interface{ Unwrap() error }).Unwrap() }

// TestPatternForParsesAndPassesItsOwnCheck: every generated pattern is
// valid STIX and tests for its value.
func TestPatternForParsesAndPassesItsOwnCheck(t *testing.T) {
	for _, c := range []struct {
		typ matcher.Type
		v   string
	}{{matcher.IPv4, "203.0.113.5"}, {matcher.IPv6, "2001:db8::1"}, {matcher.CIDR, "198.51.100.0/24"}, {matcher.CIDR, "2001:db8::/32"},
		{matcher.Domain, "evil.example"}, {matcher.URL, "http://evil.example/a'b"}, {matcher.Email, "x@evil.example"},
		{matcher.MD5, strings.Repeat("a", 32)}, {matcher.SHA1, strings.Repeat("b", 40)}, {matcher.SHA256, strings.Repeat("c", 64)}} {
		p := PatternFor(c.typ, c.v)
		if _, err := stixpattern.Parse(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		if err := checkPattern(c.typ, c.v, p); err != nil {
			t.Errorf("%s does not pass its own check: %v", p, err)
		}
	}
	for _, c := range []struct{ typ, v, p string }{
		{"ipv4", "203.0.113.5", "[ipv4-addr:value = '203.0.113.6']"},
		{"ipv4", "203.0.113.5", "[ipv4-addr:value = '203.0.113.5' AND network-traffic:dst_port = 443]"},
		{"ipv4", "203.0.113.5", "[ipv4-addr:value = '203.0.113.5'] WITHIN 60 SECONDS"},
		{"sha256", strings.Repeat("c", 64), "[file:hashes.MD5 = '" + strings.Repeat("c", 64) + "']"},
		{"domain", "evil.example", "[domain-name:value = 'evil.example'"},
	} {
		if err := checkPattern(matcher.Type(c.typ), c.v, c.p); err == nil {
			t.Errorf("%s accepted for %s", c.p, c.v)
		}
	}
	// Other spellings of the same test are accepted.
	if err := checkPattern(matcher.Domain, "evil.example", "[domain-name:value = 'EVIL.example' OR domain-name:value = 'other.example']"); err != nil {
		t.Error(err)
	}
}

func matcherIndicator(t matcher.Type, v string) matcher.Indicator {
	return matcher.Indicator{Type: t, Value: v}
}
