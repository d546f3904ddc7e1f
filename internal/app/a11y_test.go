package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/app/browsertest"
	"bulwark/internal/platform/database"
)

// TestEveryPageIsAccessible opens every page of the staff interface in
// Chromium, signed in as an administrator (and the sign-in pages signed
// out), and fails on any serious or critical axe-core violation.
func TestEveryPageIsAccessible(t *testing.T) {
	e := apptest.New(t, database.SQLite)
	ctx := browsertest.New(t)
	admin := e.User(accounts.RoleAdmin, 0)

	var pages []string
	for _, rt := range e.Edges.Routes() {
		if rt.API || rt.Method != "GET" || rt.Perm == "" || strings.Contains(strings.ReplaceAll(rt.Pattern, "{$}", ""), "{") || strings.HasSuffix(rt.Pattern, ".csv") {
			continue
		}
		pages = append(pages, strings.ReplaceAll(rt.Pattern, "{$}", ""))
	}
	if len(pages) < 7 {
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
