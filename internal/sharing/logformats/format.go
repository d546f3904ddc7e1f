package logformats

import (
	"bytes"
	"fmt"
	"io"
)

// Format names a log format, as chosen in the upload form or on the command line.
type Format string

// The formats a scanner exists for.
const (
	FormatZeek   Format = "zeek"
	FormatCSV    Format = "csv"
	FormatTSV    Format = "tsv"
	FormatJSON   Format = "jsonl"
	FormatSyslog Format = "syslog"
)

// Sniff guesses the format of a log from its first bytes: Zeek's header,
// a JSON object, firewall key=value fields, or else delimited text (TSV when
// the first line has more tabs than commas). A guess, to pre-select a choice
// the person can change; CSV and TSV still need a column mapping.
func Sniff(head []byte) Format {
	head = bytes.TrimLeft(head, " \t\r\n\ufeff")
	first := head
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		first = head[:i]
	}
	switch {
	case bytes.HasPrefix(head, []byte("#separator")) || bytes.HasPrefix(head, []byte("#fields")):
		return FormatZeek
	case bytes.HasPrefix(head, []byte("{")):
		return FormatJSON
	case bytes.Contains(first, []byte("SRC=")) || bytes.Contains(first, []byte(" src=")) ||
		bytes.Contains(first, []byte(" srcip=")) || bytes.Contains(first, []byte(" src_ip=")):
		return FormatSyslog
	case bytes.Count(first, []byte{'\t'}) > bytes.Count(first, []byte{','}):
		return FormatTSV
	}
	return FormatCSV
}

// Options gather what any format may need, so an edge (upload form, API,
// command line) can open a log by its format name.
type Options struct {
	Header  bool     // CSV/TSV: the first line names the columns
	Columns []Column // CSV/TSV column mapping
	Fields  []Field  // JSON lines key-path mapping
	Year    int      // year for times written without one
}

// Open returns the scanner for a format.
func Open(r io.Reader, f Format, opt Options) (*Scanner, error) {
	switch f {
	case FormatZeek:
		return NewZeek(r), nil
	case FormatSyslog:
		return NewSyslog(r, SyslogOptions{Year: opt.Year}), nil
	case FormatCSV, FormatTSV:
		comma := byte(',')
		if f == FormatTSV {
			comma = '\t'
		}
		return NewCSV(r, CSVOptions{Comma: comma, Header: opt.Header, Columns: opt.Columns, Year: opt.Year})
	case FormatJSON:
		return NewJSONLines(r, JSONOptions{Fields: opt.Fields, Year: opt.Year})
	}
	return nil, fmt.Errorf("%q is not a log format; use zeek, csv, tsv, jsonl or syslog", f)
}
