package stixpattern

import (
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"
)

// Check applies the rules of STIX 2.1 that the grammar alone does not
// express, for trees built by hand as well as parsed ones:
//   - object type names use only a-z, 0-9 and '-', start with a letter, have
//     no "--" and are 3 to 250 characters long;
//   - property names (the first step of a path) use only a-z, 0-9 and '_'
//     and are at most 250 characters; later names are 1 to 250 characters;
//   - list indexes are not negative;
//   - START is before STOP, REPEATS and WITHIN are positive;
//   - each operator has a value of a kind it accepts;
//   - ipv4-addr:value and ipv6-addr:value are compared with addresses or
//     CIDR ranges of their family, and ISSUBSET/ISSUPERSET with a CIDR range.
//
// Hex and base64 literals and timestamps are checked while parsing (odd hex
// lengths, bad base64 and non-UTC or impossible times cannot be
// represented in a tree). The error is a *ParseError whose Offset points at
// the node at fault and whose Line and Column are zero.
func Check(p *Pattern) error {
	if offset, msg := check(p); msg != "" {
		return &ParseError{Offset: offset, Msg: msg}
	}
	return nil
}

func check(p *Pattern) (int, string) {
	if p == nil || p.Observation == nil {
		return 0, "the pattern is empty"
	}
	return checkObservation(p.Observation)
}

func checkObservation(o *ObservationExpression) (int, string) {
	for _, q := range o.Qualifiers {
		switch q.Kind {
		case QualifierWithin:
			if !(q.Seconds > 0) || math.IsInf(q.Seconds, 0) {
				return q.Offset, "WITHIN needs a number of seconds greater than 0"
			}
		case QualifierRepeats:
			if q.Times <= 0 {
				return q.Offset, "REPEATS needs a number of times greater than 0"
			}
		case QualifierStartStop:
			if off, msg := checkTime(q.Offset, q.Start); msg != "" {
				return off, msg
			}
			if off, msg := checkTime(q.Offset, q.Stop); msg != "" {
				return off, msg
			}
			if !q.Start.Before(q.Stop) {
				return q.Offset, "the START time must be before the STOP time"
			}
		default:
			return q.Offset, "unknown qualifier"
		}
	}
	switch o.Kind {
	case ObservationComparison:
		if o.Comparison == nil {
			return o.Offset, "the brackets are empty"
		}
		return checkComparisonExpression(o.Comparison)
	case ObservationAnd, ObservationOr, ObservationFollowedBy:
		if o.Left == nil || o.Right == nil {
			return o.Offset, "an operator is missing an operand"
		}
		if off, msg := checkObservation(o.Left); msg != "" {
			return off, msg
		}
		return checkObservation(o.Right)
	}
	return o.Offset, "unknown kind of observation expression"
}

func checkComparisonExpression(c *ComparisonExpression) (int, string) {
	switch c.Kind {
	case ComparisonTest:
		if c.Test == nil {
			return c.Offset, "a comparison is missing"
		}
		return checkComparison(c.Test)
	case ComparisonAnd, ComparisonOr:
		if c.Left == nil || c.Right == nil {
			return c.Offset, "an operator is missing an operand"
		}
		if off, msg := checkComparisonExpression(c.Left); msg != "" {
			return off, msg
		}
		return checkComparisonExpression(c.Right)
	}
	return c.Offset, "unknown kind of comparison expression"
}

func checkComparison(c *Comparison) (int, string) {
	if off, msg := checkPath(c.Path); msg != "" {
		return off, msg
	}
	v := c.Value
	switch c.Op {
	case OpExists:
		if c.Negated {
			return c.Offset, "EXISTS cannot be negated with NOT"
		}
		if v.Kind != 0 {
			return v.Offset, "EXISTS takes no value"
		}
		return 0, ""
	case OpEqual, OpNotEqual:
		if !primitive(v.Kind) {
			return v.Offset, fmt.Sprintf("%s needs a single value", c.Op)
		}
	case OpGreater, OpLess, OpGreaterEqual, OpLessEqual:
		if !primitive(v.Kind) || v.Kind == ValueBool {
			return v.Offset, fmt.Sprintf("%s needs a string, number, timestamp or binary value", c.Op)
		}
	case OpIn:
		if v.Kind != ValueSet {
			return v.Offset, "IN needs a list in parentheses"
		}
		for _, item := range v.Set {
			if !primitive(item.Kind) {
				return item.Offset, "a list after IN holds only single values"
			}
		}
	case OpLike, OpMatches, OpIsSubset, OpIsSuperset:
		if v.Kind != ValueString {
			return v.Offset, fmt.Sprintf("%s needs a string in single quotes", c.Op)
		}
	default:
		return c.Offset, "unknown operator"
	}
	for _, item := range append([]Value{v}, v.Set...) {
		if item.Kind == ValueTimestamp {
			if off, msg := checkTime(item.Offset, item.Time); msg != "" {
				return off, msg
			}
		}
	}
	return checkAddresses(c)
}

