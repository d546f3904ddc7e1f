package ui

import (
	"bulwark/internal/access"
	"bulwark/internal/accounts"
)

// adminRoutes are the administration pages: users and roles, API tokens,
// the audit log, the running settings and the system-mail outbox.
func (u *UI) adminRoutes() []access.Route {
	return []access.Route{
		{Method: "GET", Pattern: "/admin/users", Perm: accounts.PermUsersRead, Handler: u.adminUsersPage},
		{Method: "GET", Pattern: "/admin/users/new", Perm: accounts.PermUsersManage, Handler: u.adminUserNewPage},
		{Method: "POST", Pattern: "/admin/users", Perm: accounts.PermUsersManage, Handler: u.adminUserCreate},
		{Method: "GET", Pattern: "/admin/users/{id}", Perm: accounts.PermUsersRead, Handler: u.adminUserPage},
		{Method: "POST", Pattern: "/admin/users/{id}/role", Perm: accounts.PermUsersManage, Handler: u.adminUserSetRole},
		{Method: "POST", Pattern: "/admin/users/{id}/active", Perm: accounts.PermUsersManage, Handler: u.adminUserSetActive},
		{Method: "POST", Pattern: "/admin/users/{id}/unlock", Perm: accounts.PermUsersManage, Handler: u.adminUserUnlock},
		{Method: "POST", Pattern: "/admin/users/{id}/mfa/reset", Perm: accounts.PermUsersManage, Handler: u.adminUserResetMFA},
		{Method: "POST", Pattern: "/admin/users/{id}/signout", Perm: accounts.PermUsersManage, Handler: u.adminUserSignOut},
		{Method: "POST", Pattern: "/admin/users/{id}/tokens/{token}/revoke", Perm: accounts.PermUsersManage, Handler: u.adminUserRevokeToken},

		// Every user manages their own API tokens.
		{Method: "GET", Pattern: "/account/tokens", Perm: accounts.PermSignedIn, Handler: u.adminTokensPage},
		{Method: "POST", Pattern: "/account/tokens", Perm: accounts.PermSignedIn, Handler: u.adminTokenCreate},
		{Method: "POST", Pattern: "/account/tokens/{id}/revoke", Perm: accounts.PermSignedIn, Handler: u.adminTokenRevoke},

		{Method: "GET", Pattern: "/admin/audit", Perm: accounts.PermAuditRead, Handler: u.adminAuditPage},
		{Method: "GET", Pattern: "/admin/audit.csv", Perm: accounts.PermAuditRead, Handler: u.adminAuditCSV},
		// Checking the chain reads only, so auditors may; it is a POST
		// because it records that the check was made.
		{Method: "POST", Pattern: "/admin/audit/verify", Perm: accounts.PermAuditRead, Handler: u.adminAuditVerify},

		{Method: "GET", Pattern: "/admin/settings", Perm: accounts.PermSettingsRead, Handler: u.adminSettingsPage},
		{Method: "POST", Pattern: "/admin/settings/test-mail", Perm: accounts.PermSettingsManage, Handler: u.adminSettingsTestMail},

		{Method: "GET", Pattern: "/admin/mail", Perm: accounts.PermMailRead, Handler: u.adminMailPage},
		{Method: "GET", Pattern: "/admin/mail/{id}", Perm: accounts.PermMailRead, Handler: u.adminMailMessagePage},
	}
}
