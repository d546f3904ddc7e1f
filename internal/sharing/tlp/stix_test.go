package tlp

import (
	"encoding/json"
	"errors"
	"regexp"
	"testing"
)

func TestMarkingIDsRoundTrip(t *testing.T) {
	want := map[Label]string{
		Clear:       "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
		Green:       "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
		Amber:       "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
		AmberStrict: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
		Red:         "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
	}
	for _, l := range Labels() {
		if l.MarkingID() != want[l] {
			t.Errorf("%v.MarkingID() = %q, want %q", l, l.MarkingID(), want[l])
		}
		got, err := FromMarkingID(want[l])
		if err != nil || got != l {
			t.Errorf("FromMarkingID(%q) = %v, %v", want[l], got, err)
		}
	}
	if Label(0).MarkingID() != "" {
		t.Error("an unset label has no marking")
	}
	if ExtensionDefinitionID != "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d" {
		t.Error("wrong extension definition id")
	}
	stixID := regexp.MustCompile(`^[a-z-]+--[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for _, id := range []string{ExtensionDefinitionID, MarkingClear, MarkingGreen, MarkingAmber, MarkingAmberStrict, MarkingRed,
		MarkingTLP1White, MarkingTLP1Green, MarkingTLP1Amber, MarkingTLP1Red} {
		if !stixID.MatchString(id) {
			t.Errorf("%q is not a well-formed STIX identifier", id)
		}
	}
}

func TestTLP1MarkingsMapToTLP2(t *testing.T) {
	cases := map[string]Label{
		"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Clear, // WHITE
		"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Green,
		"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Amber,
		"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Red,
	}
	for id, want := range cases {
		got, err := FromMarkingID(id)
		if err != nil || got != want {
			t.Errorf("FromMarkingID(%q) = %v, %v; want %v", id, got, err, want)
		}
		if got.MarkingID() == id {
			t.Errorf("%v exports the TLP 1.0 marking; it must export TLP 2.0", got)
		}
	}
}

func TestFromMarkingIDRejectsOtherMarkings(t *testing.T) {
	for _, id := range []string{"", "marking-definition--00000000-0000-4000-8000-000000000000",
		"MARKING-DEFINITION--94868C89-83C2-464B-929B-A1A8AA3C8487", ExtensionDefinitionID} {
		l, err := FromMarkingID(id)
		if !errors.Is(err, ErrNotTLPMarking) || l != 0 {
			t.Errorf("FromMarkingID(%q) = %v, %v; want ErrNotTLPMarking", id, l, err)
		}
	}
}

func TestFromMarkingRefsTakesTheStrictest(t *testing.T) {
	statement := "marking-definition--00000000-0000-4000-8000-000000000000"
	cases := []struct {
		refs  []string
		want  Label
		found bool
	}{
		{nil, 0, false},
		{[]string{statement}, 0, false},
		{[]string{MarkingGreen}, Green, true},
		{[]string{statement, MarkingTLP1White}, Clear, true},
		{[]string{MarkingClear, MarkingAmberStrict, MarkingAmber}, AmberStrict, true},
		{[]string{MarkingTLP1Red, MarkingGreen}, Red, true},
		{[]string{MarkingAmber, statement, MarkingTLP1Green}, Amber, true},
	}
	for _, c := range cases {
		got, found := FromMarkingRefs(c.refs)
		if got != c.want || found != c.found {
			t.Errorf("FromMarkingRefs(%v) = %v, %v; want %v, %v", c.refs, got, found, c.want, c.found)
		}
	}
}

func TestMarkingDefinitionObjects(t *testing.T) {
	m, ok := AmberStrict.MarkingDefinition()
	if !ok {
		t.Fatal("no marking definition for AMBER+STRICT")
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",` +
		`"created":"2022-10-01T00:00:00.000Z","name":"TLP:AMBER+STRICT","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":` +
		`{"extension_type":"property-extension","tlp_2_0":"amber+strict"}}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	for _, l := range Labels() {
		m, ok := l.MarkingDefinition()
		if !ok || m.ID != l.MarkingID() || m.Name != l.String() || m.Extensions[ExtensionDefinitionID].TLP != l.Code() {
			t.Errorf("%v: %+v", l, m)
		}
		// Reading the extension's value back gives the label.
		if back, err := Parse(m.Extensions[ExtensionDefinitionID].TLP); err != nil || back != l {
			t.Errorf("%v: tlp_2_0 %q reads as %v, %v", l, m.Extensions[ExtensionDefinitionID].TLP, back, err)
		}
	}
	if _, ok := Label(0).MarkingDefinition(); ok {
		t.Error("an unset label has a marking definition")
	}
}
