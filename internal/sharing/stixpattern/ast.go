// Package stixpattern parses the STIX 2.1 indicator pattern language
// (STIX 2.1 specification, section 9, "STIX Patterning") into a syntax tree,
// checks the rules the grammar alone cannot express, prints a canonical form
// and lists the simple equality tests an indicator store can match directly.
//
// Precedence follows the specification's grammar. Inside brackets AND binds
// tighter than OR. Between observations AND binds tighter than OR, and OR
// tighter than FOLLOWEDBY. Qualifiers (WITHIN, REPEATS, START/STOP) bind
// tightest of all: "[a] FOLLOWEDBY [b] WITHIN 60 SECONDS" qualifies [b]
// alone; "([a] FOLLOWEDBY [b]) WITHIN 60 SECONDS" qualifies both.
//
// The package is pure: no I/O, no global state. Every node of the tree
// records the byte offset in the input where it starts, and every error is a
// *ParseError naming the offset and what was expected.
package stixpattern

import "time"

// Pattern is a parsed STIX pattern: one observation expression, possibly
// combined from several with AND, OR and FOLLOWEDBY.
type Pattern struct {
	Observation *ObservationExpression
}

// ObservationKind tells the shape of an ObservationExpression.
type ObservationKind int

// Observation expression kinds. Precedence, from loosest to tightest:
// FOLLOWEDBY, OR, AND; all three associate to the left.
const (
	// ObservationComparison is "[ comparison expression ]".
	ObservationComparison ObservationKind = iota + 1
	ObservationAnd
	ObservationOr
	ObservationFollowedBy
)

// ObservationExpression is either a bracketed comparison expression or two
// observation expressions joined by an operator. Qualifiers apply to the
// whole node, in the order they were written.
type ObservationExpression struct {
	Kind       ObservationKind
	Comparison *ComparisonExpression  // ObservationComparison only
	Left       *ObservationExpression // binary kinds only
	Right      *ObservationExpression // binary kinds only
	Qualifiers []Qualifier
	Offset     int
}

// ComparisonKind tells the shape of a ComparisonExpression.
type ComparisonKind int

// Comparison expression kinds. AND binds tighter than OR; both associate to
// the left.
const (
	// ComparisonTest is a single comparison.
	ComparisonTest ComparisonKind = iota + 1
	ComparisonAnd
	ComparisonOr
)

// ComparisonExpression is either one Comparison or two comparison
// expressions joined by AND or OR, all inside one pair of brackets.
type ComparisonExpression struct {
	Kind   ComparisonKind
	Test   *Comparison           // ComparisonTest only
	Left   *ComparisonExpression // binary kinds only
	Right  *ComparisonExpression // binary kinds only
	Offset int
}

// Operator is a comparison operator.
type Operator int

// Comparison operators.
const (
	OpEqual Operator = iota + 1
	OpNotEqual
	OpGreater
	OpLess
	OpGreaterEqual
	OpLessEqual
	OpIn
	OpLike
	OpMatches
	OpIsSubset
	OpIsSuperset
	OpExists
)

var operatorText = map[Operator]string{
	OpEqual:        "=",
	OpNotEqual:     "!=",
	OpGreater:      ">",
	OpLess:         "<",
	OpGreaterEqual: ">=",
	OpLessEqual:    "<=",
	OpIn:           "IN",
	OpLike:         "LIKE",
	OpMatches:      "MATCHES",
	OpIsSubset:     "ISSUBSET",
	OpIsSuperset:   "ISSUPERSET",
	OpExists:       "EXISTS",
}

// String returns the operator as written in a pattern.
func (o Operator) String() string {
	if s, ok := operatorText[o]; ok {
		return s
	}
	return "?"
}

// Comparison tests one property of one object type: "type:path op value",
// "type:path NOT op value" (Negated) or "EXISTS type:path" (Value unset).
type Comparison struct {
	Path    ObjectPath
	Op      Operator
	Negated bool
	Value   Value
	Offset  int
}

// ObjectPath names a property of a cyber-observable object type:
// "file:hashes.'SHA-256'" is ObjectType "file" and the steps
// key "hashes", key "SHA-256". The first step is always a key (the
// property name).
type ObjectPath struct {
	ObjectType string
	Steps      []PathStep
	Offset     int
}

// StepKind tells the shape of a PathStep.
type StepKind int

// Path step kinds.
const (
	StepKey      StepKind = iota + 1 // .name or .'quoted name'
	StepIndex                        // [n]
	StepAnyIndex                     // [*]
)

// PathStep is one component of an object path after the object type.
type PathStep struct {
	Kind   StepKind
	Key    string // StepKey
	Index  int64  // StepIndex
	Offset int
}

// ValueKind tells which field of a Value holds the literal.
type ValueKind int

// Literal kinds.
const (
	ValueString    ValueKind = iota + 1 // 'text'
	ValueInt                            // 42, -7
	ValueFloat                          // 1.5, -.25
	ValueBool                           // true, false
	ValueTimestamp                      // t'2016-11-25T14:00:00Z'
	ValueHex                            // h'ee01'
	ValueBinary                         // b'AQID'
	ValueSet                            // ('a', 'b') after IN
)

// Value is a literal on the right side of a comparison.
type Value struct {
	Kind   ValueKind
	Str    string    // ValueString, decoded (no quotes, escapes resolved)
	Int    int64     // ValueInt
	Float  float64   // ValueFloat
	Bool   bool      // ValueBool
	Time   time.Time // ValueTimestamp, always UTC
	Bytes  []byte    // ValueHex and ValueBinary, decoded
	Set    []Value   // ValueSet
	Offset int
}

// QualifierKind tells the shape of a Qualifier.
type QualifierKind int

// Observation qualifier kinds.
const (
	QualifierWithin    QualifierKind = iota + 1 // WITHIN n SECONDS
	QualifierRepeats                            // REPEATS n TIMES
	QualifierStartStop                          // START t'...' STOP t'...'
)

// Qualifier restricts when or how often an observation expression must
// match.
type Qualifier struct {
	Kind    QualifierKind
	Seconds float64   // QualifierWithin
	Times   int64     // QualifierRepeats
	Start   time.Time // QualifierStartStop
	Stop    time.Time // QualifierStartStop
	Offset  int
}
