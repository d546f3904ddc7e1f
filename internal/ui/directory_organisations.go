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

// dirOrgsPerPage is the length of a page of organisations: large enough
// that a state's 116 election authorities fit on one.
const dirOrgsPerPage = 200

type dirOrgRow struct {
	ID                         int64
	Name, ShortName, KindLabel string
	ParentID                   int64
	ParentName, Domain         string
	People                     int
}

type dirOrgsData struct {
	Rows        []dirOrgRow
	Kinds       []dirOption
	Query, Kind string
	Pager       dirPager
	CanWrite    bool
	Scoped      bool
}

func dirKindOptions(selected directory.OrgKind) []dirOption {
	var out []dirOption
	for _, k := range directory.OrgKinds {
		out = append(out, dirOption{Value: string(k), Label: k.Label(), Selected: k == selected})
	}
	return out
}

func (u *UI) dirOrganisations(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	scope := dirScope(r)
	kind := directory.OrgKind(dirQuery(q, "kind"))
	if kind != "" && !kind.Valid() {
		kind = ""
	}
	after, trail := dirCursor(r)
	f := directory.OrgFilter{Kind: kind, Query: dirQuery(q, "q"), AfterID: after, Limit: dirOrgsPerPage + 1}
	if scope != directory.AllOrganisations {
		// One organisation at most: the page has no filters to apply.
		f = directory.OrgFilter{OnlyID: int64(scope), Limit: 2}
		kind = ""
	}
	orgs, err := u.Directory.ListOrganisations(ctx, f)
	if err != nil {
		return err
	}
	more := len(orgs) > dirOrgsPerPage
	if more {
		orgs = orgs[:dirOrgsPerPage]
	}
	d := dirOrgsData{Query: f.Query, Kind: string(kind), Kinds: dirKindOptions(kind), CanWrite: dirCanWrite(r), Scoped: scope != directory.AllOrganisations}
	var all dirOrgs
	if !d.Scoped {
		if all, err = u.dirAllOrganisations(ctx); err != nil {
			return err
		}
	}
	for _, o := range orgs {
		n, err := u.Directory.CountPeople(ctx, directory.PeopleFilter{OrganisationID: o.ID})
		if err != nil {
			return err
		}
		row := dirOrgRow{ID: o.ID, Name: o.Name, ShortName: o.ShortName, KindLabel: o.Kind.Label(), Domain: o.Domain, People: n}
		if !d.Scoped && o.ParentID != 0 {
			row.ParentID, row.ParentName = o.ParentID, all.Name(o.ParentID)
		}
		d.Rows = append(d.Rows, row)
	}
	var last int64
	if len(orgs) > 0 {
		last = orgs[len(orgs)-1].ID
	}
	d.Pager = dirMakePager(r, "/directory/organisations", after, trail, last, more)
	return u.render(w, r, 200, "organisations", Page{Title: "Organisations", Active: "/directory/organisations", Data: d})
}

type dirOrgData struct {
	Org              directory.Organisation
	KindLabel        string
	Parent           *directory.Organisation
	Children         []directory.Organisation
	Serves, ServedBy []directory.Organisation
	ServeOptions     []dirOption
	People           []directory.Person
	PeopleCount      int
	ShowRelations    bool
	CanWrite         bool
}

// dirPeoplePreview is how many people an organisation's page lists before
// linking to the people page.
const dirPeoplePreview = 25

