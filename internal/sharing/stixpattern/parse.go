package stixpattern

import (
	"fmt"
	"strconv"
	"strings"
)

// maxDepth bounds nested parentheses so a hostile pattern cannot exhaust
// the stack; real patterns nest a handful of levels at most.
const maxDepth = 100

// Parse parses a STIX 2.1 pattern and checks the rules the grammar cannot
// express (see Check). Every error is a *ParseError.
func Parse(src string) (*Pattern, error) {
	p := &parser{lex: lexer{src: src}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tokEOF {
		return nil, p.errorAt(p.tok.offset, "the pattern is empty: expected an observation such as [ipv4-addr:value = '198.51.100.1']")
	}
	obs, err := p.followedBy(0)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		return nil, p.errorAt(p.tok.offset, "expected AND, OR, FOLLOWEDBY, WITHIN, REPEATS, START or the end of the pattern, found %s", p.tok.describe())
	}
	pat := &Pattern{Observation: obs}
	if offset, msg := check(pat); msg != "" {
		return nil, newError(src, offset, msg)
	}
	return pat, nil
}

type parser struct {
	lex lexer
	tok token
}

func (p *parser) advance() error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) errorAt(offset int, format string, args ...any) *ParseError {
	return newError(p.lex.src, offset, fmt.Sprintf(format, args...))
}

// keyword reports whether the current token is the upper-case keyword kw.
// Keywords are case-sensitive in STIX patterns.
func (p *parser) keyword(kw string) bool {
	return p.tok.kind == tokIdent && p.tok.text == kw
}

func (p *parser) column(offset int) int {
	return newError(p.lex.src, offset, "").Column
}

func (p *parser) tooDeep(depth int) error {
	if depth > maxDepth {
		return p.errorAt(p.tok.offset, "the pattern nests parentheses more than %d levels deep", maxDepth)
	}
	return nil
}

// ---- observation level ----

func (p *parser) followedBy(depth int) (*ObservationExpression, error) {
	left, err := p.observationOr(depth)
	if err != nil {
		return nil, err
	}
	for p.keyword("FOLLOWEDBY") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.observationOr(depth)
		if err != nil {
			return nil, err
		}
		left = &ObservationExpression{Kind: ObservationFollowedBy, Left: left, Right: right, Offset: left.Offset}
	}
	return left, nil
}

func (p *parser) observationOr(depth int) (*ObservationExpression, error) {
	left, err := p.observationAnd(depth)
	if err != nil {
		return nil, err
	}
	for p.keyword("OR") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.observationAnd(depth)
		if err != nil {
			return nil, err
		}
		left = &ObservationExpression{Kind: ObservationOr, Left: left, Right: right, Offset: left.Offset}
	}
	return left, nil
}

func (p *parser) observationAnd(depth int) (*ObservationExpression, error) {
	left, err := p.qualified(depth)
	if err != nil {
		return nil, err
	}
	for p.keyword("AND") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.qualified(depth)
		if err != nil {
			return nil, err
		}
		left = &ObservationExpression{Kind: ObservationAnd, Left: left, Right: right, Offset: left.Offset}
	}
	return left, nil
}

// qualified parses an observation atom followed by any qualifiers.
func (p *parser) qualified(depth int) (*ObservationExpression, error) {
	obs, err := p.observationAtom(depth)
	if err != nil {
		return nil, err
	}
	for {
		var q Qualifier
		var err error
		switch {
		case p.keyword("WITHIN"):
			q, err = p.within()
		case p.keyword("REPEATS"):
			q, err = p.repeats()
		case p.keyword("START"):
			q, err = p.startStop()
		default:
			return obs, nil
		}
		if err != nil {
			return nil, err
		}
		obs.Qualifiers = append(obs.Qualifiers, q)
	}
}

