package ui

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/httpx"
)

const (
	adminAuditPerPage   = 50
	adminAuditCSVBatch  = 1000
	adminAuditDateForm  = "2006-01-02"
	adminAuditMaxFilter = 200
)

// adminAuditQuery is the audit filter as the user typed it, to refill the
// form and to build the links that keep it.
type adminAuditQuery struct {
	Action, ObjectType, ObjectID, Actor, From, To string
}

// values encodes the query for a link; only what is set.
func (q adminAuditQuery) values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"action", q.Action}, {"object_type", q.ObjectType}, {"object_id", q.ObjectID}, {"actor", q.Actor}, {"from", q.From}, {"to", q.To}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	return v
}

// Set reports whether any filter is in use.
func (q adminAuditQuery) Set() bool { return len(q.values()) > 0 }

// adminAuditFilter reads the filter from a query string. The problem, when
// not empty, says in words what to correct.
func adminAuditFilter(v url.Values) (audit.Filter, adminAuditQuery, string) {
	q := adminAuditQuery{
		Action:     strings.TrimSpace(v.Get("action")),
		ObjectType: strings.TrimSpace(v.Get("object_type")),
		ObjectID:   strings.TrimSpace(v.Get("object_id")),
		Actor:      strings.TrimSpace(v.Get("actor")),
		From:       strings.TrimSpace(v.Get("from")),
		To:         strings.TrimSpace(v.Get("to")),
	}
	f := audit.Filter{Action: q.Action, ObjectType: q.ObjectType, ObjectID: q.ObjectID}
	for _, s := range []string{q.Action, q.ObjectType, q.ObjectID, q.Actor} {
		if len(s) > adminAuditMaxFilter {
			return f, q, fmt.Sprintf("A filter is longer than %d characters: shorten it.", adminAuditMaxFilter)
		}
	}
	if q.Actor != "" {
		id, err := strconv.ParseInt(strings.TrimPrefix(q.Actor, "user:"), 10, 64)
		if err != nil || id <= 0 {
			return f, q, fmt.Sprintf("The user filter must be a user's number, such as 12 (you gave %q). It is shown on the user's page.", q.Actor)
		}
		f.ActorID = id
	}
	if q.From != "" {
		t, err := time.Parse(adminAuditDateForm, q.From)
		if err != nil {
			return f, q, fmt.Sprintf("The \"from\" date %q is not a date: use the form YYYY-MM-DD.", q.From)
		}
		f.Since = t
	}
	if q.To != "" {
		t, err := time.Parse(adminAuditDateForm, q.To)
		if err != nil {
			return f, q, fmt.Sprintf("The \"to\" date %q is not a date: use the form YYYY-MM-DD.", q.To)
		}
		f.Until = t.AddDate(0, 0, 1) // the whole of the "to" day
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return f, q, "The \"from\" date is after the \"to\" date: swap them."
	}
	return f, q, ""
}

type adminAuditRow struct {
	ID          int64
	At          time.Time
	Actor       string
	ActorUserID int64
	Action      string
	ObjectType  string
	ObjectID    string
	IP          string
	Summary     string
}

type adminVerifyResult struct {
	Entries  int64
	HeadID   int64
	Problems []audit.Problem
	OK       bool
}

type adminAuditData struct {
	Query   adminAuditQuery
	Error   string
	Entries []adminAuditRow
	Paged   bool   // showing older entries than the newest
	Newest  string // link to the first page with the same filters
	Older   string // link to the next page, empty on the last
	CSV     string // link to the export with the same filters
	Verify  *adminVerifyResult
}

