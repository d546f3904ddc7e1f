package phishing

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// Settings keys of the safeguards.
const (
	settingSecondApproval = "phishing.second_approval"
	settingEmergencyStop  = "phishing.emergency_stop"
)

func (s *Store) setting(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, key string) (string, bool, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return v, err == nil, err
}

func putSetting(ctx context.Context, tx database.Tx, key, value string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, database.Now())
	return err
}

// SecondApproval reports whether a campaign needs the approval of someone
// other than the person who submitted it (on unless switched off).
func (s *Store) SecondApproval(ctx context.Context) (bool, error) {
	v, ok, err := s.setting(ctx, s.db, settingSecondApproval)
	return !ok || v != "off", err
}

// SetSecondApproval switches the second-person approval on or off.
func (s *Store) SetSecondApproval(ctx context.Context, by audit.Actor, v Viewer, on bool) error {
	if err := writeRequired(v); err != nil {
		return err
	}
	val := map[bool]string{true: "on", false: "off"}[on]
	return s.db.Tx(ctx, func(tx database.Tx) error {
		if err := putSetting(ctx, tx, settingSecondApproval, val); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, by.Entry("phishing.second_approval.set", "setting", settingSecondApproval, map[string]any{"on": on}))
	})
}

// EmergencyStop is the state of the switch that halts all simulation
// sending.
type EmergencyStop struct {
	On     bool       `json:"on"`
	Reason string     `json:"reason,omitempty"`
	By     int64      `json:"by,omitempty"`
	Since  *time.Time `json:"since,omitempty"`
}

// EmergencyStopState reads the emergency stop.
func (s *Store) EmergencyStopState(ctx context.Context) (EmergencyStop, error) {
	return s.stopState(ctx, s.db)
}

func (s *Store) stopState(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (EmergencyStop, error) {
	var st EmergencyStop
	v, ok, err := s.setting(ctx, q, settingEmergencyStop)
	if err != nil || !ok {
		return st, err
	}
	if err := json.Unmarshal([]byte(v), &st); err != nil {
		return st, fmt.Errorf("emergency stop setting: %w", err)
	}
	return st, nil
}

// ErrEmergencyStop refuses launching and resuming while the stop is on.
var ErrEmergencyStop = fmt.Errorf("%w: the emergency stop is on: no simulation is sent until an administrator or awareness manager releases it", database.ErrConflict)

func (s *Store) refuseDuringStop(ctx context.Context, tx database.Tx) error {
	st, err := s.stopState(ctx, tx)
	if err != nil {
		return err
	}
	if st.On {
		return ErrEmergencyStop
	}
	return nil
}

// SetEmergencyStop switches the emergency stop. On, it pauses every
// scheduled or sending campaign at once (they are marked as paused by the
// stop) and refuses launches and resumes; off, it only lifts the refusal:
// paused campaigns stay paused until someone resumes each one.
func (s *Store) SetEmergencyStop(ctx context.Context, by audit.Actor, v Viewer, on bool, reason string) (EmergencyStop, int, error) {
	if err := writeRequired(v); err != nil {
		return EmergencyStop{}, 0, err
	}
	reason = strings.TrimSpace(reason)
	if len(reason) > 500 || hasControl(reason) {
		return EmergencyStop{}, 0, invalid("reason", "the reason is one line of at most 500 characters")
	}
	var paused int64
	st := EmergencyStop{On: on}
	if on {
		now := database.Now()
		st.Reason, st.By, st.Since = reason, v.UserID, &now
	}
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		b, _ := json.Marshal(st)
		if err := putSetting(ctx, tx, settingEmergencyStop, string(b)); err != nil {
			return err
		}
		if on {
			res, err := tx.ExecContext(ctx, `UPDATE phishing_campaigns SET status = 'paused', paused_by_stop = TRUE, updated_at = $1 WHERE status IN ('scheduled', 'sending')`, database.Now())
			if err != nil {
				return fmt.Errorf("pause campaigns: %w", err)
			}
			paused, _ = res.RowsAffected()
		}
		action := map[bool]string{true: "phishing.emergency_stop.on", false: "phishing.emergency_stop.off"}[on]
		return s.audit.Record(ctx, tx, by.Entry(action, "setting", settingEmergencyStop, map[string]any{"paused_campaigns": paused}))
	})
	return st, int(paused), err
}

