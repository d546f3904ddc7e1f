package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

func TestEnqueueStoresTheJob(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		clk := newClock()
		q := newQueue(t, db, "test", clk)
		q.Register("mail.send", ok, KindOptions{MaxAttempts: 7})
		type payload struct {
			MessageID int64 `json:"message_id"`
		}
		later := clk.Now().Add(time.Hour)
		id := mustEnqueue(t, q, "mail.send", payload{MessageID: 42}, EnqueueOptions{RunAt: later})
		j := mustGet(t, q, id)
		if j.Kind != "mail.send" || j.State != StateQueued || j.Attempts != 0 || j.MaxAttempts != 7 || !j.RunAt.Equal(later) || !j.CreatedAt.Equal(clk.Now()) {
			t.Errorf("stored job = %+v", j)
		}
		var p payload
		if err := j.Decode(&p); err != nil || p.MessageID != 42 {
			t.Errorf("Decode = %+v, %v", p, err)
		}
		// The job's own limit beats the kind's.
		id2 := mustEnqueue(t, q, "mail.send", nil, EnqueueOptions{MaxAttempts: 2})
		if j := mustGet(t, q, id2); j.MaxAttempts != 2 || string(j.Payload) != "{}" || !j.RunAt.Equal(clk.Now()) {
			t.Errorf("job with defaults = %+v", j)
		}
	})
}

func TestEnqueueRefusesBadInputAndWritesNothing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		q := newQueue(t, db, "test", nil)
		q.Register("mail.send", ok, KindOptions{})
		ctx := context.Background()
		tests := []struct {
			name, kind string
			payload    any
			want       string
		}{
			{"unregistered kind", "mail.sned", nil, "no handler is registered"},
			{"payload that is not JSON", "mail.send", map[string]any{"f": func() {}}, "payload"},
			{"payload over the limit", "mail.send", strings.Repeat("x", maxPayload), "over the"},
		}
		for _, tc := range tests {
			_, err := q.Enqueue(ctx, db, tc.kind, tc.payload, EnqueueOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.want)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM jobs`); n != 0 {
			t.Errorf("%d jobs stored after refused enqueues", n)
		}
		if _, err := q.Enqueue(ctx, db, "nope", nil, EnqueueOptions{}); !errors.Is(err, ErrUnknownKind) {
			t.Errorf("err = %v, want ErrUnknownKind", err)
		}
	})
}

func TestUniqueKeyDeduplicatesWhileWaitingOrRunning(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		clk := newClock()
		q := newQueue(t, db, "test", clk)
		q.Register("feed.poll", ok, KindOptions{})
		ctx := context.Background()
		first, err := q.Enqueue(ctx, db, "feed.poll", map[string]int{"feed": 3}, EnqueueOptions{UniqueKey: "feed.poll:3"})
		if err != nil || first.Duplicate {
			t.Fatalf("first = %+v, %v", first, err)
		}
		again, err := q.Enqueue(ctx, db, "feed.poll", map[string]int{"feed": 3}, EnqueueOptions{UniqueKey: "feed.poll:3"})
		if err != nil || !again.Duplicate || again.ID != first.ID {
			t.Fatalf("second enqueue = %+v, %v; want a duplicate of %d", again, err, first.ID)
		}
		other := mustEnqueue(t, q, "feed.poll", nil, EnqueueOptions{UniqueKey: "feed.poll:4"})
		plain1 := mustEnqueue(t, q, "feed.poll", nil, EnqueueOptions{})
		plain2 := mustEnqueue(t, q, "feed.poll", nil, EnqueueOptions{})
		if other == first.ID || plain1 == plain2 {
			t.Errorf("distinct jobs share ids: %d %d %d %d", first.ID, other, plain1, plain2)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM jobs`); n != 4 {
			t.Errorf("%d jobs, want 4", n)
		}
		// Once finished, the key is free for the next round.
		if n := runDue(t, q, 10); n != 4 {
			t.Fatalf("ran %d, want 4", n)
		}
		next, err := q.Enqueue(ctx, db, "feed.poll", nil, EnqueueOptions{UniqueKey: "feed.poll:3"})
		if err != nil || next.Duplicate || next.ID == first.ID {
			t.Errorf("enqueue after the first finished = %+v, %v; want a new job", next, err)
		}
	})
}

func TestEnqueueCommitsWithTheCallersTransaction(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		q := newQueue(t, db, "test", nil)
		q.Register("mail.send", ok, KindOptions{})
		ctx := context.Background()
		boom := errors.New("the change failed")
		err := db.Tx(ctx, func(tx database.Tx) error {
			if _, err := q.Enqueue(ctx, tx, "mail.send", nil, EnqueueOptions{UniqueKey: "k"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx = %v", err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM jobs`); n != 0 {
			t.Fatalf("%d jobs after the transaction rolled back, want 0", n)
		}
		var id int64
		err = db.Tx(ctx, func(tx database.Tx) error {
			res, err := q.Enqueue(ctx, tx, "mail.send", nil, EnqueueOptions{UniqueKey: "k"})
			id = res.ID
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if j := mustGet(t, q, id); j.State != StateQueued || j.UniqueKey != "k" {
			t.Errorf("committed job = %+v", j)
		}
	})
}

func TestDecodeOfABadPayloadIsPermanent(t *testing.T) {
	j := Job{ID: 1, Kind: "k", Payload: json.RawMessage(`{"n":"not a number"}`)}
	var v struct{ N int }
	err := j.Decode(&v)
	if err == nil || !IsPermanent(err) {
		t.Fatalf("Decode = %v, want a permanent error", err)
	}
}

func TestParseState(t *testing.T) {
	for _, s := range States {
		if got, err := ParseState(string(s)); err != nil || got != s {
			t.Errorf("ParseState(%q) = %q, %v", s, got, err)
		}
	}
	if got, err := ParseState(""); err != nil || got != "" {
		t.Errorf(`ParseState("") = %q, %v`, got, err)
	}
	if _, err := ParseState("done"); err == nil || !strings.Contains(err.Error(), `"done"`) {
		t.Errorf(`ParseState("done") = %v`, err)
	}
}

func TestDefaultBackoffGrowsWithinBounds(t *testing.T) {
	for attempt := 1; attempt <= 14; attempt++ {
		full := time.Hour
		if attempt <= 10 {
			full = min(time.Hour, 10*time.Second<<(attempt-1))
		}
		for range 50 {
			d := DefaultBackoff(attempt)
			if d < full/2 || d > full {
				t.Fatalf("DefaultBackoff(%d) = %s, want between %s and %s", attempt, d, full/2, full)
			}
		}
	}
}

func TestRegisterRefusesMistakes(t *testing.T) {
	q := New(nil, nil, nil, "")
	q.Register("a", ok, KindOptions{})
	for name, fn := range map[string]func(){
		"twice":      func() { q.Register("a", ok, KindOptions{}) },
		"no kind":    func() { q.Register("", ok, KindOptions{}) },
		"no handler": func() { q.Register("b", nil, KindOptions{}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register %s did not panic", name)
				}
			}()
			fn()
		}()
	}
}