func (p *parser) observationAtom(depth int) (*ObservationExpression, error) {
	if err := p.tooDeep(depth); err != nil {
		return nil, err
	}
	open := p.tok
	switch open.kind {
	case tokLBracket:
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind == tokRBracket {
			return nil, p.errorAt(p.tok.offset, "the brackets are empty: expected a comparison such as ipv4-addr:value = '198.51.100.1'")
		}
		cmp, err := p.comparisonOr(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tokRBracket {
			return nil, p.errorAt(p.tok.offset, "expected AND, OR or ']' to close the '[' at column %d, found %s", p.column(open.offset), p.tok.describe())
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return &ObservationExpression{Kind: ObservationComparison, Comparison: cmp, Offset: open.offset}, nil
	case tokLParen:
		if err := p.advance(); err != nil {
			return nil, err
		}
		obs, err := p.followedBy(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tokRParen {
			return nil, p.errorAt(p.tok.offset, "expected AND, OR, FOLLOWEDBY, a qualifier or ')' to close the '(' at column %d, found %s", p.column(open.offset), p.tok.describe())
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return obs, nil
	}
	return nil, p.errorAt(open.offset, "expected '[' to start an observation expression (or '('), found %s", open.describe())
}

func (p *parser) within() (Qualifier, error) {
	q := Qualifier{Kind: QualifierWithin, Offset: p.tok.offset}
	if err := p.advance(); err != nil {
		return q, err
	}
	if (p.tok.kind != tokInt && p.tok.kind != tokFloat) || strings.HasPrefix(p.tok.text, "-") {
		return q, p.errorAt(p.tok.offset, "expected a positive number of seconds after WITHIN, found %s", p.tok.describe())
	}
	secs, err := strconv.ParseFloat(p.tok.text, 64)
	if err != nil {
		return q, p.errorAt(p.tok.offset, "the number of seconds %s is too large", p.tok.text)
	}
	q.Seconds = secs
	if err := p.advance(); err != nil {
		return q, err
	}
	if !p.keyword("SECONDS") {
		return q, p.errorAt(p.tok.offset, "expected SECONDS after WITHIN %s, found %s", strconv.FormatFloat(secs, 'f', -1, 64), p.tok.describe())
	}
	return q, p.advance()
}

func (p *parser) repeats() (Qualifier, error) {
	q := Qualifier{Kind: QualifierRepeats, Offset: p.tok.offset}
	if err := p.advance(); err != nil {
		return q, err
	}
	if p.tok.kind != tokInt || strings.HasPrefix(p.tok.text, "-") {
		return q, p.errorAt(p.tok.offset, "expected a positive whole number after REPEATS, found %s", p.tok.describe())
	}
	n, err := strconv.ParseInt(p.tok.text, 10, 64)
	if err != nil {
		return q, p.errorAt(p.tok.offset, "the number %s is too large", p.tok.text)
	}
	q.Times = n
	if err := p.advance(); err != nil {
		return q, err
	}
	if !p.keyword("TIMES") {
		return q, p.errorAt(p.tok.offset, "expected TIMES after REPEATS %d, found %s", n, p.tok.describe())
	}
	return q, p.advance()
}

func (p *parser) startStop() (Qualifier, error) {
	q := Qualifier{Kind: QualifierStartStop, Offset: p.tok.offset}
	if err := p.advance(); err != nil {
		return q, err
	}
	if p.tok.kind != tokTimestamp {
		return q, p.errorAt(p.tok.offset, "expected a timestamp such as t'2016-11-25T14:00:00Z' after START, found %s", p.tok.describe())
	}
	q.Start = p.tok.time
	if err := p.advance(); err != nil {
		return q, err
	}
	if !p.keyword("STOP") {
		return q, p.errorAt(p.tok.offset, "expected STOP after the START timestamp, found %s", p.tok.describe())
	}
	if err := p.advance(); err != nil {
		return q, err
	}
	if p.tok.kind != tokTimestamp {
		return q, p.errorAt(p.tok.offset, "expected a timestamp such as t'2016-11-25T14:00:00Z' after STOP, found %s", p.tok.describe())
	}
	q.Stop = p.tok.time
	return q, p.advance()
}

// ---- comparison level ----

func (p *parser) comparisonOr(depth int) (*ComparisonExpression, error) {
	left, err := p.comparisonAnd(depth)
	if err != nil {
		return nil, err
	}
	for p.keyword("OR") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.comparisonAnd(depth)
		if err != nil {
			return nil, err
		}
		left = &ComparisonExpression{Kind: ComparisonOr, Left: left, Right: right, Offset: left.Offset}
	}
	return left, nil
}

func (p *parser) comparisonAnd(depth int) (*ComparisonExpression, error) {
	left, err := p.comparisonAtom(depth)
	if err != nil {
		return nil, err
	}
	for p.keyword("AND") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.comparisonAtom(depth)
		if err != nil {
			return nil, err
		}
		left = &ComparisonExpression{Kind: ComparisonAnd, Left: left, Right: right, Offset: left.Offset}
	}
	return left, nil
}

func (p *parser) comparisonAtom(depth int) (*ComparisonExpression, error) {
	if err := p.tooDeep(depth); err != nil {
		return nil, err
	}
	start := p.tok
	switch {
	case start.kind == tokLParen:
		if err := p.advance(); err != nil {
			return nil, err
		}
		inner, err := p.comparisonOr(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tokRParen {
			return nil, p.errorAt(p.tok.offset, "expected AND, OR or ')' to close the '(' at column %d, found %s", p.column(start.offset), p.tok.describe())
		}
		return inner, p.advance()
	case p.keyword("EXISTS"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		path, err := p.objectPath()
		if err != nil {
			return nil, err
		}
		c := &Comparison{Path: path, Op: OpExists, Offset: start.offset}
		return &ComparisonExpression{Kind: ComparisonTest, Test: c, Offset: start.offset}, nil
	case p.keyword("NOT"):
		return nil, p.errorAt(start.offset, "NOT goes between the object path and the operator, as in file:name NOT = 'a.exe'")
	case start.kind == tokIdent:
		c, err := p.comparison()
		if err != nil {
			return nil, err
		}
		return &ComparisonExpression{Kind: ComparisonTest, Test: c, Offset: c.Offset}, nil
	}
	return nil, p.errorAt(start.offset, "expected a comparison such as ipv4-addr:value = '198.51.100.1', found %s", start.describe())
}

func (p *parser) comparison() (*Comparison, error) {
	path, err := p.objectPath()
	if err != nil {
		return nil, err
	}
	c := &Comparison{Path: path, Offset: path.Offset}
	if p.keyword("NOT") {
		c.Negated = true
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	opTok := p.tok
	switch {
	case opTok.kind == tokEqual:
		c.Op = OpEqual
	case opTok.kind == tokNotEqual:
		c.Op = OpNotEqual
	case opTok.kind == tokGreater:
		c.Op = OpGreater
	case opTok.kind == tokLess:
		c.Op = OpLess
	case opTok.kind == tokGreaterEqual:
		c.Op = OpGreaterEqual
	case opTok.kind == tokLessEqual:
		c.Op = OpLessEqual
	case p.keyword("IN"):
		c.Op = OpIn
	case p.keyword("LIKE"):
		c.Op = OpLike
	case p.keyword("MATCHES"):
		c.Op = OpMatches
	case p.keyword("ISSUBSET"):
		c.Op = OpIsSubset
	case p.keyword("ISSUPERSET"):
		c.Op = OpIsSuperset
	default:
		return nil, p.errorAt(opTok.offset, "expected an operator (=, !=, <, >, <=, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET) after %s, found %s", path, opTok.describe())
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	switch c.Op {
	case OpIn:
		c.Value, err = p.set()
	case OpLike, OpMatches, OpIsSubset, OpIsSuperset:
		if p.tok.kind != tokString {
			return nil, p.errorAt(p.tok.offset, "%s needs a string in single quotes, found %s", c.Op, p.tok.describe())
		}
		c.Value, err = p.literal()
	case OpGreater, OpLess, OpGreaterEqual, OpLessEqual:
		if p.keyword("true") || p.keyword("false") {
			return nil, p.errorAt(p.tok.offset, "%s cannot compare with true or false", c.Op)
		}
		c.Value, err = p.literal()
	default:
		c.Value, err = p.literal()
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// set parses "( )" or "( literal, literal ... )" after IN.
func (p *parser) set() (Value, error) {
	open := p.tok
	v := Value{Kind: ValueSet, Offset: open.offset, Set: []Value{}}
	if open.kind != tokLParen {
		return v, p.errorAt(open.offset, "IN needs a list in parentheses, such as ('a', 'b'), found %s", open.describe())
	}
	if err := p.advance(); err != nil {
		return v, err
	}
	if p.tok.kind == tokRParen {
		return v, p.advance()
	}
	for {
		item, err := p.literal()
		if err != nil {
			return v, err
		}
		v.Set = append(v.Set, item)
		switch p.tok.kind {
		case tokComma:
			if err := p.advance(); err != nil {
				return v, err
			}
		case tokRParen:
			return v, p.advance()
		default:
			return v, p.errorAt(p.tok.offset, "expected ',' or ')' to close the list opened at column %d, found %s", p.column(open.offset), p.tok.describe())
		}
	}
}

// literal parses one primitive literal.
func (p *parser) literal() (Value, error) {
	t := p.tok
	v := Value{Offset: t.offset}
	switch t.kind {
	case tokString:
		v.Kind, v.Str = ValueString, t.str
	case tokInt:
		n, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			return v, p.errorAt(t.offset, "the number %s is too large", t.text)
		}
		v.Kind, v.Int = ValueInt, n
	case tokFloat:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return v, p.errorAt(t.offset, "the number %s is too large", t.text)
		}
		v.Kind, v.Float = ValueFloat, f
	case tokTimestamp:
		v.Kind, v.Time = ValueTimestamp, t.time
	case tokHex:
		v.Kind, v.Bytes = ValueHex, t.bytes
	case tokBinary:
		v.Kind, v.Bytes = ValueBinary, t.bytes
	case tokIdent:
		switch t.text {
		case "true", "false":
			v.Kind, v.Bool = ValueBool, t.text == "true"
		default:
			return v, p.errorAt(t.offset, "expected a value such as 'text', 42, true or t'2016-11-25T14:00:00Z', found %s (text values go in single quotes)", t.describe())
		}
	default:
		return v, p.errorAt(t.offset, "expected a value such as 'text', 42, true or t'2016-11-25T14:00:00Z', found %s", t.describe())
	}
	return v, p.advance()
}

// objectPath parses "type:property(.key|[n]|[*])*".
func (p *parser) objectPath() (ObjectPath, error) {
	t := p.tok
	path := ObjectPath{Offset: t.offset}
	if t.kind != tokIdent {
		return path, p.errorAt(t.offset, "expected an object path such as ipv4-addr:value, found %s", t.describe())
	}
	path.ObjectType = t.text
	if err := p.advance(); err != nil {
		return path, err
	}
	if p.tok.kind != tokColon {
		return path, p.errorAt(p.tok.offset, "expected ':' after the object type %q (as in %s:value), found %s", t.text, t.text, p.tok.describe())
	}
	if err := p.advance(); err != nil {
		return path, err
	}
	first, err := p.key("property name after ':'")
	if err != nil {
		return path, err
	}
	path.Steps = append(path.Steps, first)
	for {
		switch p.tok.kind {
		case tokDot:
			if err := p.advance(); err != nil {
				return path, err
			}
			step, err := p.key("name after '.'")
			if err != nil {
				return path, err
			}
			path.Steps = append(path.Steps, step)
		case tokLBracket:
			open := p.tok
			if err := p.advance(); err != nil {
				return path, err
			}
			step := PathStep{Offset: open.offset}
			switch p.tok.kind {
			case tokStar:
				step.Kind = StepAnyIndex
			case tokInt:
				n, err := strconv.ParseInt(p.tok.text, 10, 64)
				if err != nil {
					return path, p.errorAt(p.tok.offset, "the list index %s is too large", p.tok.text)
				}
				step.Kind, step.Index = StepIndex, n
			default:
				return path, p.errorAt(p.tok.offset, "expected a list index or * inside [ ], found %s", p.tok.describe())
			}
			if err := p.advance(); err != nil {
				return path, err
			}
			if p.tok.kind != tokRBracket {
				return path, p.errorAt(p.tok.offset, "expected ']' after the list index, found %s", p.tok.describe())
			}
			if err := p.advance(); err != nil {
				return path, err
			}
			path.Steps = append(path.Steps, step)
		default:
			return path, nil
		}
	}
}

// key parses a path name: a plain identifier or a quoted string.
func (p *parser) key(what string) (PathStep, error) {
	t := p.tok
	step := PathStep{Kind: StepKey, Offset: t.offset}
	switch t.kind {
	case tokString:
		step.Key = t.str
	case tokIdent:
		if strings.Contains(t.text, "-") {
			return step, p.errorAt(t.offset, "the name %s contains '-' and must be quoted, as in hashes.'SHA-256'", t.text)
		}
		step.Key = t.text
	default:
		return step, p.errorAt(t.offset, "expected a %s, found %s", what, t.describe())
	}
	return step, p.advance()
}
