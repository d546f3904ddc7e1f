package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/directory"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/httpx"
)

// adminUsersPerPage is the length of one page of the users table.
const adminUsersPerPage = 50

// adminRoleDescriptions say in one line what each role is for; the new-user
// form and the role change show them next to the role names.
var adminRoleDescriptions = map[accounts.Role]string{
	accounts.RoleAdmin:              "Manages users, settings and every part of Bulwark, and reads the audit log.",
	accounts.RoleAwarenessManager:   "Keeps the employee directory and runs security-awareness training and phishing simulations.",
	accounts.RoleAnalyst:            "Runs threat sharing and the watch floor, assesses election authorities, manages grants and exercises.",
	accounts.RoleOrganisationMember: "Staff of a local election authority or partner: sees their own organisation and what is shared with it.",
	accounts.RoleLeader:             "Reads dashboards, situation reports and reports; changes nothing.",
	accounts.RoleAuditor:            "Reads everything, including the audit log, and changes nothing.",
}

type adminRoleOption struct {
	Value       accounts.Role
	Label       string
	Description string
	Selected    bool
}

// adminRoleOptions lists roles (all of them when allowed is nil) with the
// given one selected.
func adminRoleOptions(selected accounts.Role, allowed func(accounts.Role) bool) []adminRoleOption {
	var out []adminRoleOption
	for _, r := range accounts.Roles {
		if allowed != nil && !allowed(r) {
			continue
		}
		out = append(out, adminRoleOption{Value: r, Label: r.Label(), Description: adminRoleDescriptions[r], Selected: r == selected})
	}
	return out
}

type adminOrgOption struct {
	ID       int64
	Name     string
	Selected bool
}