// Blackout is a date range in which no simulation is sent to the chosen
// organisations (e.g. the weeks around an election).
type Blackout struct {
	ID              int64     `json:"id"`
	StartsOn        string    `json:"starts_on"` // YYYY-MM-DD
	EndsOn          string    `json:"ends_on"`   // YYYY-MM-DD, inclusive
	Reason          string    `json:"reason"`
	OrganisationIDs []int64   `json:"organisation_ids"`
	CreatedAt       time.Time `json:"created_at"`
}

// ListBlackouts lists blackout windows by start date.
func (s *Store) ListBlackouts(ctx context.Context) ([]Blackout, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, starts_on, ends_on, reason, created_at FROM phishing_blackouts ORDER BY starts_on, id`)
	if err != nil {
		return nil, fmt.Errorf("list blackouts: %w", err)
	}
	out := []Blackout{}
	idx := map[int64]int{}
	for rows.Next() {
		var b Blackout
		if err := rows.Scan(&b.ID, &b.StartsOn, &b.EndsOn, &b.Reason, &b.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		b.OrganisationIDs = []int64{}
		idx[b.ID] = len(out)
		out = append(out, b)
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT blackout_id, organisation_id FROM phishing_blackout_organisations ORDER BY organisation_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var b, o int64
		if err := rows.Scan(&b, &o); err != nil {
			return nil, err
		}
		if i, ok := idx[b]; ok {
			out[i].OrganisationIDs = append(out[i].OrganisationIDs, o)
		}
	}
	return out, rows.Err()
}

// CreateBlackout stores a blackout window.
func (s *Store) CreateBlackout(ctx context.Context, by audit.Actor, v Viewer, in Blackout) (Blackout, error) {
	if err := writeRequired(v); err != nil {
		return Blackout{}, err
	}
	in.StartsOn, in.EndsOn, in.Reason = strings.TrimSpace(in.StartsOn), strings.TrimSpace(in.EndsOn), strings.TrimSpace(in.Reason)
	start, err := time.Parse(time.DateOnly, in.StartsOn)
	if err != nil {
		return Blackout{}, invalid("starts_on", "%q is not a date like 2026-11-03", in.StartsOn)
	}
	end, err := time.Parse(time.DateOnly, in.EndsOn)
	if err != nil {
		return Blackout{}, invalid("ends_on", "%q is not a date like 2026-11-03", in.EndsOn)
	}
	if end.Before(start) {
		return Blackout{}, invalid("ends_on", "the blackout ends before it starts")
	}
	if in.Reason == "" || len(in.Reason) > 500 || hasControl(in.Reason) {
		return Blackout{}, invalid("reason", "give a reason on one line (at most 500 characters), e.g. general election")
	}
	if len(in.OrganisationIDs) == 0 {
		return Blackout{}, invalid("organisation_ids", "choose at least one organisation")
	}
	in.CreatedAt = database.Now()
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO phishing_blackouts (starts_on, ends_on, reason, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			in.StartsOn, in.EndsOn, in.Reason, in.CreatedAt).Scan(&in.ID); err != nil {
			return fmt.Errorf("create blackout: %w", err)
		}
		seen := map[int64]bool{}
		for _, o := range in.OrganisationIDs {
			if seen[o] {
				continue
			}
			seen[o] = true
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations WHERE id = $1`, o).Scan(&n); err != nil || n == 0 {
				return invalid("organisation_ids", "organisation %d does not exist", o)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO phishing_blackout_organisations (blackout_id, organisation_id) VALUES ($1, $2)`, in.ID, o); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, tx, by.Entry("phishing.blackout.create", "phishing_blackout", strconv.FormatInt(in.ID, 10),
			map[string]any{"starts_on": in.StartsOn, "ends_on": in.EndsOn, "organisations": len(seen)}))
	})
	return in, err
}

// DeleteBlackout removes a blackout window.
func (s *Store) DeleteBlackout(ctx context.Context, by audit.Actor, v Viewer, id int64) error {
	if err := writeRequired(v); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx database.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM phishing_blackout_organisations WHERE blackout_id = $1`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM phishing_blackouts WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return database.ErrNotFound
		}
		return s.audit.Record(ctx, tx, by.Entry("phishing.blackout.delete", "phishing_blackout", strconv.FormatInt(id, 10), nil))
	})
}

