package api

import (
	"net/http"

	"bulwark/internal/access"
	"bulwark/internal/directory"
	"bulwark/internal/platform/httpx"
)

// GroupInput is the body that creates or changes a group. Department, title
// and location apply to filter groups only; organisation_id is the
// filter's organisation, or for a static group the organisation its
// members must belong to.
type GroupInput struct {
	Name           string              `json:"name"`
	Description    string              `json:"description,omitempty"`
	Kind           directory.GroupKind `json:"kind"`
	OrganisationID int64               `json:"organisation_id,omitempty"`
	Department     string              `json:"department,omitempty"`
	Title          string              `json:"title,omitempty"`
	Location       string              `json:"location,omitempty"`
	// ActiveOnly leaves out people who are switched off; true when absent.
	ActiveOnly *bool `json:"active_only,omitempty"`
}

func (in GroupInput) group(id int64) directory.Group {
	return directory.Group{ID: id, Name: in.Name, Description: in.Description, Kind: in.Kind, OrganisationID: in.OrganisationID,
		Department: in.Department, Title: in.Title, Location: in.Location, ActiveOnly: in.ActiveOnly == nil || *in.ActiveOnly}
}

// GroupView is a group with its member count.
type GroupView struct {
	directory.Group
	MemberCount int `json:"member_count"`
}

// GroupMembersInput names the people to add, by id, by email or both.
type GroupMembersInput struct {
	PersonIDs []int64  `json:"person_ids,omitempty"`
	Emails    []string `json:"emails,omitempty"`
}

func directoryScope(r *http.Request) directory.Scope {
	return directory.Scope(access.PrincipalFrom(r.Context()).OrganisationScope())
}

func (a *API) listGroups(w http.ResponseWriter, r *http.Request) error {
	limit, after, err := pageParams(r)
	if err != nil {
		return err
	}
	q := directory.GroupQuery{Query: r.URL.Query().Get("q"), Kind: directory.GroupKind(r.URL.Query().Get("kind")), AfterID: after, Limit: limit + 1}
	groups, err := a.Directory.ListGroups(r.Context(), directoryScope(r), q)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, page(groups, limit, func(g directory.Group) int64 { return g.ID }))
	return nil
}

func (a *API) getGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	g, err := a.Directory.Group(r.Context(), directoryScope(r), id)
	if err != nil {
		return err
	}
	n, err := a.Directory.CountGroupMembers(r.Context(), directoryScope(r), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, GroupView{Group: g, MemberCount: n})
	return nil
}

func (a *API) createGroup(w http.ResponseWriter, r *http.Request) error {
	var in GroupInput
	if err := decode(r, &in); err != nil {
		return err
	}
	g, err := a.Directory.CreateGroup(r.Context(), actor(r, a.Auth), in.group(0))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, g)
	return nil
}

// visibleGroup loads the group named in the path, as the caller may see it.
func (a *API) visibleGroup(r *http.Request) (directory.Group, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return directory.Group{}, err
	}
	return a.Directory.Group(r.Context(), directoryScope(r), id)
}

func (a *API) updateGroup(w http.ResponseWriter, r *http.Request) error {
	old, err := a.visibleGroup(r)
	if err != nil {
		return err
	}
	var in GroupInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Kind == "" {
		in.Kind = old.Kind
	}
	g, err := a.Directory.UpdateGroup(r.Context(), actor(r, a.Auth), in.group(old.ID))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, g)
	return nil
}

func (a *API) deleteGroup(w http.ResponseWriter, r *http.Request) error {
	g, err := a.visibleGroup(r)
	if err != nil {
		return err
	}
	if err := a.Directory.DeleteGroup(r.Context(), actor(r, a.Auth), g.ID); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

func (a *API) listGroupMembers(w http.ResponseWriter, r *http.Request) error {
	limit, after, err := pageParams(r)
	if err != nil {
		return err
	}
	g, err := a.visibleGroup(r)
	if err != nil {
		return err
	}
	people, err := a.Directory.GroupMembers(r.Context(), directoryScope(r), g.ID, after, limit+1)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, page(people, limit, func(p directory.Person) int64 { return p.ID }))
	return nil
}

func (a *API) addGroupMembers(w http.ResponseWriter, r *http.Request) error {
	g, err := a.visibleGroup(r)
	if err != nil {
		return err
	}
	var in GroupMembersInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if len(in.PersonIDs) == 0 && len(in.Emails) == 0 {
		return httpx.Errorf(422, "Name the people to add in person_ids or emails.")
	}
	rep := directory.MemberReport{Errors: []directory.EmailError{}}
	if len(in.PersonIDs) > 0 {
		byID, err := a.Directory.AddGroupMembers(r.Context(), actor(r, a.Auth), g.ID, in.PersonIDs)
		if err != nil {
			return err
		}
		rep = byID
	}
	if len(in.Emails) > 0 {
		byEmail, err := a.Directory.AddGroupMembersByEmail(r.Context(), actor(r, a.Auth), g.ID, in.Emails)
		if err != nil {
			return err
		}
		rep.Added += byEmail.Added
		rep.AlreadyMembers += byEmail.AlreadyMembers
		rep.Errors = append(rep.Errors, byEmail.Errors...)
	}
	httpx.WriteJSON(w, 200, rep)
	return nil
}

func (a *API) removeGroupMember(w http.ResponseWriter, r *http.Request) error {
	g, err := a.visibleGroup(r)
	if err != nil {
		return err
	}
	person, err := pathID(r, "person")
	if err != nil {
		return err
	}
	if err := a.Directory.RemoveGroupMember(r.Context(), actor(r, a.Auth), g.ID, person); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

func (a *API) groupsOfPerson(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := a.Directory.Person(r.Context(), id)
	if err != nil {
		return err
	}
	if !orgVisible(r, p.OrganisationID) {
		return httpx.Errorf(404, "There is no person %d.", id)
	}
	groups, err := a.Directory.GroupsOfPerson(r.Context(), directoryScope(r), id)
	if err != nil {
		return err
	}
	if groups == nil {
		groups = []directory.Group{}
	}
	httpx.WriteJSON(w, 200, groups)
	return nil
}
