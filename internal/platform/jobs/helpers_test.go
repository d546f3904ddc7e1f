package jobs

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 3, 14, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newQueue makes a queue on db driven by clk, with its own audit log.
func newQueue(t testing.TB, db *database.DB, owner string, clk *clock) *Queue {
	t.Helper()
	al, err := audit.Open(db, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	q := New(db, quiet, al, owner)
	if clk != nil {
		q.Clock = clk.Now
	}
	return q
}

// storage is one test database that several pools (standing for several
// processes) can open.
type storage struct {
	dialect database.Dialect
	dsn     string // sqlite:PATH or a postgres:// URL, for database.Open
}

// eachStorage runs fn on every engine with a fresh, migrated database.
func eachStorage(t *testing.T, fn func(t *testing.T, s storage)) {
	for _, d := range dbtest.Engines(t) {
		t.Run(string(d), func(t *testing.T) {
			s := storage{dialect: d}
			if d == database.Postgres {
				s.dsn = dbtest.NewPostgresDatabase(t)
			} else {
				s.dsn = "sqlite:" + filepath.Join(t.TempDir(), "jobs.db")
			}
			s.open(t) // migrates
			fn(t, s)
		})
	}
}

// open returns a new connection pool on s, as another process would have.
func (s storage) open(t testing.TB) *database.DB {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, "", s.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

func mustEnqueue(t testing.TB, q *Queue, kind string, payload any, opts EnqueueOptions) int64 {
	t.Helper()
	res, err := q.Enqueue(context.Background(), q.db, kind, payload, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res.ID
}

func mustGet(t testing.TB, q *Queue, id int64) Job {
	t.Helper()
	j, err := q.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func runDue(t testing.TB, q *Queue, limit int) int {
	t.Helper()
	n, err := q.RunDue(context.Background(), limit)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func count(t testing.TB, db *database.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func noBackoff(int) time.Duration { return 0 }

func ok(context.Context, Job) error { return nil }
