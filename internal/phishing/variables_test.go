package phishing

import (
	"strings"
	"testing"
)

func TestTemplateVariablesAreRestricted(t *testing.T) {
	tests := []struct {
		name, src  string
		line, col  int
		wantReason string
	}{
		{"unknown variable", "Hello {{.Secret}}", 1, 7, "{{.Secret}} is not a variable"},
		{"unknown on a later line", "Hello\n  there {{.FirstName}}\n\tx {{.Password}}", 3, 4, "{{.Password}} is not a variable"},
		{"column counts characters, not bytes", "Grüße {{.Nope}}", 1, 7, "not a variable"},
		{"printf", "{{printf \"%s\" .Email}}", 1, 1, "calls a function"},
		{"function in a pipeline", "{{.Email | html}}", 1, 1, "not a plain variable"},
		{"template", `{{template "x"}}`, 1, 1, "is an action"},
		{"define", `{{define "x"}}hi{{end}}`, 1, 1, "is an action"},
		{"block", `{{block "x" .}}hi{{end}}`, 1, 1, "is an action"},
		{"if", `{{if .FirstName}}hi{{end}}`, 1, 1, "is an action"},
		{"range", `{{range .}}{{end}}`, 1, 1, "is an action"},
		{"method on a variable", "{{.Email.String}}", 1, 1, "reaches into a variable"},
		{"method call with argument", "{{.Link.Query 1}}", 1, 1, "not a plain variable"},
		{"the data itself", "{{.}}", 1, 1, "not a variable"},
		{"a template variable", "{{$x := 1}}", 1, 1, "not a plain variable"},
		{"call", "{{call .Link}}", 1, 1, "calls a function"},
		{"comment", "{{/* c */}}", 1, 1, "is not allowed"},
		{"trim marker", "{{- .FirstName}}", 1, 1, "is not allowed"},
		{"unclosed", "Dear {{.FirstName", 1, 6, "never closed"},
		{"empty", "x {{ }}", 1, 3, "is empty"},
		{"nested", "{{ {{.Email}} }}", 1, 1, "inside another"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseVariables(tc.src)
			te, ok := err.(TemplateError)
			if !ok {
				t.Fatalf("got %v, want a TemplateError", err)
			}
			if te.Line != tc.line || te.Column != tc.col || !strings.Contains(te.Problem, tc.wantReason) {
				t.Fatalf("got line %d column %d %q; want line %d column %d …%q…", te.Line, te.Column, te.Problem, tc.line, tc.col, tc.wantReason)
			}
		})
	}
}

