package ui

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/directory"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/httpx"
	"bulwark/internal/platform/sanitize"
	"bulwark/internal/sharing"
	"bulwark/internal/sharing/matcher"
	"bulwark/internal/sharing/tlp"
)

// sharingRoutes are the sharing hub's pages.
func (u *UI) sharingRoutes() []access.Route {
	R, W := accounts.PermSharingRead, accounts.PermSharingWrite
	return []access.Route{
		{Method: "GET", Pattern: "/sharing", Perm: R, Handler: u.shDashboard},
		{Method: "GET", Pattern: "/sharing/advisories", Perm: R, Handler: u.shAdvisories},
		{Method: "GET", Pattern: "/sharing/advisories/new", Perm: W, Handler: u.shAdvisoryNew},
		{Method: "POST", Pattern: "/sharing/advisories", Perm: W, Handler: u.shAdvisoryCreate},
		{Method: "GET", Pattern: "/sharing/advisories/{id}", Perm: R, Handler: u.shAdvisory},
		{Method: "GET", Pattern: "/sharing/advisories/{id}/edit", Perm: W, Handler: u.shAdvisoryEdit},
		{Method: "POST", Pattern: "/sharing/advisories/{id}", Perm: W, Handler: u.shAdvisoryUpdate},
		{Method: "POST", Pattern: "/sharing/advisories/{id}/comments", Perm: W, Handler: u.shAdvisoryComment},
		{Method: "GET", Pattern: "/sharing/indicators", Perm: R, Handler: u.shIndicators},
		{Method: "GET", Pattern: "/sharing/indicators/new", Perm: W, Handler: u.shIndicatorNew},
		{Method: "POST", Pattern: "/sharing/indicators", Perm: W, Handler: u.shIndicatorCreate},
		{Method: "GET", Pattern: "/sharing/indicators/{id}", Perm: R, Handler: u.shIndicator},
		{Method: "GET", Pattern: "/sharing/allow-list", Perm: R, Handler: u.shAllowList},
		{Method: "POST", Pattern: "/sharing/allow-list", Perm: W, Handler: u.shAllowAdd},
	}
}

const shPerPage = 50

func shCanWrite(r *http.Request) bool {
	return access.PrincipalFrom(r.Context()).Can(accounts.PermSharingWrite)
}

func (u *UI) shViewer(r *http.Request) (sharing.Viewer, error) {
	return u.Sharing.Viewer(r.Context(), access.PrincipalFrom(r.Context()).User)
}

// shNotFound is the answer for an object that does not exist or that TLP
// does not let the reader see: the same answer, so existence is not revealed.
func shNotFound(what string) error {
	return httpx.Errorf(404, "There is no %s here, or it is not shared with you.", what)
}

func shLoadErr(err error, what string) error {
	if errors.Is(err, database.ErrNotFound) {
		return shNotFound(what)
	}
	return err
}

// shFormErrors splits a validation error into field messages; other
// errors come back for the error page.
func shFormErrors(err error) (map[string]string, error) {
	var fe *directory.FieldError
	if errors.As(err, &fe) {
		return map[string]string{fe.Field: fe.Reason}, nil
	}
	if errors.Is(err, directory.ErrInvalid) {
		return map[string]string{"": err.Error()}, nil
	}
	return nil, err
}

type shOption struct {
	Value, Label string
	Selected     bool
}

type shDashboardData struct {
	NewAdvisories, AllAdvisories int
	Recent                       []sharing.Advisory
	ActiveByType                 []shTypeCount
	ActiveTotal                  int
	CanWrite                     bool
}

type shTypeCount struct {
	Type  matcher.Type
	Count int
}

func (u *UI) shDashboard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v, err := u.shViewer(r)
	if err != nil {
		return err
	}
	d := shDashboardData{CanWrite: shCanWrite(r)}
	week := time.Now().UTC().AddDate(0, 0, -7)
	if d.NewAdvisories, err = u.Sharing.CountAdvisories(ctx, v, sharing.AdvisoryFilter{Since: week}); err != nil {
		return err
	}
	if d.AllAdvisories, err = u.Sharing.CountAdvisories(ctx, v, sharing.AdvisoryFilter{}); err != nil {
		return err
	}
	if d.Recent, err = u.Sharing.ListAdvisories(ctx, v, sharing.AdvisoryFilter{Limit: 5}); err != nil {
		return err
	}
	counts, err := u.Sharing.CountIndicatorsByType(ctx, v, sharing.IndicatorFilter{ActiveAt: time.Now().UTC()})
	if err != nil {
		return err
	}
	for _, t := range sharing.IndicatorTypes {
		d.ActiveByType = append(d.ActiveByType, shTypeCount{Type: t, Count: counts[t]})
		d.ActiveTotal += counts[t]
	}
	return u.render(w, r, 200, "sharing_dashboard", Page{Title: "Threat sharing", Active: "/sharing", Data: d})
}

