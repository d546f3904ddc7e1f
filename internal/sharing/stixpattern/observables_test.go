package stixpattern

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestObservables(t *testing.T) {
	tests := []struct {
		pattern string
		want    []Equality
	}{
		{`[ipv4-addr:value = '198.51.100.1/32']`, []Equality{
			{ObjectType: "ipv4-addr", Path: "value", Value: "198.51.100.1/32", Sufficient: true},
		}},
		{`[domain-name:value = 'example.com' OR domain-name:value = 'example.org']`, []Equality{
			{ObjectType: "domain-name", Path: "value", Value: "example.com", Sufficient: true},
			{ObjectType: "domain-name", Path: "value", Value: "example.org", Sufficient: true},
		}},
		{`[url:value = 'http://example.com/login'] OR [email-addr:value = 'phish@example.net']`, []Equality{
			{ObjectType: "url", Path: "value", Value: "http://example.com/login", Sufficient: true},
			{ObjectType: "email-addr", Path: "value", Value: "phish@example.net", Sufficient: true},
		}},
		{`[file:hashes.MD5 = 'aa' OR file:hashes.'SHA-1' = 'bb' OR file:hashes.'SHA-256' = 'cc' OR file:hashes.sha256 = 'dd' OR file:hashes.md5 = 'ee']`, []Equality{
			{ObjectType: "file", Path: "hashes.MD5", Value: "aa", Hash: "MD5", Sufficient: true},
			{ObjectType: "file", Path: "hashes.'SHA-1'", Value: "bb", Hash: "SHA-1", Sufficient: true},
			{ObjectType: "file", Path: "hashes.'SHA-256'", Value: "cc", Hash: "SHA-256", Sufficient: true},
			{ObjectType: "file", Path: "hashes.sha256", Value: "dd", Hash: "SHA-256", Sufficient: true},
			{ObjectType: "file", Path: "hashes.md5", Value: "ee", Hash: "MD5", Sufficient: true},
		}},
		{`[ipv4-addr:value IN ('10.0.0.1', '10.0.0.2')]`, []Equality{
			{ObjectType: "ipv4-addr", Path: "value", Value: "10.0.0.1", Sufficient: true},
			{ObjectType: "ipv4-addr", Path: "value", Value: "10.0.0.2", Sufficient: true},
		}},
		// AND, FOLLOWEDBY and qualifiers: each value alone is not enough.
		{`[file:name = 'a.exe' AND file:size = 5]`, []Equality{
			{ObjectType: "file", Path: "name", Value: "a.exe"},
		}},
		{`[domain-name:value = 'a.test'] FOLLOWEDBY [url:value = 'http://a.test/x']`, []Equality{
			{ObjectType: "domain-name", Path: "value", Value: "a.test"},
			{ObjectType: "url", Path: "value", Value: "http://a.test/x"},
		}},
		{`[domain-name:value = 'a.test'] REPEATS 3 TIMES OR [domain-name:value = 'b.test']`, []Equality{
			{ObjectType: "domain-name", Path: "value", Value: "a.test"},
			{ObjectType: "domain-name", Path: "value", Value: "b.test", Sufficient: true},
		}},
		{`[network-traffic:dst_ref.value = '203.0.113.33/32']`, []Equality{
			{ObjectType: "network-traffic", Path: "dst_ref.value", Value: "203.0.113.33/32", Sufficient: true},
		}},
		// Negations, other operators and non-string values are not equalities.
		{`[ipv4-addr:value != '10.0.0.1' OR ipv4-addr:value NOT = '10.0.0.2' OR domain-name:value LIKE '%.test' OR ipv4-addr:value ISSUBSET '10.0.0.0/8' OR file:size = 5 OR EXISTS file:name OR file:name NOT IN ('x')]`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.pattern, func(t *testing.T) {
			p, err := Parse(tc.pattern)
			if err != nil {
				t.Fatal(err)
			}
			got := Observables(p)
			if diff := cmp.Diff(tc.want, got, ignoreOffsets); diff != "" {
				t.Errorf("Observables (-want +got):\n%s", diff)
			}
		})
	}
}

func TestObservablesOffsetsPointAtComparisons(t *testing.T) {
	const pattern = `[domain-name:value = 'a.test' OR domain-name:value = 'b.test']`
	p, err := Parse(pattern)
	if err != nil {
		t.Fatal(err)
	}
	got := Observables(p)
	if len(got) != 2 || got[0].Offset != 1 || got[1].Offset != 33 {
		t.Fatalf("offsets %+v, want 1 and 33", got)
	}
	if pattern[got[1].Offset:got[1].Offset+11] != "domain-name" {
		t.Errorf("offset %d does not point at the second comparison", got[1].Offset)
	}
}

func TestObservablesOfExampleBundles(t *testing.T) {
	// Every example indicator built from addresses and domains yields its
	// values, and every one of them alone matches the pattern.
	const pattern = `[domain-name:value = 'microsofta.byinter.net' OR ipv4-addr:value = '113.10.246.30']`
	p, err := Parse(pattern)
	if err != nil {
		t.Fatal(err)
	}
	want := []Equality{
		{ObjectType: "domain-name", Path: "value", Value: "microsofta.byinter.net", Sufficient: true},
		{ObjectType: "ipv4-addr", Path: "value", Value: "113.10.246.30", Sufficient: true},
	}
	if diff := cmp.Diff(want, Observables(p), ignoreOffsets); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for where, text := range examplePatterns(t) {
		p, err := Parse(text)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		if len(Observables(p)) == 0 && !strings.Contains(text, "MATCHES") {
			t.Errorf("%s: %q yields no equalities", where, text)
		}
	}
}
