package phishing

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"bulwark/internal/accounts"
	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// Campaign statuses, from draft to completed or cancelled.
const (
	StatusDraft            = "draft"
	StatusAwaitingApproval = "awaiting_approval"
	StatusApproved         = "approved"
	StatusScheduled        = "scheduled"
	StatusSending          = "sending"
	StatusPaused           = "paused"
	StatusCompleted        = "completed"
	StatusCancelled        = "cancelled"
)

// StatusLabel is how a status reads on a page.
func StatusLabel(s string) string {
	return map[string]string{StatusDraft: "Draft", StatusAwaitingApproval: "Awaiting approval", StatusApproved: "Approved",
		StatusScheduled: "Scheduled", StatusSending: "Sending", StatusPaused: "Paused", StatusCompleted: "Completed", StatusCancelled: "Cancelled"}[s]
}

// Campaign is a phishing simulation sent to an audience. It belongs to a
// team: the team's members with awareness rights see and run it.
type Campaign struct {
	ID               int64      `json:"id"`
	Name             string     `json:"name"`
	TeamID           int64      `json:"team_id"`
	Status           string     `json:"status"`
	LandingPageID    int64      `json:"landing_page_id"`
	SendingProfileID int64      `json:"sending_profile_id"`
	TemplateIDs      []int64    `json:"template_ids"`
	GroupIDs         []int64    `json:"group_ids"`
	PersonIDs        []int64    `json:"person_ids"`
	ExcludeGroupIDs  []int64    `json:"exclude_group_ids"`
	ExcludePersonIDs []int64    `json:"exclude_person_ids"`
	LaunchAt         *time.Time `json:"launch_at,omitempty"`
	Window           Window     `json:"window"`
	CreatedBy        int64      `json:"created_by"`
	SubmittedBy      int64      `json:"submitted_by,omitempty"`
	SubmittedAt      *time.Time `json:"submitted_at,omitempty"`
	ApprovedBy       int64      `json:"approved_by,omitempty"`
	ApprovedAt       *time.Time `json:"approved_at,omitempty"`
	LaunchedAt       *time.Time `json:"launched_at,omitempty"`
	PausedByStop     bool       `json:"paused_by_emergency_stop"`
	Recipients       int        `json:"recipients"`
	Held             int        `json:"held"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

// Viewer is who reads or runs campaigns: a user sees and runs the
// campaigns of their teams; administrators (who may also run them) and
// auditors (who only read) see every campaign.
type Viewer struct {
	UserID   int64
	SeesAll  bool
	CanWrite bool
}

// ViewerOf is the Viewer of a signed-in principal.
func ViewerOf(p *accounts.Principal) Viewer {
	if p == nil {
		return Viewer{}
	}
	seesAll := p.Role == accounts.RoleAdmin || p.Role == accounts.RoleAuditor
	return Viewer{UserID: p.User.ID, SeesAll: seesAll, CanWrite: p.Can(accounts.PermAwarenessWrite)}
}

// transitionError refuses a move the campaign's status does not allow.
func transitionError(action, status string) error {
	return fmt.Errorf("%w: a campaign that is %s cannot be %s", database.ErrConflict, strings.ToLower(StatusLabel(status)), action)
}

const maxAudienceRefs = 1000

func (c *Campaign) validate() error {
	var err error
	if c.Name, err = checkName(c.Name); err != nil {
		return err
	}
	if c.TeamID <= 0 {
		return invalid("team_id", "choose the team that owns the campaign")
	}
	if len(c.TemplateIDs) == 0 {
		return invalid("template_ids", "choose at least one email template")
	}
	if c.LandingPageID <= 0 {
		return invalid("landing_page_id", "choose a landing page")
	}
	if c.SendingProfileID <= 0 {
		return invalid("sending_profile_id", "choose a sending profile")
	}
	for _, l := range []struct {
		field string
		ids   *[]int64
	}{{"template_ids", &c.TemplateIDs}, {"group_ids", &c.GroupIDs}, {"person_ids", &c.PersonIDs}, {"exclude_group_ids", &c.ExcludeGroupIDs}, {"exclude_person_ids", &c.ExcludePersonIDs}} {
		ids := slices.Clone(*l.ids)
		slices.Sort(ids)
		ids = slices.Compact(ids)
		if len(ids) > maxAudienceRefs {
			return invalid(l.field, "at most %d at once", maxAudienceRefs)
		}
		if len(ids) > 0 && ids[0] <= 0 {
			return invalid(l.field, "%d is not an id", ids[0])
		}
		if ids == nil {
			ids = []int64{}
		}
		*l.ids = ids
	}
	if len(c.GroupIDs) == 0 && len(c.PersonIDs) == 0 {
		return invalid("group_ids", "choose at least one group or person to send to")
	}
	w := &c.Window
	switch {
	case w.SpreadMinutes < 0 || w.SpreadMinutes > 60*24*60:
		return invalid("spread_minutes", "spread the sending over 0 minutes to 60 days")
	case w.BusinessHours && (w.DayStart < 0 || w.DayEnd > 24*60 || w.DayStart >= w.DayEnd):
		return invalid("day_start_minute", "business hours start before they end, within the day")
	case w.BusinessHours && (w.Weekdays&0x7f == 0 || w.Weekdays&^0x7f != 0):
		return invalid("weekdays", "choose at least one business day")
	}
	w.DefaultTimeZone = strings.TrimSpace(w.DefaultTimeZone)
	if w.DefaultTimeZone == "" {
		w.DefaultTimeZone = "America/Chicago"
	}
	if _, err := time.LoadLocation(w.DefaultTimeZone); err != nil || hasControl(w.DefaultTimeZone) {
		return invalid("default_time_zone", "%q is not a time zone name such as America/Chicago", w.DefaultTimeZone)
	}
	if c.LaunchAt != nil {
		t := c.LaunchAt.UTC().Truncate(time.Microsecond)
		c.LaunchAt = &t
	}
	return nil
}

// checkReferences makes sure what the campaign names exists.
func (s *Store) checkReferences(ctx context.Context, q database.Tx, c *Campaign, v Viewer) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM teams WHERE id = $1`, c.TeamID).Scan(&n); err != nil || n == 0 {
		return invalid("team_id", "team %d does not exist", c.TeamID)
	}
	if !v.SeesAll {
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM team_members WHERE team_id = $1 AND user_id = $2`, c.TeamID, v.UserID).Scan(&n); err != nil || n == 0 {
			return invalid("team_id", "you are not on team %d: choose one of your teams", c.TeamID)
		}
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM phishing_landing_pages WHERE id = $1`, c.LandingPageID).Scan(&n); err != nil || n == 0 {
		return invalid("landing_page_id", "landing page %d does not exist", c.LandingPageID)
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM phishing_sending_profiles WHERE id = $1`, c.SendingProfileID).Scan(&n); err != nil || n == 0 {
		return invalid("sending_profile_id", "sending profile %d does not exist", c.SendingProfileID)
	}
	for _, l := range []struct {
		field, table, what string
		ids                []int64
	}{
		{"template_ids", "phishing_templates", "email template", c.TemplateIDs},
		{"group_ids", "groups", "group", c.GroupIDs},
		{"exclude_group_ids", "groups", "group", c.ExcludeGroupIDs},
		{"person_ids", "people", "person", c.PersonIDs},
		{"exclude_person_ids", "people", "person", c.ExcludePersonIDs},
	} {
		if len(l.ids) == 0 {
			continue
		}
		rows, err := q.QueryContext(ctx, `SELECT id FROM `+l.table+` WHERE id IN (`+s.db.Placeholders(1, len(l.ids))+`)`, int64Args(l.ids)...)
		if err != nil {
			return fmt.Errorf("check %s: %w", l.field, err)
		}
		found := map[int64]bool{}
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			found[id] = true
		}
		rows.Close()
		for _, id := range l.ids {
			if !found[id] {
				return invalid(l.field, "%s %d does not exist", l.what, id)
			}
		}
	}
	return nil
}

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

const campaignColumns = `id, name, team_id, status, landing_page_id, sending_profile_id, launch_at, spread_minutes, business_hours, day_start_minute,
	day_end_minute, weekdays, default_time_zone, created_by, submitted_by, submitted_at, approved_by, approved_at, launched_at, paused_by_stop,
	recipients, held, created_at, updated_at`

func scanCampaign(row interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	var launchAt, submittedAt, approvedAt, launchedAt sql.NullTime
	w := &c.Window
	err := row.Scan(&c.ID, &c.Name, &c.TeamID, &c.Status, &c.LandingPageID, &c.SendingProfileID, &launchAt, &w.SpreadMinutes, &w.BusinessHours,
		&w.DayStart, &w.DayEnd, &w.Weekdays, &w.DefaultTimeZone, &c.CreatedBy, &c.SubmittedBy, &submittedAt, &c.ApprovedBy, &approvedAt,
		&launchedAt, &c.PausedByStop, &c.Recipients, &c.Held, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return c, notFound(err)
	}
	ptr := func(n sql.NullTime) *time.Time {
		if !n.Valid {
			return nil
		}
		t := n.Time.UTC()
		return &t
	}
	c.LaunchAt, c.SubmittedAt, c.ApprovedAt, c.LaunchedAt = ptr(launchAt), ptr(submittedAt), ptr(approvedAt), ptr(launchedAt)
	return c, nil
}

// visible is the SQL condition (on alias c) for the campaigns v sees; its
// one marker is $n.
func visible(v Viewer, n int) (string, []any) {
	if v.SeesAll {
		return "TRUE", nil
	}
	return fmt.Sprintf("c.team_id IN (SELECT team_id FROM team_members WHERE user_id = $%d)", n), []any{v.UserID}
}

// Campaign returns one campaign the viewer may see; the others are
// ErrNotFound, so their existence is not revealed.
func (s *Store) Campaign(ctx context.Context, v Viewer, id int64) (Campaign, error) {
	cond, args := visible(v, 2)
	c, err := scanCampaign(s.db.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM phishing_campaigns c WHERE c.id = $1 AND `+cond, append([]any{id}, args...)...))
	if err != nil {
		return c, err
	}
	return c, s.loadTargets(ctx, &c)
}

