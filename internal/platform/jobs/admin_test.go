package jobs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

var adminActor = audit.Actor{UserID: 7, Label: "user:7", IP: "192.0.2.7"}

func TestRetryAndCancelFollowTheJobsState(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		clk := newClock()
		q := newQueue(t, db, "test", clk)
		q.Register("bad", func(context.Context, Job) error { return errors.New("smtp refused") }, KindOptions{MaxAttempts: 1})
		q.Register("ok", ok, KindOptions{})

		failed := mustEnqueue(t, q, "bad", nil, EnqueueOptions{})
		succeeded := mustEnqueue(t, q, "ok", nil, EnqueueOptions{})
		runDue(t, q, 10)
		waiting := mustEnqueue(t, q, "ok", nil, EnqueueOptions{RunAt: clk.Now().Add(time.Hour)})
		running := mustEnqueue(t, q, "ok", nil, EnqueueOptions{})
		if _, err := q.claim(ctx, 1, nil); err != nil {
			t.Fatal(err)
		}

		// Retrying a failed job gives it a fresh set of attempts, now.
		clk.Advance(time.Minute)
		j, err := q.Retry(ctx, adminActor, failed)
		if err != nil {
			t.Fatal(err)
		}
		if j.State != StateQueued || j.Attempts != 0 || !j.RunAt.Equal(clk.Now()) || j.FinishedAt != nil || j.LastError != "smtp refused" {
			t.Errorf("retried job = %+v", j)
		}
		// Retrying a waiting job brings it forward.
		if j, err := q.Retry(ctx, adminActor, waiting); err != nil || !j.RunAt.Equal(clk.Now()) {
			t.Errorf("retry of a waiting job = %+v, %v", j, err)
		}
		for _, id := range []int64{succeeded, running} {
			if _, err := q.Retry(ctx, adminActor, id); !errors.Is(err, database.ErrConflict) || strings.Contains(err.Error(), "conflict") {
				t.Errorf("retry of job %d = %v, want a readable conflict", id, err)
			}
		}
		// Cancel stops waiting and running jobs only.
		for _, id := range []int64{waiting, running} {
			j, err := q.Cancel(ctx, adminActor, id)
			if err != nil || j.State != StateCancelled || j.FinishedAt == nil || j.LeaseOwner != "" {
				t.Errorf("cancel of job %d = %+v, %v", id, j, err)
			}
		}
		for _, id := range []int64{succeeded, waiting} {
			if _, err := q.Cancel(ctx, adminActor, id); !errors.Is(err, database.ErrConflict) {
				t.Errorf("cancel of finished job %d = %v, want a conflict", id, err)
			}
		}
		if _, err := q.Cancel(ctx, adminActor, 999999); !errors.Is(err, database.ErrNotFound) {
			t.Errorf("cancel of a missing job = %v", err)
		}
		if _, err := q.Retry(ctx, adminActor, 999999); !errors.Is(err, database.ErrNotFound) {
			t.Errorf("retry of a missing job = %v", err)
		}

		// Every change, and only changes, are in the audit log.
		entries, err := q.audit.List(ctx, audit.Filter{Action: "job."})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			if e.ActorUserID != 7 || e.IP != "192.0.2.7" || e.ObjectType != "job" {
				t.Errorf("entry %+v", e)
			}
			got = append(got, e.Action+" "+e.ObjectID+" "+fmt.Sprint(e.Summary["from_state"]))
		}
		want := []string{
			"job.cancel " + strconv.FormatInt(running, 10) + " running",
			"job.cancel " + strconv.FormatInt(waiting, 10) + " queued",
			"job.retry " + strconv.FormatInt(waiting, 10) + " queued",
			"job.retry " + strconv.FormatInt(failed, 10) + " failed",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("audit entries, newest first (-want +got):\n%s", diff)
		}
	})
}

func TestRetryRefusesWhenTheKeyIsTaken(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		q := newQueue(t, db, "test", newClock())
		q.Register("feed.poll", func(context.Context, Job) error { return errors.New("503") }, KindOptions{MaxAttempts: 1})
		old := mustEnqueue(t, q, "feed.poll", nil, EnqueueOptions{UniqueKey: "feed:1"})
		runDue(t, q, 10)
		mustEnqueue(t, q, "feed.poll", nil, EnqueueOptions{UniqueKey: "feed:1"})
		_, err := q.Retry(ctx, adminActor, old)
		if !errors.Is(err, database.ErrConflict) || !strings.Contains(err.Error(), "same key (feed:1)") {
			t.Fatalf("Retry = %v", err)
		}
		if j := mustGet(t, q, old); j.State != StateFailed {
			t.Errorf("refused retry changed the job: %+v", j)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'job.retry'`); n != 0 {
			t.Errorf("a refused retry was audited")
		}
	})
}

func TestListFiltersAndPages(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		q := newQueue(t, db, "test", newClock())
		q.Register("a", ok, KindOptions{})
		q.Register("b", func(context.Context, Job) error { return errors.New("no") }, KindOptions{MaxAttempts: 1})
		q.Register("c", ok, KindOptions{})
		var ids []int64
		for i := range 7 {
			ids = append(ids, mustEnqueue(t, q, []string{"a", "b"}[i%2], nil, EnqueueOptions{}))
		}
		runDue(t, q, 3) // ids[0..2]: a succeeds, b fails, a succeeds
		waitingA := mustEnqueue(t, q, "a", nil, EnqueueOptions{})

		idsOf := func(js []Job) []int64 {
			out := []int64{}
			for _, j := range js {
				out = append(out, j.ID)
			}
			return out
		}
		list := func(f Filter) []int64 {
			t.Helper()
			js, err := q.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			return idsOf(js)
		}
		if diff := cmp.Diff([]int64{waitingA, ids[6], ids[5], ids[4]}, list(Filter{Limit: 4})); diff != "" {
			t.Errorf("first page, newest first (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]int64{ids[3], ids[2], ids[1], ids[0]}, list(Filter{Limit: 4, BeforeID: ids[4]})); diff != "" {
			t.Errorf("second page (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]int64{ids[2], ids[0]}, list(Filter{State: StateSucceeded})); diff != "" {
			t.Errorf("succeeded (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]int64{waitingA, ids[6], ids[4]}, list(Filter{State: StateQueued, Kind: "a"})); diff != "" {
			t.Errorf("waiting a (-want +got):\n%s", diff)
		}
		if _, err := q.List(ctx, Filter{State: "done"}); err == nil {
			t.Error("List accepted an unknown state")
		}

		c, err := q.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(Counts{Queued: 5, Succeeded: 2, Failed: 1}, c); diff != "" {
			t.Errorf("Stats (-want +got):\n%s", diff)
		}
		if c.Of(StateQueued) != 5 || c.Of(StateFailed) != 1 {
			t.Errorf("Counts.Of is wrong: %+v", c)
		}
		if n, err := q.Pending(ctx); err != nil || n != 5 {
			t.Errorf("Pending = %d, %v", n, err)
		}
		if kinds, err := q.Kinds(ctx); err != nil || strings.Join(kinds, ",") != "a,b,c" {
			t.Errorf("Kinds = %v, %v", kinds, err)
		}
	})
}
