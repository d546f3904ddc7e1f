package stixpattern

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokIdent
	tokString
	tokInt
	tokFloat
	tokTimestamp
	tokHex
	tokBinary
	tokLBracket
	tokRBracket
	tokLParen
	tokRParen
	tokColon
	tokDot
	tokComma
	tokStar
	tokEqual
	tokNotEqual
	tokGreater
	tokLess
	tokGreaterEqual
	tokLessEqual
)

// token is one lexeme. text is the raw input for identifiers and numbers;
// str, bytes and time hold decoded literals.
type token struct {
	kind   tokenKind
	offset int
	text   string
	str    string
	bytes  []byte
	time   time.Time
}

// describe names a token for error messages ("found ...").
func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "the end of the pattern"
	case tokIdent:
		if upper := strings.ToUpper(t.text); keywords[upper] && upper != t.text {
			return fmt.Sprintf("%q (keywords are written in capitals: %s)", t.text, upper)
		}
		return fmt.Sprintf("%q", t.text)
	case tokString:
		if r := []rune(t.str); len(r) > 40 {
			return "the string '" + string(r[:37]) + "...'"
		}
		return "the string '" + t.str + "'"
	case tokInt, tokFloat:
		return "the number " + t.text
	case tokTimestamp:
		return "a timestamp"
	case tokHex:
		return "a hex literal"
	case tokBinary:
		return "a binary literal"
	}
	return fmt.Sprintf("%q", t.text)
}

// keywords are the reserved words of the pattern language. They are
// case-sensitive: "and" is not AND.
var keywords = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "FOLLOWEDBY": true, "LIKE": true,
	"MATCHES": true, "ISSUBSET": true, "ISSUPERSET": true, "IN": true,
	"EXISTS": true, "START": true, "STOP": true, "WITHIN": true,
	"SECONDS": true, "REPEATS": true, "TIMES": true,
}

type lexer struct {
	src string
	pos int
}

func (l *lexer) errorf(offset int, format string, args ...any) *ParseError {
	return newError(l.src, offset, fmt.Sprintf(format, args...))
}

// isSpace reports the characters the STIX grammar skips as white space.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\r', '\n', '\v', '\f', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// skip passes over white space and comments.
func (l *lexer) skip() *ParseError {
	for l.pos < len(l.src) {
		r, size := utf8.DecodeRuneInString(l.src[l.pos:])
		switch {
		case isSpace(r):
			l.pos += size
		case strings.HasPrefix(l.src[l.pos:], "/*"):
			end := strings.Index(l.src[l.pos+2:], "*/")
			if end < 0 {
				return l.errorf(l.pos, "comment is never closed: add */")
			}
			l.pos += 2 + end + 2
		case strings.HasPrefix(l.src[l.pos:], "//"):
			end := strings.IndexAny(l.src[l.pos:], "\r\n")
			if end < 0 {
				l.pos = len(l.src)
			} else {
				l.pos += end
			}
		default:
			return nil
		}
	}
	return nil
}

func (l *lexer) next() (token, *ParseError) {
	if err := l.skip(); err != nil {
		return token{}, err
	}
	start := l.pos
	if start >= len(l.src) {
		return token{kind: tokEOF, offset: start}, nil
	}
	c := l.src[start]
	single := func(k tokenKind) (token, *ParseError) {
		l.pos++
		return token{kind: k, offset: start, text: l.src[start:l.pos]}, nil
	}
	double := func(k tokenKind) (token, *ParseError) {
		l.pos += 2
		return token{kind: k, offset: start, text: l.src[start:l.pos]}, nil
	}
	peek := byte(0)
	if start+1 < len(l.src) {
		peek = l.src[start+1]
	}
	switch {
	case c == '[':
		return single(tokLBracket)
	case c == ']':
		return single(tokRBracket)
	case c == '(':
		return single(tokLParen)
	case c == ')':
		return single(tokRParen)
	case c == ':':
		return single(tokColon)
	case c == ',':
		return single(tokComma)
	case c == '*':
		return single(tokStar)
	case c == '=' && peek == '=':
		return double(tokEqual)
	case c == '=':
		return single(tokEqual)
	case c == '!' && peek == '=':
		return double(tokNotEqual)
	case c == '<' && peek == '>':
		return double(tokNotEqual)
	case c == '<' && peek == '=':
		return double(tokLessEqual)
	case c == '<':
		return single(tokLess)
	case c == '>' && peek == '=':
		return double(tokGreaterEqual)
	case c == '>':
		return single(tokGreater)
	case c == '\'':
		s, err := l.quoted()
		if err != nil {
			return token{}, err
		}
		return token{kind: tokString, offset: start, str: s}, nil
	case (c == 't' || c == 'h' || c == 'b') && peek == '\'':
		return l.typedLiteral(c)
	case isIdentStart(c):
		l.pos++
		for l.pos < len(l.src) {
			d := l.src[l.pos]
			if !isIdentStart(d) && !isDigit(d) && d != '-' {
				break
			}
			l.pos++
		}
		return token{kind: tokIdent, offset: start, text: l.src[start:l.pos]}, nil
	case isDigit(c) || c == '+' || c == '-' || (c == '.' && isDigit(peek)):
		return l.number()
	case c == '.':
		return single(tokDot)
	}
	r, _ := utf8.DecodeRuneInString(l.src[start:])
	if r == utf8.RuneError {
		return token{}, l.errorf(start, "the pattern is not valid UTF-8 text")
	}
	return token{}, l.errorf(start, "unexpected character %q", r)
}

