package ui

import (
	"context"
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
	"bulwark/internal/phishing"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// phishingCampaignRoutes are the campaign pages and the safeguards page.
// Campaigns are seen and run only by their team (administrators see all).
func (u *UI) phishingCampaignRoutes() []access.Route {
	R, W := accounts.PermAwarenessRead, accounts.PermAwarenessWrite
	const cp = "/phishing/campaigns"
	routes := []access.Route{
		{Method: "GET", Pattern: cp, Perm: R, Handler: u.phCampaigns},
		{Method: "GET", Pattern: cp + "/new", Perm: W, Handler: u.phCampaignNew},
		{Method: "POST", Pattern: cp, Perm: W, Handler: u.phCampaignCreate},
		{Method: "GET", Pattern: cp + "/{id}", Perm: R, Handler: u.phCampaign},
		{Method: "GET", Pattern: cp + "/{id}/edit", Perm: W, Handler: u.phCampaignEdit},
		{Method: "POST", Pattern: cp + "/{id}", Perm: W, Handler: u.phCampaignUpdate},
		{Method: "GET", Pattern: "/phishing/safeguards", Perm: R, Handler: u.phSafeguards},
		{Method: "POST", Pattern: "/phishing/safeguards/emergency-stop", Perm: W, Handler: u.phEmergencyStop},
		{Method: "POST", Pattern: "/phishing/safeguards/second-approval", Perm: W, Handler: u.phSecondApproval},
		{Method: "POST", Pattern: "/phishing/safeguards/blackouts", Perm: W, Handler: u.phBlackoutCreate},
		{Method: "POST", Pattern: "/phishing/safeguards/blackouts/{id}/delete", Perm: W, Handler: u.phBlackoutDelete},
		{Method: "POST", Pattern: "/phishing/safeguards/do-not-phish", Perm: W, Handler: u.phDoNotPhishAdd},
		{Method: "POST", Pattern: "/phishing/safeguards/do-not-phish/{id}/delete", Perm: W, Handler: u.phDoNotPhishRemove},
	}
	for _, a := range phCampaignActions {
		routes = append(routes, access.Route{Method: "POST", Pattern: cp + "/{id}/" + a.path, Perm: W, Handler: u.phCampaignAction(a)})
	}
	return routes
}

// phCampaignAction is a button on a campaign's page.
type phCampaignAction struct {
	path, done string
	step       func(s *phishing.Store, ctx context.Context, by audit.Actor, v phishing.Viewer, dir *directory.Store, id int64) (phishing.Campaign, error)
}

var phCampaignActions = []phCampaignAction{
	{"submit", "The campaign was submitted for approval.", func(s *phishing.Store, ctx context.Context, by audit.Actor, v phishing.Viewer, _ *directory.Store, id int64) (phishing.Campaign, error) {
		return s.SubmitCampaign(ctx, by, v, id)
	}},
	{"return", "The campaign is a draft again.", func(s *phishing.Store, ctx context.Context, by audit.Actor, v phishing.Viewer, _ *directory.Store, id int64) (phishing.Campaign, error) {
		return s.ReturnCampaign(ctx, by, v, id)
	}},
	{"approve", "The campaign is approved.", func(s *phishing.Store, ctx context.Context, by audit.Actor, v phishing.Viewer, dir *directory.Store, id int64) (phishing.Campaign, error) {
		return s.ApproveCampaign(ctx, by, v, dir, id)
	}},
	{"launch", "The campaign is launched: its recipients are fixed.", func(s *phishing.Store, ctx context.Context, by audit.Actor, v phishing.Viewer, dir *directory.Store, id int64) (phishing.Campaign, error) {
		return s.LaunchCampaign(ctx, by, v, dir, id)
	}},
	{"pause", "The campaign is paused.", func(s *phishing.Store, ctx context.Context, by audit.Actor, v phishing.Viewer, _ *directory.Store, id int64) (phishing.Campaign, error) {
		return s.PauseCampaign(ctx, by, v, id)
	}},
	{"resume", "The campaign is resumed.", func(s *phishing.Store, ctx context.Context, by audit.Actor, v phishing.Viewer, _ *directory.Store, id int64) (phishing.Campaign, error) {
		return s.ResumeCampaign(ctx, by, v, id)
	}},
	{"cancel", "The campaign is cancelled.", func(s *phishing.Store, ctx context.Context, by audit.Actor, v phishing.Viewer, _ *directory.Store, id int64) (phishing.Campaign, error) {
		return s.CancelCampaign(ctx, by, v, id)
	}},
}

func phViewer(r *http.Request) phishing.Viewer {
	return phishing.ViewerOf(access.PrincipalFrom(r.Context()))
}

type phCampaignRow struct {
	phishing.Campaign
	StatusLabel string
}

type phCampaignsData struct {
	Campaigns []phCampaignRow
	CanWrite  bool
	Stop      phishing.EmergencyStop
	Pager     dirPager
}

func (u *UI) phCampaigns(w http.ResponseWriter, r *http.Request) error {
	after, trail := dirCursor(r)
	list, err := u.Phishing.ListCampaigns(r.Context(), phViewer(r), after, phPerPage+1)
	if err != nil {
		return err
	}
	more := len(list) > phPerPage
	if more {
		list = list[:phPerPage]
	}
	var last int64
	d := phCampaignsData{CanWrite: phCanWrite(r)}
	for _, c := range list {
		d.Campaigns = append(d.Campaigns, phCampaignRow{c, phishing.StatusLabel(c.Status)})
		last = c.ID
	}
	d.Pager = dirMakePager(r, "/phishing/campaigns", after, trail, last, more)
	if d.Stop, err = u.Phishing.EmergencyStopState(r.Context()); err != nil {
		return err
	}
	return u.render(w, r, 200, "phishing_campaigns", Page{Title: "Campaigns", Active: "/phishing", Data: d})
}

func (u *UI) phLoadCampaign(r *http.Request) (phishing.Campaign, error) {
	id, err := dirPathID(r, "id")
	if err != nil {
		return phishing.Campaign{}, err
	}
	c, err := u.Phishing.Campaign(r.Context(), phViewer(r), id)
	if errors.Is(err, database.ErrNotFound) {
		return c, phNotFound("campaign")
	}
	return c, err
}

type phCampaignData struct {
	Campaign       phishing.Campaign
	StatusLabel    string
	TeamName       string
	Audience       phishing.Audience
	AudienceError  string
	Recipients     []phishing.RecipientRow
	MoreRecipients bool
	CanWrite       bool
	SecondApproval bool
	OwnSubmission  bool
	Stop           phishing.EmergencyStop
	Can            map[string]bool
	Window         string
}

func (u *UI) phCampaign(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, err := u.phLoadCampaign(r)
	if err != nil {
		return err
	}
	v := phViewer(r)
	d := phCampaignData{Campaign: c, StatusLabel: phishing.StatusLabel(c.Status), CanWrite: v.CanWrite}
	if t, err := u.Directory.Team(ctx, c.TeamID); err == nil {
		d.TeamName = t.Name
	}
	if c.Recipients == 0 && c.Status != phishing.StatusCancelled {
		if d.Audience, err = u.Phishing.CampaignAudience(ctx, v, u.Directory, c.ID); err != nil {
			d.AudienceError = "The audience cannot be counted: " + err.Error()
		}
	}
	rows, err := u.Phishing.CampaignRecipients(ctx, v, c.ID, 0, 51)
	if err != nil {
		return err
	}
	if len(rows) > 50 {
		rows, d.MoreRecipients = rows[:50], true
	}
	d.Recipients = rows
	if d.SecondApproval, err = u.Phishing.SecondApproval(ctx); err != nil {
		return err
	}
	if d.Stop, err = u.Phishing.EmergencyStopState(ctx); err != nil {
		return err
	}
	d.OwnSubmission = d.SecondApproval && c.SubmittedBy == v.UserID
	s := c.Status
	d.Can = map[string]bool{
		"edit":    s == phishing.StatusDraft,
		"submit":  s == phishing.StatusDraft,
		"return":  s == phishing.StatusAwaitingApproval,
		"approve": s == phishing.StatusAwaitingApproval && !d.OwnSubmission,
		"launch":  s == phishing.StatusApproved && !d.Stop.On,
		"pause":   s == phishing.StatusScheduled || s == phishing.StatusSending,
		"resume":  s == phishing.StatusPaused && !d.Stop.On,
		"cancel":  s != phishing.StatusCompleted && s != phishing.StatusCancelled,
	}
	wd := c.Window
	d.Window = fmt.Sprintf("Spread over %s", phDuration(wd.SpreadMinutes))
	if wd.BusinessHours {
		d.Window += fmt.Sprintf(", between %s and %s on %s, in each person's time zone (%s when unknown)", phClock(wd.DayStart), phClock(wd.DayEnd), phWeekdays(wd.Weekdays), wd.DefaultTimeZone)
	}
	return u.render(w, r, 200, "phishing_campaign", Page{Title: c.Name, Active: "/phishing", Data: d})
}

func phDuration(min int) string {
	switch {
	case min == 0:
		return "no time (all at once)"
	case min%(24*60) == 0:
		return pluralWord(min/(24*60), "day")
	case min%60 == 0:
		return pluralWord(min/60, "hour")
	}
	return pluralWord(min, "minute")
}

func pluralWord(n int, w string) string {
	if n == 1 {
		return "1 " + w
	}
	return strconv.Itoa(n) + " " + w + "s"
}

func phClock(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

func phWeekdays(mask int) string {
	var out []string
	for d := time.Sunday; d <= time.Saturday; d++ {
		if mask&(1<<d) != 0 {
			out = append(out, d.String())
		}
	}
	return strings.Join(out, ", ")
}

func (u *UI) phCampaignAction(a phCampaignAction) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := u.phLoadCampaign(r)
		if err != nil {
			return err
		}
		_, err = a.step(u.Phishing, r.Context(), u.actor(r), phViewer(r), u.Directory, c.ID)
		if err != nil {
			errs, err := dirFormErrors(err, "")
			if err != nil {
				return err
			}
			for _, m := range errs {
				setFlash(w, "error", m)
			}
		} else {
			setFlash(w, "success", a.done)
		}
		http.Redirect(w, r, phPath("campaigns", c.ID), http.StatusSeeOther)
		return nil
	}
}

