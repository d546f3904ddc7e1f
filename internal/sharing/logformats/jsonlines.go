package logformats

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Field maps a key path of a JSON object to a kind of value. The keys of
// nested objects are joined with dots, so "source.ip" finds
// {"source":{"ip":...}} and "id.orig_h" finds Zeek's {"id.orig_h":...} alike.
type Field struct {
	Path string
	Kind Kind
}

// JSONOptions describe a JSON lines file: one object per line.
type JSONOptions struct {
	Fields []Field
	Year   int // year for syslog-style times without one; the current year when 0
}

// maxJSONDepth bounds the nesting the reader follows.
const maxJSONDepth = 64

// jsonFormat is a small JSON reader that walks each line once, keeps the
// strings at mapped paths, and allocates nothing per line once its buffers
// have grown.
type jsonFormat struct {
	opt   JSONOptions
	paths [][]byte
	path  []byte
	line  []byte
	pos   int
	s     *Scanner
}

// jsonError is a malformed line, with the byte where reading stopped.
type jsonError struct {
	at  int
	msg string
}

// NewJSONLines reads one JSON object per line and takes the strings at the
// mapped key paths; arrays give one value per element, and a time may also
// be a number of seconds since 1970.
func NewJSONLines(r io.Reader, opt JSONOptions) (*Scanner, error) {
	if len(opt.Fields) == 0 {
		return nil, errors.New("map at least one key path to a kind of value")
	}
	f := &jsonFormat{opt: opt}
	for i, fl := range opt.Fields {
		if strings.TrimSpace(fl.Path) == "" || fl.Kind == 0 || fl.Kind > Time {
			return nil, fmt.Errorf("field %d of the mapping needs a key path and a kind of value", i+1)
		}
		f.paths = append(f.paths, []byte(fl.Path))
	}
	return newScanner(r, f), nil
}

func (f *jsonFormat) parse(s *Scanner, line []byte) (ok bool, err error) {
	f.s, f.line, f.pos, f.path = s, line, 0, f.path[:0]
	defer func() {
		if r := recover(); r != nil {
			je, isJSON := r.(jsonError)
			if !isJSON {
				panic(r)
			}
			ok, err = false, skip(fmt.Sprintf("the line is not valid JSON: %s at byte %d", je.msg, je.at+1))
		}
	}()
	f.space()
	if f.pos >= len(line) || line[f.pos] != '{' {
		return false, skip("the line is not a JSON object")
	}
	f.value(0)
	f.space()
	if f.pos != len(line) {
		f.fail("unexpected text after the object")
	}
	return true, nil
}

func (f *jsonFormat) fail(msg string) { panic(jsonError{at: f.pos, msg: msg}) }

func (f *jsonFormat) space() {
	for f.pos < len(f.line) {
		switch f.line[f.pos] {
		case ' ', '\t', '\r', '\n':
			f.pos++
		default:
			return
		}
	}
}

func (f *jsonFormat) expect(c byte) {
	f.space()
	if f.pos >= len(f.line) || f.line[f.pos] != c {
		f.fail(fmt.Sprintf("expected %q", c))
	}
	f.pos++
}

// mapped returns the field for the current path, or -1.
func (f *jsonFormat) mapped() int {
	for i, p := range f.paths {
		if bytes.Equal(p, f.path) {
			return i
		}
	}
	return -1
}

func (f *jsonFormat) value(depth int) {
	if depth > maxJSONDepth {
		f.fail("nested too deeply")
	}
	f.space()
	if f.pos >= len(f.line) {
		f.fail("unexpected end of line")
	}
	switch c := f.line[f.pos]; {
	case c == '{':
		f.pos++
		base := len(f.path)
		f.space()
		if f.pos < len(f.line) && f.line[f.pos] == '}' {
			f.pos++
			return
		}
		for {
			f.space()
			if f.pos >= len(f.line) || f.line[f.pos] != '"' {
				f.fail("expected a key in quotes")
			}
			f.path = f.path[:base]
			if base > 0 {
				f.path = append(f.path, '.')
			}
			f.path = f.appendString(f.path, true)
			f.expect(':')
			f.value(depth + 1)
			f.path = f.path[:base]
			f.space()
			if f.pos < len(f.line) && f.line[f.pos] == ',' {
				f.pos++
				continue
			}
			f.expect('}')
			return
		}
	case c == '[':
		f.pos++
		f.space()
		if f.pos < len(f.line) && f.line[f.pos] == ']' {
			f.pos++
			return
		}
		for {
			f.value(depth + 1)
			f.space()
			if f.pos < len(f.line) && f.line[f.pos] == ',' {
				f.pos++
				continue
			}
			f.expect(']')
			return
		}
	case c == '"':
		i := f.mapped()
		if i < 0 {
			f.appendString(nil, false) // checked, not kept
			return
		}
		start := len(f.s.scratch)
		f.s.scratch = f.appendString(f.s.scratch, true)
		f.use(i, f.s.scratch[start:len(f.s.scratch):len(f.s.scratch)])
	case c == '-' || '0' <= c && c <= '9':
		start := f.pos
		f.number()
		if i := f.mapped(); i >= 0 && f.opt.Fields[i].Kind == Time {
			f.use(i, f.line[start:f.pos])
		}
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(f.line[f.pos:], []byte(lit)) {
				f.pos += len(lit)
				return
			}
		}
		f.fail("unexpected character")
	}
}

