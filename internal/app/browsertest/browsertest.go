// Package browsertest drives Debian's headless Chromium with chromedp for
// tests of what a person sees and clicks, and runs axe-core in the page.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"bulwark/internal/ui/web"
)

// ExecPath finds the browser: BULWARK_CHROMIUM, else Debian's headless
// shell. Without one the test is skipped, or fails when CI=true.
func ExecPath(t testing.TB) string {
	t.Helper()
	candidates := []string{os.Getenv("BULWARK_CHROMIUM"), "/usr/lib/chromium/chromium-headless-shell", "/usr/bin/chromium-headless-shell", "/usr/lib/chromium/chromium", "/usr/bin/chromium"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but no Chromium found: install Debian's chromium-headless-shell (scripts/test does)")
	}
	t.Skip("no Chromium: set BULWARK_CHROMIUM or install chromium-headless-shell")
	return ""
}

// New starts a browser for t and returns a tab context, closed when t ends.
func New(t testing.TB) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(ExecPath(t)),
		chromedp.NoSandbox,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	// Every action of a test is bounded: a page that never loads fails the
	// test instead of hanging the suite.
	// The first call starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Do runs actions with a time limit, failing t on error.
func Do(t testing.TB, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// Get runs one action that returns a value, with a time limit.
func Get[T any](t testing.TB, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

// SetCookie puts an HttpOnly cookie for baseURL into the browser.
func SetCookie(t testing.TB, ctx context.Context, name, value, baseURL string) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: name, Value: value, URL: baseURL, HTTPOnly: new(true)}); err != nil {
		t.Fatalf("set cookie: %v", err)
	}
}

// Axe runs axe-core on the current page and returns its serious and
// critical violations, one line each.
func Axe(t testing.TB, ctx context.Context) []string {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(tctx, chromedp.Evaluate[any](string(web.AxeScript))); err != nil {
		t.Fatalf("load axe: %v", err)
	}
	out, err := chromedp.Run(tctx, chromedp.Evaluate[[]string](`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
			.filter(v => v.impact === "serious" || v.impact === "critical")
			.map(v => v.impact + " " + v.id + ": " + v.help + " — " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe: %v", err)
	}
	return out
}

// Text returns the visible text of the page's body.
func Text(t testing.TB, ctx context.Context) string {
	t.Helper()
	return strings.TrimSpace(Get(t, ctx, chromedp.Text(chromedp.CSS("body"))))
}

// Describe formats violations for a failure message.
func Describe(v []string) string { return fmt.Sprintf("\n  %s", strings.Join(v, "\n  ")) }
