package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/directory"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/httpx"
)

// dirTeamsPerPage is the length of a page of teams.
const dirTeamsPerPage = 100

type dirTeamsData struct {
	Teams    []directory.Team
	Mine     bool // an organisation member's view: only the teams they are on
	CanWrite bool
	Pager    dirPager
}

// dirTeamQuery limits an organisation member to the teams they are on.
func dirTeamQuery(r *http.Request) directory.TeamQuery {
	p := access.PrincipalFrom(r.Context())
	if p.Role.SeesAllOrganisations() {
		return directory.TeamQuery{}
	}
	return directory.TeamQuery{MemberUserID: p.User.ID}
}

func (u *UI) dirTeams(w http.ResponseWriter, r *http.Request) error {
	after, trail := dirCursor(r)
	q := dirTeamQuery(r)
	q.AfterID, q.Limit = after, dirTeamsPerPage+1
	teams, err := u.Directory.ListTeams(r.Context(), q)
	if err != nil {
		return err
	}
	more := len(teams) > dirTeamsPerPage
	if more {
		teams = teams[:dirTeamsPerPage]
	}
	d := dirTeamsData{Teams: teams, Mine: q.MemberUserID != 0, CanWrite: dirCanWrite(r)}
	var last int64
	if len(teams) > 0 {
		last = teams[len(teams)-1].ID
	}
	d.Pager = dirMakePager(r, "/directory/teams", after, trail, last, more)
	return u.render(w, r, 200, "teams", Page{Title: "Teams", Active: "/directory/teams", Data: d})
}

// dirVisibleTeam loads the team in the path; an organisation member sees
// only the teams they are on.
func (u *UI) dirVisibleTeam(r *http.Request) (directory.Team, error) {
	id, err := dirPathID(r, "id")
	if err != nil {
		return directory.Team{}, err
	}
	if q := dirTeamQuery(r); q.MemberUserID != 0 {
		on, err := u.Directory.TeamHasMember(r.Context(), id, q.MemberUserID)
		if err != nil {
			return directory.Team{}, err
		}
		if !on {
			return directory.Team{}, dirNotFound("team")
		}
	}
	t, err := u.Directory.Team(r.Context(), id)
	if errors.Is(err, database.ErrNotFound) {
		return t, dirNotFound("team")
	}
	return t, err
}

type dirTeamMemberRow struct {
	directory.TeamMember
	RoleLabel string
}

type dirTeamData struct {
	Team     directory.Team
	Members  []dirTeamMemberRow
	Users    []dirOption // users not on the team, for the add form
	CanWrite bool
	AddError string
}

// dirTeamMembersShown bounds the members a team page lists; teams are
// small, a few dozen people at most.
const dirTeamMembersShown = 500

func (u *UI) dirTeamPage(w http.ResponseWriter, r *http.Request, status int, t directory.Team, addError string) error {
	ctx := r.Context()
	members, err := u.Directory.TeamMembers(ctx, t.ID, 0, dirTeamMembersShown)
	if err != nil {
		return err
	}
	d := dirTeamData{Team: t, CanWrite: dirCanWrite(r), AddError: addError}
	on := map[int64]bool{}
	for _, m := range members {
		on[m.UserID] = true
		d.Members = append(d.Members, dirTeamMemberRow{TeamMember: m, RoleLabel: accounts.Role(m.Role).Label()})
	}
	if d.CanWrite {
		users, err := u.dirAllUsers(ctx)
		if err != nil {
			return err
		}
		for _, usr := range users {
			if !on[usr.ID] && usr.Active {
				d.Users = append(d.Users, dirOption{Value: fmt.Sprint(usr.ID), Label: usr.Name + " (" + usr.Email + ")"})
			}
		}
	}
	return u.render(w, r, status, "team", Page{Title: t.Name, Active: "/directory/teams", Data: d})
}

// dirAllUsers lists every user by name, for choosing team members.
func (u *UI) dirAllUsers(ctx context.Context) ([]accounts.User, error) {
	var out []accounts.User
	var after int64
	for {
		page, err := u.Accounts.ListUsers(ctx, after, 500)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].ID
	}
	slices.SortFunc(out, func(a, b accounts.User) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out, nil
}

func (u *UI) dirTeam(w http.ResponseWriter, r *http.Request) error {
	t, err := u.dirVisibleTeam(r)
	if err != nil {
		return err
	}
	return u.dirTeamPage(w, r, 200, t, "")
}

