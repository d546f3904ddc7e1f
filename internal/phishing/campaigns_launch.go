package phishing

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"bulwark/internal/accounts"
	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// Recipient states. Held recipients are in an organisation under a
// blackout that began after the campaign was approved: they get nothing
// until someone decides (the delivery slice will release or cancel them).
const (
	RecipientPending   = "pending"
	RecipientHeld      = "held"
	RecipientSent      = "sent"
	RecipientFailed    = "failed"
	RecipientCancelled = "cancelled"
)

// audienceMember is one person a campaign would send to.
type audienceMember struct {
	personID, org int64
	email, tz     string
}

// Audience counts who a campaign reaches.
type Audience struct {
	People     int `json:"people"`       // who would receive it
	DoNotPhish int `json:"do_not_phish"` // left out by the do-not-phish list
	Duplicates int `json:"duplicates"`   // left out as a second person with the same email
}

// ErrOwnApproval refuses the approval of a campaign by the person who
// submitted it while second-person approval is on.
var ErrOwnApproval = fmt.Errorf("%w: you submitted this campaign, so someone else must approve it", database.ErrConflict)

// resolveAudience is the campaign's audience: the members of its groups and
// its people, minus its excluded groups and people and the do-not-phish
// list, once per email address (the lowest person id is kept).
func (s *Store) resolveAudience(ctx context.Context, dir *directory.Store, c Campaign) ([]audienceMember, Audience, error) {
	var sum Audience
	ids, err := dir.ResolveGroups(ctx, directory.AllOrganisations, c.GroupIDs, c.ExcludeGroupIDs)
	if err != nil {
		return nil, sum, fmt.Errorf("audience: %w", err)
	}
	excluded := map[int64]bool{}
	for _, id := range c.ExcludePersonIDs {
		excluded[id] = true
	}
	if len(c.PersonIDs) > 0 && len(c.ExcludeGroupIDs) > 0 {
		out, err := dir.ResolveGroups(ctx, directory.AllOrganisations, c.ExcludeGroupIDs, nil)
		if err != nil {
			return nil, sum, fmt.Errorf("audience exclusions: %w", err)
		}
		for _, id := range out {
			excluded[id] = true
		}
	}
	ids = append(ids, c.PersonIDs...)
	slices.Sort(ids)
	ids = slices.Compact(ids)

	dnpPeople, dnpEmails := map[int64]bool{}, map[string]bool{}
	rows, err := s.db.QueryContext(ctx, `SELECT email, COALESCE(person_id, 0) FROM phishing_do_not_phish`)
	if err != nil {
		return nil, sum, fmt.Errorf("do-not-phish list: %w", err)
	}
	for rows.Next() {
		var e string
		var p int64
		if err := rows.Scan(&e, &p); err != nil {
			rows.Close()
			return nil, sum, err
		}
		if p != 0 {
			dnpPeople[p] = true
		} else {
			dnpEmails[strings.ToLower(e)] = true
		}
	}
	rows.Close()

	var out []audienceMember
	seen := map[string]bool{}
	const batch = 900
	for i := 0; i < len(ids); i += batch {
		part := ids[i:min(i+batch, len(ids))]
		rows, err := s.db.QueryContext(ctx, `SELECT id, email, COALESCE(organisation_id, 0), time_zone FROM people WHERE id IN (`+
			s.db.Placeholders(1, len(part))+`) ORDER BY id`, int64Args(part)...)
		if err != nil {
			return nil, sum, fmt.Errorf("audience people: %w", err)
		}
		for rows.Next() {
			var m audienceMember
			if err := rows.Scan(&m.personID, &m.email, &m.org, &m.tz); err != nil {
				rows.Close()
				return nil, sum, err
			}
			if excluded[m.personID] {
				continue
			}
			key := strings.ToLower(strings.TrimSpace(m.email))
			switch {
			case dnpPeople[m.personID] || dnpEmails[key]:
				sum.DoNotPhish++
			case seen[key]:
				sum.Duplicates++
			default:
				seen[key] = true
				m.email = key
				out = append(out, m)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, sum, err
		}
	}
	sum.People = len(out)
	return out, sum, nil
}

// CampaignAudience counts who the campaign would reach now.
func (s *Store) CampaignAudience(ctx context.Context, v Viewer, dir *directory.Store, id int64) (Audience, error) {
	c, err := s.Campaign(ctx, v, id)
	if err != nil {
		return Audience{}, err
	}
	_, sum, err := s.resolveAudience(ctx, dir, c)
	return sum, err
}

// sendingPeriod is the stretch of time a campaign may send in, for the
// blackout check: with business hours a few days are added, since a
// window that holds no business time moves to the next business day.
func (c Campaign) sendingPeriod(now time.Time) (time.Time, time.Time) {
	start := now
	if c.LaunchAt != nil && c.LaunchAt.After(now) {
		start = *c.LaunchAt
	}
	end := c.Window.End(start)
	if c.Window.BusinessHours {
		end = end.AddDate(0, 0, 3)
	}
	return start, end
}

// ApproveCampaign approves a campaign awaiting approval. With second-person
// approval on (the default) the submitter cannot approve their own
// campaign; a campaign whose sending period overlaps a blackout of any of
// its recipients' organisations cannot be approved.
func (s *Store) ApproveCampaign(ctx context.Context, by audit.Actor, v Viewer, dir *directory.Store, id int64) (Campaign, error) {
	if err := writeRequired(v); err != nil {
		return Campaign{}, err
	}
	c, err := s.Campaign(ctx, v, id)
	if err != nil {
		return c, err
	}
	if c.Status != StatusAwaitingApproval {
		return Campaign{}, transitionError("approved", c.Status)
	}
	second, err := s.SecondApproval(ctx)
	if err != nil {
		return Campaign{}, err
	}
	if second && c.SubmittedBy == v.UserID {
		return Campaign{}, ErrOwnApproval
	}
	members, _, err := s.resolveAudience(ctx, dir, c)
	if err != nil {
		return Campaign{}, err
	}
	start, end := c.sendingPeriod(database.Now())
	blacked, err := s.blackedOut(ctx, start, end)
	if err != nil {
		return Campaign{}, err
	}
	orgs := map[int64]bool{}
	for _, m := range members {
		if blacked[m.org] {
			orgs[m.org] = true
		}
	}
	if len(orgs) > 0 {
		return Campaign{}, fmt.Errorf("%w: the sending window (%s to %s) overlaps a blackout for %d of the audience's organisations; change the launch time or leave those organisations out",
			database.ErrConflict, start.Format(time.DateOnly), end.Format(time.DateOnly), len(orgs))
	}
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		return s.transition(ctx, tx, by, c, "approved", []string{StatusAwaitingApproval}, StatusApproved, `, approved_by = $4, approved_at = $5`, v.UserID, database.Now())
	})
	if err != nil {
		return Campaign{}, err
	}
	return s.Campaign(ctx, v, id)
}

