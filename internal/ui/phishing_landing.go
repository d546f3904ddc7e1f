package ui

import (
	"errors"
	"net/http"
	"strings"

	"bulwark/internal/phishing"
	"bulwark/internal/platform/database"
)

type phLandingPagesData struct {
	Pages    []phishing.LandingPage
	CanWrite bool
	Pager    dirPager
}

func (u *UI) phLandingPages(w http.ResponseWriter, r *http.Request) error {
	after, trail := dirCursor(r)
	list, err := u.Phishing.ListLandingPages(r.Context(), after, phPerPage+1)
	if err != nil {
		return err
	}
	more := len(list) > phPerPage
	if more {
		list = list[:phPerPage]
	}
	var last int64
	if len(list) > 0 {
		last = list[len(list)-1].ID
	}
	d := phLandingPagesData{Pages: list, CanWrite: phCanWrite(r), Pager: dirMakePager(r, "/phishing/landing-pages", after, trail, last, more)}
	return u.render(w, r, 200, "phishing_landing_pages", Page{Title: "Landing pages", Active: "/phishing", Data: d})
}

func (u *UI) phLoadLanding(r *http.Request) (phishing.LandingPage, error) {
	id, err := dirPathID(r, "id")
	if err != nil {
		return phishing.LandingPage{}, err
	}
	p, err := u.Phishing.LandingPage(r.Context(), id)
	if errors.Is(err, database.ErrNotFound) {
		return p, phNotFound("landing page")
	}
	return p, err
}

type phLandingData struct {
	Page     phishing.LandingPage
	CanWrite bool
}

func (u *UI) phLanding(w http.ResponseWriter, r *http.Request) error {
	p, err := u.phLoadLanding(r)
	if err != nil {
		return err
	}
	return u.render(w, r, 200, "phishing_landing_page", Page{Title: p.Name, Active: "/phishing", Data: phLandingData{Page: p, CanWrite: phCanWrite(r)}})
}

type phLandingFormData struct {
	New     bool
	Page    phishing.LandingPage
	F       map[string]phField
	Errors  map[string]string
	Summary []dirErrorItem
}

func (u *UI) phLandingForm(w http.ResponseWriter, r *http.Request, status int, p phishing.LandingPage, errs map[string]string) error {
	d := phLandingFormData{New: p.ID == 0, Page: p, Errors: errs, Summary: phErrorSummary(errs, "name", "html", "redirect", "redirect_url")}
	d.F = phFields(errs,
		"name", "Name", "", p.Name,
		"html", "Page HTML", "A complete page. Forms are rewritten to post back to the simulation; password fields are noted as such.", p.HTML,
		"redirect_url", "Web address (when going to a web address)", "A full address starting with https://.", p.RedirectURL)
	title := "New landing page"
	if !d.New {
		title = "Change " + p.Name
	}
	return u.render(w, r, status, "phishing_landing_form", Page{Title: title, Active: "/phishing", Data: d})
}

func (u *UI) phLandingNew(w http.ResponseWriter, r *http.Request) error {
	return u.phLandingForm(w, r, 200, phishing.LandingPage{Redirect: phishing.RedirectTeachableMoment}, nil)
}

func (u *UI) phLandingEdit(w http.ResponseWriter, r *http.Request) error {
	p, err := u.phLoadLanding(r)
	if err != nil {
		return err
	}
	if p.Library {
		return dirRedirect(w, r, "info", "Landing pages from the starter library are not changed: make a copy and change the copy.", phPath("landing-pages", p.ID))
	}
	return u.phLandingForm(w, r, 200, p, nil)
}

func phLandingFromForm(r *http.Request, id int64) phishing.LandingPage {
	return phishing.LandingPage{ID: id, Name: r.PostFormValue("name"), HTML: strings.ReplaceAll(r.PostFormValue("html"), "\r\n", "\n"),
		Redirect: r.PostFormValue("redirect"), RedirectURL: r.PostFormValue("redirect_url")}
}

func (u *UI) phLandingCreate(w http.ResponseWriter, r *http.Request) error {
	p := phLandingFromForm(r, 0)
	created, err := u.Phishing.CreateLandingPage(r.Context(), u.actor(r), p)
	if err == nil {
		return dirRedirect(w, r, "success", "The landing page "+created.Name+" was created.", phPath("landing-pages", created.ID))
	}
	errs, err := dirFormErrors(err, "name")
	if err != nil {
		return err
	}
	return u.phLandingForm(w, r, 422, p, errs)
}

func (u *UI) phLandingUpdate(w http.ResponseWriter, r *http.Request) error {
	old, err := u.phLoadLanding(r)
	if err != nil {
		return err
	}
	p := phLandingFromForm(r, old.ID)
	saved, err := u.Phishing.UpdateLandingPage(r.Context(), u.actor(r), p)
	if err == nil {
		return dirRedirect(w, r, "success", "The landing page "+saved.Name+" was saved.", phPath("landing-pages", saved.ID))
	}
	errs, err := dirFormErrors(err, "name")
	if err != nil {
		return err
	}
	return u.phLandingForm(w, r, 422, p, errs)
}

func (u *UI) phLandingDelete(w http.ResponseWriter, r *http.Request) error {
	p, err := u.phLoadLanding(r)
	if err != nil {
		return err
	}
	if err := u.Phishing.DeleteLandingPage(r.Context(), u.actor(r), p.ID); err != nil {
		if errors.Is(err, phishing.ErrLibrary) {
			return dirRedirect(w, r, "error", "Landing pages from the starter library cannot be deleted.", phPath("landing-pages", p.ID))
		}
		return err
	}
	return dirRedirect(w, r, "success", "The landing page "+p.Name+" was deleted.", "/phishing/landing-pages")
}

func (u *UI) phLandingCopy(w http.ResponseWriter, r *http.Request) error {
	p, err := u.phLoadLanding(r)
	if err != nil {
		return err
	}
	c, err := u.Phishing.CopyLandingPage(r.Context(), u.actor(r), p.ID)
	if err != nil {
		return err
	}
	return dirRedirect(w, r, "success", "This is your copy of "+p.Name+"; change it as you need.", phPath("landing-pages", c.ID)+"/edit")
}
