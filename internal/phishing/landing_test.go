package phishing

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRewriteForms(t *testing.T) {
	src := `<!DOCTYPE html><html><body><p class="x">Keep <b>this</b> as it is &amp; more</p>
<form action="https://elsewhere.example.net/steal" method="get" target="_blank" id="f" onsubmit="x()">
<input name="user" autocomplete="username"><input type="PASSWORD" name="pw">
<select name="dept"><option>A</option></select><textarea name="notes"></textarea>
<input type="hidden" name="csrf" value="1"><button formaction="https://other.example/" type="submit">Go</button>
</form><form><input type="password" name="pin"/></form></body></html>`
	out, fields, err := RewriteForms(src, "/s/submit")
	if err != nil {
		t.Fatal(err)
	}
	want := `<!DOCTYPE html><html><body><p class="x">Keep <b>this</b> as it is &amp; more</p>
<form action="/s/submit" method="post" id="f">
<input name="user" autocomplete="username"><input type="PASSWORD" name="pw">
<select name="dept"><option>A</option></select><textarea name="notes"></textarea>
<input type="hidden" name="csrf" value="1"><button type="submit">Go</button>
</form><form action="/s/submit" method="post"><input type="password" name="pin"/></form></body></html>`
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("rewritten page (-want +got):\n%s", diff)
	}
	wantFields := []FieldInfo{{Name: "user", Type: "text"}, {Name: "pw", Type: "password", Password: true}, {Name: "dept", Type: "select"},
		{Name: "notes", Type: "textarea"}, {Name: "pin", Type: "password", Password: true}}
	if diff := cmp.Diff(wantFields, fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if fields[1].Label() != "a password field" || fields[0].Label() != "user" {
		t.Errorf("labels %q %q", fields[1].Label(), fields[0].Label())
	}
}

func TestLandingPageValidation(t *testing.T) {
	p := LandingPage{Name: "x", HTML: "<p>hi</p>", Redirect: RedirectURL, RedirectURL: "javascript:alert(1)"}
	wantFieldError(t, p.validate(), "redirect_url", "https://")
	p = LandingPage{Name: "x", HTML: "  "}
	wantFieldError(t, p.validate(), "html", "give the page's HTML")
	p = LandingPage{Name: "x", HTML: "<p>hi</p>", Redirect: "elsewhere"}
	wantFieldError(t, p.validate(), "redirect", "teachable_moment")
}
