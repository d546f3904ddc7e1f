package tlp

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseAcceptsTheWaysPeopleWriteLabels(t *testing.T) {
	cases := map[string]Label{
		"TLP:CLEAR":          Clear,
		"clear":              Clear,
		"tlp:white":          Clear, // TLP 1.0 name
		"WHITE":              Clear,
		"TLP:GREEN":          Green,
		" green ":            Green,
		"Tlp:Amber":          Amber,
		"TLP: AMBER":         Amber,
		"TLP-AMBER":          Amber,
		"TLP AMBER":          Amber,
		"TLP:AMBER+STRICT":   AmberStrict,
		"amber+strict":       AmberStrict,
		"amber strict":       AmberStrict,
		"AMBER_STRICT":       AmberStrict,
		"tlp:amber-strict":   AmberStrict,
		"TLP:AMBER + STRICT": AmberStrict,
		"TLP:RED":            Red,
		"red":                Red,
	}
	for in, want := range cases {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestParseRejectsWhatIsNotALabel(t *testing.T) {
	cases := map[string]string{
		"":                       "no TLP label was given",
		"   ":                    "no TLP label was given",
		"TLP:ORANGE":             `"TLP:ORANGE" is not a TLP 2.0 label`,
		"TLP":                    `"TLP" is not a TLP 2.0 label`,
		"TLP:":                   `"TLP:" is not a TLP 2.0 label`,
		"TLPRED":                 `"TLPRED" is not a TLP 2.0 label`,
		"TLP::RED":               `"TLP::RED" is not a TLP 2.0 label`,
		"amber+":                 `"amber+" is not a TLP 2.0 label`,
		"strict":                 `"strict" is not a TLP 2.0 label`,
		"reD\x00":                `is not a TLP 2.0 label`,
		"ſtrict":                 `is not a TLP 2.0 label`,
		"whıte":                  `"whıte" is not a TLP 2.0 label`, // dotless i upper-cases to I
		"amber+ſtrict":           `is not a TLP 2.0 label`,
		strings.Repeat("r", 100): `"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"…`,
	}
	for in, want := range cases {
		l, err := Parse(in)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want an error", in, l)
			continue
		}
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) error %v does not wrap ErrInvalid", in, err)
		}
		if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "CLEAR, GREEN, AMBER, AMBER+STRICT or RED") {
			t.Errorf("Parse(%q) error %q should contain %q and list the labels", in, err, want)
		}
		if l != 0 {
			t.Errorf("Parse(%q) returned label %v with its error", in, l)
		}
	}
}

func TestStringAndCode(t *testing.T) {
	want := []struct{ name, code string }{
		{"TLP:CLEAR", "clear"}, {"TLP:GREEN", "green"}, {"TLP:AMBER", "amber"},
		{"TLP:AMBER+STRICT", "amber+strict"}, {"TLP:RED", "red"},
	}
	for i, l := range Labels() {
		if l.String() != want[i].name || l.Code() != want[i].code {
			t.Errorf("label %d: %q %q, want %q %q", i, l.String(), l.Code(), want[i].name, want[i].code)
		}
		back, err := Parse(l.String())
		if err != nil || back != l {
			t.Errorf("Parse(%q) = %v, %v", l.String(), back, err)
		}
		back, err = Parse(l.Code())
		if err != nil || back != l {
			t.Errorf("Parse(%q) = %v, %v", l.Code(), back, err)
		}
	}
	if s := Label(0).String(); s != "TLP:UNSET" {
		t.Errorf("zero label prints %q", s)
	}
	if s := Label(9).String(); s != "TLP:INVALID(9)" {
		t.Errorf("label 9 prints %q", s)
	}
	if Label(0).Code() != "" || Label(6).Code() != "" || Label(0).Valid() || Label(6).Valid() {
		t.Error("invalid labels must have no code and not be valid")
	}
}

