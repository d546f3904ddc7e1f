package stixpattern

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// ignoreOffsets compares trees by meaning, not by where they were written.
var ignoreOffsets = cmp.Options{
	cmp.FilterPath(func(p cmp.Path) bool {
		sf, ok := p.Last().(cmp.StructField)
		return ok && sf.Name() == "Offset"
	}, cmp.Ignore()),
	cmpopts.EquateEmpty(),
}

// acceptCases are patterns from the STIX 2.1 specification's examples and
// its grammar, with the canonical form String prints ("" when unchanged).
var acceptCases = []struct{ in, canonical string }{
	{`[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']`, ``},
	{`[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']`, ``},
	{`[email-message:from_ref.value MATCHES '.+\\@example\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$']`, ``},
	{`[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf']`, ``},
	{`[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']`, ``},
	{`([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) WITHIN 300 SECONDS`, ``},
	{`[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']`, ``},
	{`[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00']`, ``},
	{`[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\Windows\\System32']`, ``},
	{`[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]`, ``},
	{`[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']`, ``},
	{`[x509-certificate:x509_v3_extensions.private_key_usage_period_not_before = t'2016-03-12T12:00:00Z']`, ``},
	{`[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']`, ``},
	{`[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']`, ``},
	{`[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']`, ``},
	{`[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']`, ``},
	{`[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Services\\WSALG2']`, ``},
	{`[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS`, ``},
	{`[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'`, ``},
	{`[ipv4-addr:value ISSUBSET '198.51.100.0/24']`, ``},
	{`[ipv6-addr:value ISSUPERSET '2001:db8::/32']`, ``},
	{`[network-traffic:dst_port IN (80, 443, 8080)]`, ``},
	{`[file:name LIKE 'upd%.exe']`, ``},
	{`[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS`, ``},
	{`[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']`, ``},
	{`[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']`, ``},
	{`[file:magic_number_hex = h'FFD8']`, `[file:magic_number_hex = h'ffd8']`},
	{`[network-traffic:src_port >= 1024 AND network-traffic:src_port <= 65535]`, ``},
	{`[process:opened_connection_refs[0].dst_port = 80]`, ``},
	{`[file:name NOT = 'a.exe']`, ``},
	{`[file:size NOT > 1024]`, ``},
	{`[file:name NOT IN ('a.exe', 'b.exe')]`, ``},
	{`[file:name IN ()]`, ``},
	{`[EXISTS windows-registry-key:values]`, ``},
	{`[x-custom-object:'prop' = true]`, `[x-custom-object:prop = true]`},
	{`[x-custom-object:flag != false]`, ``},
	{`[file:size = -0]`, `[file:size = 0]`},
	{`[file:size = +12]`, `[file:size = 12]`},
	{`[file:x_score < -.5]`, `[file:x_score < -0.5]`},
	{`[file:x_score <= 00.25]`, `[file:x_score <= 0.25]`},
	{`[file:created = t'2014-01-13T07:03:17.000Z']`, `[file:created = t'2014-01-13T07:03:17Z']`},
	{`[file:created > t'2014-01-13T07:03:17.123456Z']`, ``},
	{`[ipv4-addr:value == '10.0.0.1']`, `[ipv4-addr:value = '10.0.0.1']`},
	{`[ipv4-addr:value <> '10.0.0.1']`, `[ipv4-addr:value != '10.0.0.1']`},
	{`[file:name = 'it\'s']`, ``},
	{`[file:name = '']`, ``},
	{"[ipv4-addr:value='10.0.0.1']AND[ipv4-addr:value='10.0.0.2']", `[ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.2']`},
	{"  [ ipv4-addr:value = '10.0.0.0' ]\n", `[ipv4-addr:value = '10.0.0.0']`},
	{"[ipv4-addr:value = '10.0.0.0'] /* block comment */ // line comment", `[ipv4-addr:value = '10.0.0.0']`},
	{"\u00a0[ipv4-addr:value = '10.0.0.0']\u3000", `[ipv4-addr:value = '10.0.0.0']`},
	{`(([file:name = 'a'])) REPEATS 2 TIMES`, `[file:name = 'a'] REPEATS 2 TIMES`},
	{`[file:name = 'a'] WITHIN 2.5 SECONDS`, ``},
	{`[file:name = 'a'] WITHIN +10 SECONDS`, `[file:name = 'a'] WITHIN 10 SECONDS`},
	{`([file:name = 'a'] WITHIN 5 SECONDS) REPEATS 2 TIMES`, `[file:name = 'a'] WITHIN 5 SECONDS REPEATS 2 TIMES`},
	// Precedence: AND binds tighter than OR, OR tighter than FOLLOWEDBY.
	{`[a-a:b = 1] OR [a-a:b = 2] AND [a-a:b = 3] FOLLOWEDBY [a-a:b = 4]`, ``},
	{`([a-a:b = 1] OR [a-a:b = 2]) AND [a-a:b = 3]`, ``},
	{`[a-a:b = 1] OR ([a-a:b = 2] OR [a-a:b = 3])`, ``},
	{`([a-a:b = 1] OR [a-a:b = 2]) OR [a-a:b = 3]`, `[a-a:b = 1] OR [a-a:b = 2] OR [a-a:b = 3]`},
	{`[a-a:b = 1 OR a-a:b = 2 AND a-a:b = 3]`, ``},
	{`[(a-a:b = 1 OR a-a:b = 2) AND a-a:b = 3]`, ``},
	{`[a-a:b = 1 AND (a-a:b = 2 AND a-a:b = 3)]`, ``},
	{`[a-a:b = 1] AND ([a-a:b = 2] OR [a-a:b = 3]) WITHIN 10 SECONDS`, ``},
	{`[network-traffic:extensions.'http-request-ext'.request_header.'Accept-Encoding' = 'gzip']`, ``},
	{`[file:hashes.'weird\'key' = 'x']`, ``},
}

