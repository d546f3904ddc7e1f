package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"bulwark/internal/platform/database"
)

var errNoRows = sql.ErrNoRows

// maxErrorLen bounds the last error kept on a job.
const maxErrorLen = 4000

// Run claims and runs due jobs with up to workers at once until ctx ends.
// It then stops claiming, lets running jobs finish for ShutdownGrace, and
// cancels the rest, handing them back to the queue without counting the
// attempt. A handler that ignores its context is left behind; its lease
// expires and another worker takes the job over. Run also takes over jobs
// whose lease expired (their process died) and deletes old finished jobs.
func (q *Queue) Run(ctx context.Context, workers int) error {
	if workers < 1 {
		workers = 1
	}
	// Handlers outlive ctx by the grace period: they get a context of their own.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	done := make(chan string, workers)
	running := map[string]int{}
	total := 0
	finished := func(kind string) {
		running[kind]--
		total--
	}
	var lastReclaim, lastCleanup time.Time
	q.log.Info("background workers started", "workers", workers, "owner", q.owner)

	for ctx.Err() == nil {
		now := time.Now()
		if now.Sub(lastReclaim) >= q.reclaimEvery() {
			lastReclaim = now
			if _, err := q.Reclaim(ctx); err != nil && ctx.Err() == nil {
				q.log.Warn("jobs: taking over expired leases", "err", err)
			}
		}
		if now.Sub(lastCleanup) >= time.Hour {
			lastCleanup = now
			if _, err := q.Cleanup(ctx); err != nil && ctx.Err() == nil {
				q.log.Warn("jobs: deleting old finished jobs", "err", err)
			}
		}
		claimedAny := false
		if free := workers - total; free > 0 {
			jobs, err := q.claim(ctx, free, running)
			if err != nil && ctx.Err() == nil {
				q.log.Warn("jobs: claiming", "err", err)
			}
			for _, j := range jobs {
				running[j.Kind]++
				total++
				go func() {
					defer func() { done <- j.Kind }()
					q.execute(workCtx, j)
				}()
			}
			claimedAny = len(jobs) > 0
		}
		if claimedAny && total < workers {
			continue // more may be due
		}
		timer := time.NewTimer(q.pollInterval())
		select {
		case <-ctx.Done():
		case <-q.wake:
		case k := <-done:
			finished(k)
		case <-timer.C:
		}
		timer.Stop()
	}

	// Shutdown: let running jobs finish, then cancel them.
	if total > 0 {
		q.log.Info("waiting for background jobs to finish", "running", total)
	}
	if !q.drain(done, finished, &total, q.shutdownGrace()) {
		q.log.Warn("cancelling background jobs still running at shutdown", "running", total)
		stopWork()
		if !q.drain(done, finished, &total, 5*time.Second) {
			q.log.Warn("background jobs did not stop; their leases will expire", "running", total)
		}
	}
	q.log.Info("background workers stopped", "owner", q.owner)
	return nil
}

// drain waits up to limit for the running jobs to finish and reports
// whether they all did.
func (q *Queue) drain(done <-chan string, finished func(string), total *int, limit time.Duration) bool {
	t := time.NewTimer(limit)
	defer t.Stop()
	for *total > 0 {
		select {
		case k := <-done:
			finished(k)
		case <-t.C:
			return false
		}
	}
	return true
}

func (q *Queue) reclaimEvery() time.Duration {
	return max(q.pollInterval(), q.leaseDuration()/4)
}

// RunDue claims up to limit jobs that are due now, runs them concurrently
// and returns how many ran, once all have finished. Operators' commands
// and tests use it; servers use Run.
func (q *Queue) RunDue(ctx context.Context, limit int) (int, error) {
	if _, err := q.Reclaim(ctx); err != nil {
		return 0, err
	}
	jobs, err := q.claim(ctx, limit, nil)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() { q.execute(ctx, j) })
	}
	wg.Wait()
	return len(jobs), nil
}