// use keeps a mapped value: a time for the record, or a value to match.
func (f *jsonFormat) use(i int, text []byte) {
	fl := f.opt.Fields[i]
	if fl.Kind != Time {
		f.s.add(fl.Kind, text)
		return
	}
	t, ok := parseTime(text, f.opt.Year)
	if !ok {
		f.s.note(fmt.Sprintf("the time at %q is not understood; the line is matched without a time", fl.Path))
		return
	}
	f.s.rec.Time = t
}

func (f *jsonFormat) number() {
	l, p := f.line, f.pos
	if p < len(l) && l[p] == '-' {
		p++
	}
	digits := func() int {
		n := 0
		for p < len(l) && '0' <= l[p] && l[p] <= '9' {
			p++
			n++
		}
		return n
	}
	if digits() == 0 {
		f.pos = p
		f.fail("malformed number")
	}
	if p < len(l) && l[p] == '.' {
		p++
		if digits() == 0 {
			f.pos = p
			f.fail("malformed number")
		}
	}
	if p < len(l) && (l[p] == 'e' || l[p] == 'E') {
		p++
		if p < len(l) && (l[p] == '+' || l[p] == '-') {
			p++
		}
		if digits() == 0 {
			f.pos = p
			f.fail("malformed number")
		}
	}
	f.pos = p
}

// appendString decodes the string at f.pos (which is a quote) onto dst.
// Without keep it only checks the string.
func (f *jsonFormat) appendString(dst []byte, keep bool) []byte {
	l := f.line
	f.pos++
	for {
		if f.pos >= len(l) {
			f.fail("a string is not closed")
		}
		c := l[f.pos]
		switch {
		case c == '"':
			f.pos++
			return dst
		case c < 0x20:
			f.fail("a control character in a string")
		case c != '\\':
			// Copy the run up to the next quote or backslash at once.
			end := f.pos + 1
			for end < len(l) && l[end] != '"' && l[end] != '\\' && l[end] >= 0x20 {
				end++
			}
			if keep {
				dst = append(dst, l[f.pos:end]...)
			}
			f.pos = end
			continue
		}
		if f.pos+1 >= len(l) {
			f.fail("a string is not closed")
		}
		e := l[f.pos+1]
		f.pos += 2
		var r byte
		switch e {
		case '"', '\\', '/':
			r = e
		case 'b':
			r = '\b'
		case 'f':
			r = '\f'
		case 'n':
			r = '\n'
		case 'r':
			r = '\r'
		case 't':
			r = '\t'
		case 'u':
			u := f.hex4()
			if utf16.IsSurrogate(u) {
				if f.pos+1 < len(l) && l[f.pos] == '\\' && l[f.pos+1] == 'u' {
					f.pos += 2
					u = utf16.DecodeRune(u, f.hex4())
				} else {
					u = utf8.RuneError
				}
			}
			if keep {
				dst = utf8.AppendRune(dst, u)
			}
			continue
		default:
			f.pos -= 1
			f.fail("an unknown escape in a string")
		}
		if keep {
			dst = append(dst, r)
		}
	}
}

func (f *jsonFormat) hex4() rune {
	if f.pos+4 > len(f.line) {
		f.fail("a short \\u escape")
	}
	var v rune
	for _, c := range f.line[f.pos : f.pos+4] {
		v <<= 4
		switch {
		case '0' <= c && c <= '9':
			v |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			v |= rune(c-'a') + 10
		case 'A' <= c && c <= 'F':
			v |= rune(c-'A') + 10
		default:
			f.fail("a bad \\u escape")
		}
	}
	f.pos += 4
	return v
}