// blackedOut returns the organisations (among orgs) under a blackout that
// overlaps [start, end]. Days are compared with a day's margin each side,
// so that the check holds in every US time zone.
func (s *Store) blackedOut(ctx context.Context, start, end time.Time) (map[int64]bool, error) {
	from := start.UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	to := end.UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT o.organisation_id FROM phishing_blackouts b
		JOIN phishing_blackout_organisations o ON o.blackout_id = b.id WHERE b.starts_on <= $1 AND b.ends_on >= $2`, to, from)
	if err != nil {
		return nil, fmt.Errorf("blackouts: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var o int64
		if err := rows.Scan(&o); err != nil {
			return nil, err
		}
		out[o] = true
	}
	return out, rows.Err()
}

// DoNotPhish is an entry of the standing do-not-phish list: an email
// address or a directory person, left out of every campaign.
type DoNotPhish struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email,omitempty"`
	PersonID  int64     `json:"person_id,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// ListDoNotPhish lists the do-not-phish list by id after afterID.
func (s *Store) ListDoNotPhish(ctx context.Context, afterID int64, limit int) ([]DoNotPhish, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, email, COALESCE(person_id, 0), reason, created_at FROM phishing_do_not_phish WHERE id > $1 ORDER BY id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list do-not-phish: %w", err)
	}
	defer rows.Close()
	out := []DoNotPhish{}
	for rows.Next() {
		var d DoNotPhish
		if err := rows.Scan(&d.ID, &d.Email, &d.PersonID, &d.Reason, &d.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// AddDoNotPhish puts an email address or a person on the list.
func (s *Store) AddDoNotPhish(ctx context.Context, by audit.Actor, v Viewer, in DoNotPhish) (DoNotPhish, error) {
	if err := writeRequired(v); err != nil {
		return DoNotPhish{}, err
	}
	in.Email, in.Reason = strings.ToLower(strings.TrimSpace(in.Email)), strings.TrimSpace(in.Reason)
	switch {
	case in.Email == "" && in.PersonID == 0:
		return DoNotPhish{}, invalid("email", "give an email address or choose a person")
	case in.Email != "" && in.PersonID != 0:
		return DoNotPhish{}, invalid("email", "give an email address or a person, not both")
	case len(in.Reason) > 500 || hasControl(in.Reason):
		return DoNotPhish{}, invalid("reason", "the reason is one line of at most 500 characters")
	}
	if in.Email != "" {
		a, err := netmail.ParseAddress(in.Email)
		if err != nil || a.Name != "" || hasControl(in.Email) {
			return DoNotPhish{}, invalid("email", "%q is not an email address", in.Email)
		}
	}
	in.CreatedAt = database.Now()
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		var n int
		if in.PersonID != 0 {
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM people WHERE id = $1`, in.PersonID).Scan(&n); err != nil || n == 0 {
				return invalid("person_id", "person %d does not exist", in.PersonID)
			}
		}
		tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM phishing_do_not_phish WHERE (email <> '' AND email = $1) OR person_id = $2`, in.Email, in.PersonID).Scan(&n)
		if n > 0 {
			return fmt.Errorf("%w: already on the do-not-phish list", database.ErrConflict)
		}
		var person any
		if in.PersonID != 0 {
			person = in.PersonID
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO phishing_do_not_phish (email, person_id, reason, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			in.Email, person, in.Reason, in.CreatedAt).Scan(&in.ID); err != nil {
			return fmt.Errorf("add to do-not-phish: %w", err)
		}
		// Messages already planned for them in launched campaigns are not sent.
		var res sql.Result
		var err error
		if in.PersonID != 0 {
			res, err = tx.ExecContext(ctx, `UPDATE phishing_recipients SET state = 'cancelled' WHERE person_id = $1 AND state IN ('pending', 'held')`, in.PersonID)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE phishing_recipients SET state = 'cancelled' WHERE email = $1 AND state IN ('pending', 'held')`, in.Email)
		}
		if err != nil {
			return fmt.Errorf("cancel planned messages: %w", err)
		}
		cancelled, _ := res.RowsAffected()
		return s.audit.Record(ctx, tx, by.Entry("phishing.do_not_phish.add", "phishing_do_not_phish", strconv.FormatInt(in.ID, 10),
			map[string]any{"person_id": in.PersonID, "by_email": in.Email != "", "cancelled_messages": cancelled}))
	})
	return in, err
}

// RemoveDoNotPhish takes an entry off the list.
func (s *Store) RemoveDoNotPhish(ctx context.Context, by audit.Actor, v Viewer, id int64) error {
	if err := writeRequired(v); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx database.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM phishing_do_not_phish WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return database.ErrNotFound
		}
		return s.audit.Record(ctx, tx, by.Entry("phishing.do_not_phish.remove", "phishing_do_not_phish", strconv.FormatInt(id, 10), nil))
	})
}