func (u *UI) adminAuditRender(w http.ResponseWriter, r *http.Request, v url.Values, verify *adminVerifyResult) error {
	f, q, problem := adminAuditFilter(v)
	d := adminAuditData{Query: q, Error: problem, Verify: verify}
	csvQuery := q.values()
	d.CSV = "/admin/audit.csv"
	if len(csvQuery) > 0 {
		d.CSV += "?" + csvQuery.Encode()
	}
	d.Newest = "/admin/audit"
	if len(csvQuery) > 0 {
		d.Newest += "?" + csvQuery.Encode()
	}
	if problem != "" {
		return u.render(w, r, http.StatusUnprocessableEntity, "audit", Page{Title: "Audit log", Active: "/admin/audit", Data: d})
	}
	before, err := adminCursor(v, "before")
	if err != nil {
		return err
	}
	f.BeforeID = before
	f.Limit = adminAuditPerPage + 1
	entries, err := u.Audit.List(r.Context(), f)
	if err != nil {
		return err
	}
	d.Paged = before > 0
	if len(entries) > adminAuditPerPage {
		entries = entries[:adminAuditPerPage]
		next := q.values()
		next.Set("before", strconv.FormatInt(entries[len(entries)-1].ID, 10))
		d.Older = "/admin/audit?" + next.Encode()
	}
	for _, e := range entries {
		d.Entries = append(d.Entries, adminAuditRow{ID: e.ID, At: e.At, Actor: e.Actor, ActorUserID: e.ActorUserID, Action: e.Action,
			ObjectType: e.ObjectType, ObjectID: e.ObjectID, IP: e.IP, Summary: e.SummaryText()})
	}
	return u.render(w, r, 200, "audit", Page{Title: "Audit log", Active: "/admin/audit", Data: d})
}

func (u *UI) adminAuditPage(w http.ResponseWriter, r *http.Request) error {
	return u.adminAuditRender(w, r, r.URL.Query(), nil)
}

// adminAuditVerify checks the whole chain and shows what it found above the
// newest entries.
func (u *UI) adminAuditVerify(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	rep, err := u.Audit.Verify(ctx)
	if err != nil {
		return err
	}
	res := &adminVerifyResult{Entries: rep.Entries, HeadID: rep.HeadID, Problems: rep.Problems, OK: rep.OK()}
	if err := u.Audit.RecordNow(ctx, u.actor(r).Entry("audit.verify", "audit_log", "", map[string]any{"entries": rep.Entries, "problems": len(rep.Problems)})); err != nil {
		return err
	}
	return u.adminAuditRender(w, r, url.Values{}, res)
}

// adminAuditCSV streams the filtered log, newest first, in batches. The
// export is recorded before the first byte goes out, so no copy of the log
// leaves without a trace; it covers the entries written before it.
func (u *UI) adminAuditCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, q, problem := adminAuditFilter(r.URL.Query())
	if problem != "" {
		return httpx.Errorf(http.StatusUnprocessableEntity, "%s", problem)
	}
	newest, err := u.Audit.List(ctx, audit.Filter{Limit: 1})
	if err != nil {
		return err
	}
	var upTo int64
	if len(newest) > 0 {
		upTo = newest[0].ID
	}
	summary := map[string]any{"up_to": upTo}
	for k, vals := range q.values() {
		summary[k] = vals[0]
	}
	if err := u.Audit.RecordNow(ctx, u.actor(r).Entry("audit.export", "audit_log", "", summary)); err != nil {
		return err
	}

	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="bulwark-audit-%s.csv"`, time.Now().UTC().Format("20060102-150405")))
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "at", "actor", "actor_user_id", "action", "object_type", "object_id", "ip", "summary"})
	f.BeforeID = upTo + 1
	f.Limit = adminAuditCSVBatch
	for {
		entries, err := u.Audit.List(ctx, f)
		if err != nil {
			// The header is sent: all that can be done is to stop and log.
			u.Log.Error("audit export stopped", "err", err)
			cw.Flush()
			return nil
		}
		for _, e := range entries {
			actorID := ""
			if e.ActorUserID != 0 {
				actorID = strconv.FormatInt(e.ActorUserID, 10)
			}
			cw.Write([]string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339Nano), adminCSVCell(e.Actor), actorID,
				adminCSVCell(e.Action), adminCSVCell(e.ObjectType), adminCSVCell(e.ObjectID), adminCSVCell(e.IP), adminCSVCell(e.SummaryText())})
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return nil // the client went away
		}
		if len(entries) < adminAuditCSVBatch {
			return nil
		}
		f.BeforeID = entries[len(entries)-1].ID
	}
}

// adminCSVCell stops a spreadsheet from reading a cell as a formula: a value
// starting with = + - @ (or a tab or carriage return, which some programs
// skip before looking) gets a leading single quote.
func adminCSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
