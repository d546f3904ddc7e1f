package app_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
)

var pathParam = regexp.MustCompile(`\{[a-zA-Z_]+\}`)

// concrete turns a route pattern into a path: parameters become an id that
// does not exist, so that an allowed request can at worst answer 404 and
// never changes anything another check relies on.
func concrete(pattern string) string {
	p := strings.ReplaceAll(pattern, "{$}", "")
	return pathParam.ReplaceAllString(p, "999999")
}

// TestEveryRouteChecksItsPermission tries every route of the app listener
// with every role and with no one signed in: a role without the route's
// permission is refused with 403, a role with it is never refused, and an
// anonymous caller is sent to sign in (pages) or gets 401 (API).
func TestEveryRouteChecksItsPermission(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		lea, err := e.App.Directory.OrganisationByName(ctx, "Boone County Clerk")
		if err != nil {
			t.Fatal(err)
		}
		users := map[accounts.Role]accounts.User{}
		tokens := map[accounts.Role]string{}
		for _, r := range accounts.Roles {
			org := int64(0)
			if r == accounts.RoleOrganisationMember {
				org = lea.ID
			}
			users[r] = e.User(r, org)
			tokens[r] = e.Token(users[r])
		}
		routes := e.Edges.Routes()
		if len(routes) < 30 {
			t.Fatalf("only %d routes: the table is not being read", len(routes))
		}
		checked := 0
		for _, rt := range routes {
			if rt.Perm == "" {
				continue
			}
			path := concrete(rt.Pattern)
			name := rt.Method + " " + rt.Pattern
			// No one signed in.
			resp, _ := e.Do(nil, rt.Method, path, "", nil, "Origin", e.URL, "Sec-Fetch-Site", "same-origin")
			if rt.API {
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s anonymous: %d, want 401", name, resp.StatusCode)
				}
			} else if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
				t.Errorf("%s anonymous: %d to %q, want a redirect to /login", name, resp.StatusCode, resp.Header.Get("Location"))
			}
			for _, role := range accounts.Roles {
				var client *http.Client
				token := ""
				if rt.API {
					token = tokens[role]
				} else {
					client = e.Browser(users[role]) // a fresh session each time
				}
				resp, body := e.Do(client, rt.Method, path, token, strings.NewReader(""), "Origin", e.URL, "Sec-Fetch-Site", "same-origin", "Content-Type", "application/x-www-form-urlencoded")
				allowed := role.Can(rt.Perm)
				switch {
				case !allowed && resp.StatusCode != http.StatusForbidden:
					t.Errorf("%s as %s: %d, want 403 (role lacks %s)", name, role, resp.StatusCode, rt.Perm)
				case allowed && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized):
					t.Errorf("%s as %s: refused with %d though the role holds %s: %.200s", name, role, resp.StatusCode, rt.Perm, body)
				case allowed && resp.StatusCode >= 500:
					t.Errorf("%s as %s: server error %d: %.300s", name, role, resp.StatusCode, body)
				}
				checked++
			}
		}
		t.Logf("%d route × role checks", checked)
	})
}

// TestAPIRoutesAreDocumented fails when an API route has no OpenAPI
// description or the document leaves one out.
func TestAPIRoutesAreDocumented(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		resp, body := e.Do(nil, "GET", "/api/v1/openapi.json", "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("openapi.json: %d", resp.StatusCode)
		}
		for _, rt := range e.Edges.Routes() {
			if !strings.HasPrefix(rt.Pattern, "/api/") {
				continue
			}
			if !rt.API {
				t.Errorf("%s %s is under /api/ but is not an API route", rt.Method, rt.Pattern)
			}
			if rt.Doc == nil || rt.Doc.Summary == "" {
				t.Errorf("%s %s has no OpenAPI summary", rt.Method, rt.Pattern)
				continue
			}
			if !strings.Contains(body, `"`+rt.Pattern+`"`) {
				t.Errorf("%s is missing from openapi.json", rt.Pattern)
			}
		}
	})
}

var _ = access.StageFull
