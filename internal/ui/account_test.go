package ui_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
)

func TestAccountPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		lea, err := e.App.Directory.OrganisationByName(context.Background(), "Boone County Clerk")
		if err != nil {
			t.Fatal(err)
		}
		u, _, _ := acctEnrolled(t, e, accounts.RoleOrganisationMember)
		u.OrganisationID = lea.ID
		if _, err := e.App.DB.ExecContext(context.Background(), `UPDATE people SET organisation_id = $1 WHERE id = $2`, lea.ID, u.PersonID); err != nil {
			t.Fatal(err)
		}
		c := e.Browser(u)
		e.Browser(u) // a second device
		resp, body := e.Do(c, "GET", "/account", "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("account page: %d %.300s", resp.StatusCode, body)
		}
		for _, want := range []string{
			u.Name, u.Email, "Organisation member", "Boone County Clerk",
			`action="/logout/everywhere"`, `action="/account/mfa/recovery-codes"`, `href="/account/tokens"`, `href="/account/password"`,
			"This device", "10 unused recovery codes",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("account page lacks %q", want)
			}
		}
		if n := strings.Count(body, "<tr>") - 1; n != 2 {
			t.Errorf("%d sessions listed, want 2", n)
		}
		// Signing out everywhere ends this browser too.
		resp, _ = e.PostForm(c, "/logout/everywhere", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign out everywhere: %d", resp.StatusCode)
		}
		if resp, _ := e.Do(c, "GET", "/account", "", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("account page after signing out everywhere: %d", resp.StatusCode)
		}
	})
}

// The sessions table names a browser's User-Agent in words.
func TestAccountPageNamesDevices(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		u := e.User(accounts.RoleAuditor, 0)
		c := e.Anonymous()
		cookie, err := e.App.Accounts.StartSession(context.Background(), u, true, "127.0.0.1", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0")
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", e.URL+"/account", nil)
		req.AddCookie(&http.Cookie{Name: e.Edges.Auth.CookieName(), Value: cookie})
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if !strings.Contains(string(b), "Edge on Windows") {
			t.Errorf("device not named: %.2000s", b)
		}
	})
}