func (s *Store) loadTargets(ctx context.Context, c *Campaign) error {
	rows, err := s.db.QueryContext(ctx, `SELECT kind, ref_id FROM phishing_campaign_targets WHERE campaign_id = $1 ORDER BY kind, ref_id`, c.ID)
	if err != nil {
		return fmt.Errorf("campaign targets: %w", err)
	}
	defer rows.Close()
	c.TemplateIDs, c.GroupIDs, c.PersonIDs, c.ExcludeGroupIDs, c.ExcludePersonIDs = []int64{}, []int64{}, []int64{}, []int64{}, []int64{}
	for rows.Next() {
		var kind string
		var id int64
		if err := rows.Scan(&kind, &id); err != nil {
			return err
		}
		if l := c.targetList(kind); l != nil {
			*l = append(*l, id)
		}
	}
	return rows.Err()
}

func (c *Campaign) targetList(kind string) *[]int64 {
	switch kind {
	case "template":
		return &c.TemplateIDs
	case "group":
		return &c.GroupIDs
	case "person":
		return &c.PersonIDs
	case "exclude_group":
		return &c.ExcludeGroupIDs
	case "exclude_person":
		return &c.ExcludePersonIDs
	}
	return nil
}

func (s *Store) storeTargets(ctx context.Context, tx database.Tx, c *Campaign) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM phishing_campaign_targets WHERE campaign_id = $1`, c.ID); err != nil {
		return err
	}
	for _, kind := range []string{"template", "group", "person", "exclude_group", "exclude_person"} {
		for _, id := range *c.targetList(kind) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO phishing_campaign_targets (campaign_id, kind, ref_id) VALUES ($1, $2, $3)`, c.ID, kind, id); err != nil {
				return fmt.Errorf("store campaign targets: %w", err)
			}
		}
	}
	return nil
}

