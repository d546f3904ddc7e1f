package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"testing"
	"time"

	"bulwark/internal/app"
	"bulwark/internal/platform/config"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
	"bulwark/internal/platform/mail"
)

// TestTwoServersShareTheJobQueue starts two serve processes on one
// PostgreSQL database, each with a mail server of its own, and gives them
// 200 system messages to send: both take part, and every message reaches
// one of the mail servers exactly once.
func TestTwoServersShareTheJobQueue(t *testing.T) {
	if len(dbtest.Engines(t)) < 2 {
		t.Skip("needs PostgreSQL")
	}
	const n = 200
	s := newSite(t, database.Postgres)
	s.mustRun("", "migrate")
	var boxes []*mailServer
	var servers []*server
	for range 2 {
		mb := startMailServer(t, "bulwark", "smtp-pass-for-test")
		mb.delay = 10 * time.Millisecond // slow enough that both processes get work
		boxes = append(boxes, mb)
		s.env = []string{"BULWARK_SMTP_HOST=127.0.0.1", "BULWARK_SMTP_PORT=" + strconv.Itoa(mb.port), "BULWARK_SMTP_TLS=none",
			"BULWARK_SMTP_USERNAME=bulwark", "BULWARK_SMTP_PASSWORD=smtp-pass-for-test", "BULWARK_SMTP_FROM=bulwark@sos.example.org"}
		servers = append(servers, s.serve(map[string]string{"simulation": "off", "public": "off"}))
	}
	received := func() [][]byte { return append(boxes[0].messages(), boxes[1].messages()...) }

	// Queue the messages from a third process: the app opened on the same
	// data folder and database.
	cfg := config.Defaults()
	cfg.Data, cfg.Database = s.data, s.database
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	queued := a.QueueMail(mail.NewCatcher(1))
	for i := 0; i < n; i++ {
		if err := queued.Send(ctx, mail.Message{To: []string{fmt.Sprintf("person%d@example.org", i)}, Subject: fmt.Sprintf("message-%04d", i), Text: "hello"}); err != nil {
			t.Fatal(err)
		}
	}
	a.Close()
	deadline := time.Now().Add(60 * time.Second)
	for len(received()) < n && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // a duplicate would arrive late
	subject := regexp.MustCompile(`(?m)^Subject: (message-\d{4})`)
	seen := map[string]int{}
	for _, m := range received() {
		if sm := subject.FindSubmatch(m); sm != nil {
			seen[string(sm[1])]++
		}
	}
	for i := 0; i < n; i++ {
		if c := seen[fmt.Sprintf("message-%04d", i)]; c != 1 {
			t.Errorf("message-%04d arrived %d times", i, c)
		}
	}
	var left int
	s.db().QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state <> 'succeeded'`, app.MailJobKind).Scan(&left)
	if left != 0 {
		t.Errorf("%d mail jobs did not succeed", left)
	}
	if len(boxes[0].messages()) == 0 || len(boxes[1].messages()) == 0 {
		t.Errorf("one process did all the work (%d and %d messages): the test proves nothing", len(boxes[0].messages()), len(boxes[1].messages()))
	}
	for _, srv := range servers {
		if code := srv.stop(); code != 0 {
			t.Errorf("a server exited with %d:\n%s", code, srv.stderr)
		}
	}
}
