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

	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/directory"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/httpx"
)

// dirScope is the part of the directory the signed-in user may see: an
// organisation member only their own organisation.
func dirScope(r *http.Request) directory.Scope {
	return directory.Scope(access.PrincipalFrom(r.Context()).OrganisationScope())
}

// dirCanWrite says whether the user may change the directory, so pages
// show the buttons only to those who can use them.
func dirCanWrite(r *http.Request) bool {
	return access.PrincipalFrom(r.Context()).Can(accounts.PermDirectoryWrite)
}

// dirPathID reads a numeric path parameter; anything else is a page that
// does not exist.
func dirPathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, httpx.Errorf(404, "There is no page at this address.")
	}
	return id, nil
}

// dirNotFound is the answer for something that does not exist or that the
// user may not see: the two look the same, so ids reveal nothing.
func dirNotFound(what string) error {
	return httpx.Errorf(404, "There is no such %s, or you do not have access to it.", what)
}

// dirOrgs loads every organisation, by id and sorted by name. A state has a
// few hundred; forms and relation lists need their names.
type dirOrgs struct {
	ByID   map[int64]directory.Organisation
	Sorted []directory.Organisation
}

func (u *UI) dirAllOrganisations(ctx context.Context) (dirOrgs, error) {
	out := dirOrgs{ByID: map[int64]directory.Organisation{}}
	var after int64
	for {
		page, err := u.Directory.ListOrganisations(ctx, directory.OrgFilter{AfterID: after, Limit: 1000})
		if err != nil {
			return out, err
		}
		for _, o := range page {
			out.ByID[o.ID] = o
			out.Sorted = append(out.Sorted, o)
		}
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].ID
	}
	slices.SortFunc(out.Sorted, func(a, b directory.Organisation) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out, nil
}

// Name is the organisation's name, or "" for none.
func (o dirOrgs) Name(id int64) string { return o.ByID[id].Name }

// dirOption is one choice of a select.
type dirOption struct {
	Value    string
	Label    string
	Selected bool
}

func (o dirOrgs) options(selected int64, skip int64) []dirOption {
	var out []dirOption
	for _, org := range o.Sorted {
		if org.ID == skip {
			continue
		}
		out = append(out, dirOption{Value: fmt.Sprint(org.ID), Label: org.Name, Selected: org.ID == selected})
	}
	return out
}

// dirFormField is one input or select of a form, with its hint and error.
type dirFormField struct {
	ID, Input, Label, Value, Hint, Error string
	Type, Auto                           string
	Max                                  int
	Options                              []dirOption // a select when set
	Empty                                string      // the select's first, empty choice
	DescribedBy                          string
}

// describe links the field to its hint and error for screen readers.
func (f *dirFormField) describe() {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	f.DescribedBy = strings.Join(ids, " ")
}

// dirPager is keyset pagination with a way back: After is the cursor of
// the page shown, Trail the cursors of the pages before it, so Previous
// needs no count of rows.
type dirPager struct {
	PrevURL, NextURL string
	FirstURL         string
	Page             int // 1-based, as far as the trail tells
}

// maxTrail bounds the way back carried in links; beyond it Previous goes to
// the oldest page remembered.
const maxTrail = 100

// dirCursor reads ?after= and ?back= (the trail, comma-separated).
func dirCursor(r *http.Request) (after int64, trail []int64) {
	q := r.URL.Query()
	after, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	if after < 0 {
		after = 0
	}
	for _, s := range strings.Split(q.Get("back"), ",") {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 && len(trail) < maxTrail {
			trail = append(trail, n)
		}
	}
	return after, trail
}

// dirMakePager builds the Previous and Next links, to path, of a page whose
// last row has id lastID; more says whether another page follows.
func dirMakePager(r *http.Request, path string, after int64, trail []int64, lastID int64, more bool) dirPager {
	link := func(after int64, trail []int64) string {
		q := r.URL.Query()
		if r.Method != http.MethodGet {
			q = url.Values{}
		}
		q.Del("after")
		q.Del("back")
		if after > 0 {
			q.Set("after", fmt.Sprint(after))
		}
		if len(trail) > 0 {
			parts := make([]string, len(trail))
			for i, t := range trail {
				parts[i] = fmt.Sprint(t)
			}
			q.Set("back", strings.Join(parts, ","))
		}
		if len(q) == 0 {
			return path
		}
		return path + "?" + q.Encode()
	}
	p := dirPager{Page: len(trail) + 1}
	if after > 0 {
		if len(trail) > 0 {
			p.PrevURL = link(trail[len(trail)-1], trail[:len(trail)-1])
		} else {
			p.PrevURL = link(0, nil)
		}
		p.FirstURL = link(0, nil)
		if len(trail) == 0 {
			p.Page = 0 // reached by a link from elsewhere: the number is unknown
		}
	}
	if more {
		next := append(slices.Clone(trail), after)
		if len(next) > maxTrail {
			next = next[len(next)-maxTrail:]
		}
		p.NextURL = link(lastID, next)
	}
	return p
}

// dirFormErrors turns a validation failure into messages by field name; ""
// holds a message that belongs to no one field. Other errors are returned.
func dirFormErrors(err error, conflictField string) (map[string]string, error) {
	var fe *directory.FieldError
	switch {
	case errors.As(err, &fe):
		return map[string]string{fe.Field: dirSentence(fe.Reason)}, nil
	case errors.Is(err, database.ErrConflict):
		return map[string]string{conflictField: dirSentence(strings.TrimPrefix(err.Error(), database.ErrConflict.Error()+": "))}, nil
	case errors.Is(err, directory.ErrInvalid):
		return map[string]string{"": dirSentence(strings.TrimPrefix(err.Error(), directory.ErrInvalid.Error()+": "))}, nil
	}
	return nil, err
}

// dirSentence starts a message with a capital and ends it with a full stop.
func dirSentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// dirFieldLabels name form fields in the error summary.
var dirFieldLabels = map[string]string{
	"email": "Email address", "first_name": "First name", "last_name": "Last name", "organisation": "Organisation",
	"department": "Department", "title": "Job title", "manager": "Manager", "location": "Location", "time_zone": "Time zone",
	"language": "Preferred language", "employee_id": "Employee id", "name": "Name", "description": "Description",
	"kind": "Kind", "short_name": "Short name", "parent": "Parent organisation", "domain": "Official domain",
	"county_fips": "County FIPS code", "authority": "Authority", "user": "User",
}

// dirErrorItem is one line of a form's error summary, linking to the field.
type dirErrorItem struct {
	Field, Label, Message string
}

// dirErrorSummary orders a form's errors for the alert at its top.
func dirErrorSummary(errs map[string]string, order ...string) []dirErrorItem {
	var out []dirErrorItem
	if m, ok := errs[""]; ok {
		out = append(out, dirErrorItem{Message: m})
	}
	for _, f := range order {
		if m, ok := errs[f]; ok {
			out = append(out, dirErrorItem{Field: f, Label: dirFieldLabels[f], Message: m})
		}
	}
	for f, m := range errs {
		if f != "" && !slices.Contains(order, f) {
			out = append(out, dirErrorItem{Message: dirFieldLabels[f] + ": " + m})
		}
	}
	return out
}

// dirRedirect sends the browser on after a change, with a message.
func dirRedirect(w http.ResponseWriter, r *http.Request, kind, msg, to string) error {
	setFlash(w, kind, msg)
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// dirQuery is a URL's query as the page's filters show it.
func dirQuery(v url.Values, name string) string { return strings.TrimSpace(v.Get(name)) }
