package ui_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/mail"
)

// adminEnv is an app with one user of every role, signed in as browsers.
type adminEnv struct {
	*apptest.Env
	users map[accounts.Role]accounts.User
	lea   int64
}

func adminSetup(t *testing.T, e *apptest.Env) adminEnv {
	t.Helper()
	lea, err := e.App.Directory.OrganisationByName(context.Background(), "Boone County Clerk")
	if err != nil {
		t.Fatal(err)
	}
	// BuildEdges is to set these; tests set them themselves so that they
	// do not depend on it.
	e.Edges.UI.Config = e.App.Config
	e.Edges.UI.Keys = e.App.Keys
	a := adminEnv{Env: e, users: map[accounts.Role]accounts.User{}, lea: lea.ID}
	for _, r := range accounts.Roles {
		org := int64(0)
		if r == accounts.RoleOrganisationMember {
			org = lea.ID
		}
		a.users[r] = e.User(r, org)
	}
	return a
}

func (a adminEnv) browser(r accounts.Role) *http.Client { return a.Browser(a.users[r]) }

func (a adminEnv) get(t *testing.T, c *http.Client, path string) (int, string) {
	t.Helper()
	resp, body := a.Do(c, "GET", path, "", nil)
	return resp.StatusCode, body
}

// post sends a same-origin form and, when the answer is a redirect, follows
// it once with the same client so that the flash message can be read.
func (a adminEnv) post(t *testing.T, c *http.Client, path string, form url.Values) (int, string, string) {
	t.Helper()
	resp, body := a.PostForm(c, path, form)
	if resp.StatusCode != http.StatusSeeOther {
		return resp.StatusCode, "", body
	}
	loc := resp.Header.Get("Location")
	_, next := a.Do(c, "GET", loc, "", nil)
	return resp.StatusCode, loc, next
}

