package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"bulwark/internal/directory"
	"bulwark/internal/platform/database"
)

// dirGroupsPerPage and dirMembersPerPage are the lengths of a page of
// groups and of a group's members.
const (
	dirGroupsPerPage  = 50
	dirMembersPerPage = 25
)

type dirGroupRow struct {
	directory.Group
	OrgName string
	Members int
}

type dirGroupsData struct {
	Rows     []dirGroupRow
	Count    int
	Query    string
	Pager    dirPager
	CanWrite bool
	Scoped   bool
}

func (u *UI) dirGroups(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	scope := dirScope(r)
	after, trail := dirCursor(r)
	q := directory.GroupQuery{Query: dirQuery(r.URL.Query(), "q"), AfterID: after, Limit: dirGroupsPerPage + 1}
	groups, err := u.Directory.ListGroups(ctx, scope, q)
	if err != nil {
		return err
	}
	more := len(groups) > dirGroupsPerPage
	if more {
		groups = groups[:dirGroupsPerPage]
	}
	d := dirGroupsData{Query: q.Query, CanWrite: dirCanWrite(r), Scoped: scope != directory.AllOrganisations}
	if d.Count, err = u.Directory.CountGroups(ctx, scope, q); err != nil {
		return err
	}
	all, err := u.dirAllOrganisations(ctx)
	if err != nil {
		return err
	}
	for _, g := range groups {
		n, err := u.Directory.CountGroupMembers(ctx, scope, g.ID)
		if err != nil {
			return err
		}
		d.Rows = append(d.Rows, dirGroupRow{Group: g, OrgName: all.Name(g.OrganisationID), Members: n})
	}
	var last int64
	if len(groups) > 0 {
		last = groups[len(groups)-1].ID
	}
	d.Pager = dirMakePager(r, "/directory/groups", after, trail, last, more)
	return u.render(w, r, 200, "groups", Page{Title: "Groups", Active: "/directory/groups", Data: d})
}

// dirVisibleGroup loads the group in the path as the user may see it.
func (u *UI) dirVisibleGroup(r *http.Request) (directory.Group, error) {
	id, err := dirPathID(r, "id")
	if err != nil {
		return directory.Group{}, err
	}
	g, err := u.Directory.Group(r.Context(), dirScope(r), id)
	if errors.Is(err, database.ErrNotFound) {
		return g, dirNotFound("group")
	}
	return g, err
}

type dirGroupData struct {
	Group       directory.Group
	OrgName     string
	Criteria    []string
	MemberCount int
	Members     []dirPersonRow
	Pager       dirPager
	CanWrite    bool
	CanAdd      bool
	Report      *directory.MemberReport
	Emails      string
	AddError    string
}

// dirGroupCriteria says in words who a group holds.
func dirGroupCriteria(g directory.Group, orgName string) []string {
	var out []string
	if g.IsFilter() {
		if orgName != "" {
			out = append(out, "in "+orgName)
		} else {
			out = append(out, "in any organisation")
		}
		if g.Department != "" {
			out = append(out, "department is "+g.Department)
		}
		if g.Title != "" {
			out = append(out, "job title is "+g.Title)
		}
		if g.Location != "" {
			out = append(out, "location is "+g.Location)
		}
	} else if orgName != "" {
		out = append(out, "chosen people of "+orgName)
	} else {
		out = append(out, "chosen people of any organisation")
	}
	if g.ActiveOnly {
		out = append(out, "active people only")
	} else {
		out = append(out, "inactive people too")
	}
	return out
}

