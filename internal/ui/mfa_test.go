package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/platform/audit"
)

// acctEnrolled makes a user with a real authenticator key, set up with the
// previous time step's code so that the current code is still unused.
func acctEnrolled(t *testing.T, e *apptest.Env, role accounts.Role) (accounts.User, string, []string) {
	t.Helper()
	ctx := context.Background()
	u := acctWithoutMFA(t, e, role)
	secret, _, err := e.App.Accounts.BeginTOTP(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := e.App.Accounts.ConfirmTOTP(ctx, audit.System, u.ID, acctCode(t, secret, time.Now().Add(-30*time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	u.MFAEnabled = true
	return u, secret, codes
}

// acctWithoutMFA is a user who has not set up two-step verification.
func acctWithoutMFA(t *testing.T, e *apptest.Env, role accounts.Role) accounts.User {
	t.Helper()
	u := e.User(role, 0)
	if _, err := e.App.DB.ExecContext(context.Background(), `UPDATE users SET mfa_enabled = FALSE WHERE id = $1`, u.ID); err != nil {
		t.Fatal(err)
	}
	u.MFAEnabled = false
	return u
}

func acctCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// acctPasswordSignIn signs in with email and password in a new browser and
// returns it with where the server sent it.
func acctPasswordSignIn(t *testing.T, e *apptest.Env, u accounts.User, next string) (*http.Client, string) {
	t.Helper()
	c := e.Anonymous()
	resp, body := e.PostForm(c, "/login", url.Values{"email": {u.Email}, "password": {apptest.Password}, "next": {next}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("password sign-in: %d %.300s", resp.StatusCode, body)
	}
	return c, resp.Header.Get("Location")
}

func acctWantRedirect(t *testing.T, resp *http.Response, body, want string) {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("%s %s: %d to %q, want 303 to %q: %.300s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, resp.Header.Get("Location"), want, body)
	}
}

func TestSecondFactorSignIn(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		u, secret, _ := acctEnrolled(t, e, accounts.RoleAnalyst)
		first, loc := acctPasswordSignIn(t, e, u, "/account/password")
		if loc != "/login/mfa?next=%2Faccount%2Fpassword" {
			t.Fatalf("after the password: sent to %q", loc)
		}
		resp, body := e.Do(first, "GET", loc, "", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, `name="next" value="/account/password"`) || !strings.Contains(body, `autocomplete="one-time-code"`) {
			t.Fatalf("MFA page: %d %.500s", resp.StatusCode, body)
		}

		wrong := "000000"
		if wrong == acctCode(t, secret, time.Now()) {
			wrong = "999999"
		}
		resp, body = e.PostForm(first, "/login/mfa", url.Values{"code": {wrong}})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "That code is not right") {
			t.Fatalf("wrong code: %d %.300s", resp.StatusCode, body)
		}

		code := acctCode(t, secret, time.Now())
		resp, body = e.PostForm(first, "/login/mfa", url.Values{"code": {code}, "next": {"/account/password"}})
		acctWantRedirect(t, resp, body, "/account/password")
		resp, body = e.Do(first, "GET", "/", "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("dashboard after the second factor: %d %.300s", resp.StatusCode, body)
		}

		// The same code cannot sign in a second browser.
		second, _ := acctPasswordSignIn(t, e, u, "/")
		resp, body = e.PostForm(second, "/login/mfa", url.Values{"code": {code}})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "already used") {
			t.Fatalf("reused code: %d %.300s", resp.StatusCode, body)
		}
		resp, body = e.Do(second, "GET", "/", "", nil)
		acctWantRedirect(t, resp, body, "/login/mfa?next=%2F")

		// A next that leaves the site is ignored.
		resp, body = e.Do(second, "GET", "/login/mfa?next=https://evil.example/", "", nil)
		if strings.Contains(body, "evil.example") {
			t.Errorf("MFA page carries a foreign next: %.300s", body)
		}

		// Cancelling signs the half-signed-in browser out.
		resp, body = e.PostForm(second, "/login/cancel", nil)
		acctWantRedirect(t, resp, body, "/login")
		resp, _ = e.Do(second, "GET", "/login/mfa", "", nil)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?") {
			t.Errorf("after cancel: %d to %q, want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

// A browser that gave its password but not its code reaches no page but
// the second step.
func TestUnverifiedSessionReachesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		u, _, _ := acctEnrolled(t, e, accounts.RoleAdmin)
		c, _ := acctPasswordSignIn(t, e, u, "/")
		checked := 0
		for _, rt := range e.Edges.Routes() {
			if rt.Perm == "" || rt.Stage == access.StageMFA {
				continue
			}
			path := regexp.MustCompile(`\{[a-zA-Z_]+\}`).ReplaceAllString(strings.ReplaceAll(rt.Pattern, "{$}", ""), "1")
			resp, body := e.Do(c, rt.Method, path, "", strings.NewReader(""), "Origin", e.URL, "Sec-Fetch-Site", "same-origin", "Content-Type", "application/x-www-form-urlencoded")
			switch {
			case rt.API:
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s %s with a half-signed-in cookie: %d, want 401", rt.Method, rt.Pattern, resp.StatusCode)
				}
			case resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login/mfa"):
				t.Errorf("%s %s before the second factor: %d to %q, want /login/mfa: %.200s", rt.Method, rt.Pattern, resp.StatusCode, resp.Header.Get("Location"), body)
			}
			checked++
		}
		if checked < 10 {
			t.Fatalf("only %d routes checked", checked)
		}
	})
}

func TestRecoveryCodeSignIn(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		u, _, codes := acctEnrolled(t, e, accounts.RoleLeader)
		c, _ := acctPasswordSignIn(t, e, u, "/")
		resp, body := e.PostForm(c, "/login/mfa", url.Values{"recovery_code": {strings.ToUpper(codes[0])}})
		acctWantRedirect(t, resp, body, "/")
		resp, body = e.Do(c, "GET", "/", "", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, "9 left") {
			t.Fatalf("after a recovery code: %d, no count of codes left: %.300s", resp.StatusCode, body)
		}
		c2, _ := acctPasswordSignIn(t, e, u, "/")
		resp, body = e.PostForm(c2, "/login/mfa", url.Values{"recovery_code": {codes[0]}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a used recovery code: %d %.300s", resp.StatusCode, body)
		}
	})
}