type dirTeamFormData struct {
	New     bool
	Team    directory.Team
	Errors  map[string]string
	Summary []dirErrorItem
}

func (u *UI) dirTeamForm(w http.ResponseWriter, r *http.Request, status int, t directory.Team, errs map[string]string) error {
	d := dirTeamFormData{New: t.ID == 0, Team: t, Errors: errs, Summary: dirErrorSummary(errs, "name", "description")}
	title := "New team"
	if !d.New {
		title = "Change " + t.Name
	}
	return u.render(w, r, status, "team_form", Page{Title: title, Active: "/directory/teams", Data: d})
}

func (u *UI) dirTeamNew(w http.ResponseWriter, r *http.Request) error {
	return u.dirTeamForm(w, r, 200, directory.Team{}, nil)
}

func (u *UI) dirTeamEdit(w http.ResponseWriter, r *http.Request) error {
	t, err := u.dirVisibleTeam(r)
	if err != nil {
		return err
	}
	return u.dirTeamForm(w, r, 200, t, nil)
}

func (u *UI) dirTeamCreate(w http.ResponseWriter, r *http.Request) error {
	t := directory.Team{Name: r.PostFormValue("name"), Description: r.PostFormValue("description")}
	created, err := u.Directory.CreateTeam(r.Context(), u.actor(r), t)
	if err != nil {
		errs, err := dirFormErrors(err, "name")
		if err != nil {
			return err
		}
		return u.dirTeamForm(w, r, 422, t, errs)
	}
	return dirRedirect(w, r, "success", "The team "+created.Name+" was created. Add its members below.", fmt.Sprintf("/directory/teams/%d", created.ID))
}

func (u *UI) dirTeamUpdate(w http.ResponseWriter, r *http.Request) error {
	old, err := u.dirVisibleTeam(r)
	if err != nil {
		return err
	}
	t := directory.Team{ID: old.ID, Name: r.PostFormValue("name"), Description: r.PostFormValue("description")}
	updated, err := u.Directory.UpdateTeam(r.Context(), u.actor(r), t)
	if err != nil {
		errs, err := dirFormErrors(err, "name")
		if err != nil {
			return err
		}
		return u.dirTeamForm(w, r, 422, t, errs)
	}
	return dirRedirect(w, r, "success", "The changes to "+updated.Name+" were saved.", fmt.Sprintf("/directory/teams/%d", old.ID))
}

func (u *UI) dirTeamDelete(w http.ResponseWriter, r *http.Request) error {
	t, err := u.dirVisibleTeam(r)
	if err != nil {
		return err
	}
	if err := u.Directory.DeleteTeam(r.Context(), u.actor(r), t.ID); err != nil {
		return err
	}
	return dirRedirect(w, r, "success", "The team "+t.Name+" was deleted. Its members keep their accounts.", "/directory/teams")
}

func (u *UI) dirTeamAddMember(w http.ResponseWriter, r *http.Request) error {
	t, err := u.dirVisibleTeam(r)
	if err != nil {
		return err
	}
	user, err := strconv.ParseInt(r.PostFormValue("user_id"), 10, 64)
	if err != nil || user <= 0 {
		return u.dirTeamPage(w, r, 422, t, "Choose the user to add.")
	}
	added, err := u.Directory.AddTeamMembers(r.Context(), u.actor(r), t.ID, []int64{user})
	var fe *directory.FieldError
	if errors.As(err, &fe) {
		return u.dirTeamPage(w, r, 422, t, dirSentence(fe.Reason))
	}
	if err != nil {
		return err
	}
	msg := "The user was added to the team."
	if added == 0 {
		msg = "The user was already on the team."
	}
	return dirRedirect(w, r, "success", msg, fmt.Sprintf("/directory/teams/%d", t.ID))
}

func (u *UI) dirTeamRemoveMember(w http.ResponseWriter, r *http.Request) error {
	t, err := u.dirVisibleTeam(r)
	if err != nil {
		return err
	}
	user, err := dirPathID(r, "user")
	if err != nil {
		return err
	}
	if err := u.Directory.RemoveTeamMember(r.Context(), u.actor(r), t.ID, user); errors.Is(err, database.ErrNotFound) {
		return httpx.Errorf(404, "That user is not on the team.")
	} else if err != nil {
		return err
	}
	return dirRedirect(w, r, "success", "The user was taken off the team.", fmt.Sprintf("/directory/teams/%d", t.ID))
}