// adminOrgOptions lists every organisation by name, for a select.
func (u *UI) adminOrgOptions(ctx context.Context, selected int64) ([]adminOrgOption, error) {
	var out []adminOrgOption
	var after int64
	for {
		orgs, err := u.Directory.ListOrganisations(ctx, directory.OrgFilter{AfterID: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, o := range orgs {
			out = append(out, adminOrgOption{ID: o.ID, Name: o.Name, Selected: o.ID == selected})
		}
		if len(orgs) < 1000 {
			break
		}
		after = orgs[len(orgs)-1].ID
	}
	slices.SortFunc(out, func(a, b adminOrgOption) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out, nil
}

// adminOrgNames looks up the names of organisations, once each.
type adminOrgNames struct {
	u     *UI
	names map[int64]string
}

func (n *adminOrgNames) name(ctx context.Context, id int64) string {
	if id == 0 {
		return ""
	}
	if n.names == nil {
		n.names = map[int64]string{}
	}
	if s, ok := n.names[id]; ok {
		return s
	}
	s := fmt.Sprintf("Organisation %d", id)
	if o, err := n.u.Directory.Organisation(ctx, id); err == nil {
		s = o.Name
	}
	n.names[id] = s
	return s
}

func adminLocked(usr accounts.User) bool {
	return usr.LockedUntil != nil && usr.LockedUntil.After(time.Now())
}

type adminUserRow struct {
	ID           int64
	Name, Email  string
	RoleLabel    string
	Organisation string
	MFA, Active  bool
	Locked       bool
	LastLogin    *time.Time
}

type adminUsersData struct {
	Users     []adminUserRow
	CanManage bool
	After     int64 // the cursor this page started from; 0 on the first page
	Next      int64 // the cursor of the next page; 0 when this is the last
}

func (u *UI) adminUsersPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	after, err := adminCursor(r.URL.Query(), "after")
	if err != nil {
		return err
	}
	users, err := u.Accounts.ListUsers(ctx, after, adminUsersPerPage+1)
	if err != nil {
		return err
	}
	d := adminUsersData{CanManage: access.PrincipalFrom(ctx).Can(accounts.PermUsersManage), After: after}
	if len(users) > adminUsersPerPage {
		users = users[:adminUsersPerPage]
		d.Next = users[len(users)-1].ID
	}
	orgs := adminOrgNames{u: u}
	for _, usr := range users {
		d.Users = append(d.Users, adminUserRow{ID: usr.ID, Name: usr.Name, Email: usr.Email, RoleLabel: usr.Role.Label(),
			Organisation: orgs.name(ctx, usr.OrganisationID), MFA: usr.MFAEnabled, Active: usr.Active,
			Locked: adminLocked(usr), LastLogin: usr.LastLoginAt})
	}
	return u.render(w, r, 200, "users", Page{Title: "Users", Active: "/admin/users", Data: d})
}

type adminUserFormData struct {
	Error          string
	Email, Name    string
	Roles          []adminRoleOption
	Organisations  []adminOrgOption
	OrganisationID int64
}

func (u *UI) adminUserForm(w http.ResponseWriter, r *http.Request, status int, d adminUserFormData, role accounts.Role) error {
	orgs, err := u.adminOrgOptions(r.Context(), d.OrganisationID)
	if err != nil {
		return err
	}
	d.Organisations = orgs
	d.Roles = adminRoleOptions(role, nil)
	return u.render(w, r, status, "user_form", Page{Title: "New user", Active: "/admin/users", Data: d})
}

func (u *UI) adminUserNewPage(w http.ResponseWriter, r *http.Request) error {
	return u.adminUserForm(w, r, 200, adminUserFormData{}, "")
}

func (u *UI) adminUserCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d := adminUserFormData{Email: strings.TrimSpace(r.PostFormValue("email")), Name: strings.TrimSpace(r.PostFormValue("name"))}
	role := accounts.Role(r.PostFormValue("role"))
	orgText := strings.TrimSpace(r.PostFormValue("organisation_id"))
	if orgText != "" {
		id, err := strconv.ParseInt(orgText, 10, 64)
		if err != nil || id <= 0 {
			d.Error = "Choose an organisation from the list."
			return u.adminUserForm(w, r, http.StatusUnprocessableEntity, d, role)
		}
		d.OrganisationID = id
	}
	switch {
	case d.Email == "":
		d.Error = "Enter the email address the person signs in with."
	case d.Name == "":
		d.Error = "Enter the person's name."
	case role == "":
		d.Error = "Choose a role."
	case role == accounts.RoleOrganisationMember && d.OrganisationID == 0:
		d.Error = "An organisation member must belong to an organisation: choose theirs."
	}
	if d.Error == "" {
		if _, err := accounts.ParseRole(string(role)); err != nil {
			d.Error = "Choose one of the roles listed."
		}
	}
	if d.Error == "" && d.OrganisationID != 0 {
		if _, err := u.Directory.Organisation(ctx, d.OrganisationID); errors.Is(err, database.ErrNotFound) {
			d.Error = "That organisation does not exist any more: choose another."
		} else if err != nil {
			return err
		}
	}
	if d.Error != "" {
		return u.adminUserForm(w, r, http.StatusUnprocessableEntity, d, role)
	}
	usr, err := u.Accounts.CreateUser(ctx, u.actor(r), accounts.NewUser{Email: d.Email, Name: d.Name, Role: role, OrganisationID: d.OrganisationID})
	if err != nil {
		if msg, ok := adminRefusal(err); ok {
			d.Error = msg
			status := http.StatusUnprocessableEntity
			if errors.Is(err, database.ErrConflict) {
				status = http.StatusConflict
			}
			return u.adminUserForm(w, r, status, d, role)
		}
		return err
	}
	setFlash(w, "success", fmt.Sprintf("%s can now sign in. They have no password yet: ask them to open the sign-in page, choose \"Forgot your password?\" and follow the link mailed to %s.", usr.Name, usr.Email))
	http.Redirect(w, r, fmt.Sprintf("/admin/users/%d", usr.ID), http.StatusSeeOther)
	return nil
}

type adminUserData struct {
	User         accounts.User
	RoleLabel    string
	Organisation string
	Locked       bool
	Sessions     int
	Tokens       []adminTokenRow
	Roles        []adminRoleOption
	CanManage    bool
	Self         bool
}

func (u *UI) adminUserPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := adminPathID(r, "id")
	if err != nil {
		return err
	}
	usr, err := u.Accounts.User(ctx, id)
	if err != nil {
		return err
	}
	p := access.PrincipalFrom(ctx)
	orgs := adminOrgNames{u: u}
	d := adminUserData{User: usr, RoleLabel: usr.Role.Label(), Organisation: orgs.name(ctx, usr.OrganisationID),
		Locked: adminLocked(usr), CanManage: p.Can(accounts.PermUsersManage), Self: p.User.ID == usr.ID,
		Roles: adminRoleOptions(usr.Role, nil)}
	sessions, err := u.Accounts.ListSessions(ctx, usr.ID)
	if err != nil {
		return err
	}
	d.Sessions = len(sessions)
	tokens, err := u.Accounts.ListTokens(ctx, usr.ID)
	if err != nil {
		return err
	}
	for _, t := range tokens {
		d.Tokens = append(d.Tokens, adminTokenRowOf(t))
	}
	return u.render(w, r, 200, "user", Page{Title: usr.Name, Active: "/admin/users", Data: d})
}

