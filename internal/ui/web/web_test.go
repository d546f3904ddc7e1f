package web

import (
	"bytes"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The page data contract documented at the top of templates/layout.html, as a handler would
// fill it.
type testUser struct{ Name, Email, RoleLabel string }

type testFlash struct{ Kind, Message string }

type testPage struct {
	Title   string
	User    *testUser
	Nav     map[string]bool
	Active  string
	Flash   *testFlash
	Data    any
	Version string
}

type loginData struct {
	SSOEnabled bool
	Error      string
	Next       string
}

type activity struct {
	When                  time.Time
	Actor, Action, Object string
}

type dashboardData struct {
	Organisations, People, LEAs, Users int
	PendingJobs                        int64
	Recent                             []activity
}

type errorData struct {
	Status  int
	Message string
}

// allNav is what an administrator sees: every item of the side navigation.
func allNav() map[string]bool {
	nav := map[string]bool{}
	for _, s := range NavSections() {
		for _, it := range s.Items {
			nav[it.Path] = true
		}
	}
	return nav
}

var analyst = &testUser{Name: "Dana Reyes", Email: "dana.reyes@sos.example.gov", RoleLabel: "Election-security analyst"}

func sampleDashboard() dashboardData {
	when := time.Date(2026, 11, 3, 19, 5, 0, 0, time.FixedZone("CST", -6*3600))
	return dashboardData{
		Organisations: 42, People: 100000, LEAs: 116, Users: 1, PendingJobs: 3,
		Recent: []activity{
			{When: when, Actor: "Dana Reyes", Action: "published advisory", Object: "ADV-2026-014 <Phishing wave>"},
			{When: when.Add(-time.Hour), Actor: "system", Action: "imported", Object: "116 local election authorities"},
		},
	}
}

func render(t *testing.T, page, layout string, data testPage) string {
	t.Helper()
	tmpl, err := ParsePage(page)
	if err != nil {
		t.Fatalf("ParsePage(%q): %v", page, err)
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, layout, data); err != nil {
		t.Fatalf("render %s in %s: %v", page, layout, err)
	}
	return buf.String()
}

func TestPagesRender(t *testing.T) {
	tests := []struct {
		name    string
		page    string
		layout  string
		data    testPage
		want    []string
		notWant []string
	}{
		{
			name:   "login with SSO and an error",
			page:   "login",
			layout: LayoutPublic,
			data: testPage{Title: "Sign in", Version: "1.2.3",
				Data: loginData{SSOEnabled: true, Error: "That email address and password do not match.", Next: "/directory/people"}},
			want: []string{
				`<html lang="en">`, `<title>Sign in | Bulwark</title>`,
				`An official website of the State`, `href="#main-content"`, `<main class="bw-public__main" id="main-content"`,
				`usa-alert--error`, `That email address and password do not match.`,
				`action="/login"`, `name="email"`, `name="password"`, `autocomplete="current-password"`,
				`href="/password/forgot"`, `Sign in with single sign-on`,
				`/static/bulwark.css?v=1.2.3`, `version 1.2.3`,
			},
			notWant: []string{`bw-sidenav`, `action="/logout"`, `/static/htmx/`},
		},
		{
			name:    "login without SSO",
			page:    "login",
			layout:  LayoutPublic,
			data:    testPage{Title: "Sign in", Data: loginData{}},
			want:    []string{`Forgot your password?`, `/static/bulwark.css"`},
			notWant: []string{`single sign-on`, `usa-alert--error`, `?v=`},
		},
		{
			name:   "mfa with a flash error",
			page:   "mfa",
			layout: LayoutPublic,
			data:   testPage{Title: "Two-step verification", Flash: &testFlash{Kind: "error", Message: "That code is not valid."}},
			want: []string{
				`action="/login/mfa"`, `name="code"`, `autocomplete="one-time-code"`, `inputmode="numeric"`,
				`<details`, `Use a recovery code instead`, `name="recovery_code"`,
				`usa-alert--error`, `role="alert"`, `That code is not valid.`,
			},
		},
		{
			name:   "dashboard for an administrator",
			page:   "dashboard",
			layout: LayoutApp,
			data: testPage{Title: "Dashboard", User: analyst, Nav: allNav(), Active: "/", Version: "dev",
				Flash: &testFlash{Kind: "success", Message: "Settings saved <b>now</b>"}, Data: sampleDashboard()},
			want: []string{
				`Dana Reyes`, `Election-security analyst`, `dana.reyes@sos.example.gov`,
				`<form class="bw-account__signout" method="post" action="/logout">`,
				`<nav class="bw-shell__nav" id="bw-sidenav" aria-label="Main">`,
				`<a href="/" class="usa-current" aria-current="page">Dashboard</a>`,
				`<a href="/admin/mail">Mail outbox</a>`,
				`usa-alert--success`, `role="status"`, `Settings saved &lt;b&gt;now&lt;/b&gt;`,
				`100,000`, `116`, `42`, `3</span> <span class="bw-stat__label">background jobs waiting`,
				`1</span> <span class="bw-stat__label">user account</span>`,
				`Recent activity`, `<time datetime="2026-11-03T19:05:00-06:00">Nov 3, 2026, 7:05 PM CST</time>`,
				`ADV-2026-014 &lt;Phishing wave&gt;`,
				`/static/htmx/htmx.min.js?v=dev`,
			},
		},
		{
			name:   "dashboard for an LEA member sees only their pillars",
			page:   "dashboard",
			layout: LayoutApp,
			data: testPage{Title: "Dashboard", User: analyst, Active: "/",
				Nav:  map[string]bool{"/": true, "/sharing": true, "/readiness": true, "/account": true},
				Data: dashboardData{}},
			want: []string{`href="/sharing"`, `href="/readiness"`, `No activity has been recorded yet.`,
				`id="bw-nav-sharing">Sharing</p>`},
			notWant: []string{`href="/phishing"`, `href="/admin/users"`, `Administration`, `bw-nav-directory`, `<table`},
		},
		{
			name:    "error page signed in",
			page:    "error",
			layout:  LayoutApp,
			data:    testPage{Title: "Not found", User: analyst, Nav: map[string]bool{"/": true}, Data: errorData{Status: 404, Message: "There is no advisory with that number."}},
			want:    []string{`Error 404`, `<h1 class="bw-error__title">Not Found</h1>`, `There is no advisory with that number.`, `Go to the dashboard`},
			notWant: []string{`usa-current`},
		},
		{
			name:    "error page signed out",
			page:    "error",
			layout:  LayoutPublic,
			data:    testPage{Title: "Error", Data: errorData{Status: 599, Message: "Try again in a minute."}},
			want:    []string{`Error 599`, `Something went wrong`, `href="/login"`},
			notWant: []string{`Sign out`},
		},
		{
			name:    "app layout with no user and no navigation",
			page:    "error",
			layout:  LayoutApp,
			data:    testPage{Data: errorData{Status: 500, Message: "Something broke."}},
			want:    []string{`<title>Bulwark</title>`, `bw-shell bw-shell--no-nav`},
			notWant: []string{`<nav`, `Sign out`, `href="#bw-sidenav"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := render(t, tc.page, tc.layout, tc.data)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(out, w) {
					t.Errorf("output has %q", w)
				}
			}
			checkPageStructure(t, out)
			checkCSPSafe(t, tc.page, out)
			checkStaticRefs(t, out)
		})
	}
}

// Every page file must at least parse with both layouts, including pages added after this test.
func TestEveryPageParses(t *testing.T) {
	names, err := PageNames()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"dashboard", "error", "login", "mfa"} {
		if !slices.Contains(names, want) {
			t.Errorf("PageNames() = %v, lacks %q", names, want)
		}
	}
	for _, name := range names {
		tmpl, err := ParsePage(name)
		if err != nil {
			t.Error(err)
			continue
		}
		for _, l := range []string{LayoutApp, LayoutPublic, "content"} {
			if tmpl.Lookup(l) == nil {
				t.Errorf("page %s: template %q not defined", name, l)
			}
		}
	}
}

func TestNavigation(t *testing.T) {
	want := []string{
		"/", "/phishing", "/training", "/sharing", "/operations", "/readiness", "/trust",
		"/directory/organisations", "/directory/people", "/directory/groups", "/directory/teams", "/directory/import",
		"/admin/users", "/account/tokens", "/admin/jobs", "/admin/audit", "/admin/settings", "/admin/mail",
		"/account",
	}
	var got []string
	for _, s := range NavSections() {
		for _, it := range s.Items {
			got = append(got, it.Path)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("NavSections paths:\n got %v\nwant %v", got, want)
	}

	nav := map[string]bool{"/": true, "/directory/people": true, "/directory/teams": true, "/account": true}
	out := render(t, "error", LayoutApp, testPage{User: analyst, Nav: nav, Active: "/directory/people",
		Data: errorData{Status: 403, Message: "You cannot see this."}})
	links := regexp.MustCompile(`<li class="usa-sidenav__item"><a href="([^"]+)"`).FindAllStringSubmatch(out, -1)
	var shown []string
	for _, m := range links {
		shown = append(shown, m[1])
	}
	if want := []string{"/", "/directory/people", "/directory/teams", "/account"}; !slices.Equal(shown, want) {
		t.Errorf("side navigation shows %v, want %v", shown, want)
	}
	if n := strings.Count(out, `aria-current="page"`); n != 1 {
		t.Errorf("%d items marked current, want 1", n)
	}
	if !strings.Contains(out, `<a href="/directory/people" class="usa-current" aria-current="page">People</a>`) {
		t.Error("the active item is not marked")
	}
}

var (
	cssURL          = regexp.MustCompile(`url\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*))\s*\)`)
	staticRef       = regexp.MustCompile(`(?:src|href)="/static/([^"?#]+)(?:\?[^"#]*)?(?:#([^"]*))?"`)
	scriptTag       = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script\s*>`)
	styleAttr       = regexp.MustCompile(`(?i)\sstyle\s*=`)
	styleElement    = regexp.MustCompile(`(?i)<style\b`)
	handlerAttr     = regexp.MustCompile(`(?i)\s(?:on[a-z]+|hx-on[:\-][^\s=]*)\s*=`)
	templateComment = regexp.MustCompile(`(?s)\{\{-?\s*/\*.*?\*/\s*-?\}\}`)
	remoteLoad      = regexp.MustCompile(`(?i)(?:src|href|action)\s*=\s*"(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import`)
)

// Every url(...) in a shipped stylesheet must name a file that is shipped too, or the browser
// would get a 404; nothing may come from another host.
func TestStylesheetURLsResolve(t *testing.T) {
	var sheets int
	err := fs.WalkDir(Static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".css") {
			return err
		}
		sheets++
		b, err := fs.ReadFile(Static, p)
		if err != nil {
			return err
		}
		if remoteLoad.Match(b) {
			t.Errorf("%s loads something from another host", p)
		}
		for _, m := range cssURL.FindAllSubmatch(b, -1) {
			ref := strings.TrimSpace(string(m[1]) + string(m[2]) + string(m[3]))
			// Empty url() appears only in @supports feature queries; data: and fragments load nothing.
			if ref == "" || strings.HasPrefix(ref, "data:") || strings.HasPrefix(ref, "#") {
				continue
			}
			ref, _, _ = strings.Cut(ref, "#")
			ref, _, _ = strings.Cut(ref, "?")
			target := path.Join(path.Dir(p), ref)
			if _, err := fs.Stat(Static, target); err != nil {
				t.Errorf("%s: url(%s) → %s is not shipped", p, ref, target)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if sheets < 2 {
		t.Errorf("found %d stylesheets, want uswds.min.css and bulwark.css", sheets)
	}
}

// The app sends script-src 'self' and style-src 'self', so no template may carry inline script,
// inline style or event-handler attributes.
func TestTemplatesAreCSPSafe(t *testing.T) {
	err := fs.WalkDir(Templates, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Templates, p)
		if err != nil {
			return err
		}
		// Template comments are documentation, removed from the output.
		b = templateComment.ReplaceAll(b, nil)
		checkCSPSafe(t, p, string(b))
		if remoteLoad.Match(b) {
			t.Errorf("%s refers to another host", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"static/bulwark.js", "static/bulwark.css"} {
		b, err := fs.ReadFile(Static, p)
		if err != nil {
			t.Fatal(err)
		}
		if remoteLoad.Match(b) {
			t.Errorf("%s refers to another host", p)
		}
	}
}

func TestStaticAssets(t *testing.T) {
	for _, p := range []string{
		"static/uswds/css/uswds.min.css",
		"static/uswds/js/uswds.min.js",
		"static/uswds/js/uswds-init.min.js",
		"static/uswds/img/sprite.svg",
		"static/uswds/img/icon-dot-gov.svg",
		"static/uswds/img/icon-https.svg",
		"static/htmx/htmx.min.js",
		"static/bulwark.css",
		"static/bulwark.js",
		"static/favicon.svg",
		"static/VERSIONS.txt",
	} {
		if _, err := fs.Stat(Static, p); err != nil {
			t.Errorf("missing %s", p)
		}
	}
	var total int64
	err := fs.WalkDir(Static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		total += info.Size()
		switch ext := path.Ext(p); ext {
		case ".map", ".scss", ".ttf", ".woff", ".md":
			t.Errorf("%s: %s files are not needed at run time", p, ext)
		}
		if strings.Contains(p, "axe") {
			t.Errorf("%s: axe-core is test support and must not be served", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	const limit = 3 << 20
	if total > limit {
		t.Errorf("static files total %d bytes, over %d: copy only what the pages use", total, limit)
	}
	if len(AxeScript) < 100_000 || !bytes.Contains(AxeScript, []byte("axe")) {
		t.Errorf("AxeScript does not look like axe-core (%d bytes)", len(AxeScript))
	}
}

// checkCSPSafe fails on inline script bodies (JSON data blocks excepted), style attributes and
// elements, and inline event handlers.
func checkCSPSafe(t *testing.T, name, html string) {
	t.Helper()
	for _, m := range scriptTag.FindAllStringSubmatch(html, -1) {
		attrs, body := m[1], m[2]
		if strings.Contains(attrs, `type="application/json"`) {
			continue
		}
		if strings.TrimSpace(body) != "" || !strings.Contains(attrs, "src=") {
			t.Errorf("%s: inline script %q", name, m[0])
		}
	}
	if loc := styleAttr.FindStringIndex(html); loc != nil {
		t.Errorf("%s: style attribute near %q", name, around(html, loc))
	}
	if loc := styleElement.FindStringIndex(html); loc != nil {
		t.Errorf("%s: <style> element near %q", name, around(html, loc))
	}
	if loc := handlerAttr.FindStringIndex(html); loc != nil {
		t.Errorf("%s: inline event handler near %q", name, around(html, loc))
	}
	if strings.Contains(strings.ToLower(html), "javascript:") {
		t.Errorf("%s: javascript: URL", name)
	}
}

// checkStaticRefs fails when a rendered page links to a static file that is not embedded, or to
// an icon the sprite does not have.
func checkStaticRefs(t *testing.T, html string) {
	t.Helper()
	for _, m := range staticRef.FindAllStringSubmatch(html, -1) {
		file, fragment := "static/"+m[1], m[2]
		b, err := fs.ReadFile(Static, file)
		if err != nil {
			t.Errorf("page refers to /%s, which is not embedded", file)
			continue
		}
		if fragment != "" && !bytes.Contains(b, []byte(`id="`+fragment+`"`)) {
			t.Errorf("page refers to /%s#%s, which has no such id", file, fragment)
		}
	}
}

var (
	headingTag = regexp.MustCompile(`(?i)<h([1-6])\b`)
	idAttr     = regexp.MustCompile(`\sid="([^"]+)"`)
	controlTag = regexp.MustCompile(`(?is)<(input|select|textarea)\b([^>]*)>`)
	landmarks  = []string{`<header class="bw-header">`, `<main `, `<footer `}
)

// checkPageStructure does cheap versions of the accessibility checks the browser tests make with
// axe-core: one h1 and no skipped heading levels, landmarks, unique ids, a label for every control.
func checkPageStructure(t *testing.T, html string) {
	t.Helper()
	prev := 0
	h1s := 0
	for _, m := range headingTag.FindAllStringSubmatch(html, -1) {
		level := int(m[1][0] - '0')
		if level == 1 {
			h1s++
		}
		if level > prev+1 {
			t.Errorf("heading h%d follows h%d", level, prev)
		}
		prev = level
	}
	if h1s != 1 {
		t.Errorf("%d h1 elements, want 1", h1s)
	}
	for _, l := range landmarks {
		if strings.Count(html, l) != 1 {
			t.Errorf("landmark %q appears %d times, want once", l, strings.Count(html, l))
		}
	}
	seen := map[string]bool{}
	for _, m := range idAttr.FindAllStringSubmatch(html, -1) {
		if seen[m[1]] {
			t.Errorf("duplicate id %q", m[1])
		}
		seen[m[1]] = true
	}
	for _, m := range controlTag.FindAllStringSubmatch(html, -1) {
		attrs := m[2]
		if strings.Contains(attrs, `type="hidden"`) || strings.Contains(attrs, `type="submit"`) {
			continue
		}
		id := idAttr.FindStringSubmatch(attrs)
		if id == nil || !strings.Contains(html, `for="`+id[1]+`"`) {
			t.Errorf("form control without a label: %s", m[0])
		}
	}
}

func around(s string, loc []int) string {
	return s[max(0, loc[0]-40):min(len(s), loc[1]+40)]
}