func TestStricter(t *testing.T) {
	ls := Labels()
	for i, a := range ls {
		for j, b := range ls {
			want := a
			if j > i {
				want = b
			}
			if got := Stricter(a, b); got != want {
				t.Errorf("Stricter(%v, %v) = %v, want %v", a, b, got, want)
			}
		}
		// A missing label never widens anything.
		if got := Stricter(a, 0); got.Valid() {
			t.Errorf("Stricter(%v, unset) = %v, want an invalid label", a, got)
		}
		if got := Stricter(0, a); got.Valid() {
			t.Errorf("Stricter(unset, %v) = %v, want an invalid label", a, got)
		}
	}
	if Stricter(Amber, AmberStrict) != AmberStrict || Stricter(Red, Clear) != Red {
		t.Error("ordering is CLEAR < GREEN < AMBER < AMBER+STRICT < RED")
	}
}

func TestJSONUsesTheCanonicalName(t *testing.T) {
	type doc struct {
		TLP Label `json:"tlp"`
	}
	b, err := json.Marshal(doc{AmberStrict})
	if err != nil || string(b) != `{"tlp":"TLP:AMBER+STRICT"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var d doc
	if err := json.Unmarshal([]byte(`{"tlp":"amber strict"}`), &d); err != nil || d.TLP != AmberStrict {
		t.Fatalf("Unmarshal = %v, %v", d.TLP, err)
	}
	if err := json.Unmarshal([]byte(`{"tlp":"purple"}`), &d); err == nil || !strings.Contains(err.Error(), `"purple" is not a TLP 2.0 label`) {
		t.Fatalf("Unmarshal purple: %v", err)
	}
	if _, err := json.Marshal(doc{}); err == nil || !errors.Is(err, ErrInvalid) {
		t.Fatalf("Marshal of an unset label must fail, got %v", err)
	}
}

func TestDatabaseValueAndScan(t *testing.T) {
	for _, l := range Labels() {
		v, err := l.Value()
		if err != nil || v != l.Code() {
			t.Errorf("%v.Value() = %v, %v", l, v, err)
		}
		var got Label
		if err := got.Scan(l.Code()); err != nil || got != l {
			t.Errorf("Scan(%q) = %v, %v", l.Code(), got, err)
		}
		if err := got.Scan([]byte(l.Code())); err != nil || got != l {
			t.Errorf("Scan([]byte %q) = %v, %v", l.Code(), got, err)
		}
	}
	if _, err := Label(0).Value(); !errors.Is(err, ErrInvalid) {
		t.Errorf("storing an unset label must fail, got %v", err)
	}
	for _, bad := range []any{nil, "TLP:RED", "Red", "white", int64(5), ""} {
		var got Label
		if err := got.Scan(bad); err == nil || !errors.Is(err, ErrInvalid) {
			t.Errorf("Scan(%#v) = %v, %v; want an error", bad, got, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"TLP:CLEAR", "amber+strict", "tlp:white", "TLP - RED", "", "TLP::", "ſ", "AMBER STRICT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := Parse(s)
		if err != nil {
			if l != 0 || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q) = %v, %v", s, l, err)
			}
			if len(err.Error()) > 200 {
				t.Fatalf("error message too long for %q: %d bytes", s, len(err.Error()))
			}
			return
		}
		if !l.Valid() {
			t.Fatalf("Parse(%q) returned invalid label %d without error", s, l)
		}
		// Whatever was accepted reads back the same from its canonical forms.
		for _, form := range []string{l.String(), l.Code()} {
			if back, err := Parse(form); err != nil || back != l {
				t.Fatalf("Parse(%q) = %v, but Parse(%q) = %v, %v", s, l, form, back, err)
			}
		}
		// Accepted input names the label: its letters, once folded, spell it.
		u := strings.ToUpper(s)
		if !strings.Contains(u, strings.TrimPrefix(strings.SplitN(l.String(), "+", 2)[0], "TLP:")) && !(l == Clear && strings.Contains(u, "WHITE")) {
			t.Fatalf("Parse(%q) = %v, which the input does not name", s, l)
		}
	})
}
