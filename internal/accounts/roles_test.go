package accounts

import "testing"

func TestAuditorAndLeaderChangeNothing(t *testing.T) {
	writes := []Permission{PermDirectoryWrite, PermUsersManage, PermJobsManage, PermSettingsManage,
		PermAwarenessWrite, PermSharingWrite, PermOperationsWrite, PermReadinessWrite, PermTrustWrite}
	for _, r := range []Role{RoleAuditor, RoleLeader, RoleOrganisationMember} {
		for _, p := range writes {
			if r.Can(p) {
				t.Errorf("%s holds %s", r, p)
			}
		}
	}
}

func TestOnlyAdminManagesUsersAndSettings(t *testing.T) {
	for _, r := range Roles {
		for _, p := range []Permission{PermUsersManage, PermSettingsManage, PermMailRead} {
			if r.Can(p) != (r == RoleAdmin) {
				t.Errorf("%s.Can(%s) = %v", r, p, r.Can(p))
			}
		}
	}
}

func TestCovers(t *testing.T) {
	if !RoleAdmin.Covers(RoleAuditor) || !RoleAdmin.Covers(RoleAnalyst) {
		t.Error("admin should cover auditor and analyst")
	}
	if RoleAuditor.Covers(RoleAdmin) || RoleLeader.Covers(RoleAnalyst) || RoleAnalyst.Covers(RoleAwarenessManager) {
		t.Error("a narrower role covers a wider one")
	}
	for _, r := range Roles {
		if !r.Covers(r) {
			t.Errorf("%s does not cover itself", r)
		}
		if !r.Can(PermSignedIn) {
			t.Errorf("%s lacks signed_in", r)
		}
	}
	if _, err := ParseRole("root"); err == nil {
		t.Error("unknown role accepted")
	}
}
