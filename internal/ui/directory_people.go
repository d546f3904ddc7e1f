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

// dirPeoplePerPage is the length of a page of the people table.
const dirPeoplePerPage = 50

type dirPersonRow struct {
	directory.Person
	OrgName string
}

type dirPeopleData struct {
	Rows                       []dirPersonRow
	Count                      int
	Query, Department          string
	OrganisationID             int64
	ActiveOnly                 bool
	Organisations, Departments []dirOption
	Pager                      dirPager
	CanWrite, Scoped, Filtered bool
}

func (u *UI) dirPeople(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	scope := dirScope(r)
	after, trail := dirCursor(r)
	f := directory.PeopleFilter{Query: dirQuery(q, "q"), Department: dirQuery(q, "department"), ActiveOnly: q.Get("active") == "1", AfterID: after, Limit: dirPeoplePerPage + 1}
	f.OrganisationID, _ = strconv.ParseInt(q.Get("organisation"), 10, 64)
	d := dirPeopleData{Scoped: scope != directory.AllOrganisations, CanWrite: dirCanWrite(r)}
	if d.Scoped {
		f.OrganisationID = int64(scope) // whatever the link asked for
	}
	people, err := u.Directory.ListPeople(ctx, f)
	if err != nil {
		return err
	}
	more := len(people) > dirPeoplePerPage
	if more {
		people = people[:dirPeoplePerPage]
	}
	if d.Count, err = u.Directory.CountPeople(ctx, f); err != nil {
		return err
	}
	all, err := u.dirAllOrganisations(ctx)
	if err != nil {
		return err
	}
	for _, p := range people {
		d.Rows = append(d.Rows, dirPersonRow{Person: p, OrgName: all.Name(p.OrganisationID)})
	}
	if !d.Scoped {
		d.Organisations = all.options(f.OrganisationID, 0)
	}
	depts, err := u.Directory.Departments(ctx, f.OrganisationID)
	if err != nil {
		return err
	}
	for _, dep := range depts {
		d.Departments = append(d.Departments, dirOption{Value: dep, Label: dep, Selected: dep == f.Department})
	}
	d.Query, d.Department, d.ActiveOnly = f.Query, f.Department, f.ActiveOnly
	if !d.Scoped {
		d.OrganisationID = f.OrganisationID
	}
	d.Filtered = d.Query != "" || d.Department != "" || d.ActiveOnly || d.OrganisationID != 0
	var last int64
	if len(people) > 0 {
		last = people[len(people)-1].ID
	}
	d.Pager = dirMakePager(r, "/directory/people", after, trail, last, more)
	return u.render(w, r, 200, "people", Page{Title: "People", Active: "/directory/people", Data: d})
}

type dirPersonData struct {
	Person   directory.Person
	OrgName  string
	Manager  *directory.Person
	Groups   []directory.Group
	CanWrite bool
}

// dirVisiblePerson loads a person the user may see; anyone else is not found.
func (u *UI) dirVisiblePerson(r *http.Request) (directory.Person, error) {
	id, err := dirPathID(r, "id")
	if err != nil {
		return directory.Person{}, err
	}
	p, err := u.Directory.Person(r.Context(), id)
	if errors.Is(err, database.ErrNotFound) || (err == nil && !dirScope(r).Allows(p.OrganisationID)) {
		return directory.Person{}, dirNotFound("person")
	}
	return p, err
}

func (u *UI) dirPerson(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := u.dirVisiblePerson(r)
	if err != nil {
		return err
	}
	d := dirPersonData{Person: p, CanWrite: dirCanWrite(r)}
	if p.OrganisationID != 0 {
		o, err := u.Directory.Organisation(ctx, p.OrganisationID)
		if err != nil && !errors.Is(err, database.ErrNotFound) {
			return err
		}
		d.OrgName = o.Name
	}
	if p.ManagerID != 0 {
		m, err := u.Directory.Person(ctx, p.ManagerID)
		if err != nil && !errors.Is(err, database.ErrNotFound) {
			return err
		}
		if err == nil && dirScope(r).Allows(m.OrganisationID) {
			d.Manager = &m
		}
	}
	if d.Groups, err = u.Directory.GroupsOfPerson(ctx, dirScope(r), p.ID); err != nil {
		return err
	}
	title := p.Name()
	if title == "" {
		title = p.Email
	}
	return u.render(w, r, 200, "person", Page{Title: title, Active: "/directory/people", Data: d})
}

type dirPersonFormData struct {
	New     bool
	Person  directory.Person
	Fields  []dirFormField
	Errors  map[string]string
	Summary []dirErrorItem
}

var dirPersonFieldOrder = []string{"email", "first_name", "last_name", "organisation", "department", "title", "manager", "location", "time_zone", "language", "employee_id"}

