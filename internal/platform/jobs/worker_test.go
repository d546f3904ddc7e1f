package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

func TestJobsRunInRunAtOrder(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		clk := newClock()
		q := newQueue(t, db, "test", clk)
		var mu sync.Mutex
		var order []string
		q.Register("step", func(ctx context.Context, j Job) error {
			var p struct{ Name string }
			if err := j.Decode(&p); err != nil {
				return err
			}
			mu.Lock()
			order = append(order, p.Name)
			mu.Unlock()
			return nil
		}, KindOptions{})
		now := clk.Now()
		mustEnqueue(t, q, "step", map[string]string{"Name": "third"}, EnqueueOptions{RunAt: now.Add(3 * time.Minute)})
		mustEnqueue(t, q, "step", map[string]string{"Name": "first"}, EnqueueOptions{RunAt: now.Add(time.Minute)})
		mustEnqueue(t, q, "step", map[string]string{"Name": "second"}, EnqueueOptions{RunAt: now.Add(2 * time.Minute)})
		mustEnqueue(t, q, "step", map[string]string{"Name": "later"}, EnqueueOptions{RunAt: now.Add(time.Hour)})

		if n := runDue(t, q, 10); n != 0 {
			t.Fatalf("ran %d jobs before any was due", n)
		}
		clk.Advance(3 * time.Minute)
		for range 4 {
			runDue(t, q, 1)
		}
		if got := strings.Join(order, ","); got != "first,second,third" {
			t.Errorf("ran %s, want first,second,third and not the job due in an hour", got)
		}
		clk.Advance(time.Hour)
		runDue(t, q, 10)
		if got := strings.Join(order, ","); got != "first,second,third,later" {
			t.Errorf("ran %s", got)
		}
	})
}

func TestFailedJobBacksOffThenSucceeds(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		clk := newClock()
		q := newQueue(t, db, "test", clk)
		var calls atomic.Int32
		q.Register("mail.send", func(ctx context.Context, j Job) error {
			if calls.Add(1) <= 2 {
				return fmt.Errorf("the mail server said 421 try later (attempt %d)", j.Attempts)
			}
			return nil
		}, KindOptions{})
		id := mustEnqueue(t, q, "mail.send", nil, EnqueueOptions{})

		steps := []struct {
			attempt int
			full    time.Duration // DefaultBackoff waits between full/2 and full
		}{{1, 10 * time.Second}, {2, 20 * time.Second}}
		for _, s := range steps {
			if n := runDue(t, q, 10); n != 1 {
				t.Fatalf("attempt %d: ran %d jobs", s.attempt, n)
			}
			j := mustGet(t, q, id)
			wait := j.RunAt.Sub(clk.Now())
			if j.State != StateQueued || j.Attempts != s.attempt || !strings.Contains(j.LastError, fmt.Sprintf("421 try later (attempt %d)", s.attempt)) ||
				wait < s.full/2 || wait > s.full || j.LeaseOwner != "" || j.LeaseExpiresAt != nil {
				t.Fatalf("after failed attempt %d: %+v (next try in %s)", s.attempt, j, wait)
			}
			if n := runDue(t, q, 10); n != 0 {
				t.Fatalf("ran the job again before its back-off ended")
			}
			clk.Advance(s.full)
		}
		runDue(t, q, 10)
		j := mustGet(t, q, id)
		if j.State != StateSucceeded || j.Attempts != 3 || j.FinishedAt == nil || !j.FinishedAt.Equal(clk.Now()) {
			t.Fatalf("after the third attempt: %+v", j)
		}
		if n := runDue(t, q, 10); n != 0 || calls.Load() != 3 {
			t.Errorf("a succeeded job ran again: %d calls", calls.Load())
		}
	})
}

func TestJobFailsAfterMaxAttemptsKeepingTheError(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		q := newQueue(t, db, "test", newClock())
		var calls atomic.Int32
		q.Register("feed.poll", func(ctx context.Context, j Job) error {
			calls.Add(1)
			return fmt.Errorf("feed answered 503 on attempt %d", j.Attempts)
		}, KindOptions{MaxAttempts: 3, Backoff: noBackoff})
		id := mustEnqueue(t, q, "feed.poll", nil, EnqueueOptions{})
		for range 5 {
			runDue(t, q, 10)
		}
		j := mustGet(t, q, id)
		if calls.Load() != 3 || j.State != StateFailed || j.Attempts != 3 || j.LastError != "feed answered 503 on attempt 3" || j.FinishedAt == nil {
			t.Fatalf("after %d calls: %+v", calls.Load(), j)
		}
	})
}

