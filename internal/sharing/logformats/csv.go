package logformats

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Column maps one column of a CSV or TSV file to a kind of value.
type Column struct {
	Name     string // header name, used when the file has a header line
	Position int    // 1-based position, used when it has none
	Kind     Kind
}

// CSVOptions describe a delimited file.
type CSVOptions struct {
	Comma   byte // ',' when 0; '\t' for TSV
	Header  bool // the first line names the columns
	Columns []Column
	Year    int // year for syslog-style times without one; the current year when 0
}

type csvFormat struct {
	opt       CSVOptions
	pos       []int // 0-based column per mapping entry, once known
	needed    int   // columns a data line must have
	sawHeader bool
	fields    [][]byte
	quoted    []byte
}

// NewCSV reads a CSV or TSV file whose columns are mapped to kinds by opt.
// Fields may be quoted as in RFC 4180 ("a ""b"" c"), but a quoted field may
// not span lines.
func NewCSV(r io.Reader, opt CSVOptions) (*Scanner, error) {
	if opt.Comma == 0 {
		opt.Comma = ','
	}
	if opt.Comma == '"' || opt.Comma == '\n' || opt.Comma == '\r' {
		return nil, errors.New("the delimiter cannot be a quote or a line break")
	}
	if len(opt.Columns) == 0 {
		return nil, errors.New("map at least one column to a kind of value")
	}
	f := &csvFormat{opt: opt}
	for i, c := range opt.Columns {
		if c.Kind == 0 || c.Kind > Time {
			return nil, fmt.Errorf("column %d of the mapping has no kind of value", i+1)
		}
		if opt.Header {
			if strings.TrimSpace(c.Name) == "" {
				return nil, fmt.Errorf("column %d of the mapping needs the name it has in the header line", i+1)
			}
			continue
		}
		if c.Position < 1 {
			return nil, fmt.Errorf("column %d of the mapping needs a position (1 for the first column)", i+1)
		}
		f.pos = append(f.pos, c.Position-1)
		f.needed = max(f.needed, c.Position)
	}
	return newScanner(r, f), nil
}

// split cuts a line into fields, unquoting quoted ones into f.quoted.
func (f *csvFormat) split(line []byte) error {
	f.fields = f.fields[:0]
	comma := f.opt.Comma
	if bytes.IndexByte(line, '"') < 0 {
		for {
			i := bytes.IndexByte(line, comma)
			if i < 0 {
				f.fields = append(f.fields, line)
				return nil
			}
			f.fields = append(f.fields, line[:i])
			line = line[i+1:]
		}
	}
	f.quoted = f.quoted[:0]
	for {
		if len(line) > 0 && line[0] == '"' {
			start := len(f.quoted)
			i := 1
			for {
				if i >= len(line) {
					return errors.New("a quoted field is not closed on this line")
				}
				if line[i] == '"' {
					if i+1 < len(line) && line[i+1] == '"' {
						f.quoted = append(f.quoted, '"')
						i += 2
						continue
					}
					i++
					break
				}
				f.quoted = append(f.quoted, line[i])
				i++
			}
			f.fields = append(f.fields, f.quoted[start:len(f.quoted):len(f.quoted)])
			if i == len(line) {
				return nil
			}
			if line[i] != comma {
				return errors.New("a quoted field is followed by text before the next delimiter")
			}
			line = line[i+1:]
			continue
		}
		i := bytes.IndexByte(line, comma)
		if i < 0 {
			f.fields = append(f.fields, line)
			return nil
		}
		f.fields = append(f.fields, line[:i])
		line = line[i+1:]
	}
}

func (f *csvFormat) parse(s *Scanner, line []byte) (bool, error) {
	if err := f.split(line); err != nil {
		return false, skip(err.Error())
	}
	if f.opt.Header && !f.sawHeader {
		f.sawHeader = true
		for _, c := range f.opt.Columns {
			found := -1
			for i, name := range f.fields {
				if strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(string(name), "\ufeff")), strings.TrimSpace(c.Name)) {
					found = i
					break
				}
			}
			if found < 0 {
				return false, fmt.Errorf("line %d: the header has no column named %q", s.line, c.Name)
			}
			f.pos = append(f.pos, found)
			f.needed = max(f.needed, found+1)
		}
		return false, nil
	}
	if len(f.fields) < f.needed {
		return false, skip(fmt.Sprintf("the line has %d columns; the mapping needs at least %d", len(f.fields), f.needed))
	}
	for i, c := range f.opt.Columns {
		v := bytes.TrimSpace(f.fields[f.pos[i]])
		if len(v) == 0 {
			continue
		}
		if c.Kind == Time {
			t, ok := parseTime(v, f.opt.Year)
			if !ok {
				s.note(fmt.Sprintf("the time %q in column %d is not understood; the line is matched without a time", v, f.pos[i]+1))
			}
			s.rec.Time = t
			continue
		}
		s.add(c.Kind, v)
	}
	return true, nil
}