func (a adminEnv) user(t *testing.T, id int64) accounts.User {
	t.Helper()
	u, err := a.App.Accounts.User(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (a adminEnv) sessions(t *testing.T, id int64) int {
	t.Helper()
	s, err := a.App.Accounts.ListSessions(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return len(s)
}

// actionsBy lists the audit actions recorded for a user, sign-ins aside.
func (a adminEnv) actionsBy(t *testing.T, id int64) []string {
	t.Helper()
	entries, err := a.App.Audit.List(context.Background(), audit.Filter{ActorID: id, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Action, "session.signin") {
			out = append(out, e.Action)
		}
	}
	return out
}

var (
	adminHeading = regexp.MustCompile(`<h([1-6])\b`)
	adminID      = regexp.MustCompile(`\sid="([^"]+)"`)
	adminControl = regexp.MustCompile(`(?s)<(input|select|textarea)\b([^>]*)>`)
	adminInline  = regexp.MustCompile(`(?i)\s(style|on[a-z]+)\s*=`)
)

// adminCheckStructure makes cheap accessibility checks: one h1, no skipped
// heading level, unique ids, a label for every control, nothing inline that
// the content security policy would block.
func adminCheckStructure(t *testing.T, name, page string) {
	t.Helper()
	prev, h1 := 0, 0
	for _, m := range adminHeading.FindAllStringSubmatch(page, -1) {
		level := int(m[1][0] - '0')
		if level == 1 {
			h1++
		}
		if level > prev+1 {
			t.Errorf("%s: h%d follows h%d", name, level, prev)
		}
		prev = level
	}
	if h1 != 1 {
		t.Errorf("%s: %d h1 elements", name, h1)
	}
	seen := map[string]bool{}
	for _, m := range adminID.FindAllStringSubmatch(page, -1) {
		if seen[m[1]] {
			t.Errorf("%s: duplicate id %q", name, m[1])
		}
		seen[m[1]] = true
	}
	for _, m := range adminControl.FindAllStringSubmatch(page, -1) {
		if strings.Contains(m[2], `type="hidden"`) {
			continue
		}
		id := adminID.FindStringSubmatch(m[2])
		if id == nil || !strings.Contains(page, `for="`+id[1]+`"`) {
			t.Errorf("%s: control without a label: %s", name, m[0])
		}
	}
	if m := adminInline.FindString(page); m != "" {
		t.Errorf("%s: inline %q", name, m)
	}
}

func TestAdminPagesRenderForAllowedRolesOnly(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		a := adminSetup(t, e)
		ctx := context.Background()
		if err := e.Outbox.Send(ctx, mail.Message{To: []string{"clerk@example.org"}, Subject: "Reset your password", Text: "Hello"}); err != nil {
			t.Fatal(err)
		}
		msgID := e.Outbox.List()[0].ID
		target := a.users[accounts.RoleLeader]
		pages := []struct {
			path, h1 string
			perm     accounts.Permission
		}{
			{"/admin/users", "Users", accounts.PermUsersRead},
			{"/admin/users/new", "New user", accounts.PermUsersManage},
			{fmt.Sprintf("/admin/users/%d", target.ID), html.EscapeString(target.Name), accounts.PermUsersRead},
			{"/account/tokens", "API tokens", accounts.PermSignedIn},
			{"/admin/audit", "Audit log", accounts.PermAuditRead},
			{"/admin/settings", "Settings", accounts.PermSettingsRead},
			{"/admin/mail", "Mail outbox", accounts.PermMailRead},
			{"/admin/mail/" + msgID, "Reset your password", accounts.PermMailRead},
		}
		for _, pg := range pages {
			for _, role := range accounts.Roles {
				status, body := a.get(t, a.browser(role), pg.path)
				if !role.Can(pg.perm) {
					if status != http.StatusForbidden {
						t.Errorf("GET %s as %s: %d, want 403", pg.path, role, status)
					}
					continue
				}
				if status != http.StatusOK {
					t.Errorf("GET %s as %s: %d, want 200: %.300s", pg.path, role, status, body)
					continue
				}
				if !strings.Contains(body, pg.h1+"</h1>") {
					t.Errorf("GET %s as %s: no heading %q", pg.path, role, pg.h1)
				}
				adminCheckStructure(t, pg.path, body)
			}
		}
		// The CSV export answers with CSV for the roles that read the log.
		for _, role := range accounts.Roles {
			resp, _ := e.Do(a.browser(role), "GET", "/admin/audit.csv", "", nil)
			want := http.StatusForbidden
			if role.Can(accounts.PermAuditRead) {
				want = http.StatusOK
			}
			if resp.StatusCode != want {
				t.Errorf("GET /admin/audit.csv as %s: %d, want %d", role, resp.StatusCode, want)
			}
		}
	})
}

// Every change an administration page makes is refused to each role that
// lacks the permission, and leaves no trace but the refusal.
func TestAdminActionsRefusedWithoutPermission(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		a := adminSetup(t, e)
		ctx := context.Background()
		target := e.User(accounts.RoleAnalyst, 0)
		targetBrowser := e.Browser(target)
		targetToken, tok, err := e.App.Accounts.CreateToken(ctx, audit.System, target, "uploader", "")
		if err != nil {
			t.Fatal(err)
		}
		mailBefore := len(e.Outbox.List())
		tp := fmt.Sprintf("/admin/users/%d", target.ID)
		actions := []struct {
			path string
			form url.Values
			perm accounts.Permission
		}{
			{"/admin/users", url.Values{"email": {"intruder@example.org"}, "name": {"Intruder"}, "role": {"admin"}}, accounts.PermUsersManage},
			{tp + "/role", url.Values{"role": {"admin"}}, accounts.PermUsersManage},
			{tp + "/active", url.Values{"active": {"false"}}, accounts.PermUsersManage},
			{tp + "/unlock", nil, accounts.PermUsersManage},
			{tp + "/mfa/reset", nil, accounts.PermUsersManage},
			{tp + "/signout", nil, accounts.PermUsersManage},
			{fmt.Sprintf("%s/tokens/%d/revoke", tp, tok.ID), nil, accounts.PermUsersManage},
			{"/admin/settings/test-mail", nil, accounts.PermSettingsManage},
		}
		refused := 0
		for _, act := range actions {
			for _, role := range accounts.Roles {
				if role.Can(act.perm) {
					continue
				}
				resp, body := e.PostForm(a.browser(role), act.path, act.form)
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("POST %s as %s: %d, want 403: %.200s", act.path, role, resp.StatusCode, body)
				}
				refused++
			}
		}
		if refused < 30 {
			t.Fatalf("only %d refusals tried", refused)
		}
		// An administrator's API token does not open the pages' forms:
		// they take a browser session only.
		resp, _ := e.Do(nil, "POST", tp+"/role", e.Token(a.users[accounts.RoleAdmin]), strings.NewReader("role=admin"),
			"Content-Type", "application/x-www-form-urlencoded", "Origin", e.URL, "Sec-Fetch-Site", "same-origin")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("POST with an API token: %d to %q, want a redirect to sign in", resp.StatusCode, resp.Header.Get("Location"))
		}
		// A form posted from another site is refused even for an administrator.
		resp, _ = e.Do(a.browser(accounts.RoleAdmin), "POST", tp+"/role", "", strings.NewReader("role=admin"),
			"Content-Type", "application/x-www-form-urlencoded", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST: %d, want 403", resp.StatusCode)
		}

		got := a.user(t, target.ID)
		if got.Role != accounts.RoleAnalyst || !got.Active {
			t.Errorf("target changed: role %s, active %v", got.Role, got.Active)
		}
		if a.sessions(t, target.ID) != 1 {
			t.Errorf("target's session was ended")
		}
		if st, _ := a.get(t, targetBrowser, "/account/tokens"); st != http.StatusOK {
			t.Errorf("target's browser: %d, want still signed in", st)
		}
		if resp, _ := e.Do(nil, "GET", "/api/v1/me", targetToken, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("target's token: %d, want it still valid", resp.StatusCode)
		}
		if _, err := e.App.Accounts.UserByEmail(ctx, "intruder@example.org"); err == nil {
			t.Error("a refused POST created a user")
		}
		if n := len(e.Outbox.List()); n != mailBefore {
			t.Errorf("a refused POST sent mail: %d messages, want %d", n, mailBefore)
		}
		for _, role := range accounts.Roles {
			if role == accounts.RoleAdmin {
				continue
			}
			if acts := a.actionsBy(t, a.users[role].ID); len(acts) > 0 {
				t.Errorf("%s left audit entries %v", role, acts)
			}
		}
	})
}