func shOlderLink(r *http.Request, path string, lastID int64) string {
	q := r.URL.Query()
	q.Set("before", strconv.FormatInt(lastID, 10))
	return path + "?" + q.Encode()
}

func shBefore(r *http.Request) int64 {
	n, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	return max(n, 0)
}

type shAdvisoriesData struct {
	Advisories           []sharing.Advisory
	Query                string
	Severities, Category []shOption
	Older                string
	Filtered, CanWrite   bool
}

func (u *UI) shAdvisories(w http.ResponseWriter, r *http.Request) error {
	v, err := u.shViewer(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := sharing.AdvisoryFilter{Severity: sharing.Severity(q.Get("severity")), Category: sharing.Category(q.Get("category")),
		Query: q.Get("q"), BeforeID: shBefore(r), Limit: shPerPage + 1}
	list, err := u.Sharing.ListAdvisories(r.Context(), v, f)
	if err != nil {
		return err
	}
	d := shAdvisoriesData{Query: f.Query, CanWrite: shCanWrite(r), Filtered: f.Severity != "" || f.Category != "" || f.Query != "" || f.BeforeID > 0}
	if len(list) > shPerPage {
		list = list[:shPerPage]
		d.Older = shOlderLink(r, "/sharing/advisories", list[len(list)-1].ID)
	}
	d.Advisories = list
	d.Severities = []shOption{{Value: "", Label: "Any severity"}}
	for _, s := range sharing.Severities {
		d.Severities = append(d.Severities, shOption{Value: string(s), Label: shSeverityLabel(s), Selected: s == f.Severity})
	}
	d.Category = []shOption{{Value: "", Label: "Any category"}}
	for _, c := range sharing.Categories {
		d.Category = append(d.Category, shOption{Value: string(c), Label: c.Label(), Selected: c == f.Category})
	}
	return u.render(w, r, 200, "sharing_advisories", Page{Title: "Advisories", Active: "/sharing", Data: d})
}

func shSeverityLabel(s sharing.Severity) string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

type shAdvisoryData struct {
	Advisory          sharing.Advisory
	Body              any // sanitised HTML
	Categories        []string
	Affected          []string
	Recipients        []string
	Versions          []sharing.AdvisoryVersion
	Comments          []sharing.Comment
	CommentTLP        []shOption
	Errors            map[string]string
	CommentBody       string
	CanWrite, CanEdit bool
}

func (u *UI) orgName(r *http.Request, id int64) string {
	o, err := u.Directory.Organisation(r.Context(), id)
	if err != nil {
		return fmt.Sprintf("Organisation %d", id)
	}
	return o.Name
}

func (u *UI) shAdvisoryPage(w http.ResponseWriter, r *http.Request, status int, d shAdvisoryData) error {
	ctx := r.Context()
	v, err := u.shViewer(r)
	if err != nil {
		return err
	}
	a := d.Advisory
	d.Body = sanitize.Markdown(a.Body)
	for _, c := range a.Categories {
		d.Categories = append(d.Categories, c.Label())
	}
	for _, id := range a.Affected {
		d.Affected = append(d.Affected, u.orgName(r, id))
	}
	for _, id := range a.Recipients {
		d.Recipients = append(d.Recipients, u.orgName(r, id))
	}
	if d.Versions, err = u.Sharing.AdvisoryVersions(ctx, v, a.ID); err != nil {
		return shLoadErr(err, "advisory")
	}
	if d.Comments, err = u.Sharing.Comments(ctx, v, a.ID); err != nil {
		return shLoadErr(err, "advisory")
	}
	for _, l := range tlp.Labels() {
		if tlp.Stricter(l, a.TLP) == l {
			d.CommentTLP = append(d.CommentTLP, shOption{Value: l.Code(), Label: l.String(), Selected: l == a.TLP})
		}
	}
	d.CanWrite = shCanWrite(r)
	d.CanEdit = d.CanWrite && a.OwnerOrgID != 0 && a.OwnerOrgID == v.Reader.OrgID
	return u.render(w, r, status, "sharing_advisory", Page{Title: a.Title, Active: "/sharing", Data: d})
}

func (u *UI) shLoadAdvisory(r *http.Request) (sharing.Advisory, sharing.Viewer, error) {
	id, err := dirPathID(r, "id")
	if err != nil {
		return sharing.Advisory{}, sharing.Viewer{}, err
	}
	v, err := u.shViewer(r)
	if err != nil {
		return sharing.Advisory{}, v, err
	}
	a, err := u.Sharing.Advisory(r.Context(), v, id)
	return a, v, shLoadErr(err, "advisory")
}

func (u *UI) shAdvisory(w http.ResponseWriter, r *http.Request) error {
	a, _, err := u.shLoadAdvisory(r)
	if err != nil {
		return err
	}
	return u.shAdvisoryPage(w, r, 200, shAdvisoryData{Advisory: a})
}

func (u *UI) shAdvisoryComment(w http.ResponseWriter, r *http.Request) error {
	a, v, err := u.shLoadAdvisory(r)
	if err != nil {
		return err
	}
	label, _ := tlp.Parse(r.PostFormValue("tlp"))
	body := r.PostFormValue("body")
	if _, err := u.Sharing.AddComment(r.Context(), u.actor(r), v, a.ID, label, body); err != nil {
		errs, err := shFormErrors(err)
		if err != nil {
			return err
		}
		return u.shAdvisoryPage(w, r, 422, shAdvisoryData{Advisory: a, Errors: errs, CommentBody: body})
	}
	setFlash(w, "success", "Your comment was added.")
	http.Redirect(w, r, fmt.Sprintf("/sharing/advisories/%d#comments", a.ID), http.StatusSeeOther)
	return nil
}

// shSharingForm is the TLP part of a form: label, recipients and the
// "pass to served organisations" switch.
type shSharingForm struct {
	Labels          []shOption
	Organisations   []shOption
	Users           []shOption
	ShareWithServed bool
}

func (u *UI) shSharingForm(r *http.Request, sh sharing.Sharing) (shSharingForm, error) {
	var f shSharingForm
	for _, l := range tlp.Labels() {
		f.Labels = append(f.Labels, shOption{Value: l.Code(), Label: l.String(), Selected: l == sh.TLP})
	}
	orgs, err := u.Directory.ListOrganisations(r.Context(), directory.OrgFilter{Limit: 2000})
	if err != nil {
		return f, err
	}
	for _, o := range orgs {
		f.Organisations = append(f.Organisations, shOption{Value: strconv.FormatInt(o.ID, 10), Label: o.Name, Selected: slices.Contains(sh.Recipients, o.ID)})
	}
	users, err := u.Accounts.ListUsers(r.Context(), 0, 500)
	if err != nil {
		return f, err
	}
	for _, us := range users {
		f.Users = append(f.Users, shOption{Value: strconv.FormatInt(us.ID, 10), Label: us.Name + " (" + us.Email + ")", Selected: slices.Contains(sh.RecipientUsers, us.ID)})
	}
	f.ShareWithServed = sh.ShareWithServed
	return f, nil
}

func formIDs(vals []string) []int64 {
	var out []int64
	for _, s := range vals {
		if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

func shSharingFromForm(r *http.Request) sharing.Sharing {
	label, _ := tlp.Parse(r.PostFormValue("tlp"))
	return sharing.Sharing{TLP: label, Recipients: formIDs(r.PostForm["recipients"]), RecipientUsers: formIDs(r.PostForm["recipient_users"]),
		ShareWithServed: r.PostFormValue("share_with_served") != ""}
}

type shAdvisoryFormData struct {
	New        bool
	ID         int64
	Change     sharing.AdvisoryChange
	Severities []shOption
	Categories []shOption
	Affected   []shOption
	Sharing    shSharingForm
	Errors     map[string]string
}

func (u *UI) shAdvisoryForm(w http.ResponseWriter, r *http.Request, status int, d shAdvisoryFormData) error {
	for _, s := range sharing.Severities {
		d.Severities = append(d.Severities, shOption{Value: string(s), Label: shSeverityLabel(s), Selected: s == d.Change.Severity})
	}
	for _, c := range sharing.Categories {
		d.Categories = append(d.Categories, shOption{Value: string(c), Label: c.Label(), Selected: slices.Contains(d.Change.Categories, c)})
	}
	var err error
	if d.Sharing, err = u.shSharingForm(r, d.Change.Sharing); err != nil {
		return err
	}
	for _, o := range d.Sharing.Organisations {
		id, _ := strconv.ParseInt(o.Value, 10, 64)
		d.Affected = append(d.Affected, shOption{Value: o.Value, Label: o.Label, Selected: slices.Contains(d.Change.Affected, id)})
	}
	title := "New advisory"
	if !d.New {
		title = "Change advisory"
	}
	return u.render(w, r, status, "sharing_advisory_form", Page{Title: title, Active: "/sharing", Data: d})
}

func shAdvisoryFromForm(r *http.Request) sharing.AdvisoryChange {
	ch := sharing.AdvisoryChange{Title: r.PostFormValue("title"), Summary: r.PostFormValue("summary"), Body: r.PostFormValue("body"),
		Severity: sharing.Severity(r.PostFormValue("severity")), Affected: formIDs(r.PostForm["affected"]), Sharing: shSharingFromForm(r)}
	for _, c := range r.PostForm["categories"] {
		ch.Categories = append(ch.Categories, sharing.Category(c))
	}
	return ch
}

func (u *UI) shAdvisoryNew(w http.ResponseWriter, r *http.Request) error {
	return u.shAdvisoryForm(w, r, 200, shAdvisoryFormData{New: true, Change: sharing.AdvisoryChange{Severity: sharing.SeverityMedium, Sharing: sharing.Sharing{TLP: tlp.Amber}}})
}

func (u *UI) shAdvisoryCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return httpx.Errorf(400, "The form could not be read.")
	}
	ch := shAdvisoryFromForm(r)
	a, err := u.Sharing.CreateAdvisory(r.Context(), u.actor(r), access.PrincipalFrom(r.Context()).User, ch)
	if err != nil {
		errs, err := shFormErrors(err)
		if err != nil {
			return err
		}
		return u.shAdvisoryForm(w, r, 422, shAdvisoryFormData{New: true, Change: ch, Errors: errs})
	}
	setFlash(w, "success", "The advisory was shared as "+a.TLP.String()+".")
	http.Redirect(w, r, fmt.Sprintf("/sharing/advisories/%d", a.ID), http.StatusSeeOther)
	return nil
}

func (u *UI) shAdvisoryEdit(w http.ResponseWriter, r *http.Request) error {
	a, v, err := u.shLoadAdvisory(r)
	if err != nil {
		return err
	}
	if a.OwnerOrgID == 0 || a.OwnerOrgID != v.Reader.OrgID {
		return httpx.Errorf(403, "Only the organisation that shared this advisory can change it.")
	}
	ch := sharing.AdvisoryChange{Title: a.Title, Summary: a.Summary, Body: a.Body, Severity: a.Severity, Categories: a.Categories, Affected: a.Affected, Sharing: a.Sharing}
	return u.shAdvisoryForm(w, r, 200, shAdvisoryFormData{ID: a.ID, Change: ch})
}

func (u *UI) shAdvisoryUpdate(w http.ResponseWriter, r *http.Request) error {
	a, v, err := u.shLoadAdvisory(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return httpx.Errorf(400, "The form could not be read.")
	}
	ch := shAdvisoryFromForm(r)
	if _, err := u.Sharing.UpdateAdvisory(r.Context(), u.actor(r), v, a.ID, ch); err != nil {
		if errors.Is(err, sharing.ErrNotOwner) {
			return httpx.Errorf(403, "Only the organisation that shared this advisory can change it.")
		}
		errs, err := shFormErrors(err)
		if err != nil {
			return err
		}
		return u.shAdvisoryForm(w, r, 422, shAdvisoryFormData{ID: a.ID, Change: ch, Errors: errs})
	}
	setFlash(w, "success", "The advisory was changed; the earlier text is kept in its history.")
	http.Redirect(w, r, fmt.Sprintf("/sharing/advisories/%d", a.ID), http.StatusSeeOther)
	return nil
}
