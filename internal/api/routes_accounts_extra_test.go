package api_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/platform/audit"
)

func TestResetUserMFA(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		admin := e.User(accounts.RoleAdmin, 0)
		target := e.User(accounts.RoleOrganisationMember, 0)
		browser := e.Browser(target)
		path := "/api/v1/users/" + strconv.FormatInt(target.ID, 10) + "/mfa/reset"

		// Every role but the administrator's is refused, and nothing changes.
		for _, role := range []accounts.Role{accounts.RoleAuditor, accounts.RoleAnalyst, accounts.RoleAwarenessManager, accounts.RoleLeader, accounts.RoleOrganisationMember} {
			resp, body := e.Do(nil, "POST", path, e.Token(e.User(role, 0)), nil)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: %d, want 403: %.200s", role, resp.StatusCode, body)
			}
		}
		// The user cannot reset their own second factor with a token either.
		if resp, _ := e.Do(nil, "POST", path, e.Token(target), nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("the user themself: %d, want 403", resp.StatusCode)
		}
		if resp, _ := e.Do(nil, "POST", path, "", nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("no token: %d, want 401", resp.StatusCode)
		}
		if u, _ := e.App.Accounts.User(ctx, target.ID); !u.MFAEnabled {
			t.Fatal("a refused request turned MFA off")
		}

		tok := e.Token(admin)
		if resp, body := e.Do(nil, "POST", "/api/v1/users/999999/mfa/reset", tok, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown user: %d %.200s", resp.StatusCode, body)
		}
		resp, body := e.Do(nil, "POST", path, tok, nil)
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("reset: %d %.300s", resp.StatusCode, body)
		}
		if u, _ := e.App.Accounts.User(ctx, target.ID); u.MFAEnabled {
			t.Error("MFA still on after the reset")
		}
		if resp, _ := e.Do(browser, "GET", "/", "", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the user's browser is still signed in: %d", resp.StatusCode)
		}
		entries, err := e.App.Audit.List(ctx, audit.Filter{Action: "user.mfa.reset", ObjectID: strconv.FormatInt(target.ID, 10)})
		if err != nil || len(entries) != 1 || entries[0].ActorUserID != admin.ID {
			t.Errorf("audit: %+v, %v; want one entry by the administrator", entries, err)
		}
	})
}
