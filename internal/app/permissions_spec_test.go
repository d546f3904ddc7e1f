package app_test

import (
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/platform/database"
)

// openRoutes are the only routes anyone may call without signing in.
var openRoutes = map[string]bool{
	"GET /login": true, "POST /login": true, "POST /login/cancel": true,
	"GET /login/sso": true, "GET /login/sso/callback": true,
	"GET /password/forgot": true, "POST /password/forgot": true,
	"GET /password/reset": true, "POST /password/reset": true,
	"GET /api/v1/openapi.json": true,
}

// area is one part of the product and the permissions that guard it:
// read for looking, write for changing (and for the forms that change).
type area struct {
	prefixes    []string
	read, write accounts.Permission
}

// areas is the authorization policy written out a second time, apart from
// the routes, so that a route declaring the wrong permission is caught.
var areas = []area{
	{[]string{"/admin/users", "/api/v1/users"}, accounts.PermUsersRead, accounts.PermUsersManage},
	{[]string{"/admin/audit", "/api/v1/audit"}, accounts.PermAuditRead, accounts.PermAuditRead}, // checking the chain changes nothing
	{[]string{"/admin/jobs", "/api/v1/jobs"}, accounts.PermJobsRead, accounts.PermJobsManage},
	{[]string{"/admin/settings"}, accounts.PermSettingsRead, accounts.PermSettingsManage},
	{[]string{"/admin/mail"}, accounts.PermMailRead, accounts.PermMailRead},
	{[]string{"/directory/import"}, accounts.PermDirectoryWrite, accounts.PermDirectoryWrite},
	{[]string{"/directory", "/api/v1/organisations", "/api/v1/people", "/api/v1/groups", "/api/v1/teams"}, accounts.PermDirectoryRead, accounts.PermDirectoryWrite},
	{[]string{"/account", "/api/v1/me", "/api/v1/tokens", "/logout", "/login/mfa"}, accounts.PermSignedIn, accounts.PermSignedIn},
	{[]string{"/phishing", "/training", "/api/v1/phishing"}, accounts.PermAwarenessRead, accounts.PermAwarenessWrite},
	{[]string{"/sharing", "/api/v1/sharing"}, accounts.PermSharingRead, accounts.PermSharingWrite},
	{[]string{"/operations"}, accounts.PermOperationsRead, accounts.PermOperationsWrite},
	{[]string{"/readiness"}, accounts.PermReadinessRead, accounts.PermReadinessWrite},
	{[]string{"/trust"}, accounts.PermTrustRead, accounts.PermTrustWrite},
	{[]string{"/{$}"}, accounts.PermDashboard, accounts.PermDashboard},
}

func expectedPermission(method, pattern string) (accounts.Permission, bool) {
	for _, a := range areas {
		for _, p := range a.prefixes {
			if pattern != p && !strings.HasPrefix(pattern, p+"/") && !strings.HasPrefix(pattern, p+".") {
				continue
			}
			form := strings.HasSuffix(pattern, "/new") || strings.HasSuffix(pattern, "/edit")
			if method == "GET" && !form {
				return a.read, true
			}
			return a.write, true
		}
	}
	return "", false
}

// TestRoutesDeclareThePolicy checks every route's declared permission
// against the policy above; TestEveryRouteChecksItsPermission then proves
// each declaration is enforced for every role.
func TestRoutesDeclareThePolicy(t *testing.T) {
	e := apptest.New(t, database.SQLite)
	for _, rt := range e.Edges.Routes() {
		key := rt.Method + " " + rt.Pattern
		if openRoutes[key] {
			if rt.Perm != "" {
				t.Errorf("%s is listed as open but needs %s", key, rt.Perm)
			}
			continue
		}
		if rt.Perm == "" {
			t.Errorf("%s is open to anyone: add it to openRoutes only if that is meant", key)
			continue
		}
		want, ok := expectedPermission(rt.Method, rt.Pattern)
		if !ok {
			t.Errorf("%s (%s) falls in no area of the policy: add it to areas", key, rt.Perm)
			continue
		}
		if rt.Perm != want {
			t.Errorf("%s needs %s, the policy says %s", key, rt.Perm, want)
		}
	}
}
