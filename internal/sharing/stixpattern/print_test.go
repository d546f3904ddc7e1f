package stixpattern

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// assertRoundTrip checks that p's canonical form parses back to the same
// tree and prints the same again.
func assertRoundTrip(t testing.TB, p *Pattern) {
	t.Helper()
	text := p.String()
	again, err := Parse(text)
	if err != nil {
		t.Fatalf("canonical form %q does not parse: %v", text, err)
	}
	if diff := cmp.Diff(p, again, ignoreOffsets); diff != "" {
		t.Fatalf("canonical form %q parses to a different tree (-before +after):\n%s", text, diff)
	}
	if text2 := again.String(); text2 != text {
		t.Fatalf("canonical form is not stable:\n%s\n%s", text, text2)
	}
}

func TestStringRoundTripsSpecificationExamples(t *testing.T) {
	for _, tc := range acceptCases {
		p, err := Parse(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		assertRoundTrip(t, p)
	}
}

// TestStringRoundTripsRandomTrees is the round-trip property: for random
// valid trees, printing and parsing again gives the same tree.
func TestStringRoundTripsRandomTrees(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 11))
	for i := 0; i < 1000; i++ {
		p := &Pattern{Observation: randomObservation(r, 4)}
		if err := Check(p); err != nil {
			t.Fatalf("generator made an invalid tree %s: %v", p, err)
		}
		assertRoundTrip(t, p)
	}
}

func TestStringPrintsNeededParentheses(t *testing.T) {
	leaf := func(n int64) *ObservationExpression {
		return &ObservationExpression{Kind: ObservationComparison, Comparison: &ComparisonExpression{
			Kind: ComparisonTest,
			Test: &Comparison{Path: ObjectPath{ObjectType: "x-a", Steps: []PathStep{{Kind: StepKey, Key: "b"}}}, Op: OpEqual, Value: Value{Kind: ValueInt, Int: n}},
		}}
	}
	tests := []struct {
		tree *ObservationExpression
		want string
	}{
		{&ObservationExpression{Kind: ObservationAnd, Left: &ObservationExpression{Kind: ObservationOr, Left: leaf(1), Right: leaf(2)}, Right: leaf(3)},
			`([x-a:b = 1] OR [x-a:b = 2]) AND [x-a:b = 3]`},
		{&ObservationExpression{Kind: ObservationFollowedBy, Left: leaf(1), Right: &ObservationExpression{Kind: ObservationFollowedBy, Left: leaf(2), Right: leaf(3)}},
			`[x-a:b = 1] FOLLOWEDBY ([x-a:b = 2] FOLLOWEDBY [x-a:b = 3])`},
		{&ObservationExpression{Kind: ObservationOr, Left: leaf(1), Right: leaf(2), Qualifiers: []Qualifier{{Kind: QualifierRepeats, Times: 3}}},
			`([x-a:b = 1] OR [x-a:b = 2]) REPEATS 3 TIMES`},
	}
	for _, tc := range tests {
		p := &Pattern{Observation: tc.tree}
		if got := p.String(); got != tc.want {
			t.Errorf("String() = %s, want %s", got, tc.want)
		}
		assertRoundTrip(t, p)
	}
}

var (
	randomTypes = []string{"file", "x-custom-thing", "network-traffic", "url", "a0-b"}
	randomProps = []string{"value", "name", "hashes", "extensions", "size", "x_score", "id"}
	randomKeys  = []string{"SHA-256", "MD5", "a b", "it's", `back\slash`, "NOT", "true", "x", "é", "t", "_"}
	randomText  = []string{"", "a", "it's", `C:\Windows`, "100%", "日本", "line\nbreak", "]) OR [", "\\'"}
)

func randomObservation(r *rand.Rand, depth int) *ObservationExpression {
	var o *ObservationExpression
	if depth == 0 || r.IntN(3) == 0 {
		o = &ObservationExpression{Kind: ObservationComparison, Comparison: randomComparisonExpression(r, 3)}
	} else {
		kinds := []ObservationKind{ObservationAnd, ObservationOr, ObservationFollowedBy}
		o = &ObservationExpression{Kind: kinds[r.IntN(3)], Left: randomObservation(r, depth-1), Right: randomObservation(r, depth-1)}
	}
	for r.IntN(4) == 0 {
		o.Qualifiers = append(o.Qualifiers, randomQualifier(r))
	}
	return o
}

