package stixpattern

import "strings"

// Equality is one value a pattern tests for with "type:path = 'value'" (or
// one member of "type:path IN ('a', 'b')"), for indicator stores that match
// values directly instead of evaluating patterns.
type Equality struct {
	ObjectType string // "ipv4-addr", "file"
	Path       string // canonical path after the colon: "value", "hashes.'SHA-256'"
	Value      string
	// Hash is the standard algorithm name ("MD5", "SHA-1", "SHA-256",
	// "SHA-512", "SHA3-256", "SHA3-512", "SSDEEP", "TLSH") when Path is
	// hashes.<algorithm>, however the key was spelled (md5, 'sha-1',
	// SHA256); otherwise empty.
	Hash string
	// Sufficient is true when seeing this value alone satisfies the whole
	// pattern: the comparison is reached from the top only through OR, at
	// both levels, and no qualifier applies. A value from
	// "[file:name = 'a' AND file:size = 5]" or from "[...] WITHIN 60 SECONDS"
	// is listed with Sufficient false.
	Sufficient bool
	Offset     int // of the comparison in the pattern
}

// Observables lists the positive equality tests on string values in p, in
// the order they appear. Negated comparisons and other operators are left
// out, as are non-string values.
func Observables(p *Pattern) []Equality {
	if p == nil || p.Observation == nil {
		return nil
	}
	var out []Equality
	collectObservation(p.Observation, true, &out)
	return out
}

func collectObservation(o *ObservationExpression, sufficient bool, out *[]Equality) {
	if o == nil {
		return
	}
	if len(o.Qualifiers) > 0 {
		sufficient = false
	}
	switch o.Kind {
	case ObservationComparison:
		collectComparison(o.Comparison, sufficient, out)
	default:
		if o.Kind != ObservationOr {
			sufficient = false
		}
		collectObservation(o.Left, sufficient, out)
		collectObservation(o.Right, sufficient, out)
	}
}

func collectComparison(c *ComparisonExpression, sufficient bool, out *[]Equality) {
	if c == nil {
		return
	}
	if c.Kind != ComparisonTest {
		if c.Kind != ComparisonOr {
			sufficient = false
		}
		collectComparison(c.Left, sufficient, out)
		collectComparison(c.Right, sufficient, out)
		return
	}
	t := c.Test
	if t == nil || t.Negated {
		return
	}
	var values []string
	switch {
	case t.Op == OpEqual && t.Value.Kind == ValueString:
		values = []string{t.Value.Str}
	case t.Op == OpIn:
		for _, item := range t.Value.Set {
			if item.Kind == ValueString {
				values = append(values, item.Str)
			}
		}
	}
	if len(values) == 0 {
		return
	}
	path := t.Path.Property()
	hash := hashAlgorithm(t.Path)
	for _, v := range values {
		*out = append(*out, Equality{
			ObjectType: t.Path.ObjectType,
			Path:       path,
			Value:      v,
			Hash:       hash,
			Sufficient: sufficient,
			Offset:     t.Offset,
		})
	}
}

var hashNames = map[string]string{
	"md5":     "MD5",
	"sha1":    "SHA-1",
	"sha256":  "SHA-256",
	"sha512":  "SHA-512",
	"sha3256": "SHA3-256",
	"sha3512": "SHA3-512",
	"ssdeep":  "SSDEEP",
	"tlsh":    "TLSH",
}

// hashAlgorithm returns the standard name for a path "hashes.<algorithm>".
func hashAlgorithm(p ObjectPath) string {
	if len(p.Steps) != 2 || p.Steps[0].Key != "hashes" || p.Steps[1].Kind != StepKey {
		return ""
	}
	key := strings.ToLower(p.Steps[1].Key)
	key = strings.NewReplacer("-", "", "_", "").Replace(key)
	return hashNames[key]
}