// adminUserAction loads the user a POST acts on; a missing one is a 404.
func (u *UI) adminUserAction(r *http.Request) (accounts.User, error) {
	id, err := adminPathID(r, "id")
	if err != nil {
		return accounts.User{}, err
	}
	return u.Accounts.User(r.Context(), id)
}

// adminBackToUser ends an action on a user's page: a flash, then the page.
func adminBackToUser(w http.ResponseWriter, r *http.Request, id int64, kind, msg string) error {
	setFlash(w, kind, msg)
	http.Redirect(w, r, fmt.Sprintf("/admin/users/%d", id), http.StatusSeeOther)
	return nil
}

func (u *UI) adminUserSetRole(w http.ResponseWriter, r *http.Request) error {
	usr, err := u.adminUserAction(r)
	if err != nil {
		return err
	}
	role, err := accounts.ParseRole(r.PostFormValue("role"))
	if err != nil {
		return adminBackToUser(w, r, usr.ID, "error", "Choose one of the roles listed.")
	}
	if role == usr.Role {
		return adminBackToUser(w, r, usr.ID, "info", fmt.Sprintf("%s already has the %s role; nothing changed.", usr.Name, role.Label()))
	}
	if _, err := u.Accounts.UpdateUser(r.Context(), u.actor(r), usr.ID, role, usr.Active); err != nil {
		if msg, ok := adminRefusal(err); ok {
			return adminBackToUser(w, r, usr.ID, "error", msg)
		}
		return err
	}
	return adminBackToUser(w, r, usr.ID, "success", fmt.Sprintf("%s is now %s. They were signed out everywhere and sign in again with the new role.", usr.Name, adminArticle(role.Label())))
}

func (u *UI) adminUserSetActive(w http.ResponseWriter, r *http.Request) error {
	usr, err := u.adminUserAction(r)
	if err != nil {
		return err
	}
	var active bool
	switch r.PostFormValue("active") {
	case "true":
		active = true
	case "false":
	default:
		return adminBackToUser(w, r, usr.ID, "error", "Say whether to switch the account on or off.")
	}
	if active == usr.Active {
		return adminBackToUser(w, r, usr.ID, "info", "The account was already like that; nothing changed.")
	}
	if _, err := u.Accounts.UpdateUser(r.Context(), u.actor(r), usr.ID, usr.Role, active); err != nil {
		if msg, ok := adminRefusal(err); ok {
			return adminBackToUser(w, r, usr.ID, "error", msg)
		}
		return err
	}
	if active {
		return adminBackToUser(w, r, usr.ID, "success", fmt.Sprintf("%s's account is switched on: they can sign in again.", usr.Name))
	}
	return adminBackToUser(w, r, usr.ID, "success", fmt.Sprintf("%s's account is switched off and they were signed out everywhere. Their API tokens stop working too.", usr.Name))
}