func TestWrongCodesLockTheAccountUI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		u, secret, _ := acctEnrolled(t, e, accounts.RoleLeader)
		c, _ := acctPasswordSignIn(t, e, u, "/")
		wrong := "000000"
		now := time.Now()
		for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
			if acctCode(t, secret, now.Add(d)) == wrong {
				wrong = "999999"
			}
		}
		var resp *http.Response
		var body string
		for range 5 {
			resp, body = e.PostForm(c, "/login/mfa", url.Values{"code": {wrong}})
		}
		if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "locked") {
			t.Fatalf("fifth wrong code: %d %.300s", resp.StatusCode, body)
		}
		resp, body = e.PostForm(c, "/login/mfa", url.Values{"code": {acctCode(t, secret, time.Now())}})
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("right code on a locked account: %d %.300s", resp.StatusCode, body)
		}
	})
}

var (
	copyAttr     = regexp.MustCompile(`data-copy="([A-Z2-7]{16,})"`)
	recoveryItem = regexp.MustCompile(`<li><code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code></li>`)
)

func TestEnrolment(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		u := acctWithoutMFA(t, e, accounts.RoleOrganisationMember)
		c, loc := acctPasswordSignIn(t, e, u, "/")
		resp, body := e.Do(c, "GET", loc, "", nil)
		acctWantRedirect(t, resp, body, "/account/mfa/setup")
		for _, path := range []string{"/", "/account", "/account/password", "/login/mfa"} {
			resp, body := e.Do(c, "GET", path, "", nil)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") == path {
				t.Errorf("GET %s before enrolment: %d to %q: %.200s", path, resp.StatusCode, resp.Header.Get("Location"), body)
			}
		}

		resp, body = e.Do(c, "GET", "/account/mfa/setup", "", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, `src="data:image/png;base64,`) {
			t.Fatalf("set-up page: %d, no QR image: %.500s", resp.StatusCode, body)
		}
		m := copyAttr.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("set-up page shows no key to type: %.2000s", body)
		}
		secret := m[1]
		// A reload shows the same key.
		_, again := e.Do(c, "GET", "/account/mfa/setup", "", nil)
		if !strings.Contains(again, secret) {
			t.Fatal("reloading the set-up page changed the key")
		}

		resp, body = e.PostForm(c, "/account/mfa/setup", url.Values{"code": {"12345"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "not right") {
			t.Fatalf("bad code at set-up: %d %.300s", resp.StatusCode, body)
		}
		resp, body = e.PostForm(c, "/account/mfa/setup", url.Values{"code": {acctCode(t, secret, time.Now())}})
		if resp.StatusCode != 200 {
			t.Fatalf("set-up: %d %.500s", resp.StatusCode, body)
		}
		codes := recoveryItem.FindAllStringSubmatch(body, -1)
		if len(codes) != accounts.RecoveryCodeCount || !strings.Contains(body, `data-copy="`+codes[0][1]+"\n") {
			t.Fatalf("%d recovery codes shown, or no copy button: %.1500s", len(codes), body)
		}
		resp, body = e.Do(c, "GET", "/", "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("dashboard after set-up: %d %.300s", resp.StatusCode, body)
		}
		// Set-up cannot be run again over a working key.
		resp, _ = e.Do(c, "GET", "/account/mfa/setup", "", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("set-up page with MFA on: %d", resp.StatusCode)
		}
		got, _ := e.App.Accounts.User(ctx, u.ID)
		if !got.MFAEnabled {
			t.Error("MFA is not on")
		}
		// A recovery code shown at set-up works.
		c2, _ := acctPasswordSignIn(t, e, u, "/")
		resp, body = e.PostForm(c2, "/login/mfa", url.Values{"recovery_code": {codes[4][1]}})
		acctWantRedirect(t, resp, body, "/")
	})
}

func TestRegenerateRecoveryCodes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		u, secret, old := acctEnrolled(t, e, accounts.RoleAuditor)
		c := e.Browser(u)
		resp, body := e.PostForm(c, "/account/mfa/recovery-codes", url.Values{"code": {"12"}})
		acctWantRedirect(t, resp, body, "/account#two-step")
		resp, body = e.Do(c, "GET", "/account", "", nil)
		if !strings.Contains(body, "No new recovery codes were made") {
			t.Fatalf("refusal not shown: %.500s", body)
		}
		resp, body = e.PostForm(c, "/account/mfa/recovery-codes", url.Values{"code": {acctCode(t, secret, time.Now())}})
		fresh := recoveryItem.FindAllStringSubmatch(body, -1)
		if resp.StatusCode != 200 || len(fresh) != accounts.RecoveryCodeCount {
			t.Fatalf("regenerate: %d, %d codes: %.500s", resp.StatusCode, len(fresh), body)
		}
		if _, err := e.App.Accounts.UseRecoveryCode(context.Background(), u.ID, old[0], "127.0.0.1"); err == nil {
			t.Error("an old recovery code still works")
		}
	})
}
