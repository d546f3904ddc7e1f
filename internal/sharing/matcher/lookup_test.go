package matcher

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLookups(t *testing.T) {
	s := buildTest(t)
	if s.Len() != len(testIndicators) {
		t.Errorf("Len = %d, want %d", s.Len(), len(testIndicators))
	}
	tests := []struct {
		name string
		hits []Hit
		want []int64
	}{
		{"exact IPv4, two sources", s.MatchIP(netip.MustParseAddr("192.0.2.10")), []int64{1, 13}},
		{"IPv4-mapped IPv6", s.MatchIP(netip.MustParseAddr("::ffff:192.0.2.10")), []int64{1, 13}},
		{"outer range only", s.MatchIP(netip.MustParseAddr("198.51.100.7")), []int64{2}},
		{"nested ranges", s.MatchIP(netip.MustParseAddr("198.51.100.200")), []int64{2, 3}},
		{"no match", s.MatchIP(netip.MustParseAddr("192.0.2.11")), nil},
		{"exact IPv6", s.MatchIP(netip.MustParseAddr("2001:db8::BAD")), []int64{4}},
		{"IPv6 range", s.MatchIP(netip.MustParseAddr("2001:db8:1:2::9")), []int64{5}},
		{"allow-listed address", s.MatchIP(netip.MustParseAddr("203.0.113.5")), nil},
		{"range outside the allow-list", s.MatchIP(netip.MustParseAddr("203.0.113.9")), []int64{16}},
		{"domain", s.MatchDomain("EVIL.example."), []int64{6}},
		{"subdomain matches parents", s.MatchDomain("a.login.evil.example"), []int64{6, 7}},
		{"unrelated suffix", s.MatchDomain("notevil.example"), nil},
		{"allow-listed parent", s.MatchDomain("cdn.example.org"), nil},
		{"URL normalised", s.MatchURL("http://PHISH.example.net/ballot/~status?id=7"), []int64{8}},
		{"URL host as domain", s.MatchURL("https://www.evil.example/x"), []int64{6}},
		{"URL host as address", s.MatchURL("http://192.0.2.10:8080/"), []int64{1, 13}},
		{"email", s.MatchEmail("Help <clerk-help@phish.example.net>"), []int64{9}},
		{"email domain", s.MatchEmail("someone@login.evil.example"), []int64{6, 7}},
		{"md5 any case", s.MatchHash("d41d8cd98f00b204e9800998ecf8427e"), []int64{10}},
		{"sha1", s.MatchHash("DA39A3EE5E6B4B0D3255BFEF95601890AFD80709"), []int64{11}},
		{"sha256", s.MatchHash("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), []int64{12}},
		{"not hex", s.MatchHash("z41d8cd98f00b204e9800998ecf8427e"), nil},
		{"token address with port", s.MatchToken("192.0.2.10:443"), []int64{1, 13}},
		{"token domain", s.MatchToken("www.evil.example"), []int64{6}},
		{"token domain with port", s.MatchToken("www.evil.example:8443"), []int64{6}},
		{"token URL", s.MatchToken("http://phish.example.net/ballot/%7estatus?id=7"), []int64{8}},
		{"token hash", s.MatchToken("D41D8CD98F00B204E9800998ECF8427E"), []int64{10}},
		{"token email", s.MatchToken("clerk-help@phish.example.net"), []int64{9}},
		{"token junk", s.MatchToken("hello world"), nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, ids(tt.hits)); diff != "" {
			t.Errorf("%s: (-want +got)\n%s", tt.name, diff)
		}
	}
}

func TestLookupsDoNotAllocate(t *testing.T) {
	s := buildTest(t)
	dst := make([]Hit, 0, 16)
	a := netip.MustParseAddr("198.51.100.200")
	n := testing.AllocsPerRun(100, func() {
		dst = s.AppendIP(dst[:0], a)
		dst = s.AppendDomain(dst[:0], "A.Login.Evil.Example")
		dst = s.AppendURL(dst[:0], "http://phish.example.net/vote/../ballot/%7Estatus?id=7")
		dst = s.AppendEmail(dst[:0], "clerk-help@phish.example.net")
		dst = s.AppendHash(dst[:0], "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")
		dst = s.AppendToken(dst[:0], "192.0.2.10:443")
		if s.MatchDomain("quiet.example.com") != nil {
			t.Fatal("unexpected hit")
		}
	})
	if n != 0 {
		t.Errorf("lookups allocated %v times per run", n)
	}
}

func TestAllowListed(t *testing.T) {
	s := buildTest(t)
	tests := []struct {
		ind  Indicator
		want bool
	}{
		{Indicator{Type: IPv4, Value: "203.0.113.5"}, true},
		{Indicator{Type: CIDR, Value: "203.0.113.0/30"}, true},
		{Indicator{Type: CIDR, Value: "203.0.113.0/24"}, false}, // wider than the allowed range
		{Indicator{Type: IPv4, Value: "192.0.2.10"}, false},
		{Indicator{Type: Domain, Value: "WWW.Example.org"}, true},
		{Indicator{Type: Domain, Value: "example.org.evil.example"}, false},
		{Indicator{Type: URL, Value: "https://allowed.example.com/path#x"}, true},
		{Indicator{Type: URL, Value: "https://allowed.example.com/other"}, false},
		{Indicator{Type: URL, Value: "http://cdn.example.org/x"}, true},
		{Indicator{Type: Email, Value: "clerk@example.org"}, true},
		{Indicator{Type: MD5, Value: "d41d8cd98f00b204e9800998ecf8427e"}, false},
	}
	for _, tt := range tests {
		if got := s.AllowListed(tt.ind); got != tt.want {
			t.Errorf("AllowListed(%s %q) = %v, want %v", tt.ind.Type, tt.ind.Value, got, tt.want)
		}
	}
}