func (u *UI) adminUserUnlock(w http.ResponseWriter, r *http.Request) error {
	usr, err := u.adminUserAction(r)
	if err != nil {
		return err
	}
	if err := u.Accounts.UnlockUser(r.Context(), u.actor(r), usr.ID); err != nil {
		return err
	}
	return adminBackToUser(w, r, usr.ID, "success", fmt.Sprintf("%s's account is unlocked: they can try to sign in again now.", usr.Name))
}

func (u *UI) adminUserResetMFA(w http.ResponseWriter, r *http.Request) error {
	usr, err := u.adminUserAction(r)
	if err != nil {
		return err
	}
	// Resetting also ends the user's sessions.
	if err := u.Accounts.ResetMFA(r.Context(), u.actor(r), usr.ID); err != nil {
		return err
	}
	if usr.ID == access.PrincipalFrom(r.Context()).User.ID {
		u.Auth.ClearSessionCookie(w)
		setFlash(w, "success", "Your two-step verification is reset. Sign in again and set it up with your new app.")
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	return adminBackToUser(w, r, usr.ID, "success", fmt.Sprintf("%s's two-step verification is reset and they were signed out everywhere. They set it up again the next time they sign in.", usr.Name))
}

func (u *UI) adminUserSignOut(w http.ResponseWriter, r *http.Request) error {
	usr, err := u.adminUserAction(r)
	if err != nil {
		return err
	}
	n, err := u.Accounts.EndAllSessions(r.Context(), u.actor(r), usr.ID)
	if err != nil {
		return err
	}
	if usr.ID == access.PrincipalFrom(r.Context()).User.ID {
		u.Auth.ClearSessionCookie(w)
		setFlash(w, "success", "You are signed out on every device.")
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	return adminBackToUser(w, r, usr.ID, "success", fmt.Sprintf("%s was signed out of %d %s.", usr.Name, n, adminPlural(n, "session", "sessions")))
}

func (u *UI) adminUserRevokeToken(w http.ResponseWriter, r *http.Request) error {
	usr, err := u.adminUserAction(r)
	if err != nil {
		return err
	}
	tokenID, err := adminPathID(r, "token")
	if err != nil {
		return err
	}
	// The owner limits the revocation to this user's tokens, so a wrong
	// pair of ids revokes nothing.
	if err := u.Accounts.RevokeToken(r.Context(), u.actor(r), tokenID, usr.ID); err != nil {
		return err
	}
	return adminBackToUser(w, r, usr.ID, "success", "The API token is revoked: programs using it are refused from now on.")
}

// adminPathID reads a positive id from the path; anything else is a 404.
func adminPathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, httpx.Errorf(http.StatusNotFound, "There is nothing at this address.")
	}
	return id, nil
}

// adminCursor reads an optional page cursor (an id) from a query string.
func adminCursor(v url.Values, name string) (int64, error) {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 {
		return 0, httpx.Errorf(http.StatusBadRequest, "The page address is damaged (%s is not a number). Go back to the first page.", name)
	}
	return id, nil
}

// adminRefusal turns a refusal by the domain (bad input, a duplicate, a rule)
// into a sentence for the page; ok is false for any other error.
func adminRefusal(err error) (string, bool) {
	var fe *directory.FieldError
	switch {
	case errors.As(err, &fe):
		return adminSentence(fe.Field + " " + fe.Reason), true
	case errors.Is(err, directory.ErrInvalid), errors.Is(err, database.ErrConflict), errors.Is(err, accounts.ErrWeakPassword):
		msg := err.Error()
		for _, prefix := range []string{directory.ErrInvalid.Error() + ": ", database.ErrConflict.Error() + ": "} {
			msg = strings.TrimPrefix(msg, prefix)
		}
		return adminSentence(msg), true
	}
	return "", false
}

// adminSentence starts s with a capital letter and ends it with a full stop.
func adminSentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

func adminArticle(label string) string {
	if label != "" && strings.ContainsRune("AEIOU", rune(label[0])) {
		return "an " + label
	}
	return "a " + label
}

func adminPlural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
