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
	"bulwark/internal/directory"
	"bulwark/internal/phishing"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// TestPhishingCampaignInABrowser fills the campaign form in Chromium,
// submits the campaign and checks every campaign page with axe-core,
// including the form showing errors and the emergency stop's banner.
func TestPhishingCampaignInABrowser(t *testing.T) {
	e := apptest.New(t, database.SQLite)
	bg := context.Background()
	if _, err := e.App.Directory.CreatePerson(bg, audit.System, directory.Person{Email: "clerk@browser.example.gov", Active: true}); err != nil {
		t.Fatal(err)
	}
	team, err := e.App.Directory.CreateTeam(bg, audit.System, directory.Team{Name: "Browser team"})
	if err != nil {
		t.Fatal(err)
	}
	prof, err := e.App.Phishing.CreateProfile(bg, audit.System, phishing.ProfileChange{SendingProfile: phishing.SendingProfile{Name: "Relay", Host: "127.0.0.1", TLS: "none", From: "a@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	e.App.Phishing.SeedLibrary(bg)
	var tmpl, landing int64
	e.App.DB.QueryRowContext(bg, `SELECT MIN(id) FROM phishing_templates`).Scan(&tmpl)
	e.App.DB.QueryRowContext(bg, `SELECT MIN(id) FROM phishing_landing_pages`).Scan(&landing)

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
	submit := func() {
		t.Helper()
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`main form.bw-form button[type="submit"]`))); err != nil {
			t.Fatal(err)
		}
	}

	// A form with mistakes comes back with them listed.
	browsertest.Do(t, ctx, chromedp.Navigate(e.URL+"/phishing/campaigns/new"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	axe("new campaign form")
	browsertest.Do(t, ctx, chromedp.SetValue(chromedp.CSS("#person_ids"), "nobody@browser.example.gov"))
	submit()
	if text := browsertest.Text(t, ctx); !strings.Contains(text, "No one in the directory has the address nobody@browser.example.gov") {
		t.Errorf("form errors: %.800s", text)
	}
	axe("campaign form with errors")

	browsertest.Do(t, ctx,
		chromedp.SetValue(chromedp.CSS("#name"), "Browser campaign"),
		chromedp.SetValue(chromedp.CSS("#team_id"), fmt.Sprint(team.ID)),
		chromedp.SetValue(chromedp.CSS("#template_ids"), fmt.Sprint(tmpl)),
		chromedp.SetValue(chromedp.CSS("#landing_page_id"), fmt.Sprint(landing)),
		chromedp.SetValue(chromedp.CSS("#sending_profile_id"), fmt.Sprint(prof.ID)),
		chromedp.SetValue(chromedp.CSS("#person_ids"), "clerk@browser.example.gov"))
	submit()
	if text := browsertest.Text(t, ctx); !strings.Contains(text, "1 person would receive it") {
		t.Fatalf("campaign page: %.1500s", text)
	}
	axe("campaign page")
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`main form[action$="/submit"] button`))); err != nil {
		t.Fatal(err)
	}
	if text := browsertest.Text(t, ctx); !strings.Contains(text, "someone else must approve it") {
		t.Errorf("after submitting: %.1500s", text)
	}
	axe("campaign awaiting approval")

	browsertest.Do(t, ctx, chromedp.Navigate(e.URL+"/phishing/safeguards"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	axe("safeguards")
	browsertest.Do(t, ctx, chromedp.SetValue(chromedp.CSS("#stop_reason"), "Drill"))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`main form[action$="/emergency-stop"] button`))); err != nil {
		t.Fatal(err)
	}
	if text := browsertest.Text(t, ctx); !strings.Contains(text, "The emergency stop is on") {
		t.Errorf("after the stop: %.1500s", text)
	}
	axe("safeguards with the stop on")
	browsertest.Do(t, ctx, chromedp.Navigate(e.URL+"/phishing/campaigns"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if text := browsertest.Text(t, ctx); !strings.Contains(text, "Emergency stop is on") || !strings.Contains(text, "Browser campaign") {
		t.Errorf("campaign list: %.1500s", text)
	}
	axe("campaign list with the stop on")
}
