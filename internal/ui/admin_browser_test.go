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
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/mail"
)

// TestAdminPagesInABrowser opens the administration pages that need data
// (a user with a token, a kept message, a checked chain, a new token) in
// Chromium, runs axe-core on each, and clicks through a confirmation.
func TestAdminPagesInABrowser(t *testing.T) {
	e := apptest.New(t, database.SQLite)
	a := adminSetup(t, e)
	ctx := browsertest.New(t)
	bg := context.Background()
	admin := a.users[accounts.RoleAdmin]
	target := e.User(accounts.RoleAnalyst, 0)
	if _, _, err := e.App.Accounts.CreateToken(bg, audit.System, target, "log uploader", ""); err != nil {
		t.Fatal(err)
	}
	if err := e.Outbox.Send(bg, mail.Message{To: []string{target.Email}, Subject: "Welcome", Text: "Hello", HTML: "<p>Hello</p>"}); err != nil {
		t.Fatal(err)
	}
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
	userPage := fmt.Sprintf("/admin/users/%d", target.ID)
	for _, path := range []string{userPage, "/admin/mail/" + e.Outbox.List()[0].ID, "/admin/audit?action=user.&actor=1", "/admin/audit?from=nonsense"} {
		browsertest.Do(t, ctx, chromedp.Navigate(e.URL+path), chromedp.WaitVisible(chromedp.CSS("main")))
		axe(path)
	}

	// Checking the chain shows its result.
	browsertest.Do(t, ctx, chromedp.Navigate(e.URL+"/admin/audit"))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/admin/audit/verify"] button`))); err != nil {
		t.Fatal(err)
	}
	if text := browsertest.Text(t, ctx); !strings.Contains(text, "The audit chain is whole") {
		t.Errorf("chain check: %.500s", text)
	}
	axe("audit chain check")

	// Making a token: the value is shown, with a copy button the script reveals.
	browsertest.Do(t, ctx, chromedp.Navigate(e.URL+"/account/tokens"), chromedp.SetValue(chromedp.CSS("#token-name"), "Browser test"))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/account/tokens"] button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	value := browsertest.Get(t, ctx, chromedp.Value(chromedp.CSS("#token-value")))
	if !adminTokenValue.MatchString(value) {
		t.Fatalf("token field holds %q", value)
	}
	browsertest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`button[data-copy-target="#token-value"]`)))
	axe("new token")
	if resp, _ := e.Do(nil, "GET", "/api/v1/me", value, nil); resp.StatusCode != 200 {
		t.Errorf("the token made in the browser: %d", resp.StatusCode)
	}

	// A declined confirmation sends nothing; an accepted one sends its form.
	switchOff := chromedp.CSS(`form[action="` + userPage + `/active"] button`)
	signOut := chromedp.CSS(`form[action="` + userPage + `/signout"] button`)
	browsertest.Do(t, ctx, chromedp.Navigate(e.URL+userPage),
		chromedp.Evaluate[chromedp.Void](`window.confirm = (q) => { window.bwAsked = q; return false; }`),
		chromedp.Click(switchOff))
	asked := browsertest.Get(t, ctx, chromedp.Evaluate[string](`window.bwAsked || ""`))
	if !strings.Contains(asked, "Switch off the account of "+target.Name) {
		t.Errorf("the confirmation asked %q", asked)
	}
	browsertest.Do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(signOut)); err != nil {
		t.Fatal(err)
	}
	if text := browsertest.Text(t, ctx); !strings.Contains(text, "was signed out of") {
		t.Errorf("after signing out: %.500s", text)
	}
	axe("user page with a flash")
	if u := a.user(t, target.ID); !u.Active {
		t.Error("a declined confirmation switched the account off")
	}
	updates, err := e.App.Audit.List(bg, audit.Filter{Action: "user.update", ObjectID: fmt.Sprint(target.ID)})
	if err != nil || len(updates) != 0 {
		t.Errorf("%d updates after a declined confirmation (%v)", len(updates), err)
	}
}
