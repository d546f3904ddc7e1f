package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/platform/audit"
)

const acctNewPassword = "Copper-Prairie-Window-57"

var resetLink = regexp.MustCompile(`(http://[^\s/]+)/password/reset\?token=([A-Za-z0-9_%-]+)`)

// acctRequestReset asks for a reset link for email and returns the page
// body and the mail that arrived, if any.
func acctRequestReset(t *testing.T, e *apptest.Env, email string) (string, []string) {
	t.Helper()
	before := len(e.Outbox.List())
	resp, body := e.PostForm(e.Anonymous(), "/password/forgot", url.Values{"email": {email}})
	if resp.StatusCode != 200 {
		t.Fatalf("forgot %q: %d %.300s", email, resp.StatusCode, body)
	}
	var texts []string
	for _, m := range e.Outbox.List()[:len(e.Outbox.List())-before] {
		texts = append(texts, m.Message.To[0]+"\n"+m.Message.Text)
	}
	return body, texts
}

func TestForgotPassword(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		u := e.User(accounts.RoleAnalyst, 0)
		known, mails := acctRequestReset(t, e, strings.ToUpper(u.Email))
		if len(mails) != 1 || !strings.HasPrefix(mails[0], u.Email+"\n") {
			t.Fatalf("mails after a known address: %q", mails)
		}
		m := resetLink.FindStringSubmatch(mails[0])
		if m == nil || m[1] != e.URL {
			t.Fatalf("the mail has no reset link on %s: %s", e.URL, mails[0])
		}
		unknown, mails := acctRequestReset(t, e, "nobody@example.org")
		if len(mails) != 0 {
			t.Errorf("mail sent for an unknown address: %q", mails)
		}
		if known != unknown {
			t.Errorf("the page differs for a known and an unknown address:\n%s\n---\n%s", known, unknown)
		}
		if !strings.Contains(known, "If that address has a Bulwark account") {
			t.Errorf("the page does not say what happens: %.500s", known)
		}
		resp, body := e.PostForm(e.Anonymous(), "/password/forgot", url.Values{"email": {""}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("empty address: %d %.200s", resp.StatusCode, body)
		}
	})
}

func TestForgotPasswordIsThrottled(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		var last int
		for range 12 {
			resp, _ := e.PostForm(e.Anonymous(), "/password/forgot", url.Values{"email": {"nobody@example.org"}})
			last = resp.StatusCode
		}
		if last != http.StatusTooManyRequests {
			t.Errorf("twelfth request in a row: %d, want 429", last)
		}
	})
}

func TestPasswordResetLink(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		u := e.User(accounts.RoleAnalyst, 0)
		old := e.Browser(u)
		_, mails := acctRequestReset(t, e, u.Email)
		m := resetLink.FindStringSubmatch(mails[0])
		token, _ := url.QueryUnescape(m[2])
		path := "/password/reset?token=" + m[2]

		// Mail scanners open links: HEAD and GET must leave the link usable.
		resp, _ := e.Do(nil, "HEAD", path, "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("HEAD of the link: %d", resp.StatusCode)
		}
		for range 2 {
			resp, body := e.Do(nil, "GET", path, "", nil)
			if resp.StatusCode != 200 || !strings.Contains(body, `name="token" value="`+token+`"`) || !strings.Contains(body, `autocomplete="new-password"`) || !strings.Contains(body, `<button`) {
				t.Fatalf("GET of the link: %d %.800s", resp.StatusCode, body)
			}
		}
		// A refused password keeps the link.
		resp, body := e.PostForm(e.Anonymous(), "/password/reset", url.Values{"token": {token}, "password": {"short"}, "password_confirm": {"short"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "at least 12 characters") {
			t.Fatalf("weak password: %d %.300s", resp.StatusCode, body)
		}
		resp, body = e.PostForm(e.Anonymous(), "/password/reset", url.Values{"token": {token}, "password": {acctNewPassword}, "password_confirm": {acctNewPassword + "x"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "not the same") {
			t.Fatalf("mismatched passwords: %d %.300s", resp.StatusCode, body)
		}

		resp, body = e.PostForm(e.Anonymous(), "/password/reset", url.Values{"token": {token}, "password": {acctNewPassword}, "password_confirm": {acctNewPassword}})
		acctWantRedirect(t, resp, body, "/login")
		if _, err := e.App.Accounts.Authenticate(context.Background(), u.Email, acctNewPassword, "127.0.0.1"); err != nil {
			t.Errorf("the new password does not work: %v", err)
		}
		resp, _ = e.Do(old, "GET", "/", "", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("a browser signed in before the reset still works: %d", resp.StatusCode)
		}

		// Used: the link and its form no longer work.
		resp, body = e.PostForm(e.Anonymous(), "/password/reset", url.Values{"token": {token}, "password": {"Other-Prairie-Window-58"}, "password_confirm": {"Other-Prairie-Window-58"}})
		if resp.StatusCode != http.StatusGone || !strings.Contains(body, "no longer works") {
			t.Fatalf("second use: %d %.300s", resp.StatusCode, body)
		}
		resp, _ = e.Do(nil, "GET", path, "", nil)
		if resp.StatusCode != http.StatusGone {
			t.Errorf("GET of a used link: %d", resp.StatusCode)
		}
		entries, _ := e.App.Audit.List(context.Background(), audit.Filter{Action: "user.password.", ObjectID: strconv.FormatInt(u.ID, 10)})
		if len(entries) < 3 {
			t.Errorf("%d password audit entries, want the request, the use and the change", len(entries))
		}
	})
}

func TestPasswordResetLinkExpires(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		u := e.User(accounts.RoleLeader, 0)
		_, mails := acctRequestReset(t, e, u.Email)
		m := resetLink.FindStringSubmatch(mails[0])
		token, _ := url.QueryUnescape(m[2])
		// Thirty-one minutes pass.
		if _, err := e.App.DB.ExecContext(context.Background(), `UPDATE password_resets SET created_at = $1, expires_at = $2 WHERE user_id = $3`,
			time.Now().UTC().Add(-31*time.Minute), time.Now().UTC().Add(-time.Minute), u.ID); err != nil {
			t.Fatal(err)
		}
		resp, _ := e.Do(nil, "GET", "/password/reset?token="+m[2], "", nil)
		if resp.StatusCode != http.StatusGone {
			t.Errorf("GET of an expired link: %d", resp.StatusCode)
		}
		resp, _ = e.PostForm(e.Anonymous(), "/password/reset", url.Values{"token": {token}, "password": {acctNewPassword}, "password_confirm": {acctNewPassword}})
		if resp.StatusCode != http.StatusGone {
			t.Errorf("POST with an expired link: %d", resp.StatusCode)
		}
		if _, err := e.App.Accounts.Authenticate(context.Background(), u.Email, apptest.Password, "127.0.0.1"); err != nil {
			t.Errorf("the old password stopped working: %v", err)
		}
	})
}