func TestAdminCreateUser(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		a := adminSetup(t, e)
		admin := a.browser(accounts.RoleAdmin)
		ctx := context.Background()

		status, body := a.get(t, admin, "/admin/users/new")
		if status != 200 {
			t.Fatalf("new user form: %d", status)
		}
		for _, r := range accounts.Roles {
			if !strings.Contains(body, `value="`+string(r)+`"`) {
				t.Errorf("the form does not offer the role %s", r)
			}
		}
		if !strings.Contains(body, "Boone County Clerk") {
			t.Error("the form does not offer the organisations")
		}
		if strings.Contains(body, `type="password"`) {
			t.Error("the form asks for a password")
		}

		bad := []struct {
			name   string
			form   url.Values
			status int
			want   string
		}{
			{"no email", url.Values{"name": {"Pat Doe"}, "role": {"leader"}}, 422, "Enter the email address"},
			{"not an email", url.Values{"email": {"pat at example"}, "name": {"Pat Doe"}, "role": {"leader"}}, 422, "is not an email address"},
			{"no name", url.Values{"email": {"pat@example.org"}, "role": {"leader"}}, 422, "Enter the person"},
			{"no role", url.Values{"email": {"pat@example.org"}, "name": {"Pat Doe"}}, 422, "Choose a role"},
			{"unknown role", url.Values{"email": {"pat@example.org"}, "name": {"Pat Doe"}, "role": {"superuser"}}, 422, "Choose one of the roles"},
			{"member without organisation", url.Values{"email": {"pat@example.org"}, "name": {"Pat Doe"}, "role": {"organisation_member"}}, 422, "must belong to an organisation"},
			{"unknown organisation", url.Values{"email": {"pat@example.org"}, "name": {"Pat Doe"}, "role": {"leader"}, "organisation_id": {"987654"}}, 422, "does not exist"},
			{"organisation not a number", url.Values{"email": {"pat@example.org"}, "name": {"Pat Doe"}, "role": {"leader"}, "organisation_id": {"x"}}, 422, "Choose an organisation"},
			{"email taken", url.Values{"email": {a.users[accounts.RoleLeader].Email}, "name": {"Pat Doe"}, "role": {"leader"}}, 409, "already has a login"},
		}
		for _, tc := range bad {
			status, _, body := a.post(t, admin, "/admin/users", tc.form)
			if status != tc.status || !strings.Contains(html.UnescapeString(body), tc.want) {
				t.Errorf("%s: %d, want %d with %q: %.400s", tc.name, status, tc.status, tc.want, body)
			}
			if tc.status == 422 && !strings.Contains(body, `value="Pat Doe"`) && tc.form.Get("name") != "" {
				t.Errorf("%s: the form lost what was typed", tc.name)
			}
		}
		if _, err := e.App.Accounts.UserByEmail(ctx, "pat@example.org"); err == nil {
			t.Fatal("a refused form created a user")
		}

		status, loc, body := a.post(t, admin, "/admin/users", url.Values{"email": {"Pat.Doe@Example.org"}, "name": {"Pat Doe"},
			"role": {"organisation_member"}, "organisation_id": {fmt.Sprint(a.lea)}})
		if status != http.StatusSeeOther {
			t.Fatalf("create: %d", status)
		}
		created, err := e.App.Accounts.UserByEmail(ctx, "pat.doe@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if loc != fmt.Sprintf("/admin/users/%d", created.ID) {
			t.Errorf("redirected to %q", loc)
		}
		if created.Role != accounts.RoleOrganisationMember || created.OrganisationID != a.lea || !created.Active {
			t.Errorf("created %+v", created)
		}
		if !strings.Contains(html.UnescapeString(body), `"Forgot your password?"`) || !strings.Contains(body, "Boone County Clerk") {
			t.Errorf("the user's page does not say how they get a password: %.2000s", body)
		}
		acts := a.actionsBy(t, a.users[accounts.RoleAdmin].ID)
		if len(acts) != 1 || acts[0] != "user.create" {
			t.Errorf("audit: %v, want [user.create]", acts)
		}
		// The new user appears in the table.
		if _, body := a.get(t, admin, "/admin/users"); !strings.Contains(body, "pat.doe@example.org") {
			t.Error("the users table does not list the new user")
		}
	})
}

