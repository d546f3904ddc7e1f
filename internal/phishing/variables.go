package phishing

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"unicode/utf8"

	qrcode "github.com/skip2/go-qrcode"

	"bulwark/internal/directory"
)

// Variables are the only names a template may use, written {{.Name}}.
// Nothing else is reachable: no functions, no other fields, no actions.
var Variables = []VariableDoc{
	{"FirstName", "The recipient's first name"},
	{"LastName", "The recipient's last name"},
	{"Email", "The recipient's email address"},
	{"Title", "The recipient's job title"},
	{"Department", "The recipient's department"},
	{"Organisation", "The name of the recipient's organisation"},
	{"Manager", "The name of the recipient's manager"},
	{"Link", "The recipient's own link to the landing page"},
	{"TrackingImage", "An invisible image that records the message was opened (HTML body only)"},
	{"QRCode", "A QR code of the recipient's link as an inline image (needs the QR-code option; the text body shows the link instead)"},
}

// VariableDoc documents one variable.
type VariableDoc struct {
	Name, Description string
}

var variableNames = func() map[string]bool {
	m := map[string]bool{}
	for _, v := range Variables {
		m[v.Name] = true
	}
	return m
}()

// Recipient is what a template can show: exactly the documented variables.
// TrackingImage and QRCode are HTML the renderer makes itself.
type Recipient struct {
	FirstName, LastName, Email, Title, Department, Organisation, Manager string
	Link                                                                 string
	TrackingImage, QRCode                                                htmltemplate.HTML
}

// QRContentID is the Content-ID of the QR-code image in a rendered message.
const QRContentID = "qr-code"

// TemplateError is a problem at a position in a template field.
type TemplateError struct {
	Line, Column int
	Problem      string
}

func (e TemplateError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Problem)
}

// segment is a piece of a parsed template: literal text or a variable.
type segment struct {
	text     string
	variable string
}

// parseVariables splits src into text and {{.Variable}} references,
// refusing everything else with its position. It reads delimiters exactly
// as text/template does, so what it accepts text/template parses into the
// same plain field references and nothing more.
func parseVariables(src string) ([]segment, error) {
	var out []segment
	rest := src
	offset := 0
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if rest != "" {
				out = append(out, segment{text: rest})
			}
			return out, nil
		}
		if i > 0 {
			out = append(out, segment{text: rest[:i]})
		}
		start := offset + i
		end := strings.Index(rest[i+2:], "}}")
		if end < 0 {
			return nil, positioned(src, start, "this {{ is never closed with }}")
		}
		inner := rest[i+2 : i+2+end]
		name, problem := variableIn(inner)
		if problem != "" {
			return nil, positioned(src, start, problem)
		}
		out = append(out, segment{variable: name})
		consumed := i + 2 + end + 2
		rest = rest[consumed:]
		offset += consumed
	}
}

// variableIn checks the inside of {{ }}.
func variableIn(inner string) (name, problem string) {
	s := strings.TrimSpace(inner)
	switch {
	case s == "":
		return "", "{{}} is empty; write a variable such as {{.FirstName}}"
	case strings.Contains(s, "{{"):
		return "", "a {{ inside another {{ … }}"
	case strings.HasPrefix(s, "/*") || strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-"):
		return "", fmt.Sprintf("{{%s}} is not allowed; only variables such as {{.FirstName}} are", s)
	case strings.HasPrefix(s, ".") && !strings.ContainsAny(s, " \t\r\n|()\"'`"):
		n := s[1:]
		if strings.Contains(n, ".") {
			return "", fmt.Sprintf("{{%s}} reaches into a variable; only plain variables such as {{.FirstName}} are allowed", s)
		}
		if !variableNames[n] {
			return "", fmt.Sprintf("{{%s}} is not a variable; use one of %s", s, variableList())
		}
		return n, ""
	}
	word := strings.Fields(s)[0]
	switch word {
	case "if", "else", "end", "range", "with", "template", "define", "block", "break", "continue":
		return "", fmt.Sprintf("{{%s}} is an action; templates may use only variables such as {{.FirstName}}", s)
	}
	if strings.HasPrefix(word, ".") || strings.HasPrefix(word, "$") {
		return "", fmt.Sprintf("{{%s}} is not a plain variable; write {{.Name}} with one of %s", s, variableList())
	}
	return "", fmt.Sprintf("{{%s}} calls a function; templates may use only variables such as {{.FirstName}}", s)
}

