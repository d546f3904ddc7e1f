package stixpattern

import (
	"fmt"
	"unicode/utf8"
)

// ParseError says where a pattern is wrong and what was expected there.
// Offset counts bytes from the start of the pattern (0-based); Line and
// Column (1-based, Column in characters) say the same for people.
type ParseError struct {
	Offset int
	Line   int
	Column int
	Msg    string
}

func (e *ParseError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("pattern error at offset %d: %s", e.Offset, e.Msg)
	}
	if e.Line > 1 {
		return fmt.Sprintf("pattern error at line %d, column %d: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("pattern error at column %d: %s", e.Column, e.Msg)
}

// newError builds a ParseError for src at offset, computing line and column.
func newError(src string, offset int, msg string) *ParseError {
	if offset > len(src) {
		offset = len(src)
	}
	if offset < 0 {
		offset = 0
	}
	line, col := 1, 1
	for i := 0; i < offset; {
		r, size := utf8.DecodeRuneInString(src[i:])
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
		i += size
	}
	return &ParseError{Offset: offset, Line: line, Column: col, Msg: msg}
}
