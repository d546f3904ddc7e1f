// Package logformats reads the logs counties send — CSV/TSV with a column
// mapping, JSON lines, Zeek TSV logs and firewall syslog lines — and turns
// each line into the values worth matching against indicators. Scanners
// stream: they reuse their buffers, so a Record is valid only until the next
// call to Next, and they note malformed lines with their number and go on.
package logformats

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Kind says what a value found on a line is expected to be.
type Kind uint8

// The kinds of values a line can carry.
const (
	SrcIP  Kind = iota + 1 // source address
	DstIP                  // destination address
	IP                     // address of no particular direction
	Domain                 // host or domain name
	URL                    // absolute URL
	Hash                   // MD5, SHA-1 or SHA-256 in hexadecimal
	Email                  // e-mail address
	Any                    // unknown: the matcher classifies it
	Time                   // when the line was logged (never matched)
)

var kindNames = [...]string{"", "src_ip", "dst_ip", "ip", "domain", "url", "hash", "email", "any", "time"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// ParseKind reads a kind by its name (src_ip, dst_ip, ip, domain, url,
// hash, email, any, time), as column mappings are written.
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if i > 0 && n == s {
			return Kind(i), nil
		}
	}
	return 0, fmt.Errorf("%q is not a kind of field; use one of src_ip, dst_ip, ip, domain, url, hash, email, any or time", s)
}

// Value is one value found on a line. Text points into the scanner's
// buffers and changes on the next call to Next.
type Value struct {
	Kind Kind
	Text []byte
}

// Record is one line's worth of values.
type Record struct {
	Line   int       // 1-based line number in the input
	Raw    []byte    // the line, without its line ending
	Time   time.Time // zero when the line carries no time
	Values []Value
}

