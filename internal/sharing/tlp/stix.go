package tlp

import (
	"errors"
	"fmt"
)

// ExtensionDefinitionID is the STIX 2.1 extension that TLP 2.0 marking
// definitions carry (property "tlp_2_0" holding Label.Code()).
const ExtensionDefinitionID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

// The standard identifiers of the TLP 2.0 marking definitions.
const (
	MarkingClear       = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
	MarkingGreen       = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	MarkingAmber       = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
	MarkingAmberStrict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	MarkingRed         = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
)

// The identifiers of the TLP 1.0 marking definitions that STIX 2.1 itself
// defines. Objects imported with them are read as TLP 2.0:
// WHITE→CLEAR, GREEN→GREEN, AMBER→AMBER, RED→RED. TLP 1.0 had no
// AMBER+STRICT, so no 1.0 marking maps to it; Bulwark exports TLP 2.0
// markings only.
const (
	MarkingTLP1White = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
	MarkingTLP1Green = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
	MarkingTLP1Amber = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
	MarkingTLP1Red   = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
)

// ErrNotTLPMarking is returned by FromMarkingID for a marking definition
// that is not a TLP one (a statement, a copyright notice...): importers skip
// such markings rather than reject the object.
var ErrNotTLPMarking = errors.New("not a TLP marking definition")

var markingIDs = [...]string{Clear: MarkingClear, Green: MarkingGreen, Amber: MarkingAmber, AmberStrict: MarkingAmberStrict, Red: MarkingRed}

var fromMarking = map[string]Label{
	MarkingClear:       Clear,
	MarkingGreen:       Green,
	MarkingAmber:       Amber,
	MarkingAmberStrict: AmberStrict,
	MarkingRed:         Red,
	MarkingTLP1White:   Clear,
	MarkingTLP1Green:   Green,
	MarkingTLP1Amber:   Amber,
	MarkingTLP1Red:     Red,
}

// MarkingID returns the TLP 2.0 marking-definition identifier of l, or ""
// for an invalid label.
func (l Label) MarkingID() string {
	if !l.Valid() {
		return ""
	}
	return markingIDs[l]
}

// FromMarkingID returns the label of a TLP 2.0 or TLP 1.0 marking-definition
// identifier. Any other identifier gives an error wrapping ErrNotTLPMarking.
func FromMarkingID(id string) (Label, error) {
	if l, ok := fromMarking[id]; ok {
		return l, nil
	}
	return 0, fmt.Errorf("%w: %s", ErrNotTLPMarking, quote(id))
}

// FromMarkingRefs returns the strictest TLP label among a STIX object's
// object_marking_refs, ignoring markings that are not TLP ones. found is
// false when none is a TLP marking: the caller then applies the feed's or
// the importer's default label.
func FromMarkingRefs(refs []string) (l Label, found bool) {
	for _, id := range refs {
		m, ok := fromMarking[id]
		if !ok {
			continue
		}
		if !found {
			l, found = m, true
			continue
		}
		l = Stricter(l, m)
	}
	return l, found
}

// MarkingDefinition is a TLP 2.0 marking-definition object as exports put
// it in a bundle: the fixed content of the standard definitions, so every
// tool that knows them recognises the identifier and the content alike.
type MarkingDefinition struct {
	Type        string                      `json:"type"`
	SpecVersion string                      `json:"spec_version"`
	ID          string                      `json:"id"`
	Created     string                      `json:"created"`
	Name        string                      `json:"name"`
	Extensions  map[string]MarkingExtension `json:"extensions"`
}

// MarkingExtension is the TLP 2.0 property extension of a marking definition.
type MarkingExtension struct {
	ExtensionType string `json:"extension_type"`
	TLP           string `json:"tlp_2_0"`
}

// markingsCreated is the creation time shared by the standard TLP 2.0
// marking definitions.
const markingsCreated = "2022-10-01T00:00:00.000Z"

// MarkingDefinition returns the standard marking-definition object of l;
// ok is false for an invalid label.
func (l Label) MarkingDefinition() (m MarkingDefinition, ok bool) {
	if !l.Valid() {
		return MarkingDefinition{}, false
	}
	return MarkingDefinition{
		Type:        "marking-definition",
		SpecVersion: "2.1",
		ID:          markingIDs[l],
		Created:     markingsCreated,
		Name:        names[l],
		Extensions: map[string]MarkingExtension{
			ExtensionDefinitionID: {ExtensionType: "property-extension", TLP: codes[l]},
		},
	}, true
}
