package phishing

import (
	"bytes"
	"context"
	"net/mail"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
	"bulwark/internal/platform/mail/smtptest"
)

func TestSendTestMessage(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		s := newTestStore(t, db)
		ctx := context.Background()
		server := smtptest.Start(t, smtptest.Options{User: "sim", Pass: "s3cret pass"})
		in := ProfileChange{SendingProfile: SendingProfile{Name: "Loopback", Host: "127.0.0.1", Port: server.Port, TLS: TLSNone, Auth: AuthPlain,
			Username: "sim", From: "IT Service Desk <it-desk@example.com>", EnvelopeSender: "bounces@example.net",
			Headers: []Header{{Name: "X-Gateway-Simulation", Value: "approved-7"}}}, Password: "s3cret pass"}
		p, err := s.CreateProfile(ctx, tester, in)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.SendTest(ctx, tester, p.ID, "clerk@example.gov")
		if err != nil || !res.Sent {
			t.Fatalf("%+v %v", res, err)
		}
		got := server.Deliveries()
		if len(got) != 1 || got[0].User != "sim" || got[0].From != "bounces@example.net" || len(got[0].To) != 1 || got[0].To[0] != "clerk@example.gov" {
			t.Fatalf("%+v", got)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(got[0].Data))
		if err != nil {
			t.Fatal(err)
		}
		if h := msg.Header.Get("X-Gateway-Simulation"); h != "approved-7" {
			t.Errorf("custom header %q", h)
		}
		if from := msg.Header.Get("From"); !strings.Contains(from, "it-desk@example.com") {
			t.Errorf("From %q", from)
		}
		if strings.Contains(string(got[0].Data), "ulwark") {
			t.Errorf("the product name appears in the message:\n%s", got[0].Data)
		}

		// A wrong password: the server's reply is the result.
		in.ID, in.Password = p.ID, "wrong"
		if _, err := s.UpdateProfile(ctx, tester, in); err != nil {
			t.Fatal(err)
		}
		res, err = s.SendTest(ctx, tester, p.ID, "clerk@example.gov")
		if err != nil || res.Sent || !strings.Contains(res.Reply, "credentials rejected by test server") {
			t.Fatalf("%+v %v", res, err)
		}

		if _, err := s.SendTest(ctx, tester, p.ID, "two@example.com, three@example.com"); err == nil {
			t.Fatal("sent to a list of addresses")
		}
	})
}

func TestSendTestShowsA5xxReply(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		s := newTestStore(t, db)
		ctx := context.Background()
		server := smtptest.Start(t, smtptest.Options{RejectData: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "message refused by policy"}})
		p, err := s.CreateProfile(ctx, tester, ProfileChange{SendingProfile: SendingProfile{Name: "Refusing", Host: "127.0.0.1", Port: server.Port, TLS: TLSNone, From: "a@example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.SendTest(ctx, tester, p.ID, "clerk@example.gov")
		if err != nil || res.Sent || !strings.Contains(res.Reply, "554") || !strings.Contains(res.Reply, "message refused by policy") {
			t.Fatalf("%+v %v", res, err)
		}
	})
}

func TestSendTestOverTLS(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		s := newTestStore(t, db)
		ctx := context.Background()
		for _, mode := range []string{TLSStartTLS, TLSImplicit} {
			server := smtptest.Start(t, smtptest.Options{TLS: mode, User: "sim", Pass: "pw over tls"})
			p, err := s.CreateProfile(ctx, tester, ProfileChange{SendingProfile: SendingProfile{Name: "TLS " + mode, Host: "127.0.0.1", Port: server.Port,
				TLS: mode, Auth: AuthLogin, Username: "sim", From: "a@example.com"}, Password: "pw over tls"})
			if err != nil {
				t.Fatal(err)
			}
			// The system's roots do not trust the test certificate: refused.
			res, err := s.SendTest(ctx, tester, p.ID, "clerk@example.gov")
			if err != nil || res.Sent || res.Reply == "" {
				t.Fatalf("%s with an untrusted certificate: %+v %v", mode, res, err)
			}
			res, err = s.sendTest(ctx, tester, p.ID, "clerk@example.gov", server.RootCAs)
			if err != nil || !res.Sent {
				t.Fatalf("%s: %+v %v", mode, res, err)
			}
			if got := server.Deliveries(); len(got) != 1 || !got[0].TLS || got[0].User != "sim" {
				t.Fatalf("%s: %+v", mode, got)
			}
		}
	})
}
