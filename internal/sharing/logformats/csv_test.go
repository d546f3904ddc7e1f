package logformats

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCSVWithHeader(t *testing.T) {
	in := "\ufeffTime,Source,Destination,Site,Note\n" +
		"2026-11-03T06:10:00Z,192.0.2.1,198.51.100.2,vote.example.com,plain\n" +
		"2026-11-03T06:11:00Z,\"192.0.2.1\",198.51.100.3,\"a \"\"quoted\"\", note\",x\n" +
		"2026-11-03T06:12:00Z,192.0.2.1\n" + // short
		"2026-11-03T06:13:00Z,\"192.0.2.9,198.51.100.4,x,y\n" + // unclosed quote
		"\n" +
		"whenever,192.0.2.10,,,\n" // bad time: matched without one
	s, err := NewCSV(strings.NewReader(in), CSVOptions{Header: true, Columns: []Column{
		{Name: "time", Kind: Time}, {Name: "source", Kind: SrcIP}, {Name: "Destination", Kind: DstIP}, {Name: "site", Kind: Any},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := collect(t, s)
	if err != nil {
		t.Fatal(err)
	}
	want := []rec{
		{2, "2026-11-03T06:10:00Z", []string{"src_ip=192.0.2.1", "dst_ip=198.51.100.2", "any=vote.example.com"}},
		{3, "2026-11-03T06:11:00Z", []string{"src_ip=192.0.2.1", "dst_ip=198.51.100.3", `any=a "quoted", note`}},
		{7, "", []string{"src_ip=192.0.2.10"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff([]int{4, 5, 7}, errorLines(s)); diff != "" {
		t.Errorf("error lines (-want +got)\n%s\n%v", diff, s.Errors())
	}
}

func TestTSVByPosition(t *testing.T) {
	in := "192.0.2.1\tdrop\tbad.example\n192.0.2.2\tallow\n"
	s, err := NewCSV(strings.NewReader(in), CSVOptions{Comma: '\t', Columns: []Column{{Position: 1, Kind: IP}, {Position: 3, Kind: Domain}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := collect(t, s)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]rec{{1, "", []string{"ip=192.0.2.1", "domain=bad.example"}}}, got); diff != "" {
		t.Errorf("records (-want +got)\n%s", diff)
	}
	if e := s.Errors(); len(e) != 1 || e[0].Reason != "the line has 2 columns; the mapping needs at least 3" {
		t.Errorf("errors = %v", e)
	}
}

func TestCSVMappingErrors(t *testing.T) {
	bad := []CSVOptions{
		{},
		{Columns: []Column{{Position: 1}}},
		{Columns: []Column{{Kind: IP}}},
		{Header: true, Columns: []Column{{Position: 2, Kind: IP}}},
		{Comma: '"', Columns: []Column{{Position: 1, Kind: IP}}},
	}
	for _, opt := range bad {
		if _, err := NewCSV(strings.NewReader(""), opt); err == nil {
			t.Errorf("NewCSV(%+v) accepted a bad mapping", opt)
		}
	}
	s, err := NewCSV(strings.NewReader("a,b\n1,2\n"), CSVOptions{Header: true, Columns: []Column{{Name: "src", Kind: IP}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Next(); err == nil || err.Error() != `line 1: the header has no column named "src"` {
		t.Errorf("Next = %v", err)
	}
}

func FuzzCSV(f *testing.F) {
	f.Add([]byte("time,src,dst\n2026-11-03T06:10:00Z,192.0.2.1,\"198.51.100.2\"\n"), byte(','), true)
	f.Add([]byte("192.0.2.1\t\"x\"\"y\"\t\n\"\n"), byte('\t'), false)
	f.Fuzz(func(t *testing.T, data []byte, comma byte, header bool) {
		opt := CSVOptions{Comma: comma, Header: header, Columns: []Column{
			{Name: "time", Position: 1, Kind: Time}, {Name: "src", Position: 2, Kind: SrcIP}, {Name: "dst", Position: 3, Kind: Any},
		}}
		s, err := NewCSV(strings.NewReader(string(data)), opt)
		if err != nil {
			return
		}
		checkScan(t, s)
	})
}