func (u *UI) dirOrganisation(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := dirPathID(r, "id")
	if err != nil {
		return err
	}
	scope := dirScope(r)
	if !scope.Allows(id) {
		return dirNotFound("organisation")
	}
	o, err := u.Directory.Organisation(ctx, id)
	if errors.Is(err, database.ErrNotFound) {
		return dirNotFound("organisation")
	}
	if err != nil {
		return err
	}
	d := dirOrgData{Org: o, KindLabel: o.Kind.Label(), CanWrite: dirCanWrite(r), ShowRelations: scope == directory.AllOrganisations}
	if d.People, err = u.Directory.ListPeople(ctx, directory.PeopleFilter{OrganisationID: id, Limit: dirPeoplePreview}); err != nil {
		return err
	}
	if d.PeopleCount, err = u.Directory.CountPeople(ctx, directory.PeopleFilter{OrganisationID: id}); err != nil {
		return err
	}
	// Other organisations are named only to those who see them all.
	if d.ShowRelations {
		all, err := u.dirAllOrganisations(ctx)
		if err != nil {
			return err
		}
		if p, ok := all.ByID[o.ParentID]; ok {
			d.Parent = &p
		}
		for _, c := range all.Sorted {
			if c.ParentID == id {
				d.Children = append(d.Children, c)
			}
		}
		served, err := u.Directory.Served(ctx, id)
		if err != nil {
			return err
		}
		providers, err := u.Directory.Providers(ctx, id)
		if err != nil {
			return err
		}
		isServed := map[int64]bool{}
		for _, sid := range served {
			isServed[sid] = true
		}
		for _, c := range all.Sorted {
			if isServed[c.ID] {
				d.Serves = append(d.Serves, c)
			} else if c.ID != id {
				d.ServeOptions = append(d.ServeOptions, dirOption{Value: fmt.Sprint(c.ID), Label: c.Name})
			}
		}
		for _, pid := range providers {
			if p, ok := all.ByID[pid]; ok {
				d.ServedBy = append(d.ServedBy, p)
			}
		}
	}
	return u.render(w, r, 200, "organisation", Page{Title: o.Name, Active: "/directory/organisations", Data: d})
}

type dirOrgFormData struct {
	New                                            bool
	ID                                             int64
	Name, ShortName, Domain, CountyFIPS, Authority string
	DomainConfirmed                                bool
	Kinds, Parents                                 []dirOption
	Errors                                         map[string]string
	Summary                                        []dirErrorItem
}

var dirOrgFieldOrder = []string{"name", "short_name", "kind", "parent", "domain", "county_fips", "authority"}

func (u *UI) dirOrgForm(w http.ResponseWriter, r *http.Request, status int, o directory.Organisation, errs map[string]string) error {
	all, err := u.dirAllOrganisations(r.Context())
	if err != nil {
		return err
	}
	d := dirOrgFormData{New: o.ID == 0, ID: o.ID, Name: o.Name, ShortName: o.ShortName, Domain: o.Domain, DomainConfirmed: o.DomainConfirmed, CountyFIPS: o.CountyFIPS, Authority: o.Authority,
		Kinds: dirKindOptions(o.Kind), Parents: all.options(o.ParentID, o.ID), Errors: errs, Summary: dirErrorSummary(errs, dirOrgFieldOrder...)}
	title := "New organisation"
	if !d.New {
		title = "Change " + o.Name
	}
	return u.render(w, r, status, "organisation_form", Page{Title: title, Active: "/directory/organisations", Data: d})
}

func (u *UI) dirOrganisationNew(w http.ResponseWriter, r *http.Request) error {
	return u.dirOrgForm(w, r, 200, directory.Organisation{Kind: directory.KindStateAgency}, nil)
}

func (u *UI) dirOrganisationEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := dirPathID(r, "id")
	if err != nil {
		return err
	}
	o, err := u.Directory.Organisation(r.Context(), id)
	if errors.Is(err, database.ErrNotFound) {
		return dirNotFound("organisation")
	}
	if err != nil {
		return err
	}
	return u.dirOrgForm(w, r, 200, o, nil)
}

// dirOrgFromForm reads the organisation form; errs names fields that are
// not even well formed.
func (u *UI) dirOrgFromForm(r *http.Request, id int64) (directory.Organisation, map[string]string, error) {
	if err := r.ParseForm(); err != nil {
		return directory.Organisation{}, nil, err
	}
	f := r.PostForm
	o := directory.Organisation{ID: id, Name: f.Get("name"), ShortName: f.Get("short_name"), Kind: directory.OrgKind(f.Get("kind")),
		Domain: f.Get("domain"), DomainConfirmed: f.Get("domain_confirmed") == "1",
		CountyFIPS: strings.TrimSpace(f.Get("county_fips")), Authority: strings.TrimSpace(f.Get("authority"))}
	errs := map[string]string{}
	if p := strings.TrimSpace(f.Get("parent_id")); p != "" {
		pid, err := strconv.ParseInt(p, 10, 64)
		if err == nil {
			_, err = u.Directory.Organisation(r.Context(), pid)
		}
		if err != nil {
			errs["parent"] = "Choose a parent organisation from the list."
		}
		o.ParentID = pid
	}
	if !o.Kind.Valid() {
		errs["kind"] = "Choose what kind of organisation this is."
	}
	if len(o.ShortName) > 100 {
		errs["short_name"] = "Keep the short name under 100 characters."
	}
	if len(o.CountyFIPS) > 10 || len(o.Authority) > 200 {
		errs["county_fips"] = "The FIPS code is at most 10 characters and the authority 200."
	}
	return o, errs, nil
}

