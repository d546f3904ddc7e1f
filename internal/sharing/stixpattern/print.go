package stixpattern

import (
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// String prints the pattern in canonical form: single spaces, upper-case
// keywords, "=" and "!=", parentheses only where precedence needs them,
// timestamps as t'2006-01-02T15:04:05.999999999Z', hex in lower case. The
// result parses back to the same tree (offsets aside).
func (p *Pattern) String() string {
	if p == nil || p.Observation == nil {
		return ""
	}
	var b strings.Builder
	p.Observation.write(&b)
	return b.String()
}

// String prints the observation expression in canonical form.
func (o *ObservationExpression) String() string {
	var b strings.Builder
	o.write(&b)
	return b.String()
}

// observationPrecedence ranks how tightly a node binds; a bracketed or
// qualified node is an atom.
func observationPrecedence(o *ObservationExpression) int {
	if len(o.Qualifiers) > 0 {
		return 4
	}
	switch o.Kind {
	case ObservationFollowedBy:
		return 1
	case ObservationOr:
		return 2
	case ObservationAnd:
		return 3
	}
	return 4
}

func (o *ObservationExpression) write(b *strings.Builder) {
	if o.Kind == ObservationComparison {
		b.WriteByte('[')
		if o.Comparison != nil {
			o.Comparison.write(b)
		}
		b.WriteByte(']')
	} else {
		if len(o.Qualifiers) > 0 {
			b.WriteByte('(')
		}
		own := 1
		op := " FOLLOWEDBY "
		switch o.Kind {
		case ObservationOr:
			own, op = 2, " OR "
		case ObservationAnd:
			own, op = 3, " AND "
		}
		writeObservationOperand(b, o.Left, observationPrecedence(o.Left) < own)
		b.WriteString(op)
		writeObservationOperand(b, o.Right, observationPrecedence(o.Right) <= own)
		if len(o.Qualifiers) > 0 {
			b.WriteByte(')')
		}
	}
	for _, q := range o.Qualifiers {
		b.WriteByte(' ')
		b.WriteString(q.String())
	}
}

func writeObservationOperand(b *strings.Builder, o *ObservationExpression, parens bool) {
	if parens {
		b.WriteByte('(')
	}
	o.write(b)
	if parens {
		b.WriteByte(')')
	}
}

// String prints the qualifier as written in a pattern.
func (q Qualifier) String() string {
	switch q.Kind {
	case QualifierWithin:
		return "WITHIN " + strconv.FormatFloat(q.Seconds, 'f', -1, 64) + " SECONDS"
	case QualifierRepeats:
		return "REPEATS " + strconv.FormatInt(q.Times, 10) + " TIMES"
	case QualifierStartStop:
		return "START " + formatTimestamp(q.Start) + " STOP " + formatTimestamp(q.Stop)
	}
	return "?"
}

// String prints the comparison expression in canonical form.
func (c *ComparisonExpression) String() string {
	var b strings.Builder
	c.write(&b)
	return b.String()
}

func comparisonPrecedence(c *ComparisonExpression) int {
	switch c.Kind {
	case ComparisonOr:
		return 1
	case ComparisonAnd:
		return 2
	}
	return 3
}

func (c *ComparisonExpression) write(b *strings.Builder) {
	switch c.Kind {
	case ComparisonTest:
		if c.Test != nil {
			b.WriteString(c.Test.String())
		}
		return
	}
	own, op := 1, " OR "
	if c.Kind == ComparisonAnd {
		own, op = 2, " AND "
	}
	writeComparisonOperand(b, c.Left, comparisonPrecedence(c.Left) < own)
	b.WriteString(op)
	writeComparisonOperand(b, c.Right, comparisonPrecedence(c.Right) <= own)
}

func writeComparisonOperand(b *strings.Builder, c *ComparisonExpression, parens bool) {
	if parens {
		b.WriteByte('(')
	}
	c.write(b)
	if parens {
		b.WriteByte(')')
	}
}

// String prints the comparison, e.g. "file:name NOT LIKE '%.exe'".
func (c *Comparison) String() string {
	if c.Op == OpExists {
		return "EXISTS " + c.Path.String()
	}
	var b strings.Builder
	b.WriteString(c.Path.String())
	if c.Negated {
		b.WriteString(" NOT")
	}
	b.WriteByte(' ')
	b.WriteString(c.Op.String())
	b.WriteByte(' ')
	b.WriteString(c.Value.String())
	return b.String()
}

// String prints the path, e.g. "file:hashes.'SHA-256'".
func (p ObjectPath) String() string {
	return p.ObjectType + ":" + p.Property()
}

// Property prints the path after the object type, e.g. "hashes.'SHA-256'"
// or "body_multipart[*].body_raw_ref.name".
func (p ObjectPath) Property() string {
	var b strings.Builder
	for i, s := range p.Steps {
		switch s.Kind {
		case StepKey:
			if i > 0 {
				b.WriteByte('.')
			}
			if plainName(s.Key) {
				b.WriteString(s.Key)
			} else {
				writeQuoted(&b, s.Key)
			}
		case StepIndex:
			b.WriteByte('[')
			b.WriteString(strconv.FormatInt(s.Index, 10))
			b.WriteByte(']')
		case StepAnyIndex:
			b.WriteString("[*]")
		}
	}
	return b.String()
}

// plainName reports whether a path name can be written without quotes.
// Names that would read as typed literals (t'..., h'..., b'...) cannot
// occur here because a plain name never contains a quote.
func plainName(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentStart(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// String prints the literal as written in a pattern.
func (v Value) String() string {
	var b strings.Builder
	v.write(&b)
	return b.String()
}

func (v Value) write(b *strings.Builder) {
	switch v.Kind {
	case ValueString:
		writeQuoted(b, v.Str)
	case ValueInt:
		b.WriteString(strconv.FormatInt(v.Int, 10))
	case ValueFloat:
		s := strconv.FormatFloat(v.Float, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		b.WriteString(s)
	case ValueBool:
		b.WriteString(strconv.FormatBool(v.Bool))
	case ValueTimestamp:
		b.WriteString(formatTimestamp(v.Time))
	case ValueHex:
		b.WriteString("h'")
		b.WriteString(hex.EncodeToString(v.Bytes))
		b.WriteByte('\'')
	case ValueBinary:
		b.WriteString("b'")
		b.WriteString(base64.StdEncoding.EncodeToString(v.Bytes))
		b.WriteByte('\'')
	case ValueSet:
		b.WriteByte('(')
		for i, item := range v.Set {
			if i > 0 {
				b.WriteString(", ")
			}
			item.write(b)
		}
		b.WriteByte(')')
	default:
		b.WriteString("?")
	}
}

func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
}

func formatTimestamp(t time.Time) string {
	return "t'" + t.UTC().Format("2006-01-02T15:04:05.999999999Z") + "'"
}
