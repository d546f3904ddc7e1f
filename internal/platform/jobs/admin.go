package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

const jobColumns = `id, kind, payload, state, run_at, attempts, max_attempts, lease_owner, lease_expires_at, last_error, unique_key, created_at, updated_at, finished_at`

type scanner interface{ Scan(dest ...any) error }

func scanJob(s scanner) (Job, error) {
	var j Job
	var payload string
	var state string
	var lease, finished sql.NullTime
	var key sql.NullString
	if err := s.Scan(&j.ID, &j.Kind, &payload, &state, &j.RunAt, &j.Attempts, &j.MaxAttempts, &j.LeaseOwner, &lease,
		&j.LastError, &key, &j.CreatedAt, &j.UpdatedAt, &finished); err != nil {
		return Job{}, err
	}
	j.Payload = []byte(payload)
	j.State = State(state)
	j.UniqueKey = key.String
	j.RunAt, j.CreatedAt, j.UpdatedAt = j.RunAt.UTC(), j.CreatedAt.UTC(), j.UpdatedAt.UTC()
	if lease.Valid {
		t := lease.Time.UTC()
		j.LeaseExpiresAt = &t
	}
	if finished.Valid {
		t := finished.Time.UTC()
		j.FinishedAt = &t
	}
	return j, nil
}

// Filter narrows List.
type Filter struct {
	State    State  // "" for every state
	Kind     string // "" for every kind
	BeforeID int64  // keyset cursor: jobs older than this id; 0 to start
	Limit    int    // 50 when 0, at most 1000
}

