package logformats

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestJSONLines(t *testing.T) {
	in := `{"ts":1793686200.5,"id.orig_h":"192.0.2.1","id.resp_h":"198.51.100.2","query":"vote.example.com","answers":["203.0.113.1","cdn.example.net"]}
{"@timestamp":"2026-11-03T06:11:00Z","source":{"ip":"192.0.2.3"},"destination":{"ip":"198.51.100.4"},"url":{"full":"http://x.example/a"}}
{"broken":
[1,2,3]
{"ts":"later","source":{"ip":"192.0.2.5"}}
`
	s, err := NewJSONLines(strings.NewReader(in), JSONOptions{Fields: []Field{
		{Path: "ts", Kind: Time}, {Path: "@timestamp", Kind: Time},
		{Path: "id.orig_h", Kind: SrcIP}, {Path: "source.ip", Kind: SrcIP},
		{Path: "id.resp_h", Kind: DstIP}, {Path: "destination.ip", Kind: DstIP},
		{Path: "query", Kind: Domain}, {Path: "answers", Kind: Any}, {Path: "url.full", Kind: URL},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := collect(t, s)
	if err != nil {
		t.Fatal(err)
	}
	want := []rec{
		{1, "2026-11-03T06:10:00.5Z", []string{"src_ip=192.0.2.1", "dst_ip=198.51.100.2", "domain=vote.example.com", "any=203.0.113.1", "any=cdn.example.net"}},
		{2, "2026-11-03T06:11:00Z", []string{"src_ip=192.0.2.3", "dst_ip=198.51.100.4", "url=http://x.example/a"}},
		{5, "", []string{"src_ip=192.0.2.5"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff([]int{3, 4, 5}, errorLines(s)); diff != "" {
		t.Errorf("error lines (-want +got)\n%s\n%v", diff, s.Errors())
	}
}

func TestJSONMappingErrors(t *testing.T) {
	for _, opt := range []JSONOptions{{}, {Fields: []Field{{Path: "", Kind: IP}}}, {Fields: []Field{{Path: "a"}}}} {
		if _, err := NewJSONLines(strings.NewReader(""), opt); err == nil {
			t.Errorf("NewJSONLines(%+v) accepted a bad mapping", opt)
		}
	}
}

func TestJSONStringsAndErrors(t *testing.T) {
	in := `{"q":"caf\u00e9.example","u":"http:\/\/x.example\/\"a\"","e":"\ud83d\ude00@example.com","n":{"a":[{"q":"deep.example"}],"t":1793686200}}
{"q":"x"} trailing
{"q":"bad \x escape"}
{"q":"ctl	tab"}
{"q":1e}
{"q":"x",}
`
	s, err := NewJSONLines(strings.NewReader(in), JSONOptions{Fields: []Field{
		{Path: "q", Kind: Domain}, {Path: "u", Kind: URL}, {Path: "e", Kind: Email}, {Path: "n.a.q", Kind: Domain}, {Path: "n.t", Kind: Time},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := collect(t, s)
	if err != nil {
		t.Fatal(err)
	}
	want := []rec{{1, "2026-11-03T06:10:00Z", []string{"domain=café.example", `url=http://x.example/"a"`, "email=😀@example.com", "domain=deep.example"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff([]int{2, 3, 4, 5, 6}, errorLines(s)); diff != "" {
		t.Errorf("error lines (-want +got)\n%s\n%v", diff, s.Errors())
	}
	if r := s.Errors()[0].Reason; r != "the line is not valid JSON: unexpected text after the object at byte 11" {
		t.Errorf("reason = %q", r)
	}
}

// FuzzJSONLines also checks the reader against encoding/json: a line is
// accepted exactly when it is a valid JSON object, and a top-level string
// at a mapped key is found.
func FuzzJSONLines(f *testing.F) {
	f.Add([]byte(`{"ts":1793686200.5,"src":{"ip":"192.0.2.1"},"names":["a.example",1,null]}` + "\n{}\nnull\n"))
	f.Add([]byte("{\"src\":\n\"x\"}\n[]"))
	f.Add([]byte(`{"src":"\u00e9\ud800x","a":[true,false,-0.5e+3]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		opt := JSONOptions{Fields: []Field{
			{Path: "ts", Kind: Time}, {Path: "src.ip", Kind: SrcIP}, {Path: "names", Kind: Any}, {Path: "src", Kind: Any},
		}}
		s, err := NewJSONLines(strings.NewReader(string(data)), opt)
		if err != nil {
			t.Fatal(err)
		}
		checkScan(t, s)

		line, _, _ := bytes.Cut(data, []byte("\n"))
		if len(bytes.TrimSpace(line)) == 0 || bytes.Count(line, []byte("["))+bytes.Count(line, []byte("{")) > 60 {
			return
		}
		var obj map[string]any
		valid := json.Valid(line) && json.Unmarshal(line, &obj) == nil && obj != nil
		s, _ = NewJSONLines(bytes.NewReader(line), opt)
		r, err := s.Next()
		if (err == nil) != valid {
			t.Fatalf("line %q: encoding/json valid=%v, reader err=%v %v", line, valid, err, s.Errors())
		}
		if err != nil {
			return
		}
		if src, ok := obj["src"].(string); ok && src != "" && !strings.ContainsRune(string(line), 0xFFFD) && utf8.ValidString(string(line)) {
			found := false
			for _, v := range r.Values {
				found = found || string(v.Text) == src
			}
			if !found && !strings.ContainsRune(src, utf8.RuneError) {
				t.Fatalf("line %q: src %q not found in %v", line, src, r.Values)
			}
		}
	})
}

func TestJSONNextDoesNotAllocatePerLine(t *testing.T) {
	var buf bytes.Buffer
	for range 2000 {
		buf.WriteString(`{"ts":1793686200.5,"id.orig_h":"192.0.2.1","id":{"resp_h":"198.51.100.2"},"query":"www.ex\u0061mple.com","answers":["203.0.113.1"],"rtt":0.01,"AA":false}` + "\n")
	}
	s, err := NewJSONLines(bytes.NewReader(buf.Bytes()), JSONOptions{Fields: []Field{
		{Path: "ts", Kind: Time}, {Path: "id.orig_h", Kind: SrcIP}, {Path: "id.resp_h", Kind: DstIP}, {Path: "query", Kind: Domain}, {Path: "answers", Kind: Any},
	}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Next()
	if err != nil || len(r.Values) != 4 || string(r.Values[2].Text) != "www.example.com" {
		t.Fatalf("first record = %+v, %v", r, err)
	}
	n := testing.AllocsPerRun(1000, func() {
		if _, err := s.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("Next allocated %v times per line", n)
	}
}