// ListCampaigns lists the campaigns v sees, newest first, before beforeID
// (0: from the newest), at most limit.
func (s *Store) ListCampaigns(ctx context.Context, v Viewer, beforeID int64, limit int) ([]Campaign, error) {
	cond, args := visible(v, 3)
	if beforeID <= 0 {
		beforeID = 1<<62 - 1
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+campaignColumns+` FROM phishing_campaigns c WHERE c.id < $1 AND `+cond+` ORDER BY c.id DESC LIMIT $2`,
		append([]any{beforeID, limit}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	defer rows.Close()
	out := []Campaign{}
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func writeRequired(v Viewer) error {
	if !v.CanWrite {
		return fmt.Errorf("%w: running campaigns takes the awareness manager role", directory.ErrInvalid)
	}
	return nil
}

// CreateCampaign stores a new draft campaign.
func (s *Store) CreateCampaign(ctx context.Context, by audit.Actor, v Viewer, in Campaign) (Campaign, error) {
	if err := writeRequired(v); err != nil {
		return Campaign{}, err
	}
	if err := in.validate(); err != nil {
		return Campaign{}, err
	}
	now := database.Now()
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		if err := s.checkReferences(ctx, tx, &in, v); err != nil {
			return err
		}
		w := in.Window
		err := tx.QueryRowContext(ctx, `INSERT INTO phishing_campaigns (name, team_id, status, landing_page_id, sending_profile_id, launch_at, spread_minutes,
			business_hours, day_start_minute, day_end_minute, weekdays, default_time_zone, created_by, created_at, updated_at)
			VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id`,
			in.Name, in.TeamID, in.LandingPageID, in.SendingProfileID, in.LaunchAt, w.SpreadMinutes, w.BusinessHours, w.DayStart, w.DayEnd,
			w.Weekdays, w.DefaultTimeZone, v.UserID, now).Scan(&in.ID)
		if err != nil {
			return fmt.Errorf("create campaign: %w", err)
		}
		if err := s.storeTargets(ctx, tx, &in); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, by.Entry("phishing.campaign.create", "phishing_campaign", strconv.FormatInt(in.ID, 10), in.auditSummary()))
	})
	if err != nil {
		return Campaign{}, err
	}
	return s.Campaign(ctx, v, in.ID)
}

