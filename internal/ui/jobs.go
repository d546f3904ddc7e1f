package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/httpx"
	"bulwark/internal/platform/jobs"
)

const (
	jobsPerPage     = 50
	jobsErrorLength = 140 // characters of the last error shown in the list
	jobsMaxKindLen  = 200
)

type jobsCount struct {
	State, Label, Class, Href string
	N                         int
	Current                   bool
}

type jobsOption struct {
	Value, Label string
	Selected     bool
}

// jobsActions says which buttons a job gets for the signed-in user.
type jobsActions struct {
	CanRetry, CanCancel bool
	RetryLabel          string // "Try again" or "Run now"
}

func jobActions(p *accounts.Principal, j jobs.Job, now time.Time) jobsActions {
	if !p.Can(accounts.PermJobsManage) {
		return jobsActions{}
	}
	a := jobsActions{CanCancel: j.State == jobs.StateQueued || j.State == jobs.StateRunning}
	switch {
	case j.State == jobs.StateFailed || j.State == jobs.StateCancelled:
		a.CanRetry, a.RetryLabel = true, "Try again"
	case j.State == jobs.StateQueued && j.RunAt.After(now):
		a.CanRetry, a.RetryLabel = true, "Run now"
	}
	return a
}

type jobsRow struct {
	ID                    int64
	Kind                  string
	State, StateLabel     string
	Attempts, MaxAttempts int
	RunAt, UpdatedAt      time.Time
	Error                 string
	ErrorCut              bool // Error is the start of a longer message
	jobsActions
}

type jobsData struct {
	Counts        []jobsCount
	Total         int
	States, Kinds []jobsOption
	State, Kind   string
	Filtered      bool
	Jobs          []jobsRow
	CanManage     bool
	Paged         bool
	Newest, Older string
	Back          string // this page's address, where an action returns to
	// How long finished jobs are kept, in days.
	KeepSucceededDays, KeepFailedDays int
}

// jobsQuery reads the list's filter. A state that does not exist is a
// mistake in the address, answered with 400.
func jobsQuery(v url.Values) (jobs.State, string, error) {
	st, err := jobs.ParseState(strings.TrimSpace(v.Get("state")))
	if err != nil {
		return "", "", httpx.Errorf(http.StatusBadRequest, "There is no job state %q: choose one from the list.", v.Get("state"))
	}
	kind := strings.TrimSpace(v.Get("kind"))
	if len(kind) > jobsMaxKindLen {
		return "", "", httpx.Errorf(http.StatusBadRequest, "The kind filter is longer than %d characters.", jobsMaxKindLen)
	}
	return st, kind, nil
}

func jobsLink(state jobs.State, kind string, before int64) string {
	v := url.Values{}
	if state != "" {
		v.Set("state", string(state))
	}
	if kind != "" {
		v.Set("kind", kind)
	}
	if before > 0 {
		v.Set("before", strconv.FormatInt(before, 10))
	}
	if len(v) == 0 {
		return "/admin/jobs"
	}
	return "/admin/jobs?" + v.Encode()
}

func (u *UI) jobsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := access.PrincipalFrom(ctx)
	state, kind, err := jobsQuery(r.URL.Query())
	if err != nil {
		return err
	}
	before, err := adminCursor(r.URL.Query(), "before")
	if err != nil {
		return err
	}
	counts, err := u.Jobs.Stats(ctx)
	if err != nil {
		return err
	}
	kinds, err := u.Jobs.Kinds(ctx)
	if err != nil {
		return err
	}
	list, err := u.Jobs.List(ctx, jobs.Filter{State: state, Kind: kind, BeforeID: before, Limit: jobsPerPage + 1})
	if err != nil {
		return err
	}

	d := jobsData{State: string(state), Kind: kind, Filtered: state != "" || kind != "", CanManage: p.Can(accounts.PermJobsManage),
		Paged: before > 0, Newest: jobsLink(state, kind, 0), Back: r.URL.RequestURI()}
	keepOK, keepFailed := u.Jobs.Retention()
	d.KeepSucceededDays, d.KeepFailedDays = int(keepOK/(24*time.Hour)), int(keepFailed/(24*time.Hour))
	d.States = append(d.States, jobsOption{Value: "", Label: "Any state", Selected: state == ""})
	for _, s := range jobs.States {
		n := counts.Of(s)
		d.Total += n
		d.Counts = append(d.Counts, jobsCount{State: string(s), Label: s.Label(), N: n, Href: jobsLink(s, kind, 0), Current: s == state})
		d.States = append(d.States, jobsOption{Value: string(s), Label: s.Label(), Selected: s == state})
	}
	d.Kinds = append(d.Kinds, jobsOption{Value: "", Label: "Any kind", Selected: kind == ""})
	found := kind == ""
	for _, k := range kinds {
		d.Kinds = append(d.Kinds, jobsOption{Value: k, Label: k, Selected: k == kind})
		found = found || k == kind
	}
	if !found {
		d.Kinds = append(d.Kinds, jobsOption{Value: kind, Label: kind, Selected: true})
	}
	if len(list) > jobsPerPage {
		list = list[:jobsPerPage]
		d.Older = jobsLink(state, kind, list[len(list)-1].ID)
	}
	now := time.Now()
	for _, j := range list {
		msg, cut := jobsShorten(j.LastError, jobsErrorLength)
		d.Jobs = append(d.Jobs, jobsRow{ID: j.ID, Kind: j.Kind, State: string(j.State), StateLabel: j.State.Label(),
			Attempts: j.Attempts, MaxAttempts: j.MaxAttempts, RunAt: j.RunAt, UpdatedAt: j.UpdatedAt,
			Error: msg, ErrorCut: cut, jobsActions: jobActions(p, j, now)})
	}
	return u.render(w, r, http.StatusOK, "jobs", Page{Title: "Background jobs", Active: "/admin/jobs", Data: d})
}

