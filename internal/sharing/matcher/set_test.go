package matcher

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var testIndicators = []Indicator{
	{1, IPv4, "192.0.2.10"},
	{2, CIDR, "198.51.100.0/24"},
	{3, CIDR, "198.51.100.128/25"},
	{4, IPv6, "2001:db8::bad"},
	{5, CIDR, "2001:db8:1::/48"},
	{6, Domain, "evil.example"},
	{7, Domain, "Login.Evil.Example."},
	{8, URL, "HTTP://phish.example.net:80/vote/../ballot/%7Estatus?id=7#top"},
	{9, Email, "Clerk-Help@Phish.Example.net"},
	{10, MD5, "D41D8CD98F00B204E9800998ECF8427E"},
	{11, SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
	{12, SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{13, IPv4, "192.0.2.10"},        // a second source reporting the same address
	{14, IPv4, "203.0.113.5"},       // allow-listed below
	{15, Domain, "cdn.example.org"}, // under an allow-listed domain
	{16, IPv4, "203.0.113.0/28"},    // an ipv4 indicator given as a range
}

var testAllow = []Indicator{
	{101, CIDR, "203.0.113.0/29"},
	{102, Domain, "example.org"},
	{103, URL, "https://allowed.example.com/path"},
}

func buildTest(t *testing.T) *Set {
	t.Helper()
	s, bad := Build(slices.Values(testIndicators), slices.Values(testAllow))
	if len(bad) != 0 {
		t.Fatalf("Build reported %v", bad)
	}
	return s
}

func ids(hits []Hit) []int64 {
	var out []int64
	for _, h := range hits {
		out = append(out, h.ID)
	}
	slices.Sort(out)
	return out
}

func TestBuildReportsInvalidIndicators(t *testing.T) {
	in := []Indicator{
		{1, IPv4, "2001:db8::1"},
		{2, IPv6, "192.0.2.1"},
		{3, CIDR, "198.51.100.0/33"},
		{4, Domain, "localhost"},
		{5, URL, "http://bad host/"},
		{6, Email, "not-an-address"},
		{7, MD5, "abc"},
		{8, SHA256, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{9, "filename", "x.exe"},
		{10, Domain, "fine.example"},
	}
	s, bad := Build(slices.Values(in), slices.Values([]Indicator{{20, Domain, "bad domain"}}))
	if s.Len() != 1 {
		t.Errorf("Len = %d, want 1", s.Len())
	}
	var got []int64
	for _, b := range bad {
		got = append(got, b.ID)
		if b.Reason == "" || !strings.Contains(b.Error(), b.Value) {
			t.Errorf("invalid %d has no clear reason: %q", b.ID, b.Error())
		}
	}
	if diff := cmp.Diff([]int64{20, 1, 2, 3, 4, 5, 6, 7, 8, 9}, got); diff != "" {
		t.Errorf("invalid IDs (-want +got)\n%s", diff)
	}
	if !strings.Contains(bad[8].Reason, "64 hexadecimal digits, this one has 40") {
		t.Errorf("hash length reason = %q", bad[8].Reason)
	}
}