func randomQualifier(r *rand.Rand) Qualifier {
	switch r.IntN(3) {
	case 0:
		secs := float64(r.IntN(100000) + 1)
		if r.IntN(2) == 0 {
			secs = r.Float64()*1000 + math.SmallestNonzeroFloat64
		}
		return Qualifier{Kind: QualifierWithin, Seconds: secs}
	case 1:
		return Qualifier{Kind: QualifierRepeats, Times: r.Int64N(math.MaxInt64) + 1}
	}
	start := randomTime(r)
	return Qualifier{Kind: QualifierStartStop, Start: start, Stop: start.Add(time.Duration(r.Int64N(1e15) + 1))}
}

func randomTime(r *rand.Rand) time.Time {
	return time.Date(r.IntN(9000)+1, time.Month(r.IntN(12)+1), r.IntN(28)+1, r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(3)*r.IntN(1e9), time.UTC)
}

func randomComparisonExpression(r *rand.Rand, depth int) *ComparisonExpression {
	if depth == 0 || r.IntN(2) == 0 {
		return &ComparisonExpression{Kind: ComparisonTest, Test: randomComparison(r)}
	}
	kind := ComparisonAnd
	if r.IntN(2) == 0 {
		kind = ComparisonOr
	}
	return &ComparisonExpression{Kind: kind, Left: randomComparisonExpression(r, depth-1), Right: randomComparisonExpression(r, depth-1)}
}

func randomComparison(r *rand.Rand) *Comparison {
	path := ObjectPath{ObjectType: randomTypes[r.IntN(len(randomTypes))], Steps: []PathStep{{Kind: StepKey, Key: randomProps[r.IntN(len(randomProps))]}}}
	for n := r.IntN(4); n > 0; n-- {
		switch r.IntN(3) {
		case 0:
			path.Steps = append(path.Steps, PathStep{Kind: StepKey, Key: randomKeys[r.IntN(len(randomKeys))]})
		case 1:
			path.Steps = append(path.Steps, PathStep{Kind: StepIndex, Index: r.Int64N(math.MaxInt64)})
		default:
			path.Steps = append(path.Steps, PathStep{Kind: StepAnyIndex})
		}
	}
	c := &Comparison{Path: path, Op: Operator(r.IntN(int(OpExists)) + 1), Negated: r.IntN(3) == 0}
	switch c.Op {
	case OpExists:
		c.Negated = false
	case OpEqual, OpNotEqual:
		c.Value = randomValue(r, true)
	case OpGreater, OpLess, OpGreaterEqual, OpLessEqual:
		c.Value = randomValue(r, false)
	case OpIn:
		c.Value = Value{Kind: ValueSet}
		for n := r.IntN(4); n > 0; n-- {
			c.Value.Set = append(c.Value.Set, randomValue(r, true))
		}
	case OpIsSubset, OpIsSuperset:
		cidrs := []string{"10.0.0.0/8", "2001:db8::/32", "192.0.2.1"}
		c.Value = Value{Kind: ValueString, Str: cidrs[r.IntN(len(cidrs))]}
	default:
		c.Value = Value{Kind: ValueString, Str: randomText[r.IntN(len(randomText))]}
	}
	return c
}

func randomValue(r *rand.Rand, withBool bool) Value {
	for {
		switch ValueKind(r.IntN(int(ValueBinary)) + 1) {
		case ValueString:
			return Value{Kind: ValueString, Str: randomText[r.IntN(len(randomText))]}
		case ValueInt:
			ints := []int64{0, 1, -1, math.MaxInt64, math.MinInt64, r.Int64() - r.Int64()}
			return Value{Kind: ValueInt, Int: ints[r.IntN(len(ints))]}
		case ValueFloat:
			floats := []float64{0, math.Copysign(0, -1), 5, -7, math.MaxFloat64, -math.SmallestNonzeroFloat64, r.NormFloat64() * math.Pow(10, float64(r.IntN(60)-30))}
			return Value{Kind: ValueFloat, Float: floats[r.IntN(len(floats))]}
		case ValueBool:
			if withBool {
				return Value{Kind: ValueBool, Bool: r.IntN(2) == 0}
			}
		case ValueTimestamp:
			return Value{Kind: ValueTimestamp, Time: randomTime(r)}
		case ValueHex:
			return Value{Kind: ValueHex, Bytes: randomBytes(r)}
		case ValueBinary:
			return Value{Kind: ValueBinary, Bytes: randomBytes(r)}
		}
	}
}

func randomBytes(r *rand.Rand) []byte {
	b := make([]byte, r.IntN(7))
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return b
}