func TestTemplateValidateNamesTheFieldAndPosition(t *testing.T) {
	base := Template{Name: "x", Subject: "Hi {{.FirstName}}", TextBody: "Go to {{.Link}}", HTMLBody: "<p>{{.Link}}</p>", Difficulty: 2}
	bad := base
	bad.HTMLBody = "<p>ok</p>\n<p>{{.Manager}} {{index .Email 0}}</p>"
	wantFieldError(t, bad.Validate(), "html_body", "line 2, column 17: {{index .Email 0}} calls a function")
	bad = base
	bad.Subject = "{{.Link.Host}}"
	wantFieldError(t, bad.Validate(), "subject", "line 1, column 1")
	bad = base
	bad.TextBody = "{{.TrackingImage}}"
	wantFieldError(t, bad.Validate(), "text_body", "belongs in the HTML body")
	bad = base
	bad.HTMLBody = "<p>{{.QRCode}}</p>"
	wantFieldError(t, bad.Validate(), "html_body", "needs the QR-code option")
	bad = base
	bad.QRCode = true
	wantFieldError(t, bad.Validate(), "html_body", "put {{.QRCode}} in the HTML body")
	bad = base
	bad.HTMLBody = `<a href="{{.Link}}`
	wantFieldError(t, bad.Validate(), "html_body", "")
	bad = base
	bad.RedFlags = []RedFlag{{Label: "Urgency", Explanation: "Rushes you", PointsAt: "signature"}}
	wantFieldError(t, bad.Validate(), "red_flags", "red flag 1")
	bad = base
	bad.RedFlags = []RedFlag{{Label: "Urgency", Explanation: "Rushes you", PointsAt: PartBody}}
	wantFieldError(t, bad.Validate(), "red_flags", "quote the words")
	bad = base
	bad.Difficulty = 6
	wantFieldError(t, bad.Validate(), "difficulty", "from 1")
	if err := base.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestRenderEscapesValuesForTheirContext(t *testing.T) {
	tmpl := Template{Name: "x", Difficulty: 1,
		Subject:  "Hello {{.FirstName}} <{{.Email}}>",
		TextBody: "Dear {{.FirstName}} {{.LastName}} of {{.Organisation}}, {{.Link}}",
		HTMLBody: `<p title="{{.Title}}">Dear {{.FirstName}}</p><a href="{{.Link}}">go</a>{{.TrackingImage}}`}
	if err := tmpl.Validate(); err != nil {
		t.Fatal(err)
	}
	r := Recipient{FirstName: `<script>alert(1)</script>`, LastName: "O'Neil", Email: "a@example.org", Title: `x" onmouseover="y`,
		Organisation: "Example County", Link: "javascript:alert(1)", TrackingImage: `<img src="https://sim.example/i" alt="">`}
	out, err := tmpl.Render(r)
	if err != nil {
		t.Fatal(err)
	}
	if out.Subject != "Hello <script>alert(1)</script> <a@example.org>" {
		t.Errorf("subject %q", out.Subject)
	}
	if out.Text != "Dear <script>alert(1)</script> O'Neil of Example County, javascript:alert(1)" {
		t.Errorf("text %q", out.Text)
	}
	for _, bad := range []string{"<script>", `" onmouseover="`, `href="javascript:`} {
		if strings.Contains(out.HTML, bad) {
			t.Errorf("HTML holds %q unescaped: %s", bad, out.HTML)
		}
	}
	if !strings.Contains(out.HTML, "&lt;script&gt;") || !strings.Contains(out.HTML, `#ZgotmplZ`) || !strings.Contains(out.HTML, `<img src="https://sim.example/i" alt="">`) {
		t.Errorf("HTML: %s", out.HTML)
	}
}

func TestRenderQRCode(t *testing.T) {
	tmpl := Template{Name: "x", Difficulty: 1, Subject: "s", QRCode: true, HTMLBody: "<p>{{.QRCode}}</p>", TextBody: "Open {{.QRCode}}"}
	if err := tmpl.Validate(); err != nil {
		t.Fatal(err)
	}
	out, err := tmpl.Render(Recipient{Link: "https://sim.example/p/abc"})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Files) != 1 || out.Files[0].ContentID != QRContentID || !strings.HasPrefix(string(out.Files[0].Data), "\x89PNG") {
		t.Fatalf("files %+v", out.Files)
	}
	if !strings.Contains(out.HTML, `src="cid:`+QRContentID+`"`) || out.Text != "Open https://sim.example/p/abc" {
		t.Fatalf("html %q text %q", out.HTML, out.Text)
	}
}

// FuzzRenderTemplate checks that whatever passes validation renders, and
// that rendering never reaches anything but the variables.
func FuzzRenderTemplate(f *testing.F) {
	for _, s := range []string{"Hello {{.FirstName}}", "{{.Secret}}", `<a href="{{.Link}}">x</a>`, "{{printf \"%v\" .}}", "{{", "}}{{.Email}}{{", `<script>var x = "{{.Email}}";</script>`, "{{template \"a\"}}", "<p>{{.QRCode}}</p>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		tmpl := Template{Name: "fuzz", Subject: "s", Difficulty: 1, HTMLBody: src, TextBody: src, QRCode: strings.Contains(src, "{{.QRCode}}")}
		if err := tmpl.Validate(); err != nil {
			return
		}
		r := Recipient{FirstName: "SECRET-FIRST", Link: "https://sim.example/p/x"}
		out, err := tmpl.Render(r)
		if err != nil {
			t.Fatalf("validated template does not render: %v\n%q", err, src)
		}
		if strings.Contains(out.Text, "{{") && !strings.Contains(src, "{{") {
			t.Fatalf("text grew an action: %q", out.Text)
		}
	})
}