func TestAdminUsersPagination(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		a := adminSetup(t, e)
		for i := 0; i < 50; i++ {
			e.User(accounts.RoleLeader, 0)
		}
		admin := a.browser(accounts.RoleAdmin)
		_, first := a.get(t, admin, "/admin/users")
		i := strings.Index(first, `href="/admin/users?after=`)
		if i < 0 {
			t.Fatal("no next-page link with 56 users")
		}
		next := first[i+len(`href="`):]
		next = next[:strings.IndexByte(next, '"')]
		_, second := a.get(t, admin, html.UnescapeString(next))
		seen := map[string]bool{}
		for _, page := range []string{first, second} {
			for _, part := range strings.Split(page, `<a class="usa-link" href="/admin/users/`)[1:] {
				id := part[:strings.IndexByte(part, '"')]
				if seen[id] {
					t.Errorf("user %s on both pages", id)
				}
				seen[id] = true
			}
		}
		if len(seen) != 56 {
			t.Errorf("%d users over two pages, want 56", len(seen))
		}
		if !strings.Contains(second, `href="/admin/users">First page`) || strings.Contains(second, "?after=") {
			t.Error("the last page should link to the first and to no next page")
		}
	})
}

func TestAdminUserActions(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		a := adminSetup(t, e)
		ctx := context.Background()
		adminUser := a.users[accounts.RoleAdmin]
		admin := e.Browser(adminUser)
		target := e.User(accounts.RoleAnalyst, 0)
		tp := fmt.Sprintf("/admin/users/%d", target.ID)

		// The page shows every action to an administrator, none to an auditor.
		_, page := a.get(t, admin, tp)
		adminCheckStructure(t, "user page", page)
		for _, action := range []string{"/role", "/active", "/mfa/reset", "/signout"} {
			if !strings.Contains(page, `action="`+tp+action+`"`) {
				t.Errorf("administrator does not see %s", action)
			}
		}
		if !strings.Contains(page, "data-confirm=") {
			t.Error("actions do not ask for confirmation")
		}
		_, page = a.get(t, a.browser(accounts.RoleAuditor), tp)
		if strings.Contains(page, `method="post" action="`+tp) {
			t.Error("an auditor sees the actions")
		}

		// Changing the role signs the user out everywhere.
		targetBrowser := e.Browser(target)
		e.Browser(target)
		if n := a.sessions(t, target.ID); n != 2 {
			t.Fatalf("%d sessions before, want 2", n)
		}
		status, loc, body := a.post(t, admin, tp+"/role", url.Values{"role": {"leader"}})
		if status != http.StatusSeeOther || loc != tp || !strings.Contains(body, "is now a Leader") {
			t.Errorf("role change: %d to %q: %.300s", status, loc, body)
		}
		if got := a.user(t, target.ID); got.Role != accounts.RoleLeader {
			t.Errorf("role is %s, want leader", got.Role)
		}
		if n := a.sessions(t, target.ID); n != 0 {
			t.Errorf("%d sessions after the role change, want 0", n)
		}
		resp, _ := e.Do(targetBrowser, "GET", "/account/tokens", "", nil)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("the target's old session still works: %d", resp.StatusCode)
		}
		if status, _, body := a.post(t, admin, tp+"/role", url.Values{"role": {"root"}}); status != http.StatusSeeOther || !strings.Contains(body, "Choose one of the roles") {
			t.Errorf("unknown role: %d %.200s", status, body)
		}

		// An administrator cannot remove their own administrator role.
		self := fmt.Sprintf("/admin/users/%d", adminUser.ID)
		_, _, body = a.post(t, admin, self+"/role", url.Values{"role": {"auditor"}})
		if !strings.Contains(body, "You cannot remove your own administrator role") || !strings.Contains(body, "usa-alert--error") {
			t.Errorf("own role change was not refused with the service's message: %.3000s", body)
		}
		_, _, body = a.post(t, admin, self+"/active", url.Values{"active": {"false"}})
		if !strings.Contains(body, "You cannot remove your own administrator role or switch yourself off") {
			t.Errorf("switching oneself off was not refused")
		}
		if got := a.user(t, adminUser.ID); got.Role != accounts.RoleAdmin || !got.Active {
			t.Errorf("administrator changed: %+v", got)
		}

		// Switching off stops sign-in; switching on allows it again.
		a.post(t, admin, tp+"/active", url.Values{"active": {"false"}})
		if got := a.user(t, target.ID); got.Active {
			t.Error("still active after switching off")
		}
		if _, err := e.App.Accounts.Authenticate(ctx, target.Email, apptest.Password, "127.0.0.1"); err != accounts.ErrInactive {
			t.Errorf("sign-in of a switched-off user: %v", err)
		}
		a.post(t, admin, tp+"/active", url.Values{"active": {"true"}})
		if got := a.user(t, target.ID); !got.Active {
			t.Error("not active after switching on")
		}

		// Unlock clears a lock-out.
		for i := 0; i < 5; i++ {
			e.App.Accounts.Authenticate(ctx, target.Email, "wrong password", "127.0.0.1")
		}
		if _, err := e.App.Accounts.Authenticate(ctx, target.Email, apptest.Password, "127.0.0.1"); err != accounts.ErrLocked {
			t.Fatalf("not locked after five failures: %v", err)
		}
		_, page = a.get(t, admin, tp)
		if !strings.Contains(page, `action="`+tp+`/unlock"`) || !strings.Contains(page, "Locked") {
			t.Error("the page does not show the lock and the unlock button")
		}
		if _, _, body := a.post(t, admin, tp+"/unlock", nil); !strings.Contains(body, "is unlocked") {
			t.Errorf("unlock: %.300s", body)
		}
		if _, err := e.App.Accounts.Authenticate(ctx, target.Email, apptest.Password, "127.0.0.1"); err != nil {
			t.Errorf("sign-in after unlock: %v", err)
		}

		// Resetting two-step verification switches it off and ends the sessions.
		e.Browser(target)
		if _, _, body := a.post(t, admin, tp+"/mfa/reset", nil); !strings.Contains(body, "two-step verification is reset") {
			t.Errorf("reset MFA: %.300s", body)
		}
		if got := a.user(t, target.ID); got.MFAEnabled {
			t.Error("MFA still on after the reset")
		}
		if n := a.sessions(t, target.ID); n != 0 {
			t.Errorf("%d sessions after the MFA reset", n)
		}
		if _, page := a.get(t, admin, tp); strings.Contains(page, `action="`+tp+`/mfa/reset"`) || !strings.Contains(page, "Not set up yet") {
			t.Error("the page still offers a reset for a user without MFA")
		}

		// Sign out everywhere.
		e.Browser(target)
		e.Browser(target)
		if _, _, body := a.post(t, admin, tp+"/signout", nil); !strings.Contains(body, "signed out of 2 sessions") {
			t.Errorf("sign out everywhere: %.300s", body)
		}
		if n := a.sessions(t, target.ID); n != 0 {
			t.Errorf("%d sessions left", n)
		}

		// An unknown user is not found.
		if status, _, _ := a.post(t, admin, "/admin/users/987654/unlock", nil); status != http.StatusNotFound {
			t.Errorf("unlock of an unknown user: %d, want 404", status)
		}

		want := []string{"user.update", "user.update", "user.update", "user.unlock", "user.mfa.reset", "session.signout.everywhere"}
		got := a.actionsBy(t, adminUser.ID)
		// Newest first.
		for i, j := 0, len(got)-1; i < j; i, j = i+1, j-1 {
			got[i], got[j] = got[j], got[i]
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("audit: %v, want %v", got, want)
		}
	})
}

