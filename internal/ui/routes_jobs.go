package ui

import (
	"bulwark/internal/access"
	"bulwark/internal/accounts"
)

// jobsRoutes are the background jobs pages: anyone who may read jobs sees
// them; retrying and cancelling need the manage permission.
func (u *UI) jobsRoutes() []access.Route {
	return []access.Route{
		{Method: "GET", Pattern: "/admin/jobs", Perm: accounts.PermJobsRead, Handler: u.jobsPage},
		{Method: "GET", Pattern: "/admin/jobs/{id}", Perm: accounts.PermJobsRead, Handler: u.jobPage},
		{Method: "POST", Pattern: "/admin/jobs/{id}/retry", Perm: accounts.PermJobsManage, Handler: u.jobRetry},
		{Method: "POST", Pattern: "/admin/jobs/{id}/cancel", Perm: accounts.PermJobsManage, Handler: u.jobCancel},
	}
}
