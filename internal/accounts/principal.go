package accounts

import (
	"fmt"

	"bulwark/internal/platform/audit"
)

// Principal is who is making a request: a user, through a browser session
// or an API token, with the role in force for this request.
type Principal struct {
	User    User
	Role    Role   // the token's scope for API calls, else the user's role
	TokenID int64  // set for API tokens
	Session string // session id, set for browsers
}

// Can reports whether the principal holds permission p.
func (p *Principal) Can(perm Permission) bool {
	return p != nil && p.User.ID != 0 && p.Role.Can(perm)
}

// Actor is the principal as an audit actor.
func (p *Principal) Actor(ip string) audit.Actor {
	if p == nil {
		return audit.Actor{Label: "anonymous", IP: ip}
	}
	label := fmt.Sprintf("user:%d", p.User.ID)
	if p.TokenID != 0 {
		label = fmt.Sprintf("user:%d/token:%d", p.User.ID, p.TokenID)
	}
	return audit.Actor{UserID: p.User.ID, Label: label, IP: ip}
}

// OrganisationScope is the organisation the principal's directory view is
// limited to, or 0 when they see every organisation.
func (p *Principal) OrganisationScope() int64 {
	if p.Role.SeesAllOrganisations() {
		return 0
	}
	if p.User.OrganisationID == 0 {
		return -1 // a member of no organisation sees nothing
	}
	return p.User.OrganisationID
}