func TestAdminRevokesAUsersToken(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		a := adminSetup(t, e)
		ctx := context.Background()
		admin := a.browser(accounts.RoleAdmin)
		owner := e.User(accounts.RoleAnalyst, 0)
		other := e.User(accounts.RoleAnalyst, 0)
		value, tok, err := e.App.Accounts.CreateToken(ctx, audit.System, owner, "log uploader", "")
		if err != nil {
			t.Fatal(err)
		}
		_, page := a.get(t, admin, fmt.Sprintf("/admin/users/%d", owner.ID))
		if !strings.Contains(page, "log uploader") || !strings.Contains(page, tok.Hint) {
			t.Error("the user's page does not list the token")
		}
		if strings.Contains(page, value) {
			t.Fatal("the user's page shows the token value")
		}
		// The token under another user's address is not found and stays valid.
		if status, _, _ := a.post(t, admin, fmt.Sprintf("/admin/users/%d/tokens/%d/revoke", other.ID, tok.ID), nil); status != http.StatusNotFound {
			t.Errorf("revoke through the wrong user: %d, want 404", status)
		}
		if resp, _ := e.Do(nil, "GET", "/api/v1/me", value, nil); resp.StatusCode != 200 {
			t.Fatalf("token refused after a wrong revoke: %d", resp.StatusCode)
		}
		status, _, body := a.post(t, admin, fmt.Sprintf("/admin/users/%d/tokens/%d/revoke", owner.ID, tok.ID), nil)
		if status != http.StatusSeeOther || !strings.Contains(body, "is revoked") || !strings.Contains(body, "Revoked") {
			t.Errorf("revoke: %d %.300s", status, body)
		}
		if resp, _ := e.Do(nil, "GET", "/api/v1/me", value, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("revoked token: %d, want 401", resp.StatusCode)
		}
	})
}
