package logformats

import (
	"strings"
	"testing"
)

func TestSniff(t *testing.T) {
	tests := []struct {
		head string
		want Format
	}{
		{"#separator \\x09\n#set_separator\t,\n", FormatZeek},
		{"\ufeff{\"ts\":1}\n", FormatJSON},
		{"Nov  3 06:10:01 fw01 kernel: IN=eth0 SRC=192.0.2.1 DST=198.51.100.2\n", FormatSyslog},
		{"<134>Nov  3 06:13:30 fw02 filterlog: action=block src=203.0.113.66\n", FormatSyslog},
		{"time\tsrc\tdst\n", FormatTSV},
		{"time,src,dst\n", FormatCSV},
		{"", FormatCSV},
	}
	for _, tt := range tests {
		if got := Sniff([]byte(tt.head)); got != tt.want {
			t.Errorf("Sniff(%q) = %s, want %s", tt.head, got, tt.want)
		}
	}
}

func TestOpen(t *testing.T) {
	cols := []Column{{Position: 1, Kind: IP}}
	for _, f := range []Format{FormatZeek, FormatCSV, FormatTSV, FormatSyslog} {
		if _, err := Open(strings.NewReader(""), f, Options{Columns: cols}); err != nil {
			t.Errorf("Open(%s): %v", f, err)
		}
	}
	if _, err := Open(strings.NewReader(""), FormatJSON, Options{}); err == nil {
		t.Error("Open(jsonl) without a mapping should be refused")
	}
	if _, err := Open(strings.NewReader(""), "pcap", Options{}); err == nil || !strings.Contains(err.Error(), "not a log format") {
		t.Errorf("Open(pcap) = %v", err)
	}
	s, err := Open(strings.NewReader("a\tb\n192.0.2.1\tx\n"), FormatTSV, Options{Header: true, Columns: []Column{{Name: "a", Kind: IP}}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Next()
	if err != nil || string(r.Values[0].Text) != "192.0.2.1" {
		t.Errorf("TSV record = %+v, %v", r, err)
	}
}
