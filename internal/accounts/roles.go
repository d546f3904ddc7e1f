// Package accounts owns users (people with a login), their roles and
// permissions, passwords, multi-factor authentication, sessions and API
// tokens.
package accounts

import (
	"fmt"
	"slices"
)

// Role is what a user may do, broadly; permissions spell it out.
type Role string

const (
	RoleAdmin              Role = "admin"
	RoleAwarenessManager   Role = "awareness_manager"
	RoleAnalyst            Role = "analyst"
	RoleOrganisationMember Role = "organisation_member"
	RoleLeader             Role = "leader"
	RoleAuditor            Role = "auditor"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleAwarenessManager, RoleAnalyst, RoleOrganisationMember, RoleLeader, RoleAuditor}

// Label is the role's name as users read it.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "Administrator"
	case RoleAwarenessManager:
		return "Awareness manager"
	case RoleAnalyst:
		return "Election-security analyst"
	case RoleOrganisationMember:
		return "Organisation member"
	case RoleLeader:
		return "Leader"
	case RoleAuditor:
		return "Auditor"
	}
	return string(r)
}

// ParseRole accepts a role's name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if slices.Contains(Roles, r) {
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q (want one of admin, awareness_manager, analyst, organisation_member, leader, auditor)", s)
}

// Permission is one thing a route or action needs.
type Permission string

const (
	// PermSignedIn is held by every signed-in user: their own account,
	// tokens and the dashboard shell.
	PermSignedIn Permission = "signed_in"

	PermDashboard      Permission = "dashboard.read"
	PermDirectoryRead  Permission = "directory.read"
	PermDirectoryWrite Permission = "directory.write"
	PermUsersRead      Permission = "users.read"
	PermUsersManage    Permission = "users.manage"
	PermAuditRead      Permission = "audit.read"
	PermJobsRead       Permission = "jobs.read"
	PermJobsManage     Permission = "jobs.manage"
	PermSettingsRead   Permission = "settings.read"
	PermSettingsManage Permission = "settings.manage"
	PermMailRead       Permission = "mail.read"

	// The pillars; their issues fill in finer permissions.
	PermAwarenessRead   Permission = "awareness.read"
	PermAwarenessWrite  Permission = "awareness.write"
	PermSharingRead     Permission = "sharing.read"
	PermSharingWrite    Permission = "sharing.write"
	PermOperationsRead  Permission = "operations.read"
	PermOperationsWrite Permission = "operations.write"
	PermReadinessRead   Permission = "readiness.read"
	PermReadinessWrite  Permission = "readiness.write"
	PermTrustRead       Permission = "trust.read"
	PermTrustWrite      Permission = "trust.write"
)

var rolePermissions = map[Role][]Permission{
	RoleAdmin: {
		PermSignedIn, PermDashboard, PermDirectoryRead, PermDirectoryWrite, PermUsersRead, PermUsersManage,
		PermAuditRead, PermJobsRead, PermJobsManage, PermSettingsRead, PermSettingsManage, PermMailRead,
		PermAwarenessRead, PermAwarenessWrite, PermSharingRead, PermSharingWrite, PermOperationsRead,
		PermOperationsWrite, PermReadinessRead, PermReadinessWrite, PermTrustRead, PermTrustWrite,
	},
	RoleAwarenessManager: {
		PermSignedIn, PermDashboard, PermDirectoryRead, PermDirectoryWrite, PermJobsRead,
		PermAwarenessRead, PermAwarenessWrite,
	},
	RoleAnalyst: {
		PermSignedIn, PermDashboard, PermDirectoryRead, PermJobsRead,
		PermSharingRead, PermSharingWrite, PermOperationsRead, PermOperationsWrite,
		PermReadinessRead, PermReadinessWrite, PermTrustRead, PermTrustWrite,
	},
	// An LEA's or partner's staff: their own organisation's directory and
	// what is shared with them; the pillars narrow further by organisation.
	RoleOrganisationMember: {
		PermSignedIn, PermDashboard, PermDirectoryRead, PermSharingRead, PermOperationsRead, PermReadinessRead,
	},
	RoleLeader: {
		PermSignedIn, PermDashboard, PermDirectoryRead, PermAwarenessRead, PermSharingRead,
		PermOperationsRead, PermReadinessRead, PermTrustRead,
	},
	// Reads everything it is allowed to, changes nothing.
	RoleAuditor: {
		PermSignedIn, PermDashboard, PermDirectoryRead, PermUsersRead, PermAuditRead, PermJobsRead,
		PermSettingsRead, PermAwarenessRead, PermSharingRead, PermOperationsRead, PermReadinessRead, PermTrustRead,
	},
}

// Can reports whether the role holds the permission.
func (r Role) Can(p Permission) bool {
	return slices.Contains(rolePermissions[r], p)
}

// Permissions lists the role's permissions.
func (r Role) Permissions() []Permission {
	return slices.Clone(rolePermissions[r])
}

// Covers reports whether every permission of other is also r's, so that a
// user of role r may hand out a token scoped to other.
func (r Role) Covers(other Role) bool {
	for _, p := range rolePermissions[other] {
		if !r.Can(p) {
			return false
		}
	}
	return true
}

// SeesAllOrganisations reports whether the role reads the directory beyond
// its own organisation.
func (r Role) SeesAllOrganisations() bool { return r != RoleOrganisationMember }
