package api

import (
	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/directory"
)

// directoryExtraRoutes are the groups and teams of the directory. Reading
// takes PermDirectoryRead and changing PermDirectoryWrite, team membership
// included: awareness managers put together the teams that run their
// campaigns without needing to manage user accounts.
func (a *API) directoryExtraRoutes() []access.Route {
	R, W := accounts.PermDirectoryRead, accounts.PermDirectoryWrite
	return []access.Route{
		{Method: "GET", Pattern: "/api/v1/groups", Perm: R, API: true, Handler: a.listGroups,
			Doc: &access.OpDoc{Summary: "List groups of people (an organisation member sees their organisation's)", Tag: "directory", List: true, Response: directory.Group{},
				Query: []access.Param{{Name: "q", Description: "text in the name"}, {Name: "kind", Description: "static or filter"}}}},
		{Method: "POST", Pattern: "/api/v1/groups", Perm: W, API: true, Handler: a.createGroup,
			Doc: &access.OpDoc{Summary: "Create a group: static (chosen people) or filter (a saved filter)", Tag: "directory", Body: GroupInput{}, Response: directory.Group{}, Status: 201}},
		{Method: "GET", Pattern: "/api/v1/groups/{id}", Perm: R, API: true, Handler: a.getGroup,
			Doc: &access.OpDoc{Summary: "One group with its member count", Tag: "directory", Response: GroupView{}}},
		{Method: "PUT", Pattern: "/api/v1/groups/{id}", Perm: W, API: true, Handler: a.updateGroup,
			Doc: &access.OpDoc{Summary: "Change a group's name, description or filter (not its kind)", Tag: "directory", Body: GroupInput{}, Response: directory.Group{}}},
		{Method: "DELETE", Pattern: "/api/v1/groups/{id}", Perm: W, API: true, Handler: a.deleteGroup,
			Doc: &access.OpDoc{Summary: "Delete a group (its people stay in the directory)", Tag: "directory", Status: 204}},
		{Method: "GET", Pattern: "/api/v1/groups/{id}/members", Perm: R, API: true, Handler: a.listGroupMembers,
			Doc: &access.OpDoc{Summary: "The group's members; a filter group's filter is applied now", Tag: "directory", List: true, Response: directory.Person{}}},
		{Method: "POST", Pattern: "/api/v1/groups/{id}/members", Perm: W, API: true, Handler: a.addGroupMembers,
			Doc: &access.OpDoc{Summary: "Add people to a static group by id or email; each one that cannot be added is reported", Tag: "directory", Body: GroupMembersInput{}, Response: directory.MemberReport{}}},
		{Method: "DELETE", Pattern: "/api/v1/groups/{id}/members/{person}", Perm: W, API: true, Handler: a.removeGroupMember,
			Doc: &access.OpDoc{Summary: "Take a person out of a static group", Tag: "directory", Status: 204}},
		{Method: "GET", Pattern: "/api/v1/people/{id}/groups", Perm: R, API: true, Handler: a.groupsOfPerson,
			Doc: &access.OpDoc{Summary: "The groups a person is a member of today", Tag: "directory", Response: []directory.Group{}}},

		{Method: "GET", Pattern: "/api/v1/teams", Perm: R, API: true, Handler: a.listTeams,
			Doc: &access.OpDoc{Summary: "List teams of users (an organisation member sees the teams they are on)", Tag: "directory", List: true, Response: directory.Team{},
				Query: []access.Param{{Name: "q", Description: "text in the name"}, {Name: "user_id", Type: "integer", Description: "only the teams this user is on"}}}},
		{Method: "POST", Pattern: "/api/v1/teams", Perm: W, API: true, Handler: a.createTeam,
			Doc: &access.OpDoc{Summary: "Create a team", Tag: "directory", Body: TeamInput{}, Response: directory.Team{}, Status: 201}},
		{Method: "GET", Pattern: "/api/v1/teams/{id}", Perm: R, API: true, Handler: a.getTeam,
			Doc: &access.OpDoc{Summary: "One team", Tag: "directory", Response: directory.Team{}}},
		{Method: "PUT", Pattern: "/api/v1/teams/{id}", Perm: W, API: true, Handler: a.updateTeam,
			Doc: &access.OpDoc{Summary: "Rename a team or change its description", Tag: "directory", Body: TeamInput{}, Response: directory.Team{}}},
		{Method: "DELETE", Pattern: "/api/v1/teams/{id}", Perm: W, API: true, Handler: a.deleteTeam,
			Doc: &access.OpDoc{Summary: "Delete a team (its members keep their accounts)", Tag: "directory", Status: 204}},
		{Method: "GET", Pattern: "/api/v1/teams/{id}/members", Perm: R, API: true, Handler: a.listTeamMembers,
			Doc: &access.OpDoc{Summary: "The team's members", Tag: "directory", List: true, Response: directory.TeamMember{}}},
		{Method: "PUT", Pattern: "/api/v1/teams/{id}/members/{user}", Perm: W, API: true, Handler: a.addTeamMember,
			Doc: &access.OpDoc{Summary: "Put a user on the team", Tag: "directory", Status: 204}},
		{Method: "DELETE", Pattern: "/api/v1/teams/{id}/members/{user}", Perm: W, API: true, Handler: a.removeTeamMember,
			Doc: &access.OpDoc{Summary: "Take a user off the team", Tag: "directory", Status: 204}},
	}
}
