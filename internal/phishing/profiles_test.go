package phishing

import (
	"context"
	"errors"
	"strings"
	"testing"

	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

func validProfile() ProfileChange {
	return ProfileChange{SendingProfile: SendingProfile{Name: "Gateway", Host: "smtp.example.com", TLS: TLSStartTLS, Auth: AuthPlain,
		Username: "sim", From: "IT Service Desk <it-desk@example.com>", Headers: []Header{{Name: "X-Simulation", Value: "yes"}}, RatePerMinute: 60, Connections: 2},
		Password: "correct horse battery staple"}
}

func TestProfilePasswordIsSealedAndWriteOnly(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		s := newTestStore(t, db)
		ctx := context.Background()
		p, err := s.CreateProfile(ctx, tester, validProfile())
		if err != nil {
			t.Fatal(err)
		}
		if !p.PasswordSet || p.Port != 587 || len(p.Headers) != 1 {
			t.Fatalf("%+v", p)
		}
		// Nothing in the database holds the password in clear.
		var raw string
		if err := db.QueryRowContext(ctx, `SELECT password FROM phishing_sending_profiles WHERE id = $1`, p.ID).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if raw == "" || strings.Contains(raw, "horse") {
			t.Fatalf("stored password %q", raw)
		}
		var audits int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE summary LIKE '%horse%'`).Scan(&audits)
		if audits != 0 {
			t.Fatal("the audit log holds the password")
		}
		if got, err := s.password(ctx, p.ID); err != nil || got != "correct horse battery staple" {
			t.Fatalf("password back: %q %v", got, err)
		}
		// A sealed value copied to another row does not open there.
		other := validProfile()
		other.Name, other.Password = "Other", ""
		o, err := s.CreateProfile(ctx, tester, other)
		if err != nil {
			t.Fatal(err)
		}
		if o.PasswordSet {
			t.Fatal("no password was given")
		}
		db.ExecContext(ctx, `UPDATE phishing_sending_profiles SET password = $1 WHERE id = $2`, raw, o.ID)
		if _, err := s.password(ctx, o.ID); err == nil {
			t.Fatal("a password copied to another profile opened")
		}

		// Keeping the password: an empty one with KeepPassword changes nothing.
		up := validProfile()
		up.ID, up.Password, up.KeepPassword, up.Host = p.ID, "", true, "relay.example.com"
		if p, err = s.UpdateProfile(ctx, tester, up); err != nil || !p.PasswordSet || p.Host != "relay.example.com" {
			t.Fatalf("%+v %v", p, err)
		}
		if got, _ := s.password(ctx, p.ID); got != "correct horse battery staple" {
			t.Fatalf("kept password %q", got)
		}
		up.Auth = AuthNone
		if p, err = s.UpdateProfile(ctx, tester, up); err != nil || p.PasswordSet || p.Username != "" {
			t.Fatalf("switching auth off keeps credentials: %+v %v", p, err)
		}
		if _, err := s.CreateProfile(ctx, tester, validProfile()); !errors.Is(err, database.ErrConflict) {
			t.Fatalf("duplicate name: %v", err)
		}
		if err := s.DeleteProfile(ctx, tester, p.ID); err != nil {
			t.Fatal(err)
		}
		// Every change was audited: two creations, two updates, one deletion.
		var changes int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action IN ('phishing.profile.create', 'phishing.profile.update', 'phishing.profile.delete')`).Scan(&changes)
		if changes != 5 {
			t.Fatalf("%d audit entries for 5 changes", changes)
		}
		if _, err := s.Profile(ctx, p.ID); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("deleted profile: %v", err)
		}
	})
}

func TestProfileValidation(t *testing.T) {
	tests := []struct {
		name   string
		change func(*ProfileChange)
		field  string
		want   string
	}{
		{"no host", func(p *ProfileChange) { p.Host = "" }, "host", "host name"},
		{"host with scheme", func(p *ProfileChange) { p.Host = "smtp://x" }, "host", "leave out any scheme"},
		{"port", func(p *ProfileChange) { p.Port = 70000 }, "port", "1 to 65535"},
		{"tls", func(p *ProfileChange) { p.TLS = "ssl" }, "tls", "none, starttls or tls"},
		{"auth", func(p *ProfileChange) { p.Auth = "cram-md5" }, "auth", "none, plain or login"},
		{"no user", func(p *ProfileChange) { p.Username = "" }, "username", "user name"},
		{"from", func(p *ProfileChange) { p.From = "not an address" }, "from", "not an email address"},
		{"envelope with a name", func(p *ProfileChange) { p.EnvelopeSender = "Bounces <b@example.com>" }, "envelope_sender", "bare email address"},
		{"header with CRLF", func(p *ProfileChange) { p.Headers = []Header{{Name: "X-A", Value: "a\r\nBcc: victim@example.com"}} }, "headers", "line break"},
		{"header name with colon", func(p *ProfileChange) { p.Headers = []Header{{Name: "X-A:", Value: "a"}} }, "headers", "not a header name"},
		{"reserved header", func(p *ProfileChange) { p.Headers = []Header{{Name: "bcc", Value: "x@example.com"}} }, "headers", "set by Bulwark itself"},
		{"duplicate header", func(p *ProfileChange) { p.Headers = []Header{{Name: "X-A", Value: "1"}, {Name: "x-a", Value: "2"}} }, "headers", "given twice"},
		{"rate", func(p *ProfileChange) { p.RatePerMinute = -1 }, "rate_per_minute", "0 (no limit)"},
		{"connections", func(p *ProfileChange) { p.Connections = 21 }, "connections", "1 to 20"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := validProfile()
			tc.change(&p)
			wantFieldError(t, p.validate(), tc.field, tc.want)
		})
	}
}