func (u *UI) dirPersonForm(w http.ResponseWriter, r *http.Request, status int, p directory.Person, managerEmail string, errs map[string]string) error {
	all, err := u.dirAllOrganisations(r.Context())
	if err != nil {
		return err
	}
	field := func(id, label, value, hint string) dirFormField {
		return dirFormField{ID: id, Input: id, Label: label, Value: value, Hint: hint, Error: errs[id], Type: "text", Max: 200}
	}
	email := field("email", "Email address", p.Email, "The key of the directory: an import with this address updates this person.")
	email.Type, email.Auto, email.Max = "email", "off", 254
	org := field("organisation", "Organisation", "", "")
	org.Input, org.Options, org.Empty = "organisation_id", all.options(p.OrganisationID, 0), "None"
	manager := field("manager", "Manager's email address", managerEmail, "Someone already in the directory. Leave empty for none.")
	manager.Input, manager.Type, manager.Auto, manager.Max = "manager_email", "email", "off", 254
	fields := []dirFormField{
		email,
		field("first_name", "First name", p.FirstName, ""),
		field("last_name", "Last name", p.LastName, ""),
		org,
		field("department", "Department", p.Department, ""),
		field("title", "Job title", p.Title, ""),
		manager,
		field("location", "Location", p.Location, "Office or site."),
		field("time_zone", "Time zone", p.TimeZone, "For example America/Chicago."),
		field("language", "Preferred language", p.Language, "A language code, for example en or es."),
		field("employee_id", "Employee id", p.EmployeeID, ""),
	}
	for i := range fields {
		fields[i].describe()
	}
	d := dirPersonFormData{New: p.ID == 0, Person: p, Fields: fields, Errors: errs, Summary: dirErrorSummary(errs, dirPersonFieldOrder...)}
	title := "New person"
	if !d.New {
		title = "Change " + p.Email
	}
	return u.render(w, r, status, "person_form", Page{Title: title, Active: "/directory/people", Data: d})
}

func (u *UI) dirPersonNew(w http.ResponseWriter, r *http.Request) error {
	return u.dirPersonForm(w, r, 200, directory.Person{Active: true}, "", nil)
}

func (u *UI) dirPersonEdit(w http.ResponseWriter, r *http.Request) error {
	p, err := u.dirVisiblePerson(r)
	if err != nil {
		return err
	}
	managerEmail := ""
	if p.ManagerID != 0 {
		if m, err := u.Directory.Person(r.Context(), p.ManagerID); err == nil {
			managerEmail = m.Email
		}
	}
	return u.dirPersonForm(w, r, 200, p, managerEmail, nil)
}

// dirPersonFromForm reads the person form. The manager is chosen by email
// and must already be in the directory.
func (u *UI) dirPersonFromForm(r *http.Request, id int64) (directory.Person, string, map[string]string, error) {
	if err := r.ParseForm(); err != nil {
		return directory.Person{}, "", nil, err
	}
	f := r.PostForm
	p := directory.Person{ID: id, Email: f.Get("email"), FirstName: f.Get("first_name"), LastName: f.Get("last_name"),
		Department: f.Get("department"), Title: f.Get("title"), Location: f.Get("location"), TimeZone: f.Get("time_zone"),
		Language: f.Get("language"), EmployeeID: f.Get("employee_id"), Active: f.Get("active") == "1"}
	errs := map[string]string{}
	if s := strings.TrimSpace(f.Get("organisation_id")); s != "" {
		org, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			_, err = u.Directory.Organisation(r.Context(), org)
		}
		if err != nil {
			errs["organisation"] = "Choose an organisation from the list."
		}
		p.OrganisationID = org
	}
	managerEmail := strings.TrimSpace(f.Get("manager_email"))
	if managerEmail != "" {
		m, err := u.Directory.PersonByEmail(r.Context(), managerEmail)
		switch {
		case errors.Is(err, database.ErrNotFound):
			errs["manager"] = fmt.Sprintf("Nobody with the email address %s is in the directory. Add the manager first.", managerEmail)
		case err != nil:
			return p, managerEmail, nil, err
		default:
			p.ManagerID = m.ID
		}
	}
	return p, managerEmail, errs, nil
}

func (u *UI) dirPersonCreate(w http.ResponseWriter, r *http.Request) error {
	p, managerEmail, errs, err := u.dirPersonFromForm(r, 0)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return u.dirPersonForm(w, r, 422, p, managerEmail, errs)
	}
	created, err := u.Directory.CreatePerson(r.Context(), u.actor(r), p)
	if err != nil {
		errs, err := dirFormErrors(err, "email")
		if err != nil {
			return err
		}
		return u.dirPersonForm(w, r, 422, p, managerEmail, errs)
	}
	return dirRedirect(w, r, "success", created.Email+" was added to the directory.", fmt.Sprintf("/directory/people/%d", created.ID))
}

func (u *UI) dirPersonUpdate(w http.ResponseWriter, r *http.Request) error {
	old, err := u.dirVisiblePerson(r)
	if err != nil {
		return err
	}
	p, managerEmail, errs, err := u.dirPersonFromForm(r, old.ID)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return u.dirPersonForm(w, r, 422, p, managerEmail, errs)
	}
	updated, err := u.Directory.UpdatePerson(r.Context(), u.actor(r), p)
	if err != nil {
		errs, err := dirFormErrors(err, "email")
		if err != nil {
			return err
		}
		return u.dirPersonForm(w, r, 422, p, managerEmail, errs)
	}
	return dirRedirect(w, r, "success", "The changes to "+updated.Email+" were saved.", fmt.Sprintf("/directory/people/%d", old.ID))
}