func TestPermanentErrorSkipsRetries(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		q := newQueue(t, db, "test", newClock())
		var calls atomic.Int32
		q.Register("mail.send", func(ctx context.Context, j Job) error {
			calls.Add(1)
			return Permanent(errors.New("message 9 no longer exists"))
		}, KindOptions{MaxAttempts: 5, Backoff: noBackoff})
		id := mustEnqueue(t, q, "mail.send", nil, EnqueueOptions{})
		runDue(t, q, 10)
		runDue(t, q, 10)
		if j := mustGet(t, q, id); calls.Load() != 1 || j.State != StateFailed || j.LastError != "message 9 no longer exists" {
			t.Fatalf("after %d calls: %+v", calls.Load(), j)
		}
	})
}

func TestPanicInHandlerIsAFailureNotACrash(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		q := newQueue(t, db, "test", newClock())
		q.Register("report.build", func(ctx context.Context, j Job) error {
			var m map[string]int
			m["boom"]++ // assignment to a nil map
			return nil
		}, KindOptions{MaxAttempts: 2, Backoff: noBackoff})
		id := mustEnqueue(t, q, "report.build", nil, EnqueueOptions{})
		runDue(t, q, 10)
		j := mustGet(t, q, id)
		if j.State != StateQueued || j.Attempts != 1 || !strings.Contains(j.LastError, "panic") || !strings.Contains(j.LastError, "nil map") {
			t.Fatalf("after a panic: %+v", j)
		}
		runDue(t, q, 10)
		if j := mustGet(t, q, id); j.State != StateFailed {
			t.Fatalf("after the last attempt panicked: %+v", j)
		}
	})
}

func TestTimeLimitStopsAnAttempt(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		q := newQueue(t, db, "test", newClock())
		q.Register("slow", func(ctx context.Context, j Job) error {
			<-ctx.Done()
			return ctx.Err()
		}, KindOptions{MaxAttempts: 1, Timeout: 20 * time.Millisecond})
		id := mustEnqueue(t, q, "slow", nil, EnqueueOptions{})
		runDue(t, q, 10)
		if j := mustGet(t, q, id); j.State != StateFailed || !strings.Contains(j.LastError, "time limit of 20ms") {
			t.Fatalf("%+v", j)
		}
	})
}

func TestConcurrencyLimitsClaimsOfAKind(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		q := newQueue(t, db, "test", newClock())
		q.Register("mail.send", ok, KindOptions{Concurrency: 2})
		q.Register("feed.poll", ok, KindOptions{})
		for range 5 {
			mustEnqueue(t, q, "mail.send", nil, EnqueueOptions{})
			mustEnqueue(t, q, "feed.poll", nil, EnqueueOptions{})
		}
		ctx := context.Background()
		got, err := q.claim(ctx, 6, map[string]int{"mail.send": 1})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, j := range got {
			kinds[j.Kind]++
		}
		if len(got) != 6 || kinds["mail.send"] != 1 || kinds["feed.poll"] != 5 {
			t.Errorf("claimed %v, want 1 mail.send (one already runs, limit 2) and 5 feed.poll", kinds)
		}
	})
}

func TestUnregisteredKindsAreLeftForAnotherProcess(t *testing.T) {
	eachStorage(t, func(t *testing.T, s storage) {
		clk := newClock()
		a := newQueue(t, s.open(t), "a", clk)
		a.Register("mail.send", ok, KindOptions{})
		b := newQueue(t, s.open(t), "b", clk)
		b.Register("feed.poll", ok, KindOptions{})
		id := mustEnqueue(t, a, "mail.send", nil, EnqueueOptions{})
		if n := runDue(t, b, 10); n != 0 {
			t.Fatalf("a queue without the handler ran %d jobs", n)
		}
		if n := runDue(t, a, 10); n != 1 || mustGet(t, a, id).State != StateSucceeded {
			t.Fatalf("the queue with the handler ran %d", n)
		}
	})
}

