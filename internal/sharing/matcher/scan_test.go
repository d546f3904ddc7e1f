package matcher

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"bulwark/internal/sharing/logformats"
)

// The county's indicators and allow-list for the log tests. The resolver
// 192.0.2.53 and the state's example.gov are known good.
var (
	countyIndicators = []Indicator{
		{1, IPv4, "198.51.100.23"},
		{2, CIDR, "203.0.113.64/26"},
		{3, Domain, "ballot-status.example"},
		{4, URL, "http://update.example.net/e-pollbook/patch.exe"},
		{6, IPv4, "192.0.2.53"},
		{7, Domain, "sos.example.gov"},
		{9, IPv4, "203.0.113.200"},
		{10, Domain, "printer-cdn.example"},
	}
	countyAllow = []Indicator{
		{1, IPv4, "192.0.2.53"},
		{2, Domain, "example.gov"},
	}
)

// seen is a sighting with its samples reduced to line numbers.
type seen struct {
	ID          int64
	Count       int
	First, Last string
	Lines       []int
}

func summarise(t *testing.T, sightings []Sighting, raw []string) []seen {
	t.Helper()
	var out []seen
	for _, s := range sightings {
		sm := seen{ID: s.IndicatorID, Count: s.Count}
		if !s.FirstSeen.IsZero() {
			sm.First = s.FirstSeen.Format(time.RFC3339Nano)
			sm.Last = s.LastSeen.Format(time.RFC3339Nano)
		}
		for _, sample := range s.Samples {
			sm.Lines = append(sm.Lines, sample.Line)
			if sample.Text != raw[sample.Line-1] {
				t.Errorf("sample of line %d is %q, want the line itself", sample.Line, sample.Text)
			}
		}
		out = append(out, sm)
	}
	return out
}

func TestScanCountyLogs(t *testing.T) {
	set, bad := Build(slices.Values(countyIndicators), slices.Values(countyAllow))
	if len(bad) > 0 {
		t.Fatal(bad)
	}
	tests := []struct {
		file   string
		open   func(f *os.File) *logformats.Scanner
		want   []seen
		errors []int
	}{
		{
			file: "conn.log",
			open: func(f *os.File) *logformats.Scanner { return logformats.NewZeek(f) },
			want: []seen{
				{1, 2, "2026-11-03T06:10:00.123456Z", "2026-11-03T06:13:20.25Z", []int{9, 13}},
				{2, 1, "2026-11-03T06:11:40Z", "2026-11-03T06:11:40Z", []int{11}},
			},
			errors: []int{12},
		},
		{
			file: "dns.log",
			open: func(f *os.File) *logformats.Scanner { return logformats.NewZeek(f) },
			want: []seen{
				{1, 1, "", "", []int{12}}, // in the answers of a line whose time is unreadable
				{2, 1, "2026-11-03T06:15:00.000001Z", "2026-11-03T06:15:00.000001Z", []int{9}},
				{3, 2, "2026-11-03T06:15:00.000001Z", "2026-11-03T06:15:20.000003Z", []int{9, 11}},
				{10, 1, "", "", []int{12}},
			},
			errors: []int{12},
		},
		{
			file: "http.log",
			open: func(f *os.File) *logformats.Scanner { return logformats.NewZeek(f) },
			want: []seen{
				{3, 2, "2026-11-03T06:17:40Z", "2026-11-03T06:21:40Z", []int{10, 13}}, // 13: host with a port
				{4, 2, "2026-11-03T06:16:40Z", "2026-11-03T06:19:40Z", []int{9, 12}},
			},
		},
		{
			file: "firewall.log",
			open: func(f *os.File) *logformats.Scanner {
				return logformats.NewSyslog(f, logformats.SyslogOptions{Year: 2026})
			},
			want: []seen{
				{1, 2, "2026-11-03T06:10:01Z", "2026-11-03T06:15:45Z", []int{1, 6}},
				{2, 2, "2026-11-03T06:11:12Z", "2026-11-03T06:13:30Z", []int{2, 4}},
			},
			errors: []int{3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sc := tt.open(f)
			sightings, err := Scan(set, sc)
			if err != nil {
				t.Fatal(err)
			}
			got := summarise(t, sightings, strings.Split(string(data), "\n"))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("sightings (-want +got)\n%s", diff)
			}
			for _, s := range sightings {
				if s.IndicatorID == 6 || s.IndicatorID == 7 {
					t.Errorf("allow-listed indicator %d matched: %+v", s.IndicatorID, s)
				}
			}
			var lines []int
			for _, e := range sc.Errors() {
				lines = append(lines, e.Line)
			}
			if diff := cmp.Diff(tt.errors, lines); diff != "" {
				t.Errorf("malformed lines (-want +got)\n%s\n%v", diff, sc.Errors())
			}
		})
	}
}

// failingReader gives some lines, then a read error, as a dropped upload would.
type failingReader struct{ data *strings.Reader }

func (f failingReader) Read(p []byte) (int, error) {
	if f.data.Len() == 0 {
		return 0, errors.New("connection reset")
	}
	return f.data.Read(p)
}

func TestScanReturnsSightingsBeforeAReadError(t *testing.T) {
	set, _ := Build(slices.Values(countyIndicators), slices.Values(countyAllow))
	in := failingReader{strings.NewReader("SRC=198.51.100.23 DST=192.0.2.1\nSRC=192.0.2.1 DST=198.51.100.23\n")}
	got, err := Scan(set, logformats.NewSyslog(in, logformats.SyslogOptions{}))
	if err == nil || err.Error() != "connection reset" {
		t.Errorf("err = %v, want the read error", err)
	}
	if len(got) != 1 || got[0].IndicatorID != 1 || got[0].Count != 2 {
		t.Errorf("sightings = %+v", got)
	}
}
