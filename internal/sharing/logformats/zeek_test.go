package logformats

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestZeek(t *testing.T) {
	in := strings.Join([]string{
		"1793686200.0\tbefore-the-header", // line 1: no #fields yet
		`#separator \x09`,
		"#set_separator\t,",
		"#empty_field\t(empty)",
		"#unset_field\t-",
		"#path\thttp",
		"#fields\tts\tuid\tid.orig_h\tid.resp_h\thost\turi\treferrer\tresp_mime_types",
		"#types\ttime\tstring\taddr\taddr\tstring\tstring\tstring\tvector[string]",
		"1793686200.250000\tC1\t192.0.2.1\t198.51.100.2\tvote.example.com\t/a/b?c=1\t-\ttext/html",       // 9
		"1793686201.000000\tC2\t192.0.2.1\t198.51.100.3\t-\t/x\thttp://ref.example.org/\t(empty)",        // 10: no host, no URL
		"1793686202.000000\tC3\t192.0.2.1\t198.51.100.4\tproxy.example\thttp://full.example.net/p\t-\t-", // 11: proxy form
		"1793686203.000000\tC4\t192.0.2.1",     // 12: short
		"soon\tC5\t2001:db8::1\t-\t-\t-\t-\t-", // 13: bad time
		"#close\t2026-11-03-07-00-00",
	}, "\n")
	s := NewZeek(strings.NewReader(in))
	got, err := collect(t, s)
	if err != nil {
		t.Fatal(err)
	}
	want := []rec{
		{9, "2026-11-03T06:10:00.25Z", []string{"src_ip=192.0.2.1", "dst_ip=198.51.100.2", "domain=vote.example.com", "url=http://vote.example.com/a/b?c=1"}},
		{10, "2026-11-03T06:10:01Z", []string{"src_ip=192.0.2.1", "dst_ip=198.51.100.3", "url=http://ref.example.org/"}},
		{11, "2026-11-03T06:10:02Z", []string{"src_ip=192.0.2.1", "dst_ip=198.51.100.4", "domain=proxy.example", "url=http://full.example.net/p"}},
		{13, "", []string{"src_ip=2001:db8::1"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff([]int{1, 12, 13}, errorLines(s)); diff != "" {
		t.Errorf("error lines (-want +got)\n%s\n%v", diff, s.Errors())
	}
	if r := s.Errors()[1].Reason; r != "the line has 3 columns but the #fields header names 8" {
		t.Errorf("reason = %q", r)
	}
}

func TestZeekSetsAndOtherSeparators(t *testing.T) {
	in := strings.Join([]string{
		`#separator \x7c`,
		"#set_separator|;",
		"#unset_field|NONE",
		"#fields|ts|query|answers|md5|mailfrom|rcptto",
		"1793686200|Example.COM|192.0.2.7;mail.example.com|NONE|a@example.com|b@example.com;c@example.org",
	}, "\n")
	got, err := collect(t, NewZeek(strings.NewReader(in)))
	if err != nil {
		t.Fatal(err)
	}
	want := []rec{{5, "2026-11-03T06:10:00Z", []string{
		"domain=Example.COM", "any=192.0.2.7", "any=mail.example.com", "email=a@example.com", "email=b@example.com", "email=c@example.org",
	}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got)\n%s", diff)
	}
}

func FuzzZeek(f *testing.F) {
	f.Add([]byte("#separator \\x09\n#fields\tts\tid.orig_h\thost\turi\n1793686200.1\t192.0.2.1\texample.com\t/x\n"))
	f.Add([]byte("#separator \\x\n#fields\n\n1\t2\n#fields\tanswers\n,,,\n"))
	f.Add([]byte("#separator \\x2c\n#set_separator,,\n#fields,answers\na,b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := NewZeek(strings.NewReader(string(data)))
		checkScan(t, s)
	})
}

// checkScan reads everything and checks what any input must give: records
// and errors in line order, within the input's lines, no empty values.
func checkScan(t *testing.T, s *Scanner) {
	t.Helper()
	if _, err := collect(t, s); err != nil && !strings.HasPrefix(err.Error(), "line ") {
		t.Fatalf("unexpected error: %v", err)
	}
	last := 0
	for _, e := range s.Errors() {
		if e.Line < last || e.Line < 1 || e.Line > s.Lines()+1 || e.Reason == "" {
			t.Fatalf("bad line error %+v after line %d of %d", e, last, s.Lines())
		}
		last = e.Line
	}
}