// phCampaignFormData fills the campaign form.
type phCampaignFormData struct {
	New                                         bool
	Campaign                                    phishing.Campaign
	Errors                                      map[string]string
	Summary                                     []dirErrorItem
	Teams, Templates, Landing, Profiles, Groups []dirOption
	ExcludeGroups                               []dirOption
	People, ExcludePeople                       string
	LaunchAt, SpreadHours, DayStart, DayEnd     string
	Weekdays                                    []dirOption
	Sel                                         map[string]phSelect
}

// phCampaignLabels name the campaign form's fields in its error summary.
var phCampaignLabels = map[string]string{
	"name": "Name", "team_id": "Team", "template_ids": "Email templates", "landing_page_id": "Landing page", "sending_profile_id": "Sending profile",
	"group_ids": "Groups", "person_ids": "People", "exclude_group_ids": "Leave out groups", "exclude_person_ids": "Leave out people",
	"launch_at": "Launch at", "spread_minutes": "Spread over", "day_start_minute": "Business hours", "weekdays": "Business days",
	"default_time_zone": "Default time zone",
}

// phSelect is a select or text area of the campaign form.
type phSelect struct {
	Name, Field, Label, Hint, Error, Value string
	Options                                []dirOption
	Multiple                               bool
}

func (u *UI) phCampaignForm(w http.ResponseWriter, r *http.Request, status int, c phishing.Campaign, people, excluded string, errs map[string]string) error {
	ctx := r.Context()
	v := phViewer(r)
	d := phCampaignFormData{New: c.ID == 0, Campaign: c, Errors: errs, People: people, ExcludePeople: excluded,
		Summary: phErrorSummary(errs, "name", "team_id", "template_ids", "landing_page_id", "sending_profile_id", "group_ids", "person_ids",
			"exclude_group_ids", "exclude_person_ids", "launch_at", "spread_minutes", "day_start_minute", "weekdays", "default_time_zone")}
	for i, item := range d.Summary {
		if l, ok := phCampaignLabels[item.Field]; ok {
			d.Summary[i].Label = l
		}
	}
	var teams []directory.Team
	var err error
	if v.SeesAll {
		teams, err = u.Directory.ListTeams(ctx, directory.TeamQuery{Limit: 500})
	} else {
		teams, err = u.Directory.TeamsOfUser(ctx, v.UserID)
	}
	if err != nil {
		return err
	}
	for _, t := range teams {
		d.Teams = append(d.Teams, dirOption{Value: strconv.FormatInt(t.ID, 10), Label: t.Name, Selected: t.ID == c.TeamID})
	}
	tmpls, err := u.Phishing.ListTemplates(ctx, phishing.TemplateFilter{Limit: 1000})
	if err != nil {
		return err
	}
	for _, t := range tmpls {
		d.Templates = append(d.Templates, dirOption{Value: strconv.FormatInt(t.ID, 10), Label: t.Name, Selected: slices.Contains(c.TemplateIDs, t.ID)})
	}
	pages, err := u.Phishing.ListLandingPages(ctx, 0, 1000)
	if err != nil {
		return err
	}
	for _, p := range pages {
		d.Landing = append(d.Landing, dirOption{Value: strconv.FormatInt(p.ID, 10), Label: p.Name, Selected: p.ID == c.LandingPageID})
	}
	profs, err := u.Phishing.ListProfiles(ctx, 0, 1000)
	if err != nil {
		return err
	}
	for _, p := range profs {
		d.Profiles = append(d.Profiles, dirOption{Value: strconv.FormatInt(p.ID, 10), Label: p.Name, Selected: p.ID == c.SendingProfileID})
	}
	groups, err := u.Directory.ListGroups(ctx, directory.AllOrganisations, directory.GroupQuery{Limit: 1000})
	if err != nil {
		return err
	}
	for _, g := range groups {
		id := strconv.FormatInt(g.ID, 10)
		d.Groups = append(d.Groups, dirOption{Value: id, Label: g.Name, Selected: slices.Contains(c.GroupIDs, g.ID)})
		d.ExcludeGroups = append(d.ExcludeGroups, dirOption{Value: id, Label: g.Name, Selected: slices.Contains(c.ExcludeGroupIDs, g.ID)})
	}
	if c.LaunchAt != nil {
		loc, err := time.LoadLocation(c.Window.DefaultTimeZone)
		if err != nil {
			loc = time.UTC
		}
		d.LaunchAt = c.LaunchAt.In(loc).Format("2006-01-02T15:04")
	}
	d.SpreadHours = strconv.FormatFloat(float64(c.Window.SpreadMinutes)/60, 'f', -1, 64)
	d.DayStart, d.DayEnd = phClock(c.Window.DayStart), phClock(c.Window.DayEnd)
	for day := time.Sunday; day <= time.Saturday; day++ {
		d.Weekdays = append(d.Weekdays, dirOption{Value: strconv.Itoa(int(day)), Label: day.String(), Selected: c.Window.Weekdays&(1<<day) != 0})
	}
	sel := func(name, label, hint string, opts []dirOption, multiple bool) {
		d.Sel[name] = phSelect{Name: name, Field: name, Label: label, Hint: hint, Error: errs[name], Options: opts, Multiple: multiple}
	}
	d.Sel = map[string]phSelect{}
	sel("team_id", "Team", "Its members see and run the campaign.", d.Teams, false)
	sel("template_ids", "Email templates", "Choose one or more; each recipient gets one at random.", d.Templates, true)
	sel("landing_page_id", "Landing page", "", d.Landing, false)
	sel("sending_profile_id", "Sending profile", "", d.Profiles, false)
	sel("group_ids", "Groups", "Everyone in these directory groups.", d.Groups, true)
	sel("exclude_group_ids", "Leave out groups", "", d.ExcludeGroups, true)
	d.Sel["people"] = phSelect{Name: "people", Field: "person_ids", Label: "People", Hint: "Email addresses of directory people, one a line.", Error: errs["person_ids"], Value: people}
	d.Sel["exclude_people"] = phSelect{Name: "exclude_people", Field: "exclude_person_ids", Label: "Leave out people",
		Hint: "Email addresses, one a line. The do-not-phish list is always left out.", Error: errs["exclude_person_ids"], Value: excluded}
	title := "New campaign"
	if !d.New {
		title = "Change " + c.Name
	}
	return u.render(w, r, status, "phishing_campaign_form", Page{Title: title, Active: "/phishing", Data: d})
}