func TestParseAcceptsSpecificationExamples(t *testing.T) {
	for _, tc := range acceptCases {
		t.Run(tc.in, func(t *testing.T) {
			p, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := tc.canonical
			if want == "" {
				want = tc.in
			}
			if got := p.String(); got != want {
				t.Errorf("String() = %s\nwant       %s", got, want)
			}
		})
	}
}

// TestParseTree also shows that a qualifier binds tighter than any
// operator: "A FOLLOWEDBY B WITHIN 60 SECONDS" qualifies B alone, as the
// specification's grammar says; write "(A FOLLOWEDBY B) WITHIN 60 SECONDS"
// to qualify both.
func TestParseTree(t *testing.T) {
	p, err := Parse(`[file:hashes.'SHA-256' = 'ab' OR file:name NOT LIKE '%.exe'] FOLLOWEDBY [EXISTS process:child_refs[*]] WITHIN 60 SECONDS`)
	if err != nil {
		t.Fatal(err)
	}
	want := &Pattern{Observation: &ObservationExpression{
		Kind: ObservationFollowedBy,
		Left: &ObservationExpression{Kind: ObservationComparison, Comparison: &ComparisonExpression{
			Kind: ComparisonOr,
			Left: &ComparisonExpression{Kind: ComparisonTest, Test: &Comparison{
				Path:   ObjectPath{ObjectType: "file", Steps: []PathStep{{Kind: StepKey, Key: "hashes", Offset: 6}, {Kind: StepKey, Key: "SHA-256", Offset: 13}}, Offset: 1},
				Op:     OpEqual,
				Value:  Value{Kind: ValueString, Str: "ab", Offset: 25},
				Offset: 1,
			}, Offset: 1},
			Right: &ComparisonExpression{Kind: ComparisonTest, Test: &Comparison{
				Path:    ObjectPath{ObjectType: "file", Steps: []PathStep{{Kind: StepKey, Key: "name", Offset: 38}}, Offset: 33},
				Op:      OpLike,
				Negated: true,
				Value:   Value{Kind: ValueString, Str: "%.exe", Offset: 52},
				Offset:  33,
			}, Offset: 33},
			Offset: 1,
		}},
		Right: &ObservationExpression{Kind: ObservationComparison, Comparison: &ComparisonExpression{
			Kind: ComparisonTest,
			Test: &Comparison{
				Path:   ObjectPath{ObjectType: "process", Steps: []PathStep{{Kind: StepKey, Key: "child_refs", Offset: 88}, {Kind: StepAnyIndex, Offset: 98}}, Offset: 80},
				Op:     OpExists,
				Offset: 73,
			},
			Offset: 73,
		}, Qualifiers: []Qualifier{{Kind: QualifierWithin, Seconds: 60, Offset: 103}}, Offset: 72},
	}}
	if diff := cmp.Diff(want, p, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("tree mismatch (-want +got):\n%s", diff)
	}
}

