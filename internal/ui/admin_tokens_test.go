package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
)

var adminTokenValue = regexp.MustCompile(`bwk_[A-Za-z0-9_-]{40,}`)

func TestAdminTokenShownOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		a := adminSetup(t, e)
		analyst := a.users[accounts.RoleAnalyst]
		c := e.Browser(analyst)

		status, _, body := a.post(t, c, "/account/tokens", url.Values{"name": {"County log uploader"}, "role": {"organisation_member"}})
		if status != http.StatusOK {
			t.Fatalf("create: %d %.300s", status, body)
		}
		value := adminTokenValue.FindString(body)
		if value == "" {
			t.Fatalf("the answer shows no token: %.2000s", body)
		}
		for _, want := range []string{"only time", `data-copy-target="#token-value"`, "County log uploader", "Organisation member"} {
			if !strings.Contains(body, want) {
				t.Errorf("the token page lacks %q", want)
			}
		}
		adminCheckStructure(t, "token_created", body)
		// The value works, with the role chosen.
		resp, me := e.Do(nil, "GET", "/api/v1/me", value, nil)
		if resp.StatusCode != 200 || !strings.Contains(me, `"organisation_member"`) {
			t.Errorf("the new token: %d %s", resp.StatusCode, me)
		}
		// It is never shown again: not in the list, not in the store.
		status, list := a.get(t, c, "/account/tokens")
		if status != 200 || !strings.Contains(list, "County log uploader") {
			t.Fatalf("list: %d", status)
		}
		if strings.Contains(list, value) || strings.Contains(list, value[len(accounts.TokenPrefix)+6:]) {
			t.Error("the list shows the token value")
		}
		var stored int
		if err := e.App.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1`, accounts.HashSecret(value)).Scan(&stored); err != nil || stored != 1 {
			t.Errorf("stored by hash: %d, %v", stored, err)
		}
		var plain int
		e.App.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1 OR hint = $1`, value).Scan(&plain)
		if plain != 0 {
			t.Error("the token value is stored in clear")
		}
		if got := len(adminTokenValue.FindAllString(list, -1)); got != 0 {
			t.Errorf("the list holds %d token-like values", got)
		}
	})
}

func TestAdminTokenRoleLimitedToOwn(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		a := adminSetup(t, e)
		for _, role := range accounts.Roles {
			c := a.browser(role)
			_, page := a.get(t, c, "/account/tokens")
			for _, other := range accounts.Roles {
				offered := strings.Contains(page, `<option value="`+string(other)+`"`)
				if offered != role.Covers(other) {
					t.Errorf("%s's form offers %s: %v, want %v", role, other, offered, role.Covers(other))
				}
			}
		}
		// Posting a wider role anyway is refused and makes nothing.
		auditor := a.users[accounts.RoleAuditor]
		for _, wider := range []string{"admin", "analyst", "superuser"} {
			status, _, body := a.post(t, e.Browser(auditor), "/account/tokens", url.Values{"name": {"escalate"}, "role": {wider}})
			if status != http.StatusUnprocessableEntity || adminTokenValue.MatchString(body) {
				t.Errorf("auditor asking for %s: %d", wider, status)
			}
		}
		if status, _, _ := a.post(t, e.Browser(auditor), "/account/tokens", url.Values{"name": {"  "}}); status != http.StatusUnprocessableEntity {
			t.Errorf("token without a name: %d, want 422", status)
		}
		tokens, err := e.App.Accounts.ListTokens(context.Background(), auditor.ID)
		if err != nil || len(tokens) != 0 {
			t.Errorf("refused requests made %d tokens (%v)", len(tokens), err)
		}
		// Without a role, the token gets the user's own.
		status, _, body := a.post(t, e.Browser(auditor), "/account/tokens", url.Values{"name": {"reports"}})
		if status != 200 || !strings.Contains(body, "Auditor") {
			t.Errorf("token with the default role: %d", status)
		}
	})
}

func TestAdminTokenRevoke(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		a := adminSetup(t, e)
		ctx := context.Background()
		owner := e.User(accounts.RoleOrganisationMember, a.lea)
		intruder := e.User(accounts.RoleOrganisationMember, a.lea)
		value := e.Token(owner)
		tokens, err := e.App.Accounts.ListTokens(ctx, owner.ID)
		if err != nil || len(tokens) != 1 {
			t.Fatal(tokens, err)
		}
		path := fmt.Sprintf("/account/tokens/%d/revoke", tokens[0].ID)

		// Another user, and even an administrator, cannot revoke it here by its id.
		for _, c := range []*http.Client{e.Browser(intruder), a.browser(accounts.RoleAdmin)} {
			if status, _, _ := a.post(t, c, path, nil); status != http.StatusNotFound {
				t.Errorf("revoke of someone else's token: %d, want 404", status)
			}
		}
		if resp, _ := e.Do(nil, "GET", "/api/v1/me", value, nil); resp.StatusCode != 200 {
			t.Fatalf("token refused after refused revokes: %d", resp.StatusCode)
		}
		for _, bad := range []string{"/account/tokens/abc/revoke", "/account/tokens/-1/revoke"} {
			if status, _, _ := a.post(t, e.Browser(owner), bad, nil); status != http.StatusNotFound {
				t.Errorf("POST %s: %d, want 404", bad, status)
			}
		}

		status, loc, body := a.post(t, e.Browser(owner), path, nil)
		if status != http.StatusSeeOther || loc != "/account/tokens" || !strings.Contains(body, "is revoked") {
			t.Errorf("revoke: %d to %q", status, loc)
		}
		if resp, _ := e.Do(nil, "GET", "/api/v1/me", value, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("revoked token: %d, want 401", resp.StatusCode)
		}
		if !strings.Contains(body, "Revoked") || strings.Contains(body, `action="`+path+`"`) {
			t.Error("the list does not show the token as revoked")
		}
		if acts := a.actionsBy(t, owner.ID); len(acts) != 1 || acts[0] != "token.revoke" {
			t.Errorf("audit: %v", acts)
		}
	})
}