// LaunchCampaign materialises an approved campaign's recipients, in one
// transaction, and schedules it (at its launch time, or now). Each
// recipient gets a random template variant, a planned send time in their
// own time zone and a 144-bit token for the tracking link. The token is
// kept in clear because the link is built from it when the message is
// sent; it never appears in a list or the API. Recipients in an
// organisation under a blackout are held.
func (s *Store) LaunchCampaign(ctx context.Context, by audit.Actor, v Viewer, dir *directory.Store, id int64) (Campaign, error) {
	if err := writeRequired(v); err != nil {
		return Campaign{}, err
	}
	c, err := s.Campaign(ctx, v, id)
	if err != nil {
		return c, err
	}
	if c.Status != StatusApproved {
		return Campaign{}, transitionError("launched (it must be approved first)", c.Status)
	}
	if st, err := s.EmergencyStopState(ctx); err != nil {
		return Campaign{}, err
	} else if st.On {
		return Campaign{}, ErrEmergencyStop
	}
	members, _, err := s.resolveAudience(ctx, dir, c)
	if err != nil {
		return Campaign{}, err
	}
	if len(members) == 0 {
		return Campaign{}, fmt.Errorf("%w: no one is left to send to after the exclusions and the do-not-phish list", directory.ErrInvalid)
	}
	now := database.Now()
	start, end := c.sendingPeriod(now)
	blacked, err := s.blackedOut(ctx, start, end)
	if err != nil {
		return Campaign{}, err
	}
	zones := make([]string, len(members))
	for i, m := range members {
		zones[i] = m.tz
	}
	planned := PlanSendTimes(zones, c.Window, start, rand.Uint64())
	held := 0
	for _, m := range members {
		if blacked[m.org] {
			held++
		}
	}
	to := StatusSending
	if start.After(now) {
		to = StatusScheduled
	}
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		if err := s.refuseDuringStop(ctx, tx); err != nil {
			return err
		}
		if err := s.transition(ctx, tx, by, c, "launched", []string{StatusApproved}, to, `, launched_at = $4, recipients = $5, held = $6`, now, len(members), held); err != nil {
			return err
		}
		const cols, batch = 9, 500
		args := make([]any, 0, cols*batch)
		flush := func(n int) error {
			if n == 0 {
				return nil
			}
			var b strings.Builder
			b.WriteString(`INSERT INTO phishing_recipients (campaign_id, person_id, email, organisation_id, template_id, token, state, planned_at, created_at) VALUES `)
			for i := range n {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(" + s.db.Placeholders(i*cols+1, cols) + ")")
			}
			_, err := tx.ExecContext(ctx, b.String(), args...)
			args = args[:0]
			if err != nil {
				return fmt.Errorf("store recipients: %w", err)
			}
			return nil
		}
		n := 0
		for i, m := range members {
			state := RecipientPending
			if blacked[m.org] {
				state = RecipientHeld
			}
			var org any
			if m.org != 0 {
				org = m.org
			}
			args = append(args, c.ID, m.personID, m.email, org, c.TemplateIDs[rand.IntN(len(c.TemplateIDs))],
				accounts.NewSecret(18), state, planned[i].Truncate(time.Microsecond), now)
			if n++; n == batch {
				if err := flush(n); err != nil {
					return err
				}
				n = 0
			}
		}
		if err := flush(n); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, by.Entry("phishing.campaign.recipients", "phishing_campaign", strconv.FormatInt(c.ID, 10),
			map[string]any{"recipients": len(members), "held": held}))
	})
	if err != nil {
		return Campaign{}, err
	}
	return s.Campaign(ctx, v, id)
}

