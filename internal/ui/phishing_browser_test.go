package ui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/app/browsertest"
	"bulwark/internal/phishing"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// TestPhishingPagesInABrowser opens every phishing page in Chromium and
// runs axe-core on it, including a form showing errors.
func TestPhishingPagesInABrowser(t *testing.T) {
	e := apptest.New(t, database.SQLite)
	bg := context.Background()
	p, err := e.App.Phishing.CreateProfile(bg, audit.System, phishing.ProfileChange{SendingProfile: phishing.SendingProfile{Name: "Relay", Host: "127.0.0.1", Port: 2525,
		TLS: phishing.TLSNone, Auth: phishing.AuthPlain, Username: "u", From: "a@example.com", Headers: []phishing.Header{{Name: "X-Sim", Value: "1"}}}, Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	tm, err := e.App.Phishing.CreateTemplate(bg, audit.System, phishing.TemplateChange{Template: phishing.Template{Name: "Own", Subject: "s", TextBody: "Hi {{.FirstName}}",
		HTMLBody: `<p>Hi</p>`, Difficulty: 2, RedFlags: []phishing.RedFlag{{Label: "Urgency", Explanation: "Rushes you", PointsAt: phishing.PartSubject}}},
		Add: []phishing.NewAttachment{{Name: "a.pdf", Data: []byte("%PDF")}}})
	if err != nil {
		t.Fatal(err)
	}
	var libT, libL int64
	e.App.DB.QueryRowContext(bg, `SELECT MIN(id) FROM phishing_templates WHERE library`).Scan(&libT)
	e.App.DB.QueryRowContext(bg, `SELECT MIN(id) FROM phishing_landing_pages WHERE library`).Scan(&libL)
	lp, err := e.App.Phishing.CreateLandingPage(bg, audit.System, phishing.LandingPage{Name: "Own page", HTML: `<form><input type="password" name="p"></form>`})
	if err != nil {
		t.Fatal(err)
	}

	ctx := browsertest.New(t)
	admin := e.User(accounts.RoleAdmin, 0)
	cookie, err := e.App.Accounts.StartSession(bg, admin, true, "127.0.0.1", "browser")
	if err != nil {
		t.Fatal(err)
	}
	browsertest.SetCookie(t, ctx, e.Edges.Auth.CookieName(), cookie, e.URL)
	axe := func(name string) {
		t.Helper()
		if v := browsertest.Axe(t, ctx); len(v) > 0 {
			t.Errorf("%s has accessibility violations:%s", name, browsertest.Describe(v))
		}
	}
	for _, path := range []string{
		"/phishing", "/phishing/profiles", "/phishing/profiles/new", fmt.Sprintf("/phishing/profiles/%d", p.ID), fmt.Sprintf("/phishing/profiles/%d/edit", p.ID),
		"/phishing/templates", "/phishing/templates/new", fmt.Sprintf("/phishing/templates/%d", tm.ID), fmt.Sprintf("/phishing/templates/%d/edit", tm.ID),
		fmt.Sprintf("/phishing/templates/%d", libT), fmt.Sprintf("/phishing/templates/%d?preview=%s", libT, admin.Email),
		"/phishing/landing-pages", "/phishing/landing-pages/new", fmt.Sprintf("/phishing/landing-pages/%d", lp.ID), fmt.Sprintf("/phishing/landing-pages/%d/edit", lp.ID),
		fmt.Sprintf("/phishing/landing-pages/%d", libL),
	} {
		browsertest.Do(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		axe(path)
	}

	// A template with a bad variable, sent from the form, shows where.
	browsertest.Do(t, ctx, chromedp.Navigate(e.URL+"/phishing/templates/new"),
		chromedp.SetValue(chromedp.CSS("#name"), "Browser template"),
		chromedp.SetValue(chromedp.CSS("#subject"), "Hello {{.Nickname}}"))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`main form.bw-ph-form button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	if text := browsertest.Text(t, ctx); !strings.Contains(text, "Line 1, column 7: {{.Nickname}} is not a variable") {
		t.Errorf("template form errors: %.600s", text)
	}
	axe("template form with errors")

	// The profile's test form, answered with the server's refusal.
	browsertest.Do(t, ctx, chromedp.Navigate(e.URL+fmt.Sprintf("/phishing/profiles/%d", p.ID)), chromedp.SetValue(chromedp.CSS("#to"), "me@example.gov"))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`main form[action$="/test"] button`))); err != nil {
		t.Fatal(err)
	}
	if text := browsertest.Text(t, ctx); !strings.Contains(text, "was not sent") {
		t.Errorf("test send: %.600s", text)
	}
	axe("profile with a failed test")
}