func TestParseLiterals(t *testing.T) {
	p, err := Parse(`[x-thing:v IN ('a\\b', 7, -8, 1.5, true, t'2016-11-25T14:00:00.5Z', h'00ff', b'AQID')]`)
	if err != nil {
		t.Fatal(err)
	}
	got := p.Observation.Comparison.Test.Value.Set
	want := []Value{
		{Kind: ValueString, Str: `a\b`},
		{Kind: ValueInt, Int: 7},
		{Kind: ValueInt, Int: -8},
		{Kind: ValueFloat, Float: 1.5},
		{Kind: ValueBool, Bool: true},
		{Kind: ValueTimestamp, Time: time.Date(2016, 11, 25, 14, 0, 0, 500_000_000, time.UTC)},
		{Kind: ValueHex, Bytes: []byte{0, 0xff}},
		{Kind: ValueBinary, Bytes: []byte{1, 2, 3}},
	}
	if diff := cmp.Diff(want, got, ignoreOffsets); diff != "" {
		t.Errorf("literals (-want +got):\n%s", diff)
	}
}

// rejectCases are malformed patterns; at is the text the error must point
// to ("$" for the end of the pattern) and msg a part of the message.
var rejectCases = []struct{ in, at, msg string }{
	{``, `$`, `empty`},
	{`   `, `$`, `empty`},
	{`ipv4-addr:value = '1.2.3.4'`, `ipv4-addr`, `expected '['`},
	{`[]`, `]`, `brackets are empty`},
	{`[ipv4-addr:value = '1.2.3.4'`, `$`, `close the '['`},
	{`[ipv4-addr:value = 1.2.3.4]`, `.3`, `close the '['`},
	{`[file:hashes.SHA-256 = 'abc']`, `SHA-256`, `must be quoted`},
	{`[file:name = 'a.exe' AND]`, `]`, `expected a comparison`},
	{`[file:name = 'unterminated]`, `'unterminated`, `never closed`},
	{`[file:name = 'bad \n escape']`, `\n`, `unknown escape`},
	{`[File:name = 'x']`, `File`, `lower-case letter`},
	{`[fiLe:name = 'x']`, `fiLe`, `only a-z, 0-9 and '-'`},
	{`[ab:name = 'x']`, `ab`, `3 to 250`},
	{`[x--y:name = 'x']`, `x--y`, `--`},
	{`[file:Name = 'x']`, `Name`, `property name`},
	{`[file:'my-prop' = 'x']`, `'my-prop'`, `property name`},
	{`[file:hashes.'' = 'x']`, `''`, `must not be empty`},
	{`[file:name = 'x'] WITHIN 0 SECONDS`, `WITHIN`, `greater than 0`},
	{`[file:name = 'x'] WITHIN 0.0 SECONDS`, `WITHIN`, `greater than 0`},
	{`[file:name = 'x'] WITHIN -5 SECONDS`, `-5`, `positive number`},
	{`[file:name = 'x'] WITHIN 5 MINUTES`, `MINUTES`, `SECONDS`},
	{`[file:name = 'x'] REPEATS 0 TIMES`, `REPEATS`, `greater than 0`},
	{`[file:name = 'x'] REPEATS 2.5 TIMES`, `2.5`, `whole number`},
	{`[file:name = 'x'] REPEATS 2`, `$`, `TIMES`},
	{`[file:name = 'x'] START t'2016-01-02T00:00:00Z' STOP t'2016-01-01T00:00:00Z'`, `START`, `before the STOP`},
	{`[file:name = 'x'] START t'2016-01-02T00:00:00Z' STOP t'2016-01-02T00:00:00Z'`, `START`, `before the STOP`},
	{`[file:name = 'x'] START t'2016-01-01T00:00:00Z'`, `$`, `STOP`},
	{`[file:name = 'x'] START '2016-01-01T00:00:00Z' STOP t'2016-01-02T00:00:00Z'`, `'2016`, `timestamp`},
	{`[file:created = t'2016-13-01T00:00:00Z']`, `t'`, `no such date`},
	{`[file:created = t'2016-02-30T00:00:00Z']`, `t'`, `no such date`},
	{`[file:created = t'2016-01-01T00:00:00+01:00']`, `t'`, `UTC`},
	{`[file:created = t'2016-01-01T00:00:00']`, `t'`, `form`},
	{`[file:created = t'2016-01-01 00:00:00Z']`, `t'`, `form`},
	{`[file:created = t'2016-01-01T00:00:00.Z']`, `t'`, `digits after`},
	{`[file:created = t'2016-12-31T23:59:60Z']`, `t'`, `leap second`},
	{`[file:magic_number_hex = h'abc']`, `h'`, `odd number`},
	{`[file:magic_number_hex = h'zz']`, `h'`, `0-9 and a-f`},
	{`[artifact:payload_bin = b'abc']`, `b'`, `base64`},
	{`[artifact:payload_bin = b'ab=c']`, `b'`, `base64`},
	{`[artifact:payload_bin = b'ab c']`, `b'`, `base64`},
	{`[file:size > true]`, `true`, `cannot compare`},
	{`[file:name LIKE 5]`, `5`, `LIKE needs a string`},
	{`[file:name MATCHES h'00']`, `h'`, `MATCHES needs a string`},
	{`[file:name IN 'a']`, `'a'`, `IN needs a list`},
	{`[file:name IN ('a' 'b')]`, `'b'`, `',' or ')'`},
	{`[file:name IN ('a',)]`, `)`, `expected a value`},
	{`[file:name NOT EXISTS]`, `EXISTS`, `expected an operator`},
	{`[NOT file:name = 'x']`, `NOT`, `NOT goes between`},
	{`[file:name NOT NOT = 'x']`, `NOT =`, `expected an operator`},
	{`[file:name = 'x'] AND`, `$`, `expected '['`},
	{`[file:name = 'x'] [file:name = 'y']`, `[file:name = 'y']`, `expected AND, OR, FOLLOWEDBY`},
	{`[file:name = 'x'] and [file:name = 'y']`, `and`, `found "and" (keywords are written in capitals: AND)`},
	{`[file:name = 'x'] WITHIN 5 seconds`, `seconds`, `capitals: SECONDS`},
	{`[file:name = 'x' and file:name = 'y']`, `and`, `close the '['`},
	{`[file:name = x]`, `x]`, `single quotes`},
	{`[file:size = 007]`, `007`, `must not start with 0`},
	{`[file:size = 99999999999999999999]`, `999`, `too large`},
	{`[file:size = -]`, `-`, `expected a number`},
	{`[ipv4-addr:value = 'example.com']`, `'example.com'`, `not an IPv4 address`},
	{`[ipv4-addr:value = '2001:db8::1']`, `'2001`, `not an IPv4 address`},
	{`[ipv6-addr:value IN ('2001:db8::1', '10.0.0.1')]`, `'10.0.0.1'`, `not an IPv6 address`},
	{`[ipv4-addr:value = '10.0.0.0/33']`, `'10.0`, `not an IPv4 address`},
	{`[ipv4-addr:value ISSUBSET 'nope']`, `'nope'`, `CIDR range`},
	{`[file:name = 'x'] /* unclosed`, `/*`, `never closed`},
	{`[process:opened_connection_refs[-1].dst_port = 80]`, `[-1]`, `must not be negative`},
	{`[process:opened_connection_refs[a].dst_port = 80]`, `a]`, `list index or *`},
	{`[process:opened_connection_refs[1.dst_port = 80]`, `.dst_port`, `expected ']'`},
	{"[file:name = 'x'\xff]", "\xff", `UTF-8`},
	{"[file:name = 'x\xff']", "\xff", `UTF-8`},
	{`([file:name = 'x']`, `$`, `close the '('`},
	{`[(file:name = 'x']`, `]`, `close the '('`},
	{`[file:name ~ 'x']`, `~`, `unexpected character`},
	{`[file:]`, `]`, `property name`},
	{`[file name = 'x']`, `name`, `expected ':'`},
	{`[file:name = 'x'] FOLLOWEDBY`, `$`, `expected '['`},
	{`[file:name = 'x'] START t'2016-01-01T00:00:00Z' STOP 5`, `5`, `timestamp`},
	{strings.Repeat("(", 150) + "[file:name = 'x']" + strings.Repeat(")", 150), strings.Repeat("(", 49) + "[", `more than 100 levels`},
	{"[" + strings.Repeat("(", 150) + "file:name = 'x'" + strings.Repeat(")", 150) + "]", strings.Repeat("(", 50) + "file", `more than 100 levels`},
}