// RecipientRow is one recipient of a campaign in its results; the token
// is never part of it.
type RecipientRow struct {
	ID             int64     `json:"id"`
	PersonID       int64     `json:"person_id,omitempty"`
	Email          string    `json:"email"`
	OrganisationID int64     `json:"organisation_id,omitempty"`
	TemplateID     int64     `json:"template_id"`
	State          string    `json:"state"`
	PlannedAt      time.Time `json:"planned_at"`
}

// CampaignRecipients lists a visible campaign's recipients by id after
// afterID, at most limit.
func (s *Store) CampaignRecipients(ctx context.Context, v Viewer, id, afterID int64, limit int) ([]RecipientRow, error) {
	if _, err := s.Campaign(ctx, v, id); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, COALESCE(person_id, 0), email, COALESCE(organisation_id, 0), template_id, state, planned_at
		FROM phishing_recipients WHERE campaign_id = $1 AND id > $2 ORDER BY id LIMIT $3`, id, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("campaign recipients: %w", err)
	}
	defer rows.Close()
	out := []RecipientRow{}
	for rows.Next() {
		var r RecipientRow
		if err := rows.Scan(&r.ID, &r.PersonID, &r.Email, &r.OrganisationID, &r.TemplateID, &r.State, &r.PlannedAt); err != nil {
			return nil, err
		}
		r.PlannedAt = r.PlannedAt.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}
