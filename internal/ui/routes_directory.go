package ui

import (
	"bulwark/internal/access"
	"bulwark/internal/accounts"
)

// directoryRoutes are the directory's pages: organisations, people,
// groups, teams and the people import. Reading takes PermDirectoryRead and
// every change PermDirectoryWrite; an organisation member sees only their
// own organisation, its people and its groups, and the teams they are on.
func (u *UI) directoryRoutes() []access.Route {
	R, W := accounts.PermDirectoryRead, accounts.PermDirectoryWrite
	return []access.Route{
		{Method: "GET", Pattern: "/directory/organisations", Perm: R, Handler: u.dirOrganisations},
		{Method: "GET", Pattern: "/directory/organisations/new", Perm: W, Handler: u.dirOrganisationNew},
		{Method: "POST", Pattern: "/directory/organisations", Perm: W, Handler: u.dirOrganisationCreate},
		{Method: "GET", Pattern: "/directory/organisations/{id}", Perm: R, Handler: u.dirOrganisation},
		{Method: "GET", Pattern: "/directory/organisations/{id}/edit", Perm: W, Handler: u.dirOrganisationEdit},
		{Method: "POST", Pattern: "/directory/organisations/{id}", Perm: W, Handler: u.dirOrganisationUpdate},
		{Method: "POST", Pattern: "/directory/organisations/{id}/serves", Perm: W, Handler: u.dirServesAdd},
		{Method: "POST", Pattern: "/directory/organisations/{id}/serves/{served}/remove", Perm: W, Handler: u.dirServesRemove},

		{Method: "GET", Pattern: "/directory/people", Perm: R, Handler: u.dirPeople},
		{Method: "GET", Pattern: "/directory/people/new", Perm: W, Handler: u.dirPersonNew},
		{Method: "POST", Pattern: "/directory/people", Perm: W, Handler: u.dirPersonCreate},
		{Method: "GET", Pattern: "/directory/people/{id}", Perm: R, Handler: u.dirPerson},
		{Method: "GET", Pattern: "/directory/people/{id}/edit", Perm: W, Handler: u.dirPersonEdit},
		{Method: "POST", Pattern: "/directory/people/{id}", Perm: W, Handler: u.dirPersonUpdate},

		{Method: "GET", Pattern: "/directory/groups", Perm: R, Handler: u.dirGroups},
		{Method: "GET", Pattern: "/directory/groups/new", Perm: W, Handler: u.dirGroupNew},
		{Method: "POST", Pattern: "/directory/groups", Perm: W, Handler: u.dirGroupCreate},
		{Method: "GET", Pattern: "/directory/groups/{id}", Perm: R, Handler: u.dirGroup},
		{Method: "GET", Pattern: "/directory/groups/{id}/edit", Perm: W, Handler: u.dirGroupEdit},
		{Method: "POST", Pattern: "/directory/groups/{id}", Perm: W, Handler: u.dirGroupUpdate},
		{Method: "POST", Pattern: "/directory/groups/{id}/delete", Perm: W, Handler: u.dirGroupDelete},
		{Method: "POST", Pattern: "/directory/groups/{id}/members", Perm: W, Handler: u.dirGroupAddMembers},
		{Method: "POST", Pattern: "/directory/groups/{id}/members/{person}/remove", Perm: W, Handler: u.dirGroupRemoveMember},

		{Method: "GET", Pattern: "/directory/teams", Perm: R, Handler: u.dirTeams},
		{Method: "GET", Pattern: "/directory/teams/new", Perm: W, Handler: u.dirTeamNew},
		{Method: "POST", Pattern: "/directory/teams", Perm: W, Handler: u.dirTeamCreate},
		{Method: "GET", Pattern: "/directory/teams/{id}", Perm: R, Handler: u.dirTeam},
		{Method: "GET", Pattern: "/directory/teams/{id}/edit", Perm: W, Handler: u.dirTeamEdit},
		{Method: "POST", Pattern: "/directory/teams/{id}", Perm: W, Handler: u.dirTeamUpdate},
		{Method: "POST", Pattern: "/directory/teams/{id}/delete", Perm: W, Handler: u.dirTeamDelete},
		{Method: "POST", Pattern: "/directory/teams/{id}/members", Perm: W, Handler: u.dirTeamAddMember},
		{Method: "POST", Pattern: "/directory/teams/{id}/members/{user}/remove", Perm: W, Handler: u.dirTeamRemoveMember},

		{Method: "GET", Pattern: "/directory/import", Perm: W, Handler: u.dirImportPage},
		{Method: "GET", Pattern: "/directory/import/sample.csv", Perm: W, Handler: u.dirImportSample},
		{Method: "POST", Pattern: "/directory/import", Perm: W, Handler: u.dirImport},
	}
}