func TestParseRejectsMalformedPatterns(t *testing.T) {
	for _, tc := range rejectCases {
		t.Run(tc.in, func(t *testing.T) {
			_, err := Parse(tc.in)
			if err == nil {
				t.Fatal("Parse accepted a malformed pattern")
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is a %T, want *ParseError", err, err)
			}
			want := len(tc.in)
			if tc.at != "$" {
				want = strings.Index(tc.in, tc.at)
				if want < 0 {
					t.Fatalf("bad test: %q not in input", tc.at)
				}
			}
			if pe.Offset != want {
				t.Errorf("offset = %d, want %d (%q); error: %v", pe.Offset, want, tc.at, err)
			}
			if !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("message %q does not contain %q", pe.Msg, tc.msg)
			}
		})
	}
}

func TestParseErrorNamesLineAndColumn(t *testing.T) {
	_, err := Parse("[file:name = 'x']\nAND\n[file:name = ]")
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want a *ParseError", err)
	}
	if pe.Line != 3 || pe.Column != 14 || pe.Offset != 35 {
		t.Errorf("line %d column %d offset %d, want line 3 column 14 offset 35", pe.Line, pe.Column, pe.Offset)
	}
	want := "pattern error at line 3, column 14: expected a value such as 'text', 42, true or t'2016-11-25T14:00:00Z', found \"]\""
	if err.Error() != want {
		t.Errorf("Error() = %s\nwant      %s", err, want)
	}

	// Columns count characters, not bytes.
	_, err = Parse("[file:name = 'é'] X")
	if !errors.As(err, &pe) || pe.Column != 19 || pe.Offset != 19 {
		t.Errorf("got %+v, want column 19 at offset 19", pe)
	}
}

func BenchmarkParse(b *testing.B) {
	const pattern = `[ipv4-addr:value = '198.51.100.1/32' OR domain-name:value = 'example.com' OR file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'] FOLLOWEDBY [url:value = 'http://example.com/login'] WITHIN 600 SECONDS`
	b.ReportAllocs()
	b.SetBytes(int64(len(pattern)))
	for b.Loop() {
		if _, err := Parse(pattern); err != nil {
			b.Fatal(err)
		}
	}
}