// claim leases up to limit due jobs of registered kinds, respecting each
// kind's concurrency given how many of it already run here. Kinds with a
// limit are claimed first, each within its own allowance, so neither group
// can starve the other.
func (q *Queue) claim(ctx context.Context, limit int, running map[string]int) ([]Job, error) {
	q.mu.RLock()
	var open []string
	type capped struct {
		name string
		room int
	}
	var limited []capped
	for name, k := range q.kinds {
		if k.opts.Concurrency <= 0 {
			open = append(open, name)
		} else if room := k.opts.Concurrency - running[name]; room > 0 {
			limited = append(limited, capped{name, room})
		}
	}
	q.mu.RUnlock()
	sort.Strings(open)
	sort.Slice(limited, func(i, j int) bool { return limited[i].name < limited[j].name })

	var out []Job
	for _, c := range limited {
		if limit-len(out) <= 0 {
			break
		}
		got, err := q.claimKinds(ctx, []string{c.name}, min(c.room, limit-len(out)))
		if err != nil {
			return out, err
		}
		out = append(out, got...)
	}
	if len(open) > 0 && limit-len(out) > 0 {
		got, err := q.claimKinds(ctx, open, limit-len(out))
		if err != nil {
			return out, err
		}
		out = append(out, got...)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].RunAt.Equal(out[j].RunAt) {
			return out[i].RunAt.Before(out[j].RunAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// claimKinds leases up to n due jobs of the given kinds in one statement.
// On PostgreSQL the inner SELECT locks the rows it picks and skips rows
// another transaction holds, so concurrent claims never pick the same job;
// on SQLite the IMMEDIATE write transaction serialises claims.
func (q *Queue) claimKinds(ctx context.Context, kinds []string, n int) ([]Job, error) {
	if n <= 0 || len(kinds) == 0 {
		return nil, nil
	}
	now := q.now()
	token := newToken()
	var a args
	a.db = q.db
	set := fmt.Sprintf(`UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = %s, lease_token = %s, lease_expires_at = %s, updated_at = %s`,
		a.add(q.owner), a.add(token), a.add(now.Add(q.leaseDuration())), a.add(now))
	// Markers are added in the order they appear: SQLite numbers "?" by position.
	pick := `SELECT id FROM jobs WHERE state = 'queued' AND run_at <= ` + a.add(now) + ` AND kind IN (`
	for i, k := range kinds {
		if i > 0 {
			pick += ", "
		}
		pick += a.add(k)
	}
	pick += `) ORDER BY run_at, id LIMIT ` + a.add(n) + q.db.ForUpdateSkipLocked()
	stmt := set + ` WHERE id IN (` + pick + `) RETURNING ` + jobColumns

	var out []Job
	err := q.db.Tx(ctx, func(tx database.Tx) error {
		rows, err := tx.QueryContext(ctx, stmt, a.vals...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j, err := scanJob(rows)
			if err != nil {
				return err
			}
			j.q, j.token = q, token
			out = append(out, j)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("claim jobs: %w", err)
	}
	return out, nil
}

// execute runs one claimed job and records its outcome. base ends when the
// process shuts down; then an unfinished job is handed back, not failed.
func (q *Queue) execute(base context.Context, j Job) {
	k := q.kind(j.Kind)
	if k == nil { // cannot happen: only registered kinds are claimed
		q.release(j)
		return
	}
	hctx, cancel := context.WithCancelCause(base)
	defer cancel(nil)
	tctx, cancelT := context.WithTimeout(hctx, k.opts.Timeout)
	defer cancelT()

	renewDone := make(chan struct{})
	go func() {
		defer close(renewDone)
		q.keepLease(tctx, j, cancel)
	}()
	started := time.Now()
	err := call(tctx, k.handler, j, q)
	cancelT()
	<-renewDone

	switch {
	case err == nil:
		// A no-op when the handler completed the job itself or lost it.
		q.succeed(j)
		q.log.Debug("job succeeded", "job", j.ID, "kind", j.Kind, "attempt", j.Attempts, "took", time.Since(started))
	case errors.Is(context.Cause(hctx), ErrLeaseLost):
		q.log.Warn("job stopped: this worker no longer holds it (cancelled, or taken over after its lease expired)", "job", j.ID, "kind", j.Kind)
	case base.Err() != nil:
		q.release(j)
	default:
		if errors.Is(tctx.Err(), context.DeadlineExceeded) && hctx.Err() == nil {
			err = fmt.Errorf("stopped after its time limit of %s: %w", k.opts.Timeout, err)
		}
		q.fail(j, k, err)
	}
}

// call runs the handler, turning a panic into an error.
func call(ctx context.Context, h Handler, j Job, q *Queue) (err error) {
	defer func() {
		if p := recover(); p != nil {
			q.log.Error("job handler panicked", "job", j.ID, "kind", j.Kind, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("the handler crashed (panic: %v)", p)
		}
	}()
	return h(ctx, j)
}

// keepLease extends the lease every third of its length until ctx ends,
// and cancels the handler with ErrLeaseLost when the job is no longer this
// claim's (a person cancelled it, or it was taken over).
func (q *Queue) keepLease(ctx context.Context, j Job, cancel context.CancelCauseFunc) {
	t := time.NewTicker(q.leaseDuration() / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := q.now()
		res, err := q.db.ExecContext(ctx, `UPDATE jobs SET lease_expires_at = $1, updated_at = $2
			WHERE id = $3 AND lease_token = $4 AND state = 'running'`, now.Add(q.leaseDuration()), now, j.ID, j.token)
		if err != nil {
			if ctx.Err() == nil {
				q.log.Warn("jobs: renewing a lease", "job", j.ID, "err", err)
			}
			continue
		}
		if n, _ := res.RowsAffected(); n == 0 {
			cancel(ErrLeaseLost)
			return
		}
	}
}

// finishCtx gives outcome writes a few seconds even at shutdown.
func finishCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

func (q *Queue) succeed(j Job) {
	ctx, cancel := finishCtx()
	defer cancel()
	now := q.now()
	// No row changes when the handler completed the job in its own
	// transaction, or lost it: both are fine.
	_, err := q.db.ExecContext(ctx, `UPDATE jobs SET state = 'succeeded', finished_at = $1, updated_at = $1,
		lease_owner = '', lease_token = '', lease_expires_at = NULL
		WHERE id = $2 AND lease_token = $3 AND state = 'running'`, now, j.ID, j.token)
	if err != nil {
		q.log.Error("jobs: recording success", "job", j.ID, "kind", j.Kind, "err", err)
	}
}

func (q *Queue) fail(j Job, k *kind, cause error) {
	ctx, cancel := finishCtx()
	defer cancel()
	now := q.now()
	msg := truncate(cause.Error(), maxErrorLen)
	var err error
	if IsPermanent(cause) || j.Attempts >= j.MaxAttempts {
		_, err = q.db.ExecContext(ctx, `UPDATE jobs SET state = 'failed', last_error = $1, finished_at = $2, updated_at = $2,
			lease_owner = '', lease_token = '', lease_expires_at = NULL
			WHERE id = $3 AND lease_token = $4 AND state = 'running'`, msg, now, j.ID, j.token)
		q.log.Warn("job failed", "job", j.ID, "kind", j.Kind, "attempts", j.Attempts, "err", cause)
	} else {
		next := now.Add(k.opts.Backoff(j.Attempts)).Truncate(time.Microsecond)
		_, err = q.db.ExecContext(ctx, `UPDATE jobs SET state = 'queued', last_error = $1, run_at = $2, updated_at = $3,
			lease_owner = '', lease_token = '', lease_expires_at = NULL
			WHERE id = $4 AND lease_token = $5 AND state = 'running'`, msg, next, now, j.ID, j.token)
		q.log.Info("job will be tried again", "job", j.ID, "kind", j.Kind, "attempt", j.Attempts, "at", next, "err", cause)
	}
	if err != nil {
		q.log.Error("jobs: recording a failure", "job", j.ID, "kind", j.Kind, "err", err)
	}
}

// release hands a job interrupted by shutdown back to the queue; the
// interrupted attempt does not count.
func (q *Queue) release(j Job) {
	ctx, cancel := finishCtx()
	defer cancel()
	now := q.now()
	_, err := q.db.ExecContext(ctx, `UPDATE jobs SET state = 'queued', attempts = attempts - 1, run_at = $1, updated_at = $1,
		lease_owner = '', lease_token = '', lease_expires_at = NULL
		WHERE id = $2 AND lease_token = $3 AND state = 'running'`, now, j.ID, j.token)
	if err != nil {
		q.log.Error("jobs: handing back a job at shutdown", "job", j.ID, "kind", j.Kind, "err", err)
	}
}

// leaseExpiredError is the last error of a job whose worker vanished.
const leaseExpiredError = "the worker running this job stopped without finishing it (its lease expired); it was handed to another worker"

// Reclaim takes back running jobs whose lease expired: their process died
// or lost the database. Each is queued again to run now, or fails when that
// was its last attempt. Run calls it regularly.
func (q *Queue) Reclaim(ctx context.Context) (int64, error) {
	now := q.now()
	res, err := q.db.ExecContext(ctx, `UPDATE jobs SET
		state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
		finished_at = CASE WHEN attempts >= max_attempts THEN $1 ELSE NULL END,
		run_at = $1, updated_at = $1, last_error = $2,
		lease_owner = '', lease_token = '', lease_expires_at = NULL
		WHERE state = 'running' AND lease_expires_at < $1`, now, leaseExpiredError)
	if err != nil {
		return 0, fmt.Errorf("take over expired jobs: %w", err)
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		q.log.Warn("took over jobs whose worker stopped", "jobs", n)
	}
	return n, nil
}

// Cleanup deletes succeeded jobs older than KeepSucceeded and failed or
// cancelled ones older than KeepFailed. Run calls it hourly.
func (q *Queue) Cleanup(ctx context.Context) (int64, error) {
	now := q.now()
	keepOK, keepFailed := q.Retention()
	res, err := q.db.ExecContext(ctx, `DELETE FROM jobs WHERE
		(state = 'succeeded' AND finished_at < $1) OR (state IN ('failed', 'cancelled') AND finished_at < $2)`,
		now.Add(-keepOK), now.Add(-keepFailed))
	if err != nil {
		return 0, fmt.Errorf("delete old jobs: %w", err)
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		q.log.Info("deleted old finished jobs", "jobs", n)
	}
	return n, nil
}

// Retention is how long finished jobs are kept: succeeded ones, and failed
// or cancelled ones.
func (q *Queue) Retention() (succeeded, failed time.Duration) {
	return orDefault(q.KeepSucceeded, 7*24*time.Hour), orDefault(q.KeepFailed, 30*24*time.Hour)
}

// args numbers a statement's parameters in the order they appear, in the
// marker style of the dialect (see database.DB.Placeholders).
type args struct {
	db   *database.DB
	vals []any
}

func (a *args) add(v any) string {
	a.vals = append(a.vals, v)
	return a.db.Placeholders(len(a.vals), 1)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func randDuration(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}