func TestForcedPasswordChange(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		u := e.User(accounts.RoleAdmin, 0)
		if _, err := e.App.DB.ExecContext(context.Background(), `UPDATE users SET must_change_password = TRUE WHERE id = $1`, u.ID); err != nil {
			t.Fatal(err)
		}
		c := e.Browser(u)
		for _, path := range []string{"/", "/account", "/account/password"} {
			resp, body := e.Do(c, "GET", path, "", nil)
			acctWantRedirect(t, resp, body, "/account/password/new")
		}
		resp, body := e.Do(c, "GET", "/account/password/new", "", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, `autocomplete="new-password"`) {
			t.Fatalf("forced change page: %d %.300s", resp.StatusCode, body)
		}
		resp, body = e.PostForm(c, "/account/password/new", url.Values{"password": {apptest.Password}, "password_confirm": {apptest.Password}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "not used here before") {
			t.Fatalf("keeping the one-time password: %d %.300s", resp.StatusCode, body)
		}
		resp, body = e.PostForm(c, "/account/password/new", url.Values{"password": {acctNewPassword}, "password_confirm": {acctNewPassword}})
		acctWantRedirect(t, resp, body, "/")
		resp, body = e.Do(c, "GET", "/", "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("after the change: %d %.300s", resp.StatusCode, body)
		}
	})
}

func TestChangePassword(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		u := e.User(accounts.RoleOrganisationMember, 0)
		c, other := e.Browser(u), e.Browser(u)
		resp, body := e.Do(c, "GET", "/account/password", "", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, `autocomplete="current-password"`) || !strings.Contains(body, `autocomplete="new-password"`) {
			t.Fatalf("change page: %d %.300s", resp.StatusCode, body)
		}
		resp, body = e.PostForm(c, "/account/password", url.Values{"current_password": {"not-my-password-at-all"}, "password": {acctNewPassword}, "password_confirm": {acctNewPassword}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "current password is not right") {
			t.Fatalf("wrong current password: %d %.300s", resp.StatusCode, body)
		}
		resp, body = e.PostForm(c, "/account/password", url.Values{"current_password": {apptest.Password}, "password": {acctNewPassword}, "password_confirm": {acctNewPassword}})
		acctWantRedirect(t, resp, body, "/account")
		if resp, _ := e.Do(c, "GET", "/account", "", nil); resp.StatusCode != 200 {
			t.Errorf("the browser that changed the password was signed out: %d", resp.StatusCode)
		}
		if resp, _ := e.Do(other, "GET", "/account", "", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("another browser survived the change: %d", resp.StatusCode)
		}
	})
}
