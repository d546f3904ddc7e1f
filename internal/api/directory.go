package api

import (
	"bytes"
	"net/http"
	"strings"

	"bulwark/internal/access"
	"bulwark/internal/directory"
	"bulwark/internal/platform/httpx"
)

// OrganisationInput is the body that creates or changes an organisation.
type OrganisationInput struct {
	Name      string            `json:"name"`
	ShortName string            `json:"short_name,omitempty"`
	Kind      directory.OrgKind `json:"kind"`
	ParentID  int64             `json:"parent_id,omitempty"`
	Domain    string            `json:"domain,omitempty"`
	// DomainConfirmed: the domain is confirmed as the organisation's own
	// and may be published on the public site.
	DomainConfirmed bool   `json:"domain_confirmed,omitempty"`
	CountyFIPS      string `json:"county_fips,omitempty"`
	Authority       string `json:"authority,omitempty"`
}

func (in OrganisationInput) organisation(id int64) directory.Organisation {
	return directory.Organisation{ID: id, Name: in.Name, ShortName: in.ShortName, Kind: in.Kind, ParentID: in.ParentID,
		Domain: in.Domain, DomainConfirmed: in.DomainConfirmed, CountyFIPS: in.CountyFIPS, Authority: in.Authority}
}

// Served lists the organisations one serves.
type Served struct {
	OrganisationID int64   `json:"organisation_id"`
	Serves         []int64 `json:"serves"`
	ServedBy       []int64 `json:"served_by"`
}

// orgVisible says whether the principal may see organisation id: an
// organisation member sees only their own.
func orgVisible(r *http.Request, id int64) bool {
	scope := access.PrincipalFrom(r.Context()).OrganisationScope()
	return scope == 0 || scope == id
}

func (a *API) listOrganisations(w http.ResponseWriter, r *http.Request) error {
	limit, after, err := pageParams(r)
	if err != nil {
		return err
	}
	f := directory.OrgFilter{Kind: directory.OrgKind(r.URL.Query().Get("kind")), Query: r.URL.Query().Get("q"), AfterID: after, Limit: limit + 1}
	if scope := access.PrincipalFrom(r.Context()).OrganisationScope(); scope != 0 {
		f.OnlyID = scope
	}
	orgs, err := a.Directory.ListOrganisations(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, page(orgs, limit, func(o directory.Organisation) int64 { return o.ID }))
	return nil
}

func (a *API) getOrganisation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if !orgVisible(r, id) {
		return httpx.Errorf(404, "There is no organisation %d.", id)
	}
	o, err := a.Directory.Organisation(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, o)
	return nil
}

func (a *API) createOrganisation(w http.ResponseWriter, r *http.Request) error {
	var in OrganisationInput
	if err := decode(r, &in); err != nil {
		return err
	}
	o, err := a.Directory.CreateOrganisation(r.Context(), actor(r, a.Auth), in.organisation(0))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, o)
	return nil
}

func (a *API) updateOrganisation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in OrganisationInput
	if err := decode(r, &in); err != nil {
		return err
	}
	o, err := a.Directory.UpdateOrganisation(r.Context(), actor(r, a.Auth), in.organisation(id))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, o)
	return nil
}

func (a *API) listServed(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if !orgVisible(r, id) {
		return httpx.Errorf(404, "There is no organisation %d.", id)
	}
	if _, err := a.Directory.Organisation(r.Context(), id); err != nil {
		return err
	}
	out := Served{OrganisationID: id}
	if out.Serves, err = a.Directory.Served(r.Context(), id); err != nil {
		return err
	}
	if out.ServedBy, err = a.Directory.Providers(r.Context(), id); err != nil {
		return err
	}
	if out.Serves == nil {
		out.Serves = []int64{}
	}
	if out.ServedBy == nil {
		out.ServedBy = []int64{}
	}
	httpx.WriteJSON(w, 200, out)
	return nil
}

func (a *API) setServed(serves bool) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		served, err := pathID(r, "served")
		if err != nil {
			return err
		}
		for _, x := range []int64{id, served} {
			if _, err := a.Directory.Organisation(r.Context(), x); err != nil {
				return err
			}
		}
		if err := a.Directory.SetServes(r.Context(), actor(r, a.Auth), id, served, serves); err != nil {
			return err
		}
		w.WriteHeader(204)
		return nil
	}
}

// PersonInput is the body that creates or changes a person.
type PersonInput struct {
	Email          string `json:"email"`
	FirstName      string `json:"first_name"`
	LastName       string `json:"last_name"`
	OrganisationID int64  `json:"organisation_id,omitempty"`
	Department     string `json:"department,omitempty"`
	Title          string `json:"title,omitempty"`
	ManagerID      int64  `json:"manager_id,omitempty"`
	Location       string `json:"location,omitempty"`
	TimeZone       string `json:"time_zone,omitempty"`
	Language       string `json:"language,omitempty"`
	EmployeeID     string `json:"employee_id,omitempty"`
	Active         *bool  `json:"active,omitempty"`
}

func (in PersonInput) person(id int64) directory.Person {
	active := in.Active == nil || *in.Active
	return directory.Person{ID: id, Email: in.Email, FirstName: in.FirstName, LastName: in.LastName, OrganisationID: in.OrganisationID,
		Department: in.Department, Title: in.Title, ManagerID: in.ManagerID, Location: in.Location, TimeZone: in.TimeZone,
		Language: in.Language, EmployeeID: in.EmployeeID, Active: active}
}

func (a *API) listPeople(w http.ResponseWriter, r *http.Request) error {
	limit, after, err := pageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	org, err := queryInt(r, "organisation_id")
	if err != nil {
		return err
	}
	f := directory.PeopleFilter{OrganisationID: org, Department: q.Get("department"), Query: q.Get("q"), ActiveOnly: q.Get("active") == "true", AfterID: after, Limit: limit + 1}
	if scope := access.PrincipalFrom(r.Context()).OrganisationScope(); scope != 0 {
		if org != 0 && org != scope {
			f.OrganisationID = -1 // asks for another organisation: nothing
		} else {
			f.OrganisationID = scope
		}
	}
	people, err := a.Directory.ListPeople(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, page(people, limit, func(p directory.Person) int64 { return p.ID }))
	return nil
}

func (a *API) getPerson(w http.ResponseWriter, r *http.Request) error {
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
	httpx.WriteJSON(w, 200, p)
	return nil
}

func (a *API) createPerson(w http.ResponseWriter, r *http.Request) error {
	var in PersonInput
	if err := decode(r, &in); err != nil {
		return err
	}
	p, err := a.Directory.CreatePerson(r.Context(), actor(r, a.Auth), in.person(0))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, p)
	return nil
}

func (a *API) updatePerson(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in PersonInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if _, err := a.Directory.Person(r.Context(), id); err != nil {
		return err
	}
	p, err := a.Directory.UpdatePerson(r.Context(), actor(r, a.Auth), in.person(id))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, p)
	return nil
}

func (a *API) importPeople(w http.ResponseWriter, r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "text/csv") && !strings.HasPrefix(ct, "text/plain") {
		return httpx.Errorf(415, "Send the people as a CSV body with Content-Type: text/csv.")
	}
	body, err := readAll(r, 64<<20)
	if err != nil {
		return err
	}
	rep, err := a.Directory.ImportPeople(r.Context(), actor(r, a.Auth), bytes.NewReader(body), directory.ImportOptions{})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, rep)
	return nil
}
