package tlp

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Label is a TLP 2.0 label. The zero value is "no label": it is not valid,
// and CanRead refuses every reader an object whose label is missing, so a
// forgotten label fails closed instead of publishing the object.
type Label uint8

// The five TLP 2.0 labels, from the least to the most strict.
const (
	Clear       Label = iota + 1 // anyone, including the public site
	Green                        // every member organisation of the hub
	Amber                        // named organisations, and perhaps those they serve
	AmberStrict                  // named organisations only
	Red                          // named individuals only
)

// Labels lists every valid label from the least to the most strict.
func Labels() []Label { return []Label{Clear, Green, Amber, AmberStrict, Red} }

// ErrInvalid is wrapped by every error about a label that cannot be read.
var ErrInvalid = errors.New("invalid TLP label")

var (
	names = [...]string{Clear: "TLP:CLEAR", Green: "TLP:GREEN", Amber: "TLP:AMBER", AmberStrict: "TLP:AMBER+STRICT", Red: "TLP:RED"}
	codes = [...]string{Clear: "clear", Green: "green", Amber: "amber", AmberStrict: "amber+strict", Red: "red"}
)

// Valid reports whether l is one of the five labels.
func (l Label) Valid() bool { return l >= Clear && l <= Red }

// String returns the canonical name, e.g. "TLP:AMBER+STRICT", as people
// read it and as TLP 2.0 writes it. An invalid label gives "TLP:UNSET" or
// "TLP:INVALID(n)" so it is never mistaken for a real one.
func (l Label) String() string {
	switch {
	case l.Valid():
		return names[l]
	case l == 0:
		return "TLP:UNSET"
	}
	return fmt.Sprintf("TLP:INVALID(%d)", uint8(l))
}

// Code returns the value stored in the database's label column: "clear",
// "green", "amber", "amber+strict" or "red" (the values of the STIX TLP 2.0
// extension's tlp_2_0 property). It is "" for an invalid label.
func (l Label) Code() string {
	if !l.Valid() {
		return ""
	}
	return codes[l]
}

// Parse reads a label the way people and other tools write it: with or
// without the "TLP:" prefix, in any case, with AMBER+STRICT also written
// "AMBER STRICT", "AMBER_STRICT" or "AMBER-STRICT". TLP 1.0's WHITE is
// read as CLEAR, the name TLP 2.0 gave it.
func Parse(s string) (Label, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("%w: no TLP label was given (use CLEAR, GREEN, AMBER, AMBER+STRICT or RED)", ErrInvalid)
	}
	if len(t) <= 32 && isASCII(t) {
		u := strings.ToUpper(t)
		if rest, ok := strings.CutPrefix(u, "TLP"); ok && rest != "" && strings.ContainsRune(": -", rune(rest[0])) {
			rest = strings.TrimSpace(rest)
			if r, ok := strings.CutPrefix(rest, ":"); ok {
				rest = r
			} else if r, ok := strings.CutPrefix(rest, "-"); ok {
				rest = r
			}
			u = strings.TrimSpace(rest)
		}
		switch u {
		case "CLEAR", "WHITE":
			return Clear, nil
		case "GREEN":
			return Green, nil
		case "AMBER":
			return Amber, nil
		case "AMBER+STRICT", "AMBER STRICT", "AMBER_STRICT", "AMBER-STRICT", "AMBER + STRICT":
			return AmberStrict, nil
		case "RED":
			return Red, nil
		}
	}
	return 0, fmt.Errorf("%w: %s is not a TLP 2.0 label (use CLEAR, GREEN, AMBER, AMBER+STRICT or RED)", ErrInvalid, quote(t))
}

// isASCII keeps Unicode case folding (ſ, ı) from turning look-alikes into
// labels.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// quote shows bad input in an error without letting a huge or binary value
// flood the message: at most 40 characters, and at most 80 once escaped.
func quote(s string) string {
	r := []rune(s)
	cut := len(r) > 40
	if cut {
		r = r[:40]
	}
	q := fmt.Sprintf("%q", string(r))
	for len(q) > 80 {
		r, cut = r[:len(r)-1], true
		q = fmt.Sprintf("%q", string(r))
	}
	if cut {
		q += "…"
	}
	return q
}

// Stricter returns the stricter of a and b. A missing or invalid label
// counts as stricter than RED, so combining it with anything keeps the
// result unreadable rather than widening it.
func Stricter(a, b Label) Label {
	if !a.Valid() {
		return a
	}
	if !b.Valid() {
		return b
	}
	if b > a {
		return b
	}
	return a
}

// MarshalText writes the canonical name, e.g. "TLP:AMBER"; a missing or
// invalid label is an error, never an empty string that a reader would
// take for "no restriction".
func (l Label) MarshalText() ([]byte, error) {
	if !l.Valid() {
		return nil, fmt.Errorf("%w: cannot write %s", ErrInvalid, l)
	}
	return []byte(names[l]), nil
}

// UnmarshalText reads anything Parse accepts.
func (l *Label) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// Value stores Code() in the database; a missing label is an error so that
// no row is written without one.
func (l Label) Value() (driver.Value, error) {
	if !l.Valid() {
		return nil, fmt.Errorf("%w: cannot store %s", ErrInvalid, l)
	}
	return codes[l], nil
}

// Scan reads a label column; it accepts only the stored codes, so a column
// holding anything else is reported instead of guessed at.
func (l *Label) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case nil:
		return fmt.Errorf("%w: the label column is NULL", ErrInvalid)
	default:
		return fmt.Errorf("%w: cannot read a label from %T", ErrInvalid, src)
	}
	for _, c := range Labels() {
		if codes[c] == s {
			*l = c
			return nil
		}
	}
	return fmt.Errorf("%w: stored label %s is not one of clear, green, amber, amber+strict, red", ErrInvalid, quote(s))
}