func (u *UI) phCampaignNew(w http.ResponseWriter, r *http.Request) error {
	return u.phCampaignForm(w, r, 200, phishing.Campaign{Window: phishing.DefaultWindow()}, "", "", nil)
}

func (u *UI) phCampaignEdit(w http.ResponseWriter, r *http.Request) error {
	c, err := u.phLoadCampaign(r)
	if err != nil {
		return err
	}
	people, err := u.phEmails(r.Context(), c.PersonIDs)
	if err != nil {
		return err
	}
	excluded, err := u.phEmails(r.Context(), c.ExcludePersonIDs)
	if err != nil {
		return err
	}
	return u.phCampaignForm(w, r, 200, c, people, excluded, nil)
}

func (u *UI) phEmails(ctx context.Context, ids []int64) (string, error) {
	var out []string
	for _, id := range ids {
		p, err := u.Directory.Person(ctx, id)
		if err != nil {
			return "", err
		}
		out = append(out, p.Email)
	}
	return strings.Join(out, "\n"), nil
}

// phReadCampaign reads the campaign form; errs holds what cannot be read.
func (u *UI) phReadCampaign(r *http.Request, id int64) (phishing.Campaign, string, string, map[string]string) {
	errs := map[string]string{}
	c := phishing.Campaign{ID: id, Name: r.PostFormValue("name")}
	ids := func(field string) []int64 {
		var out []int64
		for _, s := range r.PostForm[field] {
			if s == "" {
				continue // "Choose…"
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				errs[field] = "Choose from the list."
				continue
			}
			out = append(out, n)
		}
		return out
	}
	one := func(field string) int64 {
		if l := ids(field); len(l) > 0 {
			return l[0]
		}
		return 0
	}
	c.TeamID, c.LandingPageID, c.SendingProfileID = one("team_id"), one("landing_page_id"), one("sending_profile_id")
	c.TemplateIDs, c.GroupIDs, c.ExcludeGroupIDs = ids("template_ids"), ids("group_ids"), ids("exclude_group_ids")
	people, excluded := r.PostFormValue("people"), r.PostFormValue("exclude_people")
	emails := func(field, text string) []int64 {
		var out []int64
		for _, e := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == ',' || r == ';' || r == ' ' || r == '\r' || r == '\t' }) {
			p, err := u.Directory.PersonByEmail(r.Context(), e)
			if err != nil {
				errs[field] = fmt.Sprintf("No one in the directory has the address %s.", e)
				continue
			}
			out = append(out, p.ID)
		}
		return out
	}
	c.PersonIDs, c.ExcludePersonIDs = emails("person_ids", people), emails("exclude_person_ids", excluded)
	w := phishing.Window{BusinessHours: r.PostFormValue("business_hours") == "1", DefaultTimeZone: strings.TrimSpace(r.PostFormValue("default_time_zone"))}
	if h, err := strconv.ParseFloat(strings.TrimSpace(r.PostFormValue("spread_hours")), 64); err != nil || h < 0 {
		errs["spread_minutes"] = "Give the number of hours to spread the sending over, e.g. 4 or 72."
	} else {
		w.SpreadMinutes = int(h * 60)
	}
	clock := func(field, name string) int {
		t, err := time.Parse("15:04", strings.TrimSpace(r.PostFormValue(name)))
		if err != nil {
			if strings.TrimSpace(r.PostFormValue(name)) == "24:00" {
				return 24 * 60
			}
			errs[field] = "Give the time as hours and minutes, e.g. 09:00."
			return 0
		}
		return t.Hour()*60 + t.Minute()
	}
	w.DayStart, w.DayEnd = clock("day_start_minute", "day_start"), clock("day_start_minute", "day_end")
	for _, s := range r.PostForm["weekdays"] {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < 7 {
			w.Weekdays |= 1 << n
		}
	}
	c.Window = w
	if s := strings.TrimSpace(r.PostFormValue("launch_at")); s != "" {
		loc, err := time.LoadLocation(w.DefaultTimeZone)
		if err != nil {
			loc = time.UTC
		}
		t, err := time.ParseInLocation("2006-01-02T15:04", s, loc)
		if err != nil {
			errs["launch_at"] = "Give a date and time, e.g. 2026-11-16T09:00."
		} else {
			t = t.UTC()
			c.LaunchAt = &t
		}
	}
	return c, people, excluded, errs
}

