package matcher

import "testing"

func TestAppendURLNormalises(t *testing.T) {
	tests := []struct{ in, want string }{
		{"HTTP://Example.COM:80/a/./b/../c?x=1#frag", "http://example.com/a/c?x=1"},
		{"https://example.com:443", "https://example.com/"},
		{"https://example.com:8443/", "https://example.com:8443/"},
		{"http://example.com/%7euser/%2fx", "http://example.com/~user/%2Fx"},
		{"http://example.com/%2e%2E/a", "http://example.com/a"},
		{"example.com/login", "http://example.com/login"},
		{"http://example.com./a/b/..", "http://example.com/a/"},
		{"http://example.com/a b", "http://example.com/a%20b"},
		{"http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"},
		{"http://example.com/../../x", "http://example.com/x"},
		{"http://user@Example.com/", "http://user@example.com/"},
	}
	for _, tt := range tests {
		got, _, _, _, ok := appendURL(nil, tt.in)
		if !ok || string(got) != tt.want {
			t.Errorf("appendURL(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	for _, bad := range []string{"http://exa mple.com/", "http://[::1/", "http://example.com:8o/", "1nv@lid://x", ""} {
		if got, _, _, _, ok := appendURL(nil, bad); ok {
			t.Errorf("appendURL(%q) = %q, want refusal", bad, got)
		}
	}
}

func TestNormalDomain(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Example.COM.", "example.com"},
		{"_dmarc.example.org", "_dmarc.example.org"},
		{"bücher.example", "xn--bcher-kva.example"},
		{"xn--bcher-kva.example", "xn--bcher-kva.example"},
	}
	for _, tt := range tests {
		got, err := normalDomain(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("normalDomain(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"localhost", "a..b", "exa mple.com", "", ".", "-"} {
		if got, err := normalDomain(bad); err == nil {
			t.Errorf("normalDomain(%q) = %q, want an error", bad, got)
		}
	}
}

func TestAppendEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Alice@Example.COM", "alice@example.com"},
		{"Election Desk <Desk@Example.org>", "desk@example.org"},
		{"<x@example.net>", "x@example.net"},
	}
	for _, tt := range tests {
		got, _, ok := appendEmail(nil, tt.in)
		if !ok || string(got) != tt.want {
			t.Errorf("appendEmail(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	for _, bad := range []string{"@example.com", "a@localhost", "no-at.example.com", "a b@example.com"} {
		if got, _, ok := appendEmail(nil, bad); ok {
			t.Errorf("appendEmail(%q) = %q, want refusal", bad, got)
		}
	}
}

// FuzzNormalise checks that the normalisers never panic, are idempotent,
// and that a value built as an indicator matches itself as a log token.
func FuzzNormalise(f *testing.F) {
	for _, s := range []string{"HTTP://Example.COM:80/a/./b/../c?x=1#f", "http://[2001:db8::1]:8080/%7e", "a@B.example", "Sub.Example.COM.", "192.0.2.1:443", "d41d8cd98f00b204e9800998ecf8427e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if b, _, _, _, ok := appendURL(nil, s); ok {
			again, _, _, _, ok2 := appendURL(nil, string(b))
			if !ok2 || string(again) != string(b) {
				t.Fatalf("URL %q → %q → %q (%v)", s, b, again, ok2)
			}
			set, bad := Build(func(yield func(Indicator) bool) { yield(Indicator{1, URL, s}) }, nil)
			if len(bad) == 0 && len(set.MatchURL(s)) == 0 {
				t.Fatalf("URL indicator %q does not match itself", s)
			}
		}
		if b, _, ok := appendEmail(nil, s); ok {
			if again, _, ok2 := appendEmail(nil, string(b)); !ok2 || string(again) != string(b) {
				t.Fatalf("e-mail %q → %q → %q", s, b, again)
			}
		}
		if d, err := normalDomain(s); err == nil {
			set, _ := Build(func(yield func(Indicator) bool) { yield(Indicator{1, Domain, s}) }, nil)
			if len(set.MatchDomain(d)) != 1 || len(set.MatchDomain("x."+d)) != 1 {
				t.Fatalf("domain %q (%q) does not match itself and its subdomains", s, d)
			}
		}
		var set *Set
		set, _ = Build(nil, nil)
		_ = set.MatchToken(s)
		_ = Classify(s)
	})
}