// A process claims a job and dies (it never finishes and never renews):
// once the lease expires another process takes it over, and the dead
// worker can no longer record anything for it.
func TestExpiredLeaseIsTakenOverByAnotherProcess(t *testing.T) {
	eachStorage(t, func(t *testing.T, s storage) {
		ctx := context.Background()
		clk := newClock()
		dead := newQueue(t, s.open(t), "dead-host:1", clk)
		dead.LeaseDuration = 30 * time.Second
		dead.Register("mail.send", ok, KindOptions{})
		alive := newQueue(t, s.open(t), "alive-host:2", clk)
		alive.LeaseDuration = 30 * time.Second
		var runs atomic.Int32
		alive.Register("mail.send", func(ctx context.Context, j Job) error { runs.Add(1); return nil }, KindOptions{})

		id := mustEnqueue(t, dead, "mail.send", nil, EnqueueOptions{})
		claimed, err := dead.claim(ctx, 10, nil)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim = %v, %v", claimed, err)
		}
		if j := mustGet(t, alive, id); j.State != StateRunning || j.LeaseOwner != "dead-host:1" || j.Attempts != 1 {
			t.Fatalf("claimed job = %+v", j)
		}
		// While the lease holds, nobody else runs it.
		clk.Advance(29 * time.Second)
		if n := runDue(t, alive, 10); n != 0 {
			t.Fatalf("ran a job whose lease is still held")
		}
		clk.Advance(2 * time.Second)
		if n := runDue(t, alive, 10); n != 1 || runs.Load() != 1 {
			t.Fatalf("after the lease expired: ran %d", n)
		}
		j := mustGet(t, alive, id)
		if j.State != StateSucceeded || j.Attempts != 2 || !strings.Contains(j.LastError, "lease expired") {
			t.Fatalf("taken-over job = %+v", j)
		}
		// The dead worker comes back: it can neither complete nor fail the job.
		stale := claimed[0]
		err = dead.db.Tx(ctx, func(tx database.Tx) error { return stale.Complete(ctx, tx) })
		if !errors.Is(err, ErrLeaseLost) {
			t.Errorf("stale Complete = %v, want ErrLeaseLost", err)
		}
		dead.fail(stale, dead.kind("mail.send"), errors.New("late failure"))
		if j2 := mustGet(t, alive, id); j2.State != StateSucceeded || j2.LastError != j.LastError {
			t.Errorf("a stale worker changed the job: %+v", j2)
		}
	})
}

func TestReclaimFailsAJobOnItsLastAttempt(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		clk := newClock()
		q := newQueue(t, db, "test", clk)
		q.Register("mail.send", ok, KindOptions{MaxAttempts: 1})
		id := mustEnqueue(t, q, "mail.send", nil, EnqueueOptions{})
		if _, err := q.claim(context.Background(), 1, nil); err != nil {
			t.Fatal(err)
		}
		clk.Advance(2 * time.Minute)
		if n, err := q.Reclaim(context.Background()); err != nil || n != 1 {
			t.Fatalf("Reclaim = %d, %v", n, err)
		}
		if j := mustGet(t, q, id); j.State != StateFailed || j.FinishedAt == nil || !strings.Contains(j.LastError, "lease expired") {
			t.Fatalf("%+v", j)
		}
	})
}

