package logformats

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// rec is a record in a form tests can compare.
type rec struct {
	Line   int
	Time   string
	Values []string
}

func collect(t testing.TB, s *Scanner) ([]rec, error) {
	t.Helper()
	var out []rec
	last := 0
	for {
		r, err := s.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if r.Line <= last {
			t.Fatalf("line %d came after line %d", r.Line, last)
		}
		last = r.Line
		x := rec{Line: r.Line}
		if !r.Time.IsZero() {
			x.Time = r.Time.Format(time.RFC3339Nano)
		}
		for _, v := range r.Values {
			if len(v.Text) == 0 || v.Kind == 0 || v.Kind >= Time {
				t.Fatalf("line %d has an empty or misplaced value %v %q", r.Line, v.Kind, v.Text)
			}
			x.Values = append(x.Values, v.Kind.String()+"="+string(v.Text))
		}
		out = append(out, x)
	}
}

func errorLines(s *Scanner) []int {
	var out []int
	for _, e := range s.Errors() {
		out = append(out, e.Line)
	}
	return out
}

func TestLongLinesAreSkipped(t *testing.T) {
	in := "SRC=192.0.2.1\n" + strings.Repeat("x", MaxLineBytes+10) + "\r\nsrc=192.0.2.2\r\n"
	s := NewSyslog(strings.NewReader(in), SyslogOptions{})
	got, err := collect(t, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Line != 1 || got[1].Line != 3 || got[1].Values[0] != "src_ip=192.0.2.2" {
		t.Errorf("records = %+v", got)
	}
	if e := s.Errors(); len(e) != 1 || e[0].Line != 2 || !strings.Contains(e[0].Reason, "longer than") {
		t.Errorf("errors = %v", e)
	}
}

func TestErrorsAreCapped(t *testing.T) {
	in := strings.Repeat("nothing to see\n", 30) + "src=192.0.2.9\n"
	s := NewSyslog(strings.NewReader(in), SyslogOptions{})
	s.MaxErrors = 5
	got, err := collect(t, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Line != 31 {
		t.Errorf("records = %+v", got)
	}
	if len(s.Errors()) != 5 || s.Malformed() != 30 || s.Lines() != 31 {
		t.Errorf("kept %d errors of %d over %d lines", len(s.Errors()), s.Malformed(), s.Lines())
	}
	if got := s.Errors()[4].Error(); got != "line 5: no address or other value to match was found (expected SRC=/DST= or src=/dst= fields)" {
		t.Errorf("error text = %q", got)
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1793686200.123456", "2026-11-03T06:10:00.123456Z"},
		{"1793686200", "2026-11-03T06:10:00Z"},
		{"2026-11-03T01:10:00-05:00", "2026-11-03T06:10:00Z"},
		{"2026-11-03 06:10:00", "2026-11-03T06:10:00Z"},
		{"Nov  3 06:10:00", "2026-11-03T06:10:00Z"},
		{"Nov 13 06:10:00.5", "2026-11-13T06:10:00.5Z"},
		{"2026-11-03T06:10:00.123456789+00:00", "2026-11-03T06:10:00.123456789Z"},
		{"2026-11-03t06:10:00z", "2026-11-03T06:10:00Z"},
	}
	for _, tt := range tests {
		got, ok := parseTime([]byte(tt.in), 2026)
		if !ok || got.Format(time.RFC3339Nano) != tt.want {
			t.Errorf("parseTime(%q) = %v, %v; want %s", tt.in, got, ok, tt.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "12:00", "1793686200.12x", "2026-11-31T00:00:00Z", "2026-11-03T25:00:00Z",
		"2026-11-03T06:10:00+0500", "2026-11-03T06:10:00.Z", "Nov 31 06:10:00", "Now  3 06:10:00", "Nov  3 06:10:00 extra"} {
		if got, ok := parseTime([]byte(bad), 2026); ok {
			t.Errorf("parseTime(%q) = %v, want failure", bad, got)
		}
	}
}

func TestParseKind(t *testing.T) {
	for k := SrcIP; k <= Time; k++ {
		if got, err := ParseKind(k.String()); err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := ParseKind("colour"); err == nil || !strings.Contains(err.Error(), "src_ip") {
		t.Errorf("ParseKind of an unknown name: %v", err)
	}
}

func TestNextDoesNotAllocatePerLine(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteString("#separator \\x09\n#fields\tts\tid.orig_h\tid.resp_h\tquery\tanswers\n")
	for range 2000 {
		buf.WriteString("1793686200.5\t192.0.2.1\t198.51.100.2\twww.example.com\t203.0.113.1,203.0.113.2\n")
	}
	s := NewZeek(bytes.NewReader(buf.Bytes()))
	if _, err := s.Next(); err != nil { // warm up the buffers
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(1000, func() {
		if _, err := s.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("Next allocated %v times per line", n)
	}
}

func TestCSVAndSyslogDoNotAllocatePerLine(t *testing.T) {
	csvLines := strings.Repeat("2026-11-03T06:10:00Z\t192.0.2.1\t\"198.51.100.2\"\twww.example.com\n", 2000)
	csv, err := NewCSV(strings.NewReader(csvLines), CSVOptions{Comma: '\t', Columns: []Column{
		{Position: 1, Kind: Time}, {Position: 2, Kind: SrcIP}, {Position: 3, Kind: DstIP}, {Position: 4, Kind: Domain},
	}})
	if err != nil {
		t.Fatal(err)
	}
	syslogLines := strings.Repeat("Nov  3 06:10:01 fw01 kernel: IN=eth0 OUT= SRC=198.51.100.23 DST=192.0.2.15 LEN=60 PROTO=TCP hostname=\"a.example\"\n", 2000)
	for name, s := range map[string]*Scanner{"csv": csv, "syslog": NewSyslog(strings.NewReader(syslogLines), SyslogOptions{Year: 2026})} {
		if r, err := s.Next(); err != nil || len(r.Values) != 3 || r.Time.IsZero() {
			t.Fatalf("%s: first record %+v, %v", name, r, err)
		}
		n := testing.AllocsPerRun(1000, func() {
			if _, err := s.Next(); err != nil {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("%s: Next allocated %v times per line", name, n)
		}
	}
}