// dirOrgErrors places the store's validation message next to the field it
// is about.
func dirOrgErrors(err error) (map[string]string, error) {
	errs, err := dirFormErrors(err, "name")
	if err != nil {
		return nil, err
	}
	if m, ok := errs[""]; ok {
		lower := strings.ToLower(m)
		for _, f := range []struct{ word, field string }{{"parent", "parent"}, {"hierarchy", "parent"}, {"domain", "domain"}, {"kind", "kind"}, {"name", "name"}} {
			if strings.Contains(lower, f.word) {
				delete(errs, "")
				errs[f.field] = m
				break
			}
		}
	}
	return errs, nil
}

func (u *UI) dirOrganisationCreate(w http.ResponseWriter, r *http.Request) error {
	o, errs, err := u.dirOrgFromForm(r, 0)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return u.dirOrgForm(w, r, 422, o, errs)
	}
	created, err := u.Directory.CreateOrganisation(r.Context(), u.actor(r), o)
	if err != nil {
		errs, err := dirOrgErrors(err)
		if err != nil {
			return err
		}
		return u.dirOrgForm(w, r, 422, o, errs)
	}
	return dirRedirect(w, r, "success", created.Name+" was added to the directory.", fmt.Sprintf("/directory/organisations/%d", created.ID))
}

func (u *UI) dirOrganisationUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := dirPathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := u.Directory.Organisation(r.Context(), id); errors.Is(err, database.ErrNotFound) {
		return dirNotFound("organisation")
	} else if err != nil {
		return err
	}
	o, errs, err := u.dirOrgFromForm(r, id)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return u.dirOrgForm(w, r, 422, o, errs)
	}
	updated, err := u.Directory.UpdateOrganisation(r.Context(), u.actor(r), o)
	if err != nil {
		errs, err := dirOrgErrors(err)
		if err != nil {
			return err
		}
		return u.dirOrgForm(w, r, 422, o, errs)
	}
	return dirRedirect(w, r, "success", "The changes to "+updated.Name+" were saved.", fmt.Sprintf("/directory/organisations/%d", id))
}

func (u *UI) dirServesAdd(w http.ResponseWriter, r *http.Request) error {
	id, err := dirPathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := u.Directory.Organisation(r.Context(), id); errors.Is(err, database.ErrNotFound) {
		return dirNotFound("organisation")
	} else if err != nil {
		return err
	}
	back := fmt.Sprintf("/directory/organisations/%d#serves", id)
	served, err := strconv.ParseInt(r.PostFormValue("served_id"), 10, 64)
	if err != nil {
		return dirRedirect(w, r, "error", "Choose the organisation this one serves.", back)
	}
	o, err := u.Directory.Organisation(r.Context(), served)
	if errors.Is(err, database.ErrNotFound) {
		return dirRedirect(w, r, "error", "That organisation is not in the directory any more.", back)
	}
	if err != nil {
		return err
	}
	if err := u.Directory.SetServes(r.Context(), u.actor(r), id, served, true); err != nil {
		if errors.Is(err, directory.ErrInvalid) {
			return dirRedirect(w, r, "error", "An organisation does not serve itself.", back)
		}
		return err
	}
	return dirRedirect(w, r, "success", "This organisation now serves "+o.Name+".", back)
}

func (u *UI) dirServesRemove(w http.ResponseWriter, r *http.Request) error {
	id, err := dirPathID(r, "id")
	if err != nil {
		return err
	}
	served, err := dirPathID(r, "served")
	if err != nil {
		return err
	}
	o, err := u.Directory.Organisation(r.Context(), served)
	if errors.Is(err, database.ErrNotFound) {
		return dirNotFound("organisation")
	}
	if err != nil {
		return err
	}
	if _, err := u.Directory.Organisation(r.Context(), id); errors.Is(err, database.ErrNotFound) {
		return dirNotFound("organisation")
	} else if err != nil {
		return err
	}
	if err := u.Directory.SetServes(r.Context(), u.actor(r), id, served, false); err != nil {
		return err
	}
	return dirRedirect(w, r, "success", "This organisation no longer serves "+o.Name+".", fmt.Sprintf("/directory/organisations/%d#serves", id))
}