func primitive(k ValueKind) bool {
	return k >= ValueString && k <= ValueBinary
}

func checkTime(offset int, t time.Time) (int, string) {
	if y := t.Year(); y < 0 || y > 9999 {
		return offset, "timestamps must have a year from 0000 to 9999"
	}
	return 0, ""
}

// checkAddresses rejects address comparisons that can never match because
// the value is not an address or CIDR range of the right family.
func checkAddresses(c *Comparison) (int, string) {
	family := ""
	if len(c.Path.Steps) == 1 && c.Path.Steps[0].Kind == StepKey && c.Path.Steps[0].Key == "value" {
		switch c.Path.ObjectType {
		case "ipv4-addr":
			family = "IPv4"
		case "ipv6-addr":
			family = "IPv6"
		}
	}
	var values []Value
	switch c.Op {
	case OpIsSubset, OpIsSuperset:
		values = []Value{c.Value}
	case OpEqual, OpNotEqual:
		if family != "" && c.Value.Kind == ValueString {
			values = []Value{c.Value}
		}
	case OpIn:
		if family != "" {
			for _, item := range c.Value.Set {
				if item.Kind == ValueString {
					values = append(values, item)
				}
			}
		}
	}
	for _, v := range values {
		addr, ok := parseAddressOrRange(v.Str)
		if !ok {
			if c.Op == OpIsSubset || c.Op == OpIsSuperset {
				return v.Offset, fmt.Sprintf("%s needs an IP address or CIDR range such as '198.51.100.0/24', not %q", c.Op, v.Str)
			}
			return v.Offset, fmt.Sprintf("%q is not an %s address or CIDR range", v.Str, family)
		}
		if family == "IPv4" && !addr.Is4() || family == "IPv6" && !addr.Is6() {
			return v.Offset, fmt.Sprintf("%q is not an %s address or CIDR range", v.Str, family)
		}
	}
	return 0, ""
}

func parseAddressOrRange(s string) (netip.Addr, bool) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Addr(), err == nil
	}
	a, err := netip.ParseAddr(s)
	return a, err == nil && a.Zone() == ""
}

func checkPath(p ObjectPath) (int, string) {
	t := p.ObjectType
	if len(t) < 3 || len(t) > 250 {
		return p.Offset, fmt.Sprintf("the object type %q must be 3 to 250 characters long", t)
	}
	if t[0] < 'a' || t[0] > 'z' {
		return p.Offset, fmt.Sprintf("the object type %q must start with a lower-case letter", t)
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z') && !isDigit(c) && c != '-' {
			return p.Offset, fmt.Sprintf("the object type %q may hold only a-z, 0-9 and '-'", t)
		}
	}
	if strings.Contains(t, "--") {
		return p.Offset, fmt.Sprintf("the object type %q must not contain \"--\"", t)
	}
	if len(p.Steps) == 0 || p.Steps[0].Kind != StepKey {
		return p.Offset, fmt.Sprintf("the object path %s needs a property name after ':'", t)
	}
	for i, s := range p.Steps {
		switch s.Kind {
		case StepKey:
			if s.Key == "" {
				return s.Offset, "a name in an object path must not be empty"
			}
			if len(s.Key) > 250 {
				return s.Offset, "a name in an object path must be at most 250 characters long"
			}
			if i == 0 {
				for j := 0; j < len(s.Key); j++ {
					c := s.Key[j]
					if !(c >= 'a' && c <= 'z') && !isDigit(c) && c != '_' {
						return s.Offset, fmt.Sprintf("the property name %q may hold only a-z, 0-9 and '_'", s.Key)
					}
				}
			}
		case StepIndex:
			if s.Index < 0 {
				return s.Offset, "a list index must not be negative (use [*] for any item)"
			}
		case StepAnyIndex:
		default:
			return s.Offset, "unknown kind of path step"
		}
	}
	return 0, ""
}
