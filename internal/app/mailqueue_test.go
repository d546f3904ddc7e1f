package app_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"bulwark/internal/app"
	"bulwark/internal/app/apptest"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/mail"
)

func TestSystemMailGoesThroughTheQueueSealed(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		sink := mail.NewCatcher(10)
		queued := e.App.QueueMail(sink)
		const secretLink = "https://bulwark.example.gov/password/reset?token=KEEP-ME-OUT-OF-THE-DATABASE"
		err := queued.Send(ctx, mail.Message{To: []string{"clerk@example.org"}, Subject: "Choose a new password", Text: "Open " + secretLink})
		if err != nil {
			t.Fatal(err)
		}
		if len(sink.List()) != 0 {
			t.Fatal("the message was sent before its job ran")
		}
		assertNotStored(t, e.App.DB, "KEEP-ME-OUT-OF-THE-DATABASE")
		if n, err := e.App.Jobs.RunDue(ctx, 10); err != nil || n != 1 {
			t.Fatalf("ran %d jobs: %v", n, err)
		}
		got := sink.List()
		if len(got) != 1 || !strings.Contains(got[0].Message.Text, secretLink) || got[0].Message.To[0] != "clerk@example.org" {
			t.Fatalf("delivered: %+v", got)
		}
		if err := queued.Send(ctx, mail.Message{To: []string{"x@example.org"}, Subject: "a\nb"}); err == nil {
			t.Fatal("a message with a line break in its subject was queued")
		}
		if app.MailJobKind == "" {
			t.Fatal("no job kind")
		}
	})
}

// assertNotStored fails if any text column of any table holds s.
func assertNotStored(t *testing.T, db *database.DB, s string) {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if db.Dialect == database.Postgres {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	for _, table := range tables {
		r, err := db.QueryContext(ctx, `SELECT * FROM `+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for r.Next() {
			r.Scan(ptrs...)
			for i, v := range vals {
				if strings.Contains(string(v), s) {
					t.Errorf("%s.%s holds %q in clear", table, cols[i], s)
				}
			}
		}
		r.Close()
	}
}
