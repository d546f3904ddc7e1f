package ui_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/app/browsertest"
	"bulwark/internal/platform/database"
)

// TestDirectoryPagesInABrowser opens every directory page in Chromium, runs
// axe-core on it, and creates a group and fills it the way a person would:
// by clicking and pasting addresses.
func TestDirectoryPagesInABrowser(t *testing.T) {
	e := apptest.New(t, database.SQLite)
	w := dirSetup(t, e)
	ctx := browsertest.New(t)
	admin := w.users[accounts.RoleAdmin]
	cookie, err := e.App.Accounts.StartSession(context.Background(), admin, true, "127.0.0.1", "browser")
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
		"/directory/organisations", dirPath("/directory/organisations/%d", w.sos.ID), dirPath("/directory/organisations/%d", w.boone.ID),
		"/directory/organisations/new", dirPath("/directory/organisations/%d/edit", w.boone.ID),
		"/directory/people", "/directory/people?q=clerk&active=1", dirPath("/directory/people/%d", w.booneClerk.ID),
		"/directory/people/new", dirPath("/directory/people/%d/edit", w.booneClerk.ID),
		"/directory/groups", dirPath("/directory/groups/%d", w.stateGroup.ID), "/directory/groups/new", dirPath("/directory/groups/%d/edit", w.booneGroup.ID),
		"/directory/teams", "/directory/teams/new", "/directory/import",
	} {
		browsertest.Do(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		axe(path)
	}

	// A form sent with mistakes shows them beside the fields.
	browsertest.Do(t, ctx, chromedp.Navigate(e.URL+"/directory/people/new"),
		chromedp.SetValue(chromedp.CSS("#email"), "not an address"),
		chromedp.SetValue(chromedp.CSS("#time_zone"), "Mars/Olympus"))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`main form button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	if text := browsertest.Text(t, ctx); !strings.Contains(text, "is not an email address") {
		t.Errorf("person form errors: %.400s", text)
	}
	axe("person form with errors")

	// Create a group of chosen people and paste addresses into it.
	browsertest.Do(t, ctx, chromedp.Navigate(e.URL+"/directory/groups/new"),
		chromedp.SetValue(chromedp.CSS("#name"), "Browser pilot"),
		chromedp.Click(chromedp.CSS("#kind-static")))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`main form button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	browsertest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#emails")),
		chromedp.SetValue(chromedp.CSS("#emails"), "ada.clerk@boone.example.org\nghost@example.org"))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action$="/members"] button`))); err != nil {
		t.Fatal(err)
	}
	text := browsertest.Text(t, ctx)
	if !strings.Contains(text, "1 added") || !strings.Contains(text, "ghost@example.org: nobody with this address") || !strings.Contains(text, "Members (1)") {
		t.Errorf("after pasting: %.600s", text)
	}
	axe("group after adding members")

	// An import with a bad row shows the results table.
	file := filepath.Join(t.TempDir(), "staff.csv")
	if err := os.WriteFile(file, []byte("email,time_zone\nok@example.org,\nbad@example.org,Mars/Olympus\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	browsertest.Do(t, ctx, chromedp.Navigate(e.URL+"/directory/import"), chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{file}))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/directory/import"] button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	if text := browsertest.Text(t, ctx); !strings.Contains(text, "Rows not imported") || !strings.Contains(text, "Mars/Olympus") {
		t.Errorf("import results: %.600s", text)
	}
	axe("import results")
}
