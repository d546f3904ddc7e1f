package api

import (
	"net/http"

	"bulwark/internal/access"
	"bulwark/internal/directory"
	"bulwark/internal/platform/httpx"
)

// TeamInput is the body that creates or changes a team.
type TeamInput struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// visibleTeam loads the team named in the path. Staff see every team; an
// organisation member sees only the teams they are on.
func (a *API) visibleTeam(r *http.Request) (directory.Team, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return directory.Team{}, err
	}
	p := access.PrincipalFrom(r.Context())
	if !p.Role.SeesAllOrganisations() {
		on, err := a.Directory.TeamHasMember(r.Context(), id, p.User.ID)
		if err != nil {
			return directory.Team{}, err
		}
		if !on {
			return directory.Team{}, httpx.Errorf(404, "There is no team %d.", id)
		}
	}
	return a.Directory.Team(r.Context(), id)
}

func (a *API) listTeams(w http.ResponseWriter, r *http.Request) error {
	limit, after, err := pageParams(r)
	if err != nil {
		return err
	}
	user, err := queryInt(r, "user_id")
	if err != nil {
		return err
	}
	q := directory.TeamQuery{MemberUserID: user, Query: r.URL.Query().Get("q"), AfterID: after, Limit: limit + 1}
	if p := access.PrincipalFrom(r.Context()); !p.Role.SeesAllOrganisations() {
		if user != 0 && user != p.User.ID {
			httpx.WriteJSON(w, 200, page([]directory.Team{}, limit, func(t directory.Team) int64 { return t.ID }))
			return nil
		}
		q.MemberUserID = p.User.ID
	}
	teams, err := a.Directory.ListTeams(r.Context(), q)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, page(teams, limit, func(t directory.Team) int64 { return t.ID }))
	return nil
}

func (a *API) getTeam(w http.ResponseWriter, r *http.Request) error {
	t, err := a.visibleTeam(r)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, t)
	return nil
}

func (a *API) createTeam(w http.ResponseWriter, r *http.Request) error {
	var in TeamInput
	if err := decode(r, &in); err != nil {
		return err
	}
	t, err := a.Directory.CreateTeam(r.Context(), actor(r, a.Auth), directory.Team{Name: in.Name, Description: in.Description})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, t)
	return nil
}

func (a *API) updateTeam(w http.ResponseWriter, r *http.Request) error {
	old, err := a.visibleTeam(r)
	if err != nil {
		return err
	}
	var in TeamInput
	if err := decode(r, &in); err != nil {
		return err
	}
	t, err := a.Directory.UpdateTeam(r.Context(), actor(r, a.Auth), directory.Team{ID: old.ID, Name: in.Name, Description: in.Description})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, t)
	return nil
}

func (a *API) deleteTeam(w http.ResponseWriter, r *http.Request) error {
	t, err := a.visibleTeam(r)
	if err != nil {
		return err
	}
	if err := a.Directory.DeleteTeam(r.Context(), actor(r, a.Auth), t.ID); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

func (a *API) listTeamMembers(w http.ResponseWriter, r *http.Request) error {
	limit, after, err := pageParams(r)
	if err != nil {
		return err
	}
	t, err := a.visibleTeam(r)
	if err != nil {
		return err
	}
	members, err := a.Directory.TeamMembers(r.Context(), t.ID, after, limit+1)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, page(members, limit, func(m directory.TeamMember) int64 { return m.UserID }))
	return nil
}

func (a *API) addTeamMember(w http.ResponseWriter, r *http.Request) error {
	t, err := a.visibleTeam(r)
	if err != nil {
		return err
	}
	user, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if _, err := a.Directory.AddTeamMembers(r.Context(), actor(r, a.Auth), t.ID, []int64{user}); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

func (a *API) removeTeamMember(w http.ResponseWriter, r *http.Request) error {
	t, err := a.visibleTeam(r)
	if err != nil {
		return err
	}
	user, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if err := a.Directory.RemoveTeamMember(r.Context(), actor(r, a.Auth), t.ID, user); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}