// quoted reads a string literal starting at the opening quote. Only \' and
// \\ are escapes in STIX patterns.
func (l *lexer) quoted() (string, *ParseError) {
	start := l.pos
	l.pos++ // opening quote
	var b strings.Builder
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch c {
		case '\'':
			l.pos++
			return b.String(), nil
		case '\\':
			if l.pos+1 >= len(l.src) {
				return "", l.errorf(start, "string is never closed: add a closing '")
			}
			e := l.src[l.pos+1]
			if e != '\'' && e != '\\' {
				return "", l.errorf(l.pos, `unknown escape \%c in string: only \' and \\ are allowed`, e)
			}
			b.WriteByte(e)
			l.pos += 2
		default:
			size := 1
			if c >= utf8.RuneSelf {
				var r rune
				r, size = utf8.DecodeRuneInString(l.src[l.pos:])
				if r == utf8.RuneError && size == 1 {
					return "", l.errorf(l.pos, "the pattern is not valid UTF-8 text")
				}
			}
			b.WriteString(l.src[l.pos : l.pos+size])
			l.pos += size
		}
	}
	return "", l.errorf(start, "string is never closed: add a closing '")
}

// typedLiteral reads t'...', h'...' or b'...'.
func (l *lexer) typedLiteral(prefix byte) (token, *ParseError) {
	start := l.pos
	l.pos++ // prefix letter
	body, err := l.quoted()
	if err != nil {
		return token{}, err
	}
	switch prefix {
	case 't':
		ts, msg := parseTimestamp(body)
		if msg != "" {
			return token{}, l.errorf(start, "invalid timestamp t'%s': %s", body, msg)
		}
		return token{kind: tokTimestamp, offset: start, time: ts}, nil
	case 'h':
		if len(body)%2 != 0 {
			return token{}, l.errorf(start, "hex literal h'%s' has an odd number of digits", body)
		}
		b, derr := hex.DecodeString(body)
		if derr != nil {
			return token{}, l.errorf(start, "hex literal h'%s' may hold only the digits 0-9 and a-f", body)
		}
		return token{kind: tokHex, offset: start, bytes: b}, nil
	default:
		b, ok := decodeBase64(body)
		if !ok {
			return token{}, l.errorf(start, "binary literal b'%s' is not valid base64", body)
		}
		return token{kind: tokBinary, offset: start, bytes: b}, nil
	}
}

// decodeBase64 accepts only standard, padded base64 with no white space.
func decodeBase64(s string) ([]byte, bool) {
	if len(s)%4 != 0 {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alpha := (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || isDigit(c) || c == '+' || c == '/'
		if c == '=' {
			// Padding only in the last two places, and nothing after it but padding.
			if i < len(s)-2 || (i == len(s)-2 && s[i+1] != '=') {
				return nil, false
			}
			continue
		}
		if !alpha {
			return nil, false
		}
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	return b, true
}

// parseTimestamp checks the STIX timestamp form
// YYYY-MM-DDTHH:MM:SS[.fraction]Z and that it names a real instant.
func parseTimestamp(s string) (time.Time, string) {
	const form = "YYYY-MM-DDTHH:MM:SS"
	if len(s) < len(form)+1 {
		return time.Time{}, "expected the form 2016-11-25T14:00:00Z"
	}
	for i := 0; i < len(form); i++ {
		want := form[i]
		got := s[i]
		if strings.IndexByte("YMDHS", want) >= 0 {
			if !isDigit(got) {
				return time.Time{}, "expected the form 2016-11-25T14:00:00Z"
			}
		} else if got != want {
			return time.Time{}, "expected the form 2016-11-25T14:00:00Z"
		}
	}
	rest := s[len(form):]
	if rest[0] == '.' {
		i := 1
		for i < len(rest) && isDigit(rest[i]) {
			i++
		}
		if i == 1 {
			return time.Time{}, "expected digits after the decimal point"
		}
		rest = rest[i:]
	}
	if rest != "Z" {
		return time.Time{}, "the time must be in UTC and end with Z"
	}
	if s[17:19] == "60" {
		return time.Time{}, "leap seconds (second 60) are not supported"
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, "no such date or time"
	}
	return t.UTC(), ""
}

// number reads an integer or a decimal number: an optional sign, no
// exponent, and no leading zeros on integers.
func (l *lexer) number() (token, *ParseError) {
	start := l.pos
	if c := l.src[l.pos]; c == '+' || c == '-' {
		l.pos++
	}
	digits := l.pos
	for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
		l.pos++
	}
	intDigits := l.src[digits:l.pos]
	if l.pos+1 < len(l.src) && l.src[l.pos] == '.' && isDigit(l.src[l.pos+1]) {
		l.pos++
		for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
			l.pos++
		}
		return token{kind: tokFloat, offset: start, text: l.src[start:l.pos]}, nil
	}
	if intDigits == "" {
		return token{}, l.errorf(start, "expected a number after %q", l.src[start:digits])
	}
	if len(intDigits) > 1 && intDigits[0] == '0' {
		return token{}, l.errorf(start, "the number %s must not start with 0", l.src[start:l.pos])
	}
	return token{kind: tokInt, offset: start, text: l.src[start:l.pos]}, nil
}
