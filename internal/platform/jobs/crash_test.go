package jobs

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"bulwark/internal/platform/database"
)

// The crash test runs this test binary a second time as a worker process
// (these variables tell TestMain so) and kills it with SIGKILL mid-job.
const (
	envCrashChild = "BULWARK_JOBS_CRASH_CHILD"
	envCrashDSN   = "BULWARK_JOBS_CRASH_DSN"
	crashReady    = "IN-JOB"
)

func TestMain(m *testing.M) {
	if os.Getenv(envCrashChild) != "" {
		if err := crashChild(os.Getenv(envCrashDSN)); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// writeParts is the job the crash test kills: it writes three rows of one
// report in a transaction and marks the job done in the same transaction.
func writeParts(db *database.DB, afterWrite func()) Handler {
	return func(ctx context.Context, j Job) error {
		return db.Tx(ctx, func(tx database.Tx) error {
			for part := 1; part <= 3; part++ {
				if _, err := tx.ExecContext(ctx, `INSERT INTO report_parts (job_id, part) VALUES ($1, $2)`, j.ID, part); err != nil {
					return err
				}
			}
			afterWrite()
			return j.Complete(ctx, tx)
		})
	}
}

// crashChild is the worker process: it claims the job, writes half of it,
// says so on stdout and waits to be killed.
func crashChild(dsn string) error {
	ctx := context.Background()
	db, err := database.Open(ctx, "", dsn)
	if err != nil {
		return err
	}
	q := New(db, nil, nil, "doomed-host:1")
	q.LeaseDuration = time.Minute
	q.Register("report.write", writeParts(db, func() {
		fmt.Println(crashReady)
		select {} // until SIGKILL
	}), KindOptions{})
	return q.Run(ctx, 2)
}

// TestKilledWorkerLeavesACleanDatabase kills a worker process with SIGKILL
// while its job has written half its rows: the database opens cleanly,
// holds none of those rows, and the job is taken over after its lease and
// completed exactly once.
func TestKilledWorkerLeavesACleanDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a second process")
	}
	eachStorage(t, func(t *testing.T, s storage) {
		ctx := context.Background()
		setup := s.open(t)
		if _, err := setup.ExecContext(ctx, `CREATE TABLE report_parts (job_id BIGINT NOT NULL, part INTEGER NOT NULL, UNIQUE (job_id, part))`); err != nil {
			t.Fatal(err)
		}
		enq := New(setup, nil, nil, "setup")
		enq.Register("report.write", ok, KindOptions{})
		id := mustEnqueue(t, enq, "report.write", map[string]int{"report": 1}, EnqueueOptions{})
		setup.Close()

		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envCrashChild+"=1", envCrashDSN+"="+s.dsn)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ready := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if strings.TrimSpace(sc.Text()) == crashReady {
					ready <- true
					return
				}
			}
			ready <- false
		}()
		select {
		case ok := <-ready:
			if !ok {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatal("the worker process ended before it started the job")
			}
		case <-time.After(time.Minute):
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("the worker process did not start the job within a minute")
		}
		if err := cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		cmd.Wait()

		// The database opens and migrates as at a normal start.
		db := s.open(t)
		if s.dialect == database.SQLite {
			var res string
			if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
				t.Fatalf("integrity_check = %q, %v", res, err)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM report_parts`); n != 0 {
			t.Fatalf("%d rows of the killed job's transaction are in the database", n)
		}
		clk := &clock{t: time.Now().UTC()}
		q := newQueue(t, db, "survivor-host:2", clk)
		var runs int
		q.Register("report.write", writeParts(db, func() { runs++ }), KindOptions{})
		j := mustGet(t, q, id)
		if j.State != StateRunning || j.LeaseOwner != "doomed-host:1" || j.Attempts != 1 {
			t.Fatalf("job after the kill = %+v", j)
		}
		if n := runDue(t, q, 10); n != 0 {
			t.Fatal("the job was taken over while its lease still held")
		}
		clk.Advance(2 * time.Minute)
		if n := runDue(t, q, 10); n != 1 || runs != 1 {
			t.Fatalf("after the lease expired: ran %d jobs, %d handler runs", n, runs)
		}
		j = mustGet(t, q, id)
		if j.State != StateSucceeded || j.Attempts != 2 {
			t.Fatalf("job after the takeover = %+v", j)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM report_parts WHERE job_id = $1`, id); n != 3 {
			t.Errorf("%d report rows, want 3", n)
		}
		clk.Advance(time.Hour)
		if n := runDue(t, q, 10); n != 0 {
			t.Errorf("the finished job ran again")
		}
	})
}
