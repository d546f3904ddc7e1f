package app_test

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"bulwark/internal/app"
	"bulwark/internal/app/apptest"
	"bulwark/internal/app/browsertest"
	"bulwark/internal/platform/database"
)

// TestDemoFirstSignInAndEveryPage is a new operator's first look, in a real
// browser: serve --demo's one-time password, the forced password change,
// setting up two-step sign-in, the dashboard, signing out and in again with
// a code, and then every page in the navigation.
func TestDemoFirstSignInAndEveryPage(t *testing.T) {
	e := apptest.New(t, database.SQLite)
	var out bytes.Buffer
	if err := app.SeedDemo(context.Background(), e.App, &out); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`one-time password:\s+(\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("demo printed no one-time password:\n%s", out.String())
	}
	oneTime := m[1]
	const newPassword = "harbor-violet-compass-1859"

	ctx := browsertest.New(t)
	submit := func(action string) chromedp.Action[chromedp.Void] {
		return chromedp.Click(chromedp.CSS(`form[action="` + action + `"] button[type="submit"]`))
	}
	heading := func() string {
		return browsertest.Get(t, ctx, chromedp.Text(chromedp.CSS("main h1")))
	}

	// First sign-in with the one-time password.
	browsertest.Do(t, ctx,
		chromedp.Navigate(e.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS("#login-email"), app.DemoAdminEmail),
		chromedp.SendKeys(chromedp.CSS("#login-password"), oneTime),
		submit("/login"),
		chromedp.WaitVisible(chromedp.CSS("#pw-new")),
		chromedp.SendKeys(chromedp.CSS("#pw-new"), newPassword),
		chromedp.SendKeys(chromedp.CSS("#pw-confirm"), newPassword),
		submit("/account/password/new"),
		chromedp.WaitVisible(chromedp.CSS("#mfa-secret")),
	)
	secret := strings.ReplaceAll(browsertest.Get(t, ctx, chromedp.Text(chromedp.CSS("#mfa-secret"))), " ", "")
	enrolledAt := time.Now()
	code, err := totp.GenerateCode(secret, enrolledAt)
	if err != nil {
		t.Fatalf("secret %q: %v", secret, err)
	}
	browsertest.Do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#setup-code"), code),
		submit("/account/mfa/setup"),
		chromedp.WaitVisible(chromedp.CSS(`main a[href="/"]`)),
		chromedp.Click(chromedp.CSS(`main a[href="/"]`)),
		chromedp.WaitVisible(chromedp.CSS(".bw-cards")),
	)
	if h := heading(); h != "Dashboard" {
		t.Fatalf("after setting up: %q", h)
	}
	if p := os.Getenv("BULWARK_SCREENSHOT"); p != "" {
		png := browsertest.Get(t, ctx, chromedp.FullScreenshot(100))
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Sign out, and in again with the new password and a code. The code
	// used at set-up cannot be used again, so take the next time step's.
	next, _ := totp.GenerateCode(secret, enrolledAt.Add(30*time.Second))
	browsertest.Do(t, ctx,
		submit("/logout"),
		chromedp.WaitVisible(chromedp.CSS("#login-email")),
		chromedp.SendKeys(chromedp.CSS("#login-email"), app.DemoAdminEmail),
		chromedp.SendKeys(chromedp.CSS("#login-password"), newPassword),
		submit("/login"),
		chromedp.WaitVisible(chromedp.CSS("#mfa-code")),
		chromedp.SendKeys(chromedp.CSS("#mfa-code"), next),
		chromedp.Click(chromedp.CSS(`form[action="/login/mfa"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".bw-cards")),
	)

	// Every page in the navigation opens, with its own heading and no error.
	links := browsertest.Get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#bw-sidenav a")].map(a => a.getAttribute("href"))`))
	if len(links) < 15 {
		t.Fatalf("the administrator's navigation has %d links: %v", len(links), links)
	}
	for _, href := range links {
		browsertest.Do(t, ctx, chromedp.Navigate(e.URL+href), chromedp.WaitVisible(chromedp.CSS("main h1")))
		hasError := browsertest.Get(t, ctx, chromedp.Evaluate[bool](`document.querySelector(".bw-error") !== null`))
		if hasError {
			t.Errorf("%s shows an error page: %s", href, heading())
		}
		current := browsertest.Get(t, ctx, chromedp.Evaluate[string](`(document.querySelector('#bw-sidenav a[aria-current="page"]') || {}).textContent || ""`))
		if current == "" {
			t.Errorf("%s does not mark itself in the navigation", href)
		}
	}
	// The demo is not an empty screen.
	browsertest.Do(t, ctx, chromedp.Navigate(e.URL+"/directory/people"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if text := browsertest.Text(t, ctx); !strings.Contains(text, "example.org") {
		t.Errorf("the people page of the demo lists no one")
	}
	// Searching narrows the list as one types, without leaving the page.
	browsertest.Get(t, ctx, chromedp.Evaluate[bool](`window.bwMarker = true`))
	browsertest.Do(t, ctx, chromedp.SendKeys(chromedp.CSS("#people-q"), "admin@"))
	browsertest.Get(t, ctx, chromedp.Poll[bool](`document.querySelector(".bw-dir-count").textContent.includes("match")`, chromedp.WithPollingTimeout(10*time.Second)))
	still := browsertest.Get(t, ctx, chromedp.Evaluate[bool](`window.bwMarker === true && location.search.includes("q=admin")`))
	count := browsertest.Get(t, ctx, chromedp.Text(chromedp.CSS(".bw-dir-count")))
	if !still || !strings.HasPrefix(strings.TrimSpace(count), "1 ") {
		t.Errorf("live search: same page %v, count %q", still, count)
	}
}
