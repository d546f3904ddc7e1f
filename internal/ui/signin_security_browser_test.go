package ui_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/app/browsertest"
	"bulwark/internal/platform/database"
)

// TestSignInSecurityInABrowser goes through what a person clicks: setting
// up two-step verification, signing in with a code, the account page and a
// password reset link, running axe-core on each page.
func TestSignInSecurityInABrowser(t *testing.T) {
	e := apptest.New(t, database.SQLite)
	ctx := browsertest.New(t)
	axe := func(name string) {
		t.Helper()
		if v := browsertest.Axe(t, ctx); len(v) > 0 {
			t.Errorf("%s has accessibility violations:%s", name, browsertest.Describe(v))
		}
	}
	submit := func(form string) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if _, err := chromedp.RunResponse(tctx, chromedp.Click(chromedp.CSS(`form[action="`+form+`"] button[type="submit"]`))); err != nil {
			t.Fatalf("submit %s: %v", form, err)
		}
	}
	path := func() string {
		u, _ := url.Parse(browsertest.Get(t, ctx, chromedp.Location()))
		return u.Path
	}

	// Signing in for the first time leads to set-up.
	u := acctWithoutMFA(t, e, accounts.RoleAnalyst)
	browsertest.Do(t, ctx, chromedp.Navigate(e.URL+"/login"),
		chromedp.SetValue(chromedp.CSS("#login-email"), u.Email), chromedp.SetValue(chromedp.CSS("#login-password"), apptest.Password))
	submit("/login")
	if p := path(); p != "/account/mfa/setup" {
		t.Fatalf("after the first sign-in the browser is at %s", p)
	}
	browsertest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS("img.bw-qr")), chromedp.WaitVisible(chromedp.CSS(`button[data-copy]`)))
	axe("set-up")
	secret := strings.ReplaceAll(browsertest.Get(t, ctx, chromedp.Text(chromedp.CSS("#mfa-secret"))), " ", "")
	browsertest.Do(t, ctx, chromedp.SetValue(chromedp.CSS("#setup-code"), acctCode(t, secret, time.Now().Add(-30*time.Second))))
	submit("/account/mfa/setup")
	text := browsertest.Text(t, ctx)
	if !strings.Contains(text, "Save your recovery codes") || strings.Count(text, "-") < 3*accounts.RecoveryCodeCount {
		t.Fatalf("after set-up: %.600s", text)
	}
	browsertest.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`button[data-copy]`)))
	axe("recovery codes")

	// The account page.
	browsertest.Do(t, ctx, chromedp.Navigate(e.URL+"/account"), chromedp.WaitVisible(chromedp.CSS("main")))
	if text := browsertest.Text(t, ctx); !strings.Contains(text, "10 unused recovery codes") || !strings.Contains(strings.ToLower(text), "this device") {
		t.Errorf("account page: %.800s", text)
	}
	axe("account")
	browsertest.Do(t, ctx, chromedp.Navigate(e.URL+"/account/password"), chromedp.WaitVisible(chromedp.CSS("main")))
	axe("change password")

	// Signing out and in again asks for a code.
	submit("/logout")
	browsertest.Do(t, ctx, chromedp.Navigate(e.URL+"/login"),
		chromedp.SetValue(chromedp.CSS("#login-email"), u.Email), chromedp.SetValue(chromedp.CSS("#login-password"), apptest.Password))
	submit("/login")
	if p := path(); p != "/login/mfa" {
		t.Fatalf("after the password the browser is at %s", p)
	}
	axe("second step")
	browsertest.Do(t, ctx, chromedp.SetValue(chromedp.CSS("#mfa-code"), acctCode(t, secret, time.Now())))
	submit("/login/mfa")
	if p := path(); p != "/" {
		t.Fatalf("after the code the browser is at %s", p)
	}
	submit("/logout")

	// A reset link, before and after use; the forced change of password.
	token, _, err := e.App.Accounts.RequestPasswordReset(context.Background(), u.Email, "127.0.0.1")
	if err != nil || token == "" {
		t.Fatalf("reset link: %q, %v", token, err)
	}
	browsertest.Do(t, ctx, chromedp.Navigate(e.URL+"/password/reset?token="+url.QueryEscape(token)), chromedp.WaitVisible(chromedp.CSS("#pw-new")))
	axe("reset form")
	browsertest.Do(t, ctx, chromedp.SetValue(chromedp.CSS("#pw-new"), acctNewPassword), chromedp.SetValue(chromedp.CSS("#pw-confirm"), acctNewPassword))
	submit("/password/reset")
	if text := browsertest.Text(t, ctx); !strings.Contains(text, "Your password is changed") {
		t.Errorf("after the reset: %.400s", text)
	}
	browsertest.Do(t, ctx, chromedp.Navigate(e.URL+"/password/reset?token="+url.QueryEscape(token)), chromedp.WaitVisible(chromedp.CSS("main")))
	if text := browsertest.Text(t, ctx); !strings.Contains(text, "no longer works") {
		t.Errorf("a used link: %.400s", text)
	}
	axe("used reset link")

	v := e.User(accounts.RoleLeader, 0)
	if _, err := e.App.DB.ExecContext(context.Background(), `UPDATE users SET must_change_password = TRUE WHERE id = $1`, v.ID); err != nil {
		t.Fatal(err)
	}
	cookie, err := e.App.Accounts.StartSession(context.Background(), v, true, "127.0.0.1", "browser")
	if err != nil {
		t.Fatal(err)
	}
	browsertest.SetCookie(t, ctx, e.Edges.Auth.CookieName(), cookie, e.URL)
	browsertest.Do(t, ctx, chromedp.Navigate(e.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#pw-new")))
	axe("forced password change")
}