func (c Campaign) auditSummary() map[string]any {
	return map[string]any{"team_id": c.TeamID, "templates": c.TemplateIDs, "groups": c.GroupIDs, "people": len(c.PersonIDs),
		"exclude_groups": c.ExcludeGroupIDs, "exclude_people": len(c.ExcludePersonIDs), "landing_page_id": c.LandingPageID,
		"sending_profile_id": c.SendingProfileID, "spread_minutes": c.Window.SpreadMinutes, "business_hours": c.Window.BusinessHours}
}

// UpdateCampaign changes a campaign while it is a draft.
func (s *Store) UpdateCampaign(ctx context.Context, by audit.Actor, v Viewer, in Campaign) (Campaign, error) {
	if err := writeRequired(v); err != nil {
		return Campaign{}, err
	}
	cur, err := s.Campaign(ctx, v, in.ID)
	if err != nil {
		return Campaign{}, err
	}
	if cur.Status != StatusDraft {
		return Campaign{}, transitionError("changed (only a draft can be)", cur.Status)
	}
	if err := in.validate(); err != nil {
		return Campaign{}, err
	}
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		if err := s.checkReferences(ctx, tx, &in, v); err != nil {
			return err
		}
		w := in.Window
		res, err := tx.ExecContext(ctx, `UPDATE phishing_campaigns SET name = $1, team_id = $2, landing_page_id = $3, sending_profile_id = $4, launch_at = $5,
			spread_minutes = $6, business_hours = $7, day_start_minute = $8, day_end_minute = $9, weekdays = $10, default_time_zone = $11, updated_at = $12
			WHERE id = $13 AND status = 'draft'`,
			in.Name, in.TeamID, in.LandingPageID, in.SendingProfileID, in.LaunchAt, w.SpreadMinutes, w.BusinessHours, w.DayStart, w.DayEnd,
			w.Weekdays, w.DefaultTimeZone, database.Now(), in.ID)
		if err != nil {
			return fmt.Errorf("update campaign: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: the campaign was submitted while you changed it; only a draft can be changed", database.ErrConflict)
		}
		if err := s.storeTargets(ctx, tx, &in); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, by.Entry("phishing.campaign.update", "phishing_campaign", strconv.FormatInt(in.ID, 10), in.auditSummary()))
	})
	if err != nil {
		return Campaign{}, err
	}
	return s.Campaign(ctx, v, in.ID)
}