// Two processes (separate connection pools), each with several workers,
// share 500 jobs: every job runs exactly once.
func TestTwoProcessesRunEachJobExactlyOnce(t *testing.T) {
	eachStorage(t, func(t *testing.T, s storage) {
		const total = 500
		ctx := context.Background()
		setup := s.open(t)
		if _, err := setup.ExecContext(ctx, `CREATE TABLE job_runs (job_id BIGINT NOT NULL, owner TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		var queues []*Queue
		for _, owner := range []string{"host-a:1", "host-b:2"} {
			db := s.open(t)
			q := newQueue(t, db, owner, nil)
			q.PollInterval = 20 * time.Millisecond
			q.Register("count", func(ctx context.Context, j Job) error {
				_, err := db.ExecContext(ctx, `INSERT INTO job_runs (job_id, owner) VALUES ($1, $2)`, j.ID, owner)
				return err
			}, KindOptions{})
			queues = append(queues, q)
		}
		err := setup.Tx(ctx, func(tx database.Tx) error {
			for i := range total {
				if _, err := queues[i%2].Enqueue(ctx, tx, "count", map[string]int{"n": i}, EnqueueOptions{}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		runCtx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for _, q := range queues {
			wg.Go(func() { q.Run(runCtx, 4) })
		}
		deadline := time.Now().Add(2 * time.Minute)
		for {
			c, err := queues[0].Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if c.Succeeded == total {
				break
			}
			if time.Now().After(deadline) || c.Failed > 0 {
				stop()
				wg.Wait()
				t.Fatalf("jobs did not all succeed: %+v", c)
			}
			time.Sleep(50 * time.Millisecond)
		}
		stop()
		wg.Wait()

		if n := count(t, setup, `SELECT COUNT(*) FROM (SELECT job_id FROM job_runs GROUP BY job_id HAVING COUNT(*) <> 1) AS d`); n != 0 {
			t.Errorf("%d jobs ran more than once", n)
		}
		if n := count(t, setup, `SELECT COUNT(DISTINCT job_id) FROM job_runs`); n != total {
			t.Errorf("%d distinct jobs ran, want %d", n, total)
		}
		if n := count(t, setup, `SELECT COUNT(*) FROM jobs WHERE attempts <> 1`); n != 0 {
			t.Errorf("%d jobs took more than one attempt", n)
		}
		rows, err := setup.QueryContext(ctx, `SELECT owner, COUNT(*) FROM job_runs GROUP BY owner ORDER BY owner`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var owner string
			var n int
			rows.Scan(&owner, &n)
			t.Logf("%s ran %d jobs", owner, n)
		}
	})
}

// At shutdown, a job still running after the grace period is cancelled and
// handed back without counting the attempt.
func TestShutdownHandsBackUnfinishedJobs(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		q := newQueue(t, db, "test", nil)
		q.ShutdownGrace = 10 * time.Millisecond
		started := make(chan struct{})
		q.Register("long", func(ctx context.Context, j Job) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		}, KindOptions{})
		id := mustEnqueue(t, q, "long", nil, EnqueueOptions{})
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- q.Run(ctx, 2) }()
		<-started
		stop()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if j := mustGet(t, q, id); j.State != StateQueued || j.Attempts != 0 || j.LeaseOwner != "" || j.LastError != "" {
			t.Fatalf("after shutdown: %+v", j)
		}
	})
}

// Cancelling a running job ends its handler's context at the next lease
// renewal, and the handler's late result is not recorded.
func TestCancelStopsARunningJob(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		q := newQueue(t, db, "test", nil)
		q.LeaseDuration = 300 * time.Millisecond
		started := make(chan struct{})
		var once sync.Once
		cause := make(chan error, 1)
		q.Register("long", func(ctx context.Context, j Job) error {
			once.Do(func() { close(started) })
			<-ctx.Done()
			select {
			case cause <- context.Cause(ctx):
			default:
			}
			return errors.New("stopped")
		}, KindOptions{})
		id := mustEnqueue(t, q, "long", nil, EnqueueOptions{})
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		go q.Run(ctx, 1)
		<-started
		if _, err := q.Cancel(ctx, adminActor, id); err != nil {
			t.Fatal(err)
		}
		if err := <-cause; !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("handler's context ended with %v, want ErrLeaseLost", err)
		}
		stop()
		if j := mustGet(t, q, id); j.State != StateCancelled || j.LastError != "" {
			t.Fatalf("%+v", j)
		}
	})
}

func TestCleanupDeletesOldFinishedJobs(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		clk := newClock()
		q := newQueue(t, db, "test", clk)
		q.Register("ok", ok, KindOptions{})
		q.Register("bad", func(context.Context, Job) error { return errors.New("no") }, KindOptions{MaxAttempts: 1})
		oldOK := mustEnqueue(t, q, "ok", nil, EnqueueOptions{})
		oldBad := mustEnqueue(t, q, "bad", nil, EnqueueOptions{})
		runDue(t, q, 10)
		clk.Advance(8 * 24 * time.Hour)
		newOK := mustEnqueue(t, q, "ok", nil, EnqueueOptions{})
		waiting := mustEnqueue(t, q, "ok", nil, EnqueueOptions{RunAt: clk.Now().Add(time.Hour)})
		runDue(t, q, 10)
		if n, err := q.Cleanup(context.Background()); err != nil || n != 1 {
			t.Fatalf("Cleanup = %d, %v; want only the week-old succeeded job deleted", n, err)
		}
		if _, err := q.Get(context.Background(), oldOK); !errors.Is(err, database.ErrNotFound) {
			t.Errorf("old succeeded job: %v", err)
		}
		for _, id := range []int64{oldBad, newOK, waiting} {
			mustGet(t, q, id)
		}
		clk.Advance(30 * 24 * time.Hour)
		if n, _ := q.Cleanup(context.Background()); n != 2 {
			t.Errorf("a month later Cleanup deleted %d, want the failed and the succeeded job", n)
		}
		mustGet(t, q, waiting)
	})
}
