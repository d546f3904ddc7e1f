package ui

import (
	"net/http"
	"time"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
)

// Routes lists every page of the staff interface.
func (u *UI) Routes() []access.Route {
	S := accounts.PermSignedIn
	routes := []access.Route{
		{Method: "GET", Pattern: "/login", Handler: u.loginPage},
		{Method: "POST", Pattern: "/login", Handler: u.login},
		{Method: "POST", Pattern: "/logout", Perm: S, Handler: u.logout},
		{Method: "POST", Pattern: "/logout/everywhere", Perm: S, Handler: u.logoutEverywhere},
		{Method: "GET", Pattern: "/{$}", Perm: accounts.PermDashboard, Handler: u.dashboard},
		{Method: "GET", Pattern: "/training", Perm: accounts.PermAwarenessRead, Handler: u.pillar("Security-awareness training", "/training")},
		{Method: "GET", Pattern: "/operations", Perm: accounts.PermOperationsRead, Handler: u.pillar("Election operations", "/operations")},
		{Method: "GET", Pattern: "/readiness", Perm: accounts.PermReadinessRead, Handler: u.pillar("Readiness", "/readiness")},
		{Method: "GET", Pattern: "/trust", Perm: accounts.PermTrustRead, Handler: u.pillar("Trusted information", "/trust")},
	}
	routes = append(routes, u.accountRoutes()...)
	routes = append(routes, u.directoryRoutes()...)
	routes = append(routes, u.adminRoutes()...)
	routes = append(routes, u.jobsRoutes()...)
	routes = append(routes, u.phishingRoutes()...)
	routes = append(routes, u.sharingRoutes()...)
	return append(routes, u.Extra...)
}

type recentItem struct {
	When                  time.Time
	Actor, Action, Object string
}

type dashboardData struct {
	Organisations, People, LEAs, Users, PendingJobs int
	Recent                                          []recentItem
}

func (u *UI) dashboard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := access.PrincipalFrom(ctx)
	var d dashboardData
	var err error
	scope := p.OrganisationScope()
	if d.People, err = u.Directory.CountPeople(ctx, directory.PeopleFilter{OrganisationID: scope}); err != nil {
		return err
	}
	if d.Organisations, err = u.Directory.CountOrganisations(ctx, ""); err != nil {
		return err
	}
	if d.LEAs, err = u.Directory.CountOrganisations(ctx, directory.KindLocalElectionAuthority); err != nil {
		return err
	}
	if p.Can(accounts.PermUsersRead) {
		d.Users, _ = u.Accounts.CountUsers(ctx)
	}
	if p.Can(accounts.PermJobsRead) && u.Jobs != nil {
		d.PendingJobs, _ = u.Jobs.Pending(ctx)
	}
	if p.Can(accounts.PermAuditRead) {
		entries, err := u.Audit.List(ctx, audit.Filter{Limit: 8})
		if err != nil {
			return err
		}
		names := map[int64]string{}
		for _, e := range entries {
			obj := e.ObjectType
			if e.ObjectID != "" {
				obj += " " + e.ObjectID
			}
			who := e.Actor
			if e.ActorUserID != 0 {
				// The log keeps ids, not names; the page shows who that is now.
				if _, ok := names[e.ActorUserID]; !ok {
					if au, err := u.Accounts.User(ctx, e.ActorUserID); err == nil {
						names[e.ActorUserID] = au.Name
					}
				}
				if n := names[e.ActorUserID]; n != "" {
					who = n
				}
			}
			d.Recent = append(d.Recent, recentItem{When: e.At, Actor: who, Action: e.Action, Object: obj})
		}
	}
	return u.render(w, r, 200, "dashboard", Page{Title: "Dashboard", Active: "/", Data: d})
}

// pillar is the page of a pillar whose own issue is still to come.
func (u *UI) pillar(title, path string) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		return u.render(w, r, 200, "pillar", Page{Title: title, Active: path, Data: map[string]string{"Title": title, "Path": path}})
	}
}