// transition moves a visible campaign from one of from to status to,
// setting the extra columns, and audits it; the move happens only if no
// one else moved the campaign first.
func (s *Store) transition(ctx context.Context, tx database.Tx, by audit.Actor, c Campaign, action string, from []string, to string, set string, setArgs ...any) error {
	if !slices.Contains(from, c.Status) {
		return transitionError(action, c.Status)
	}
	args := append([]any{to, database.Now(), c.ID}, setArgs...)
	q := `UPDATE phishing_campaigns SET status = $1, updated_at = $2` + set + ` WHERE id = $3 AND status IN (` + s.db.Placeholders(len(args)+1, len(from)) + `)`
	for _, f := range from {
		args = append(args, f)
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("campaign %s: %w", action, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: someone changed the campaign at the same time; reload it", database.ErrConflict)
	}
	return s.audit.Record(ctx, tx, by.Entry("phishing.campaign."+actionName(action), "phishing_campaign", strconv.FormatInt(c.ID, 10),
		map[string]any{"from": c.Status, "to": to}))
}

func actionName(action string) string {
	f := strings.Fields(action)
	return f[0]
}

// SubmitCampaign asks for approval of a draft.
func (s *Store) SubmitCampaign(ctx context.Context, by audit.Actor, v Viewer, id int64) (Campaign, error) {
	return s.simpleTransition(ctx, by, v, id, "submitted", []string{StatusDraft}, StatusAwaitingApproval,
		`, submitted_by = $4, submitted_at = $5`, v.UserID, database.Now())
}

// ReturnCampaign sends a campaign awaiting approval back to draft (asked
// for changes, or to change it oneself).
func (s *Store) ReturnCampaign(ctx context.Context, by audit.Actor, v Viewer, id int64) (Campaign, error) {
	return s.simpleTransition(ctx, by, v, id, "returned to draft", []string{StatusAwaitingApproval}, StatusDraft, `, submitted_by = 0, submitted_at = NULL`)
}

// PauseCampaign stops the sending of a scheduled or sending campaign.
func (s *Store) PauseCampaign(ctx context.Context, by audit.Actor, v Viewer, id int64) (Campaign, error) {
	return s.simpleTransition(ctx, by, v, id, "paused", []string{StatusScheduled, StatusSending}, StatusPaused, ``)
}

// ResumeCampaign sends a paused campaign again; refused while the
// emergency stop is on.
func (s *Store) ResumeCampaign(ctx context.Context, by audit.Actor, v Viewer, id int64) (Campaign, error) {
	if err := writeRequired(v); err != nil {
		return Campaign{}, err
	}
	c, err := s.Campaign(ctx, v, id)
	if err != nil {
		return c, err
	}
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		if err := s.refuseDuringStop(ctx, tx); err != nil {
			return err
		}
		to := StatusSending
		if c.LaunchAt != nil && c.LaunchAt.After(database.Now()) {
			to = StatusScheduled
		}
		return s.transition(ctx, tx, by, c, "resumed", []string{StatusPaused}, to, `, paused_by_stop = FALSE`)
	})
	if err != nil {
		return Campaign{}, err
	}
	return s.Campaign(ctx, v, id)
}

// CancelCampaign ends a campaign that has not finished; recipients not yet
// sent to are cancelled.
func (s *Store) CancelCampaign(ctx context.Context, by audit.Actor, v Viewer, id int64) (Campaign, error) {
	if err := writeRequired(v); err != nil {
		return Campaign{}, err
	}
	c, err := s.Campaign(ctx, v, id)
	if err != nil {
		return c, err
	}
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		from := []string{StatusDraft, StatusAwaitingApproval, StatusApproved, StatusScheduled, StatusSending, StatusPaused}
		if err := s.transition(ctx, tx, by, c, "cancelled", from, StatusCancelled, ``); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE phishing_recipients SET state = 'cancelled' WHERE campaign_id = $1 AND state IN ('pending', 'held')`, id)
		return err
	})
	if err != nil {
		return Campaign{}, err
	}
	return s.Campaign(ctx, v, id)
}

// CompleteCampaign marks a sending campaign done (the delivery pipeline
// does, once every recipient is sent or failed).
func (s *Store) CompleteCampaign(ctx context.Context, by audit.Actor, v Viewer, id int64) (Campaign, error) {
	return s.simpleTransition(ctx, by, v, id, "completed", []string{StatusSending}, StatusCompleted, ``)
}

func (s *Store) simpleTransition(ctx context.Context, by audit.Actor, v Viewer, id int64, action string, from []string, to, set string, setArgs ...any) (Campaign, error) {
	if err := writeRequired(v); err != nil {
		return Campaign{}, err
	}
	c, err := s.Campaign(ctx, v, id)
	if err != nil {
		return c, err
	}
	if err := s.db.Tx(ctx, func(tx database.Tx) error {
		return s.transition(ctx, tx, by, c, action, from, to, set, setArgs...)
	}); err != nil {
		return Campaign{}, err
	}
	return s.Campaign(ctx, v, id)
}
