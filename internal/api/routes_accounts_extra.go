package api

import (
	"net/http"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
)

// accountsExtraRoutes are account operations beyond the basic user list.
func (a *API) accountsExtraRoutes() []access.Route {
	return []access.Route{
		{Method: "POST", Pattern: "/api/v1/users/{id}/mfa/reset", Perm: accounts.PermUsersManage, API: true, Handler: a.resetUserMFA,
			Doc: &access.OpDoc{Summary: "Turn off a user's two-step verification (lost phone and recovery codes): deletes their key and recovery codes and signs them out everywhere; they set it up again at their next sign-in", Tag: "accounts", Status: 204}},
	}
}

func (a *API) resetUserMFA(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Accounts.ResetMFA(r.Context(), actor(r, a.Auth), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