func (u *UI) dirGroupPage(w http.ResponseWriter, r *http.Request, status int, g directory.Group, d dirGroupData) error {
	ctx := r.Context()
	scope := dirScope(r)
	all, err := u.dirAllOrganisations(ctx)
	if err != nil {
		return err
	}
	d.Group, d.OrgName = g, all.Name(g.OrganisationID)
	d.Criteria = dirGroupCriteria(g, d.OrgName)
	d.CanWrite = dirCanWrite(r)
	d.CanAdd = d.CanWrite && !g.IsFilter()
	if d.MemberCount, err = u.Directory.CountGroupMembers(ctx, scope, g.ID); err != nil {
		return err
	}
	after, trail := dirCursor(r)
	members, err := u.Directory.GroupMembers(ctx, scope, g.ID, after, dirMembersPerPage+1)
	if err != nil {
		return err
	}
	more := len(members) > dirMembersPerPage
	if more {
		members = members[:dirMembersPerPage]
	}
	for _, p := range members {
		d.Members = append(d.Members, dirPersonRow{Person: p, OrgName: all.Name(p.OrganisationID)})
	}
	var last int64
	if len(members) > 0 {
		last = members[len(members)-1].ID
	}
	d.Pager = dirMakePager(r, fmt.Sprintf("/directory/groups/%d", g.ID), after, trail, last, more)
	return u.render(w, r, status, "group", Page{Title: g.Name, Active: "/directory/groups", Data: d})
}

func (u *UI) dirGroup(w http.ResponseWriter, r *http.Request) error {
	g, err := u.dirVisibleGroup(r)
	if err != nil {
		return err
	}
	return u.dirGroupPage(w, r, 200, g, dirGroupData{})
}

type dirGroupFormData struct {
	New           bool
	Group         directory.Group
	Organisations []dirOption
	Errors        map[string]string
	Summary       []dirErrorItem
}

var dirGroupFieldOrder = []string{"name", "description", "kind", "organisation", "department", "title", "location"}

func (u *UI) dirGroupForm(w http.ResponseWriter, r *http.Request, status int, g directory.Group, errs map[string]string) error {
	all, err := u.dirAllOrganisations(r.Context())
	if err != nil {
		return err
	}
	d := dirGroupFormData{New: g.ID == 0, Group: g, Organisations: all.options(g.OrganisationID, 0), Errors: errs, Summary: dirErrorSummary(errs, dirGroupFieldOrder...)}
	title := "New group"
	if !d.New {
		title = "Change " + g.Name
	}
	return u.render(w, r, status, "group_form", Page{Title: title, Active: "/directory/groups", Data: d})
}

func (u *UI) dirGroupNew(w http.ResponseWriter, r *http.Request) error {
	kind := directory.GroupKind(r.URL.Query().Get("kind"))
	if kind != directory.GroupFiltered {
		kind = directory.GroupStatic
	}
	return u.dirGroupForm(w, r, 200, directory.Group{Kind: kind, ActiveOnly: true}, nil)
}

func (u *UI) dirGroupEdit(w http.ResponseWriter, r *http.Request) error {
	g, err := u.dirVisibleGroup(r)
	if err != nil {
		return err
	}
	return u.dirGroupForm(w, r, 200, g, nil)
}

func (u *UI) dirGroupFromForm(r *http.Request, id int64, kind directory.GroupKind) (directory.Group, map[string]string, error) {
	if err := r.ParseForm(); err != nil {
		return directory.Group{}, nil, err
	}
	f := r.PostForm
	if kind == "" {
		kind = directory.GroupKind(f.Get("kind"))
	}
	g := directory.Group{ID: id, Name: f.Get("name"), Description: f.Get("description"), Kind: kind,
		ActiveOnly: f.Get("active_only") == "1", Department: f.Get("department"), Title: f.Get("title"), Location: f.Get("location")}
	errs := map[string]string{}
	if s := strings.TrimSpace(f.Get("organisation_id")); s != "" {
		org, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			_, err = u.Directory.Organisation(r.Context(), org)
		}
		if err != nil {
			errs["organisation"] = "Choose an organisation from the list."
		}
		g.OrganisationID = org
	}
	if kind != directory.GroupStatic && kind != directory.GroupFiltered {
		errs["kind"] = "Choose whether the group holds chosen people or a saved filter."
	}
	return g, errs, nil
}