func (u *UI) phCampaignSave(w http.ResponseWriter, r *http.Request, id int64) error {
	c, people, excluded, errs := u.phReadCampaign(r, id)
	if len(errs) > 0 {
		return u.phCampaignForm(w, r, 422, c, people, excluded, errs)
	}
	var saved phishing.Campaign
	var err error
	if id == 0 {
		saved, err = u.Phishing.CreateCampaign(r.Context(), u.actor(r), phViewer(r), c)
	} else {
		saved, err = u.Phishing.UpdateCampaign(r.Context(), u.actor(r), phViewer(r), c)
	}
	if err != nil {
		if errors.Is(err, database.ErrNotFound) {
			return phNotFound("campaign")
		}
		errs, err := dirFormErrors(err, "")
		if err != nil {
			return err
		}
		return u.phCampaignForm(w, r, 422, c, people, excluded, errs)
	}
	setFlash(w, "success", "The campaign is saved as a draft.")
	http.Redirect(w, r, phPath("campaigns", saved.ID), http.StatusSeeOther)
	return nil
}

func (u *UI) phCampaignCreate(w http.ResponseWriter, r *http.Request) error {
	return u.phCampaignSave(w, r, 0)
}

func (u *UI) phCampaignUpdate(w http.ResponseWriter, r *http.Request) error {
	c, err := u.phLoadCampaign(r)
	if err != nil {
		return err
	}
	return u.phCampaignSave(w, r, c.ID)
}
