package app_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"bulwark/internal/accounts"
	"bulwark/internal/app"
	"bulwark/internal/app/apptest"
	"bulwark/internal/app/browsertest"
	"bulwark/internal/phishing"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/mail"
	"bulwark/internal/sharing"
	"bulwark/internal/sharing/tlp"
)

// TestEveryPageIsAccessible opens every page of the staff interface in
// Chromium, signed in as an administrator (and the sign-in pages signed
// out), and fails on any serious or critical axe-core violation.
func TestEveryPageIsAccessible(t *testing.T) {
	e := apptest.New(t, database.SQLite)
	bg := context.Background()
	// The demo state fills every list, so detail pages have something to show.
	if err := app.SeedDemo(bg, e.App, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	e.Outbox.Send(bg, mail.Message{To: []string{"clerk@example.org"}, Subject: "A message in the outbox", Text: "Hello"})
	if err := e.App.QueueMail(mail.NewCatcher(1)).Send(bg, mail.Message{To: []string{"x@example.org"}, Subject: "queued", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	prof, err := e.App.Phishing.CreateProfile(bg, audit.System, phishing.ProfileChange{SendingProfile: phishing.SendingProfile{Name: "Relay", Host: "127.0.0.1", TLS: "none", From: "it-desk@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	admin := e.User(accounts.RoleAdmin, 0)
	// A CLEAR advisory and indicator, which the administrator (of no
	// organisation) may read.
	adv, err := e.App.Sharing.CreateAdvisory(bg, audit.System, admin, sharing.AdvisoryChange{Title: "Look-alike results site", Summary: "A look-alike of the results site.",
		Body: "## What to do\n\nTell voters where results are published.", Severity: sharing.SeverityHigh,
		Categories: []sharing.Category{sharing.CategoryReportingSite}, Sharing: sharing.Sharing{TLP: tlp.Clear}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Sharing.AddComment(bg, audit.System, sharing.Viewer{Reader: sharing.ReaderFor(admin)}, adv.ID, tlp.Clear, "Seen in two counties."); err != nil {
		t.Fatal(err)
	}
	ind, err := e.App.Sharing.CreateIndicator(bg, audit.System, admin, sharing.IndicatorChange{Value: "results-lookalike.example", Confidence: 70, Sharing: sharing.Sharing{TLP: tlp.Clear}})
	if err != nil {
		t.Fatal(err)
	}
	first := func(q string) string {
		var id string
		if err := e.App.DB.QueryRowContext(bg, q).Scan(&id); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return id
	}
	// An existing object for each kind of detail page.
	ids := map[string]string{
		"/admin/users/{id}":             fmt.Sprint(admin.ID),
		"/admin/jobs/{id}":              first(`SELECT CAST(MIN(id) AS TEXT) FROM jobs`),
		"/admin/mail/{id}":              e.Outbox.List()[0].ID,
		"/directory/people/{id}":        first(`SELECT CAST(MIN(id) AS TEXT) FROM people`),
		"/directory/organisations/{id}": first(`SELECT CAST(MIN(id) AS TEXT) FROM organisations`),
		"/directory/groups/{id}":        first(`SELECT CAST(MIN(id) AS TEXT) FROM groups`),
		"/directory/teams/{id}":         first(`SELECT CAST(MIN(id) AS TEXT) FROM teams`),
		"/phishing/templates/{id}":      first(`SELECT CAST(MIN(id) AS TEXT) FROM phishing_templates`),
		"/phishing/landing-pages/{id}":  first(`SELECT CAST(MIN(id) AS TEXT) FROM phishing_landing_pages`),
		"/phishing/profiles/{id}":       fmt.Sprint(prof.ID),
		"/phishing/campaigns/{id}":      first(`INSERT INTO phishing_campaigns (name, team_id, status, landing_page_id, sending_profile_id, created_at, updated_at) SELECT 'Accessibility check', MIN(id), 'draft', (SELECT MIN(id) FROM phishing_landing_pages), (SELECT MIN(id) FROM phishing_sending_profiles), CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM teams RETURNING CAST(id AS TEXT)`),
		"/sharing/advisories/{id}":      fmt.Sprint(adv.ID),
		"/sharing/indicators/{id}":      fmt.Sprint(ind.ID),
	}

	var pages []string
	for _, rt := range e.Edges.Routes() {
		if rt.API || rt.Method != "GET" || rt.Perm == "" || strings.HasSuffix(rt.Pattern, ".csv") {
			continue
		}
		path := strings.ReplaceAll(rt.Pattern, "{$}", "")
		if strings.Contains(path, "{") {
			filled := false
			for prefix, id := range ids {
				if strings.HasPrefix(path, prefix) {
					path = strings.Replace(path, "{id}", id, 1)
					filled = !strings.Contains(path, "{")
				}
			}
			if !filled {
				t.Errorf("no object to open %s with: add one to ids", rt.Pattern)
				continue
			}
		}
		pages = append(pages, path)
	}
	if len(pages) < 30 {
		t.Fatalf("only %d pages found", len(pages))
	}
	check := func(path string) {
		t.Helper()
		browsertest.Do(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main")))
		if v := browsertest.Axe(t, ctx); len(v) > 0 {
			t.Errorf("%s has accessibility violations:%s", path, browsertest.Describe(v))
		}
	}
	for _, p := range []string{"/login", "/password/forgot"} {
		check(p)
	}
	cookie, err := e.App.Accounts.StartSession(context.Background(), admin, true, "127.0.0.1", "a11y")
	if err != nil {
		t.Fatal(err)
	}
	browsertest.SetCookie(t, ctx, e.Edges.Auth.CookieName(), cookie, e.URL)
	for _, p := range pages {
		check(p)
	}
	t.Logf("checked %d pages", len(pages)+2)
}