// LineError is a malformed line, by number.
type LineError struct {
	Line   int
	Reason string
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Limits of a scanner.
const (
	DefaultMaxErrors = 100     // line errors kept; later ones are only counted
	MaxLineBytes     = 1 << 20 // longer lines are reported and skipped
)

// format parses one line into s.rec. It returns false for lines that hold
// no record (headers, comments) and an error for malformed lines.
type format interface {
	parse(s *Scanner, line []byte) (bool, error)
}

// skip marks a line error that leaves the line out.
type skip string

func (e skip) Error() string { return string(e) }

// Scanner reads records from one log. Create it with NewZeek, NewCSV,
// NewJSONLines or NewSyslog.
type Scanner struct {
	br        *bufio.Reader
	f         format
	line      int
	long      []byte
	rec       Record
	scratch   []byte
	errs      []LineError
	malformed int
	fatal     error

	// MaxErrors caps the line errors kept (DefaultMaxErrors when 0).
	MaxErrors int
}

func newScanner(r io.Reader, f format) *Scanner {
	return &Scanner{br: bufio.NewReaderSize(r, 64<<10), f: f}
}

// Next returns the next record, io.EOF at the end of the input, or the
// error that stopped reading. Malformed lines are skipped and noted in Errors.
func (s *Scanner) Next() (*Record, error) {
	if s.fatal != nil {
		return nil, s.fatal
	}
	for {
		line, err := s.readLine()
		if err != nil {
			s.fatal = err
			return nil, err
		}
		s.line++
		if line == nil {
			continue // too long, already reported
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		s.rec.Line = s.line
		s.rec.Raw = line
		s.rec.Time = time.Time{}
		s.rec.Values = s.rec.Values[:0]
		s.scratch = s.scratch[:0]
		ok, perr := s.f.parse(s, line)
		if perr != nil {
			var sk skip
			if errors.As(perr, &sk) {
				s.note(perr.Error())
				continue
			}
			s.fatal = perr
			return nil, perr
		}
		if ok {
			return &s.rec, nil
		}
	}
}

// readLine returns the next line without its ending; nil (and no error) for
// a line over MaxLineBytes, which it reports.
func (s *Scanner) readLine() ([]byte, error) {
	s.long = s.long[:0]
	tooLong := false
	for {
		chunk, err := s.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if !tooLong && len(s.long)+len(chunk) <= MaxLineBytes {
				s.long = append(s.long, chunk...)
			} else {
				tooLong = true
			}
			continue
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		if err == io.EOF && len(chunk) == 0 && len(s.long) == 0 && !tooLong {
			return nil, io.EOF
		}
		line := chunk
		if len(s.long) > 0 || tooLong {
			if tooLong || len(s.long)+len(chunk) > MaxLineBytes {
				s.noteAt(s.line+1, fmt.Sprintf("the line is longer than %d bytes and was skipped", MaxLineBytes))
				return nil, nil
			}
			s.long = append(s.long, chunk...)
			line = s.long
		}
		line = bytes.TrimSuffix(line, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'})
		return line, nil
	}
}

// note records a line error for the current line.
func (s *Scanner) note(reason string) { s.noteAt(s.line, reason) }

func (s *Scanner) noteAt(line int, reason string) {
	s.malformed++
	limit := s.MaxErrors
	if limit <= 0 {
		limit = DefaultMaxErrors
	}
	if len(s.errs) < limit {
		s.errs = append(s.errs, LineError{Line: line, Reason: reason})
	}
}

// Errors returns the line errors kept so far (at most MaxErrors).
func (s *Scanner) Errors() []LineError { return s.errs }

// Malformed is the number of line errors seen, including those not kept.
func (s *Scanner) Malformed() int { return s.malformed }

// Lines is the number of lines read so far.
func (s *Scanner) Lines() int { return s.line }

// add appends a value that lives in the line or in the scanner's scratch.
func (s *Scanner) add(k Kind, text []byte) {
	if len(text) == 0 {
		return
	}
	s.rec.Values = append(s.rec.Values, Value{Kind: k, Text: text})
}

// addCopy appends a value whose bytes must be kept in the scratch buffer.
func (s *Scanner) addCopy(k Kind, parts ...[]byte) {
	start := len(s.scratch)
	for _, p := range parts {
		s.scratch = append(s.scratch, p...)
	}
	s.add(k, s.scratch[start:len(s.scratch):len(s.scratch)])
}

// parseTime understands the times logs carry: Unix seconds with an optional
// fraction, RFC 3339 ("2006-01-02T15:04:05.999Z07:00", also with a space for
// the T and then read as UTC when it has no zone) and syslog's "Jan _2
// 15:04:05" in the given year (the current year when 0). It reads them by
// hand so that a line's time costs no allocation.
func parseTime(b []byte, year int) (time.Time, bool) {
	if len(b) == 0 {
		return time.Time{}, false
	}
	switch {
	case len(b) >= 19 && b[4] == '-':
		return parseISO(b)
	case b[0] >= '0' && b[0] <= '9':
		return parseUnix(b)
	case len(b) >= 15 && b[3] == ' ':
		if year == 0 {
			year = time.Now().UTC().Year()
		}
		return parseStamp(b, year)
	}
	return time.Time{}, false
}

// digitsAt reads n decimal digits at b[i:].
func digitsAt(b []byte, i, n int) (int, bool) {
	if i+n > len(b) {
		return 0, false
	}
	v := 0
	for _, c := range b[i : i+n] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// clock reads "15:04:05" and an optional fraction at b[i:], returning the
// index after them.
func clock(b []byte, i int) (h, m, sec, nsec, next int, ok bool) {
	var ok1, ok2, ok3 bool
	h, ok1 = digitsAt(b, i, 2)
	m, ok2 = digitsAt(b, i+3, 2)
	sec, ok3 = digitsAt(b, i+6, 2)
	if !ok1 || !ok2 || !ok3 || b[i+2] != ':' || b[i+5] != ':' || h > 23 || m > 59 || sec > 60 {
		return 0, 0, 0, 0, 0, false
	}
	next = i + 8
	if next < len(b) && (b[next] == '.' || b[next] == ',') {
		next++
		scale := 100_000_000
		start := next
		for next < len(b) && b[next] >= '0' && b[next] <= '9' {
			nsec += int(b[next]-'0') * scale
			scale /= 10
			next++
		}
		if next == start {
			return 0, 0, 0, 0, 0, false
		}
	}
	return h, m, sec, nsec, next, true
}

func parseISO(b []byte) (time.Time, bool) {
	y, ok1 := digitsAt(b, 0, 4)
	mo, ok2 := digitsAt(b, 5, 2)
	d, ok3 := digitsAt(b, 8, 2)
	if !ok1 || !ok2 || !ok3 || b[7] != '-' || (b[10] != 'T' && b[10] != ' ' && b[10] != 't') || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	h, m, s, ns, i, ok := clock(b, 11)
	if !ok {
		return time.Time{}, false
	}
	offset := 0
	switch rest := b[i:]; {
	case len(rest) == 0, len(rest) == 1 && (rest[0] == 'Z' || rest[0] == 'z'):
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, okh := digitsAt(rest, 1, 2)
		om, okm := digitsAt(rest, 4, 2)
		if !okh || !okm || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		offset = (oh*60 + om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, m, s, ns, time.UTC)
	if t.Day() != d {
		return time.Time{}, false // 31 November and the like
	}
	return t.Add(-time.Duration(offset) * time.Second), true
}

func parseStamp(b []byte, year int) (time.Time, bool) {
	mo := 0
	for i, name := range months {
		if string(b[:3]) == name {
			mo = i + 1
		}
	}
	if mo == 0 || b[3] != ' ' {
		return time.Time{}, false
	}
	var d int
	var ok bool
	if b[4] == ' ' {
		d, ok = digitsAt(b, 5, 1)
	} else {
		d, ok = digitsAt(b, 4, 2)
	}
	if !ok || d < 1 || d > 31 || b[6] != ' ' {
		return time.Time{}, false
	}
	h, m, s, ns, i, ok := clock(b, 7)
	if !ok || i != len(b) {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(mo), d, h, m, s, ns, time.UTC)
	if t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// parseUnix reads "1700000000" or "1700000000.123456" exactly, without
// going through float64.
func parseUnix(b []byte) (time.Time, bool) {
	var sec, nsec int64
	i := 0
	for ; i < len(b) && b[i] != '.'; i++ {
		c := b[i]
		if c < '0' || c > '9' || i > 11 {
			return time.Time{}, false
		}
		sec = sec*10 + int64(c-'0')
	}
	if i == 0 {
		return time.Time{}, false
	}
	if i < len(b) {
		scale := int64(100_000_000)
		for i++; i < len(b); i++ {
			c := b[i]
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			nsec += int64(c-'0') * scale
			scale /= 10
		}
	}
	return time.Unix(sec, nsec).UTC(), true
}
