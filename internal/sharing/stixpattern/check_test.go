package stixpattern

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// TestCheckRejectsHandBuiltTrees covers rules the parser cannot break but a
// tree built in code can.
func TestCheckRejectsHandBuiltTrees(t *testing.T) {
	path := func(typ string, keys ...string) ObjectPath {
		p := ObjectPath{ObjectType: typ}
		for _, k := range keys {
			p.Steps = append(p.Steps, PathStep{Kind: StepKey, Key: k})
		}
		return p
	}
	one := func(c *Comparison) *Pattern {
		return &Pattern{Observation: &ObservationExpression{Kind: ObservationComparison, Comparison: &ComparisonExpression{Kind: ComparisonTest, Test: c}}}
	}
	str := Value{Kind: ValueString, Str: "x", Offset: 9}
	tests := []struct {
		name    string
		pattern *Pattern
		msg     string
	}{
		{"nil pattern", nil, "empty"},
		{"empty brackets", &Pattern{Observation: &ObservationExpression{Kind: ObservationComparison}}, "empty"},
		{"missing operand", &Pattern{Observation: &ObservationExpression{Kind: ObservationAnd, Left: one(&Comparison{Path: path("file", "name"), Op: OpEqual, Value: str}).Observation}}, "missing an operand"},
		{"unknown observation kind", &Pattern{Observation: &ObservationExpression{Kind: 99}}, "unknown kind"},
		{"negated EXISTS", one(&Comparison{Path: path("file", "name"), Op: OpExists, Negated: true}), "cannot be negated"},
		{"EXISTS with a value", one(&Comparison{Path: path("file", "name"), Op: OpExists, Value: str}), "takes no value"},
		{"LIKE with a number", one(&Comparison{Path: path("file", "name"), Op: OpLike, Value: Value{Kind: ValueInt, Int: 5}}), "LIKE needs a string"},
		{"order with a boolean", one(&Comparison{Path: path("file", "size"), Op: OpLess, Value: Value{Kind: ValueBool}}), "< needs"},
		{"equal with a set", one(&Comparison{Path: path("file", "size"), Op: OpEqual, Value: Value{Kind: ValueSet}}), "single value"},
		{"IN with a single value", one(&Comparison{Path: path("file", "size"), Op: OpIn, Value: str}), "list in parentheses"},
		{"nested set", one(&Comparison{Path: path("file", "size"), Op: OpIn, Value: Value{Kind: ValueSet, Set: []Value{{Kind: ValueSet}}}}), "only single values"},
		{"unknown operator", one(&Comparison{Path: path("file", "size"), Op: 0, Value: str}), "unknown operator"},
		{"no property", one(&Comparison{Path: path("file"), Op: OpEqual, Value: str}), "needs a property name"},
		{"index first", one(&Comparison{Path: ObjectPath{ObjectType: "file", Steps: []PathStep{{Kind: StepAnyIndex}}}, Op: OpEqual, Value: str}), "needs a property name"},
		{"type too long", one(&Comparison{Path: path(strings.Repeat("a", 251), "name"), Op: OpEqual, Value: str}), "3 to 250"},
		{"property too long", one(&Comparison{Path: path("file", strings.Repeat("a", 251)), Op: OpEqual, Value: str}), "at most 250"},
		{"key too long", one(&Comparison{Path: path("file", "hashes", strings.Repeat("A", 251)), Op: OpEqual, Value: str}), "at most 250"},
		{"type with a digit first", one(&Comparison{Path: path("3com", "name"), Op: OpEqual, Value: str}), "lower-case letter"},
		{"year beyond 9999", one(&Comparison{Path: path("file", "created"), Op: OpEqual, Value: Value{Kind: ValueTimestamp, Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}), "year"},
		{"infinite WITHIN", &Pattern{Observation: &ObservationExpression{Kind: ObservationComparison, Comparison: &ComparisonExpression{Kind: ComparisonTest, Test: &Comparison{Path: path("file", "name"), Op: OpEqual, Value: str}}, Qualifiers: []Qualifier{{Kind: QualifierWithin, Seconds: math.Inf(1)}}}}, "greater than 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.pattern)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Check = %v, want a *ParseError", err)
			}
			if !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("message %q does not contain %q", pe.Msg, tc.msg)
			}
		})
	}
}

func TestCheckLimits(t *testing.T) {
	longType := strings.Repeat("a", 250)
	longProp := strings.Repeat("b", 250)
	ok := []string{
		"[" + longType + ":" + longProp + " = 'x']",
		"[abc:id = 'x']",
		"[ipv6-addr:value = '2001:db8::1']",
		"[ipv4-addr:value = '10.0.0.1/8']",
		"[ipv4-addr:value LIKE '10.%']",
	}
	for _, s := range ok {
		if _, err := Parse(s); err != nil {
			t.Errorf("%.60s: %v", s, err)
		}
	}
}

func TestCheckErrorWithoutSource(t *testing.T) {
	err := Check(&Pattern{Observation: &ObservationExpression{Kind: ObservationComparison, Offset: 4}})
	if err == nil || err.Error() != "pattern error at offset 4: the brackets are empty" {
		t.Errorf("got %v", err)
	}
}
