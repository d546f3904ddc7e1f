package stixpattern

import (
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error is a
// *ParseError pointing inside the input, and that anything accepted
// round-trips through its canonical form.
func FuzzParse(f *testing.F) {
	for _, tc := range acceptCases {
		f.Add(tc.in)
	}
	for _, tc := range rejectCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Parse(src)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is a %T, want *ParseError", err, err)
			}
			if pe.Offset < 0 || pe.Offset > len(src) || pe.Line < 1 || pe.Column < 1 || pe.Msg == "" {
				t.Fatalf("error outside the input or without a message: %+v", pe)
			}
			return
		}
		if err := Check(p); err != nil {
			t.Fatalf("Parse accepted %q but Check rejects it: %v", src, err)
		}
		assertRoundTrip(t, p)
		Observables(p)
	})
}
