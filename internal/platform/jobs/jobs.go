// Package jobs is the background work queue held in the database: sending,
// reminders, feed polling and reports are jobs that any Bulwark process may
// run. A worker claims a job with a lease (on PostgreSQL with FOR UPDATE SKIP
// LOCKED, so two processes never claim the same job), renews the lease while
// the job runs, and records the outcome. A job whose process died is claimed
// again once its lease expires; a failed job is tried again with exponential
// back-off until its attempts run out.
//
// Jobs run at least once. A handler whose effect is a database change can
// make it exactly once by calling Job.Complete inside the transaction that
// makes the change.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"time"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// State is where a job is in its life.
type State string

const (
	StateQueued    State = "queued"    // waiting for its run time or a free worker
	StateRunning   State = "running"   // claimed by a worker holding a lease
	StateSucceeded State = "succeeded" // done
	StateFailed    State = "failed"    // out of attempts, or failed for good; LastError says why
	StateCancelled State = "cancelled" // stopped by a person
)

// States lists every state, in the order a job goes through them.
var States = []State{StateQueued, StateRunning, StateSucceeded, StateFailed, StateCancelled}

// Label is the state as the admin page names it.
func (s State) Label() string {
	switch s {
	case StateQueued:
		return "Waiting"
	case StateRunning:
		return "Running"
	case StateSucceeded:
		return "Succeeded"
	case StateFailed:
		return "Failed"
	case StateCancelled:
		return "Cancelled"
	}
	return string(s)
}