func variableList() string {
	names := make([]string, len(Variables))
	for i, v := range Variables {
		names[i] = "{{." + v.Name + "}}"
	}
	return strings.Join(names, ", ")
}

// positioned makes a TemplateError at byte offset off of src.
func positioned(src string, off int, problem string) TemplateError {
	before := src[:off]
	line := strings.Count(before, "\n") + 1
	col := utf8.RuneCountInString(before[strings.LastIndex(before, "\n")+1:]) + 1
	return TemplateError{Line: line, Column: col, Problem: problem}
}

// usedVariables lists the variables segs use.
func usedVariables(segs []segment) map[string]bool {
	m := map[string]bool{}
	for _, s := range segs {
		if s.variable != "" {
			m[s.variable] = true
		}
	}
	return m
}

// renderText substitutes the variables as plain text. The tracking image
// and the QR code have no text form; the QR code's text form is the link.
func renderText(src string, r Recipient) (string, error) {
	segs, err := parseVariables(src)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, s := range segs {
		if s.variable == "" {
			b.WriteString(s.text)
			continue
		}
		b.WriteString(textValue(s.variable, r))
	}
	return b.String(), nil
}

func textValue(name string, r Recipient) string {
	switch name {
	case "FirstName":
		return r.FirstName
	case "LastName":
		return r.LastName
	case "Email":
		return r.Email
	case "Title":
		return r.Title
	case "Department":
		return r.Department
	case "Organisation":
		return r.Organisation
	case "Manager":
		return r.Manager
	case "Link", "QRCode":
		return r.Link
	}
	return ""
}

// renderHTML substitutes the variables in an HTML body with html/template,
// so every value is escaped for where it appears (text, attribute, URL).
// The source has been checked to hold nothing but plain variables, and the
// data is a struct of strings, so nothing else is reachable.
func renderHTML(src string, r Recipient) (string, error) {
	if _, err := parseVariables(src); err != nil {
		return "", err
	}
	t, err := htmltemplate.New("html_body").Option("missingkey=error").Parse(src)
	if err != nil {
		return "", fmt.Errorf("the HTML body: %w", err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, r); err != nil {
		return "", fmt.Errorf("the HTML body: %s", strings.TrimPrefix(err.Error(), "html/template:"))
	}
	return b.String(), nil
}

// qrPNG is a QR code of link as a PNG.
func qrPNG(link string) ([]byte, error) {
	return qrcode.Encode(link, qrcode.Medium, 256)
}

// sampleRecipient fills every variable, for checking a template on save.
var sampleRecipient = Recipient{
	FirstName: "Alex", LastName: "Sample", Email: "alex.sample@example.gov", Title: "Elections Clerk",
	Department: "Elections", Organisation: "Example County", Manager: "Jordan Example",
	Link:          "https://simulation.example/p/sample",
	TrackingImage: `<img src="https://simulation.example/i/sample" width="1" height="1" alt="">`,
	QRCode:        `<img src="cid:` + QRContentID + `" width="256" height="256" alt="QR code">`,
}

// RecipientFor fills the variables from a directory person: their
// details, their organisation's name and their manager's name.
func RecipientFor(ctx context.Context, dir *directory.Store, p directory.Person) Recipient {
	r := Recipient{FirstName: p.FirstName, LastName: p.LastName, Email: p.Email, Title: p.Title, Department: p.Department}
	if p.OrganisationID != 0 {
		if o, err := dir.Organisation(ctx, p.OrganisationID); err == nil {
			r.Organisation = o.Name
		}
	}
	if p.ManagerID != 0 {
		if m, err := dir.Person(ctx, p.ManagerID); err == nil {
			r.Manager = m.Name()
		}
	}
	return r
}
