package ui

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
)

type adminTokenRow struct {
	ID        int64
	Name      string
	Hint      string
	RoleLabel string
	Created   time.Time
	LastUsed  *time.Time
	Revoked   *time.Time
}

func adminTokenRowOf(t accounts.Token) adminTokenRow {
	return adminTokenRow{ID: t.ID, Name: t.Name, Hint: t.Hint, RoleLabel: t.Role.Label(), Created: t.CreatedAt, LastUsed: t.LastUsedAt, Revoked: t.RevokedAt}
}

type adminTokensData struct {
	Tokens []adminTokenRow
	Roles  []adminRoleOption // the roles the user may give a token
	Name   string
	Error  string
}

// adminTokensRender shows the user's tokens and the form to make one.
func (u *UI) adminTokensRender(w http.ResponseWriter, r *http.Request, status int, d adminTokensData, role accounts.Role) error {
	p := access.PrincipalFrom(r.Context())
	tokens, err := u.Accounts.ListTokens(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	for _, t := range tokens {
		d.Tokens = append(d.Tokens, adminTokenRowOf(t))
	}
	if role == "" {
		role = p.User.Role
	}
	d.Roles = adminRoleOptions(role, p.User.Role.Covers)
	return u.render(w, r, status, "tokens", Page{Title: "API tokens", Active: "/account/tokens", Data: d})
}

func (u *UI) adminTokensPage(w http.ResponseWriter, r *http.Request) error {
	return u.adminTokensRender(w, r, 200, adminTokensData{}, "")
}

type adminTokenCreatedData struct {
	Value     string
	Name      string
	RoleLabel string
	AppURL    string
}

func (u *UI) adminTokenCreate(w http.ResponseWriter, r *http.Request) error {
	p := access.PrincipalFrom(r.Context())
	name := strings.TrimSpace(r.PostFormValue("name"))
	role := accounts.Role(r.PostFormValue("role"))
	d := adminTokensData{Name: name}
	switch {
	case name == "":
		d.Error = "Give the token a name that says which program or person uses it."
	case role != "" && !p.User.Role.Covers(role):
		// The service refuses this too; saying it here keeps the message plain.
		d.Error = fmt.Sprintf("A token cannot do more than you can: choose one of the roles listed (your role is %s).", p.User.Role.Label())
	}
	if d.Error != "" {
		return u.adminTokensRender(w, r, http.StatusUnprocessableEntity, d, role)
	}
	value, t, err := u.Accounts.CreateToken(r.Context(), u.actor(r), p.User, name, role)
	if err != nil {
		if msg, ok := adminRefusal(err); ok {
			d.Error = msg
			return u.adminTokensRender(w, r, http.StatusUnprocessableEntity, d, role)
		}
		return err
	}
	// Shown on this response only: the value is not kept, and render marks
	// the page no-store so the browser does not keep it either.
	base := strings.TrimSuffix(u.AppURL, "/")
	return u.render(w, r, http.StatusOK, "token_created", Page{Title: "Your new API token", Active: "/account/tokens",
		Data: adminTokenCreatedData{Value: value, Name: t.Name, RoleLabel: t.Role.Label(), AppURL: base}})
}

func (u *UI) adminTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := adminPathID(r, "id")
	if err != nil {
		return err
	}
	p := access.PrincipalFrom(r.Context())
	// Limited to the user's own tokens: someone else's id is not found.
	if err := u.Accounts.RevokeToken(r.Context(), u.actor(r), id, p.User.ID); err != nil {
		return err
	}
	setFlash(w, "success", "The API token is revoked: programs using it are refused from now on.")
	http.Redirect(w, r, "/account/tokens", http.StatusSeeOther)
	return nil
}