func (u *UI) dirGroupCreate(w http.ResponseWriter, r *http.Request) error {
	g, errs, err := u.dirGroupFromForm(r, 0, "")
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return u.dirGroupForm(w, r, 422, g, errs)
	}
	created, err := u.Directory.CreateGroup(r.Context(), u.actor(r), g)
	if err != nil {
		errs, err := dirFormErrors(err, "name")
		if err != nil {
			return err
		}
		return u.dirGroupForm(w, r, 422, g, errs)
	}
	msg := "The group " + created.Name + " was created."
	if !created.IsFilter() {
		msg += " Add its members below."
	}
	return dirRedirect(w, r, "success", msg, fmt.Sprintf("/directory/groups/%d", created.ID))
}

func (u *UI) dirGroupUpdate(w http.ResponseWriter, r *http.Request) error {
	old, err := u.dirVisibleGroup(r)
	if err != nil {
		return err
	}
	g, errs, err := u.dirGroupFromForm(r, old.ID, old.Kind)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return u.dirGroupForm(w, r, 422, g, errs)
	}
	updated, err := u.Directory.UpdateGroup(r.Context(), u.actor(r), g)
	if err != nil {
		errs, err := dirFormErrors(err, "name")
		if err != nil {
			return err
		}
		return u.dirGroupForm(w, r, 422, g, errs)
	}
	return dirRedirect(w, r, "success", "The changes to "+updated.Name+" were saved.", fmt.Sprintf("/directory/groups/%d", old.ID))
}

func (u *UI) dirGroupDelete(w http.ResponseWriter, r *http.Request) error {
	g, err := u.dirVisibleGroup(r)
	if err != nil {
		return err
	}
	if err := u.Directory.DeleteGroup(r.Context(), u.actor(r), g.ID); err != nil {
		return err
	}
	return dirRedirect(w, r, "success", "The group "+g.Name+" was deleted. Its people stay in the directory.", "/directory/groups")
}

func (u *UI) dirGroupAddMembers(w http.ResponseWriter, r *http.Request) error {
	g, err := u.dirVisibleGroup(r)
	if err != nil {
		return err
	}
	text := r.PostFormValue("emails")
	emails := directory.SplitEmails(text)
	if len(emails) == 0 {
		return u.dirGroupPage(w, r, 422, g, dirGroupData{AddError: "Paste at least one email address.", Emails: text})
	}
	rep, err := u.Directory.AddGroupMembersByEmail(r.Context(), u.actor(r), g.ID, emails)
	if errors.Is(err, directory.ErrInvalid) {
		return u.dirGroupPage(w, r, 422, g, dirGroupData{AddError: dirSentence(strings.TrimPrefix(err.Error(), directory.ErrInvalid.Error()+": ")), Emails: text})
	}
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("%d %s added", rep.Added, dirPlural(rep.Added, "person", "people"))
	if rep.AlreadyMembers > 0 {
		msg += fmt.Sprintf("; %d %s already a member", rep.AlreadyMembers, dirPlural(rep.AlreadyMembers, "was", "were"))
	}
	if len(rep.Errors) == 0 {
		return dirRedirect(w, r, "success", msg+".", fmt.Sprintf("/directory/groups/%d", g.ID))
	}
	// Show what could not be added, and keep those addresses to fix.
	var failed []string
	for _, e := range rep.Errors {
		failed = append(failed, e.Email)
	}
	status := 200
	if rep.Added == 0 {
		status = 422
	}
	return u.dirGroupPage(w, r, status, g, dirGroupData{Report: &rep, Emails: strings.Join(failed, "\n")})
}

func dirPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (u *UI) dirGroupRemoveMember(w http.ResponseWriter, r *http.Request) error {
	g, err := u.dirVisibleGroup(r)
	if err != nil {
		return err
	}
	person, err := dirPathID(r, "person")
	if err != nil {
		return err
	}
	if err := u.Directory.RemoveGroupMember(r.Context(), u.actor(r), g.ID, person); errors.Is(err, database.ErrNotFound) {
		return dirRedirect(w, r, "info", "That person was not a member of the group.", fmt.Sprintf("/directory/groups/%d", g.ID))
	} else if err != nil {
		return err
	}
	return dirRedirect(w, r, "success", "The person was taken out of the group.", fmt.Sprintf("/directory/groups/%d", g.ID))
}
