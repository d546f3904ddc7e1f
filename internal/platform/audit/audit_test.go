package audit_test

import (
	"context"
	"strings"
	"testing"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

func writeEntries(t *testing.T, db *database.DB, l *audit.Log, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		err := l.RecordNow(ctx, audit.Entry{Actor: "cli", Action: "person.update", ObjectType: "person", ObjectID: "7", Summary: map[string]any{"n": i}, IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := l.WriteHead(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper string
		want   string
	}{
		{"intact", "", ""},
		{"edited row", `UPDATE audit_log SET object_id = '8' WHERE id = 3`, "changed"},
		{"edited summary", `UPDATE audit_log SET summary = '{"n":99}' WHERE id = 2`, "changed"},
		{"deleted row", `DELETE FROM audit_log WHERE id = 3`, "missing"},
		{"cut-off tail", `DELETE FROM audit_log WHERE id >= 4`, "newest entries were removed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Run(t, func(t *testing.T, db *database.DB) {
				ctx := context.Background()
				dir := t.TempDir()
				l, err := audit.Open(db, dir, "")
				if err != nil {
					t.Fatal(err)
				}
				writeEntries(t, db, l, 5)
				if tc.tamper != "" {
					if _, err := db.ExecContext(ctx, tc.tamper); err != nil {
						t.Fatal(err)
					}
				}
				rep, err := l.Verify(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if tc.want == "" {
					if !rep.OK() || rep.Entries != 5 || rep.HeadID != 5 {
						t.Fatalf("intact chain reported %+v", rep)
					}
					return
				}
				if rep.OK() {
					t.Fatalf("tampering %q not detected", tc.tamper)
				}
				var all []string
				for _, p := range rep.Problems {
					all = append(all, p.Reason)
				}
				if !strings.Contains(strings.Join(all, "; "), tc.want) {
					t.Fatalf("problems %q do not mention %q", all, tc.want)
				}
			})
		})
	}
}

func TestAnotherKeyDoesNotVerify(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		l, _ := audit.Open(db, t.TempDir(), "")
		writeEntries(t, db, l, 2)
		other, _ := audit.Open(db, t.TempDir(), "")
		rep, err := other.Verify(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK() {
			t.Fatal("a chain verified under a key it was not written with")
		}
	})
}

func TestRecordRollsBackWithTheChange(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		l, _ := audit.Open(db, t.TempDir(), "")
		err := db.Tx(ctx, func(tx database.Tx) error {
			if err := l.Record(ctx, tx, audit.Entry{Actor: "cli", Action: "x"}); err != nil {
				return err
			}
			return context.Canceled
		})
		if err == nil {
			t.Fatal("want the error back")
		}
		got, _ := l.List(ctx, audit.Filter{})
		if len(got) != 0 {
			t.Fatalf("a rolled-back change left %d audit entries", len(got))
		}
	})
}

func TestListFilters(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		l, _ := audit.Open(db, t.TempDir(), "")
		l.RecordNow(ctx, audit.Entry{Actor: "cli", Action: "person.create", ObjectType: "person", ObjectID: "1"})
		l.RecordNow(ctx, audit.Entry{Actor: "cli", Action: "user.create", ObjectType: "user", ObjectID: "1"})
		l.RecordNow(ctx, audit.Entry{Actor: "cli", Action: "person.update", ObjectType: "person", ObjectID: "1"})
		got, err := l.List(ctx, audit.Filter{Action: "person."})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Action != "person.update" {
			t.Fatalf("filter person.: %+v", got)
		}
		page, _ := l.List(ctx, audit.Filter{Limit: 1, BeforeID: got[0].ID})
		if len(page) != 1 || page[0].Action != "user.create" {
			t.Fatalf("cursor page: %+v", page)
		}
	})
}

func TestActionFilterTreatsWildcardsLiterally(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		l, _ := audit.Open(db, t.TempDir(), "")
		l.RecordNow(ctx, audit.Entry{Actor: "cli", Action: "user.create"})
		l.RecordNow(ctx, audit.Entry{Actor: "cli", Action: "user_x.create"})
		got, err := l.List(ctx, audit.Filter{Action: "user_"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Action != "user_x.create" {
			t.Fatalf("user_ matched %+v", got)
		}
		if got, _ := l.List(ctx, audit.Filter{Action: "%"}); len(got) != 0 {
			t.Fatalf("%% matched %d entries", len(got))
		}
	})
}