// ParseState accepts a state's name; "" is no state (any).
func ParseState(s string) (State, error) {
	if s == "" {
		return "", nil
	}
	for _, st := range States {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("%q is not a job state: use queued, running, succeeded, failed or cancelled", s)
}

// Job is one unit of background work.
type Job struct {
	ID             int64           `json:"id"`
	Kind           string          `json:"kind"`
	Payload        json.RawMessage `json:"payload"`
	State          State           `json:"state"`
	RunAt          time.Time       `json:"run_at"`
	Attempts       int             `json:"attempts"`
	MaxAttempts    int             `json:"max_attempts"`
	LeaseOwner     string          `json:"lease_owner,omitempty"`
	LeaseExpiresAt *time.Time      `json:"lease_expires_at,omitempty"`
	LastError      string          `json:"last_error,omitempty"`
	UniqueKey      string          `json:"unique_key,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
	FinishedAt     *time.Time      `json:"finished_at,omitempty"`

	// The claim this Job was handed to a handler under; empty when read by
	// List or Get.
	q     *Queue
	token string
}

// Decode unmarshals the payload into v.
func (j Job) Decode(v any) error {
	if err := json.Unmarshal(j.Payload, v); err != nil {
		return Permanent(fmt.Errorf("job %d (%s): payload: %w", j.ID, j.Kind, err))
	}
	return nil
}

// Complete marks the job succeeded inside tx, the transaction that makes
// the job's change, so that the change and the job's end commit together:
// a crash before the commit leaves the job to run again, a crash after it
// cannot make it run twice. It returns ErrLeaseLost when this worker no
// longer holds the job (it was cancelled, or its lease expired and another
// worker took it); the caller should then roll back.
func (j Job) Complete(ctx context.Context, tx database.Querier) error {
	if j.q == nil || j.token == "" {
		return errors.New("jobs: Complete needs the job a handler was given")
	}
	now := j.q.now()
	res, err := tx.ExecContext(ctx, `UPDATE jobs SET state = 'succeeded', finished_at = $1, updated_at = $1,
		lease_owner = '', lease_token = '', lease_expires_at = NULL
		WHERE id = $2 AND lease_token = $3 AND state = 'running'`, now, j.ID, j.token)
	if err != nil {
		return fmt.Errorf("complete job %d: %w", j.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// ErrLeaseLost says a worker no longer holds the job it was running.
var ErrLeaseLost = errors.New("jobs: this worker no longer holds the job (cancelled, or its lease expired)")

// ErrUnknownKind is returned by Enqueue for a kind no handler is registered for.
var ErrUnknownKind = errors.New("jobs: no handler is registered for this kind")

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as one that trying again cannot fix (a payload that
// does not decode, a record that no longer exists): the job fails at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// stateError refuses an operation the job's state does not allow; it maps
// to 409 Conflict at the edges and reads well on its own.
type stateError struct{ msg string }

func (e stateError) Error() string { return e.msg }
func (e stateError) Unwrap() error { return database.ErrConflict }

// Handler runs one job. Returning nil marks it succeeded; an error makes it
// try again later (or fail, when marked Permanent or out of attempts). It
// should stop when ctx ends: at shutdown, on cancellation by a person, at
// the kind's time limit, or when its lease was lost.
type Handler func(ctx context.Context, j Job) error

// KindOptions tune how jobs of one kind run.
type KindOptions struct {
	// MaxAttempts is how many times a job is tried before it fails; 5 when 0.
	// EnqueueOptions.MaxAttempts overrides it for one job.
	MaxAttempts int
	// Timeout is how long one attempt may take; 15 minutes when 0.
	Timeout time.Duration
	// Concurrency is how many jobs of this kind one process runs at once;
	// 0 for no limit beyond the number of workers.
	Concurrency int
	// Backoff is the wait before attempt n+1 after attempt n failed; the
	// default doubles from 10 seconds to at most an hour, with jitter.
	Backoff func(attempt int) time.Duration
}

// DefaultMaxAttempts is the number of tries when neither the kind nor the
// job says otherwise.
const DefaultMaxAttempts = 5

// DefaultBackoff waits 10s·2^(n-1), at most an hour, of which a random half
// so that jobs failing together do not retry together.
func DefaultBackoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := time.Hour
	if attempt <= 10 {
		d = min(time.Hour, 10*time.Second<<(attempt-1))
	}
	return d/2 + randDuration(d/2)
}

type kind struct {
	name    string
	handler Handler
	opts    KindOptions
}

// Queue stores, claims and runs jobs. Set its exported fields before Run.
type Queue struct {
	// PollInterval is how long an idle worker pool waits before looking for
	// due jobs again; a local Enqueue wakes it sooner. 1 second when 0.
	PollInterval time.Duration
	// LeaseDuration is how long a claim lasts without renewal; a running job
	// renews it every third of that. When a process dies, its jobs are taken
	// over after this long. 1 minute when 0.
	LeaseDuration time.Duration
	// ShutdownGrace is how long Run lets running jobs finish after its
	// context ends, before it cancels them and hands them back. 10 seconds
	// when 0.
	ShutdownGrace time.Duration
	// KeepSucceeded and KeepFailed are how long finished jobs stay listed:
	// succeeded ones 7 days, failed and cancelled ones 30 days when 0.
	KeepSucceeded, KeepFailed time.Duration
	// Clock returns the current time; tests move it instead of waiting.
	Clock func() time.Time

	db    *database.DB
	log   *slog.Logger
	audit *audit.Log
	owner string

	mu    sync.RWMutex
	kinds map[string]*kind

	wake chan struct{}
}

// New makes a queue on db. owner names this process in leases and on the
// admin page (for example host:pid); auditLog records retries and
// cancellations made by people.
func New(db *database.DB, log *slog.Logger, auditLog *audit.Log, owner string) *Queue {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if owner == "" {
		owner = "bulwark"
	}
	return &Queue{db: db, log: log, audit: auditLog, owner: owner, kinds: map[string]*kind{}, wake: make(chan struct{}, 1)}
}

// Owner is the name this queue claims jobs under.
func (q *Queue) Owner() string { return q.owner }

// Register sets the handler for jobs of kind (for example "mail.send"). It
// panics on an empty or already registered kind: both are programming
// mistakes, found at start-up.
func (q *Queue) Register(kindName string, h Handler, opts KindOptions) {
	if kindName == "" || h == nil {
		panic("jobs: Register needs a kind and a handler")
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 15 * time.Minute
	}
	if opts.Backoff == nil {
		opts.Backoff = DefaultBackoff
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, dup := q.kinds[kindName]; dup {
		panic("jobs: kind " + kindName + " registered twice")
	}
	q.kinds[kindName] = &kind{name: kindName, handler: h, opts: opts}
}

// Registered lists the kinds this queue has handlers for, sorted.
func (q *Queue) Registered() []string {
	q.mu.RLock()
	defer q.mu.RUnlock()
	out := make([]string, 0, len(q.kinds))
	for k := range q.kinds {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (q *Queue) kind(name string) *kind {
	q.mu.RLock()
	defer q.mu.RUnlock()
	return q.kinds[name]
}

// EnqueueOptions tune one job.
type EnqueueOptions struct {
	// RunAt is the earliest time the job may run; now when zero.
	RunAt time.Time
	// UniqueKey, when set, makes Enqueue a no-op while a job with the same
	// key is waiting or running (it returns that job's id instead).
	UniqueKey string
	// MaxAttempts overrides the kind's.
	MaxAttempts int
}

// Enqueued says what Enqueue did.
type Enqueued struct {
	ID        int64 // the new job, or the waiting one with the same unique key
	Duplicate bool  // a job with the same unique key was already waiting or running
}

// maxPayload keeps payloads to ids and small parameters.
const maxPayload = 64 << 10

// Enqueue adds a job of kind with payload (encoded as JSON). Pass the
// transaction of the change that calls for the job as dbq, so that the job
// exists exactly when that change commits; or the queue's *database.DB.
func (q *Queue) Enqueue(ctx context.Context, dbq database.Querier, kindName string, payload any, opts EnqueueOptions) (Enqueued, error) {
	k := q.kind(kindName)
	if k == nil {
		return Enqueued{}, fmt.Errorf("enqueue %q: %w", kindName, ErrUnknownKind)
	}
	body := []byte("{}")
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			return Enqueued{}, fmt.Errorf("enqueue %s: payload: %w", kindName, err)
		}
		body = b
	}
	if len(body) > maxPayload {
		return Enqueued{}, fmt.Errorf("enqueue %s: payload of %d bytes is over the %d-byte limit: store the data and pass its id", kindName, len(body), maxPayload)
	}
	maxAttempts := k.opts.MaxAttempts
	if opts.MaxAttempts > 0 {
		maxAttempts = opts.MaxAttempts
	}
	now := q.now()
	runAt := now
	if !opts.RunAt.IsZero() {
		runAt = opts.RunAt.UTC().Truncate(time.Microsecond)
	}
	var key any
	if opts.UniqueKey != "" {
		key = opts.UniqueKey
	}
	var id int64
	err := dbq.QueryRowContext(ctx, `INSERT INTO jobs (kind, payload, state, run_at, attempts, max_attempts, unique_key, created_at, updated_at)
		VALUES ($1, $2, 'queued', $3, 0, $4, $5, $6, $6)
		ON CONFLICT (unique_key) WHERE state IN ('queued', 'running') DO NOTHING
		RETURNING id`, kindName, string(body), runAt, maxAttempts, key, now).Scan(&id)
	if err == nil {
		q.Wake()
		return Enqueued{ID: id}, nil
	}
	if !errors.Is(err, errNoRows) || opts.UniqueKey == "" {
		return Enqueued{}, fmt.Errorf("enqueue %s: %w", kindName, err)
	}
	err = dbq.QueryRowContext(ctx, `SELECT id FROM jobs WHERE unique_key = $1 AND state IN ('queued', 'running')`, opts.UniqueKey).Scan(&id)
	if err != nil {
		return Enqueued{}, fmt.Errorf("enqueue %s: find the job with key %q: %w", kindName, opts.UniqueKey, err)
	}
	return Enqueued{ID: id, Duplicate: true}, nil
}

// Wake tells this process's workers to look for due jobs now rather than
// at their next poll; Enqueue calls it.
func (q *Queue) Wake() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *Queue) now() time.Time {
	if q.Clock != nil {
		return q.Clock().UTC().Truncate(time.Microsecond)
	}
	return database.Now()
}

func (q *Queue) pollInterval() time.Duration  { return orDefault(q.PollInterval, time.Second) }
func (q *Queue) leaseDuration() time.Duration { return orDefault(q.LeaseDuration, time.Minute) }
func (q *Queue) shutdownGrace() time.Duration { return orDefault(q.ShutdownGrace, 10*time.Second) }

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func newToken() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