// List returns jobs newest first.
func (q *Queue) List(ctx context.Context, f Filter) ([]Job, error) {
	if _, err := ParseState(string(f.State)); err != nil {
		return nil, err
	}
	var where []string
	var vals []any
	add := func(cond string, v any) {
		vals = append(vals, v)
		where = append(where, fmt.Sprintf(cond, len(vals)))
	}
	if f.State != "" {
		add("state = $%d", string(f.State))
	}
	if f.Kind != "" {
		add("kind = $%d", f.Kind)
	}
	if f.BeforeID > 0 {
		add("id < $%d", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	stmt := `SELECT ` + jobColumns + ` FROM jobs`
	if len(where) > 0 {
		stmt += ` WHERE ` + strings.Join(where, " AND ")
	}
	stmt += ` ORDER BY id DESC LIMIT ` + strconv.Itoa(limit)
	rows, err := q.db.QueryContext(ctx, stmt, vals...)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// Get returns job id, or database.ErrNotFound.
func (q *Queue) Get(ctx context.Context, id int64) (Job, error) {
	return q.get(ctx, q.db, id)
}

func (q *Queue) get(ctx context.Context, dbq database.Querier, id int64) (Job, error) {
	j, err := scanJob(dbq.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, fmt.Errorf("job %d: %w", id, database.ErrNotFound)
	}
	if err != nil {
		return Job{}, fmt.Errorf("job %d: %w", id, err)
	}
	return j, nil
}

// errNoAudit refuses a change by a person on a queue made without an audit
// log: every such change is audited.
var errNoAudit = errors.New("jobs: this queue has no audit log, so it cannot record a person's change")

// Retry queues a failed or cancelled job to run now with a fresh set of
// attempts, or brings a waiting job's run time forward to now. It refuses
// (database.ErrConflict) a job that is running or has succeeded, and a job
// whose unique key another waiting or running job holds.
func (q *Queue) Retry(ctx context.Context, actor audit.Actor, id int64) (Job, error) {
	if q.audit == nil {
		return Job{}, errNoAudit
	}
	var out Job
	err := q.db.Tx(ctx, func(tx database.Tx) error {
		j, err := q.get(ctx, tx, id)
		if err != nil {
			return err
		}
		now := q.now()
		switch j.State {
		case StateFailed, StateCancelled:
			_, err = tx.ExecContext(ctx, `UPDATE jobs SET state = 'queued', attempts = 0, run_at = $1, updated_at = $1, finished_at = NULL,
				lease_owner = '', lease_token = '', lease_expires_at = NULL WHERE id = $2`, now, id)
			if database.IsUniqueViolation(err) {
				return stateError{fmt.Sprintf("Job %d cannot be queued again: another job with the same key (%s) is already waiting or running.", id, j.UniqueKey)}
			}
		case StateQueued:
			_, err = tx.ExecContext(ctx, `UPDATE jobs SET run_at = $1, updated_at = $1 WHERE id = $2 AND state = 'queued'`, now, id)
		case StateRunning:
			return stateError{fmt.Sprintf("Job %d is running now; it can be tried again only after it fails or is cancelled.", id)}
		default:
			return stateError{fmt.Sprintf("Job %d has already succeeded; there is nothing to try again.", id)}
		}
		if err != nil {
			return fmt.Errorf("retry job %d: %w", id, err)
		}
		if err := q.audit.Record(ctx, tx, actor.Entry("job.retry", "job", strconv.FormatInt(id, 10),
			map[string]any{"kind": j.Kind, "from_state": string(j.State), "attempts": j.Attempts})); err != nil {
			return err
		}
		out, err = q.get(ctx, tx, id)
		return err
	})
	if err == nil {
		q.Wake()
	}
	return out, err
}

// Cancel stops a waiting or running job. A running job's handler is told to
// stop (its context ends) when its worker next renews the lease; whatever
// it does after that is not recorded. It refuses (database.ErrConflict) a
// job that has already finished.
func (q *Queue) Cancel(ctx context.Context, actor audit.Actor, id int64) (Job, error) {
	if q.audit == nil {
		return Job{}, errNoAudit
	}
	var out Job
	err := q.db.Tx(ctx, func(tx database.Tx) error {
		j, err := q.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if j.State != StateQueued && j.State != StateRunning {
			return stateError{fmt.Sprintf("Job %d has already %s; only a waiting or running job can be cancelled.", id, j.State)}
		}
		now := q.now()
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET state = 'cancelled', finished_at = $1, updated_at = $1,
			lease_owner = '', lease_token = '', lease_expires_at = NULL WHERE id = $2 AND state = $3`, now, id, string(j.State))
		if err != nil {
			return fmt.Errorf("cancel job %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return stateError{fmt.Sprintf("Job %d changed while it was being cancelled; reload the page and try again.", id)}
		}
		if err := q.audit.Record(ctx, tx, actor.Entry("job.cancel", "job", strconv.FormatInt(id, 10),
			map[string]any{"kind": j.Kind, "from_state": string(j.State), "attempts": j.Attempts})); err != nil {
			return err
		}
		out, err = q.get(ctx, tx, id)
		return err
	})
	return out, err
}

// Counts are the number of jobs in each state.
type Counts struct {
	Queued    int `json:"queued"`
	Running   int `json:"running"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	Cancelled int `json:"cancelled"`
}

// Of returns the count for state s.
func (c Counts) Of(s State) int {
	switch s {
	case StateQueued:
		return c.Queued
	case StateRunning:
		return c.Running
	case StateSucceeded:
		return c.Succeeded
	case StateFailed:
		return c.Failed
	case StateCancelled:
		return c.Cancelled
	}
	return 0
}

// Stats counts jobs by state.
func (q *Queue) Stats(ctx context.Context) (Counts, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM jobs GROUP BY state`)
	if err != nil {
		return Counts{}, fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	var c Counts
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return Counts{}, fmt.Errorf("count jobs: %w", err)
		}
		switch State(s) {
		case StateQueued:
			c.Queued = n
		case StateRunning:
			c.Running = n
		case StateSucceeded:
			c.Succeeded = n
		case StateFailed:
			c.Failed = n
		case StateCancelled:
			c.Cancelled = n
		}
	}
	return c, rows.Err()
}

// Pending is the number of jobs waiting to run (the dashboard shows it).
func (q *Queue) Pending(ctx context.Context) (int, error) {
	var n int
	if err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE state = 'queued'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count waiting jobs: %w", err)
	}
	return n, nil
}

// Kinds lists the kinds of the jobs stored and those registered, sorted,
// for filters.
func (q *Queue) Kinds(ctx context.Context) ([]string, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT DISTINCT kind FROM jobs`)
	if err != nil {
		return nil, fmt.Errorf("job kinds: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for _, k := range q.Registered() {
		seen[k] = true
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		seen[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	slices.Sort(out)
	return out, nil
}