type jobData struct {
	Job        jobs.Job
	StateLabel string
	Payload    string
	Back       string
	jobsActions
}

func (u *UI) jobPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := jobID(r)
	if err != nil {
		return err
	}
	j, err := u.Jobs.Get(ctx, id)
	if err != nil {
		return jobLookupError(err, id)
	}
	payload := string(j.Payload)
	var pretty bytes.Buffer
	if json.Indent(&pretty, j.Payload, "", "  ") == nil {
		payload = pretty.String()
	}
	d := jobData{Job: j, StateLabel: j.State.Label(), Payload: payload, Back: r.URL.RequestURI(),
		jobsActions: jobActions(access.PrincipalFrom(ctx), j, time.Now())}
	return u.render(w, r, http.StatusOK, "job", Page{Title: fmt.Sprintf("Job %d", j.ID), Active: "/admin/jobs", Data: d})
}

func (u *UI) jobRetry(w http.ResponseWriter, r *http.Request) error {
	return u.jobAction(w, r, "retry")
}

func (u *UI) jobCancel(w http.ResponseWriter, r *http.Request) error {
	return u.jobAction(w, r, "cancel")
}

// jobAction retries or cancels a job and returns to the page the button
// was on, with a message saying what happened.
func (u *UI) jobAction(w http.ResponseWriter, r *http.Request, action string) error {
	id, err := jobID(r)
	if err != nil {
		return err
	}
	back := jobsBack(r.PostFormValue("back"), id)
	var j jobs.Job
	if action == "retry" {
		j, err = u.Jobs.Retry(r.Context(), u.actor(r), id)
	} else {
		j, err = u.Jobs.Cancel(r.Context(), u.actor(r), id)
	}
	switch {
	case errors.Is(err, database.ErrConflict):
		setFlash(w, "error", err.Error())
	case err != nil:
		return jobLookupError(err, id)
	case action == "retry":
		setFlash(w, "success", fmt.Sprintf("Job %d (%s) is queued to run now.", j.ID, j.Kind))
	default:
		setFlash(w, "success", fmt.Sprintf("Job %d (%s) is cancelled. It will not run again unless someone tries it again.", j.ID, j.Kind))
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

func jobID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, httpx.Errorf(http.StatusNotFound, "There is no job %q.", r.PathValue("id"))
	}
	return id, nil
}

func jobLookupError(err error, id int64) error {
	if errors.Is(err, database.ErrNotFound) {
		return httpx.Errorf(http.StatusNotFound, "There is no job %d. Finished jobs are removed after a while.", id)
	}
	return err
}

// jobsBack keeps an action's return address on the jobs pages, so that a
// crafted form cannot send the user elsewhere.
func jobsBack(back string, id int64) string {
	fallback := fmt.Sprintf("/admin/jobs/%d", id)
	u, err := url.Parse(back)
	if err != nil || back == "" || u.Scheme != "" || u.Host != "" || strings.HasPrefix(back, "//") ||
		(u.Path != "/admin/jobs" && !strings.HasPrefix(u.Path, "/admin/jobs/")) {
		return fallback
	}
	return back
}

// jobsShorten cuts s to about n characters on a word boundary.
func jobsShorten(s string, n int) (string, bool) {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s, false
	}
	cut := []rune(s)[:n]
	if i := strings.LastIndexByte(string(cut), ' '); i > n/2 {
		return strings.TrimRight(string(cut)[:i], " ,;:") + "…", true
	}
	return string(cut) + "…", true
}
