package ui_test

import (
	"context"
	"html"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/mail"
)

func TestAdminSettingsShowNoSecrets(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		a := adminSetup(t, e)
		cfg := &e.Edges.UI.Config
		cfg.Database = "postgres://bulwark:pg-Secret-Word@db.internal:5432/bulwark?sslmode=require&password=query-Secret-Word"
		cfg.SMTPHost = "smtp.sos.example.gov"
		cfg.SMTPUsername = "bulwark-mailer"
		cfg.SMTPPassword = "smtp-Secret-Word"
		cfg.SMTPFrom = "Bulwark <bulwark@sos.example.gov>"
		cfg.OIDCIssuer = "https://login.sos.example.gov"
		cfg.OIDCClientID = "bulwark-app"
		cfg.OIDCClientSecret = "oidc-Secret-Word"
		e.App.Audit.WriteHead(context.Background())

		for _, role := range []accounts.Role{accounts.RoleAdmin, accounts.RoleAuditor} {
			status, body := a.get(t, a.browser(role), "/admin/settings")
			if status != 200 {
				t.Fatalf("%s: %d", role, status)
			}
			text := html.UnescapeString(body)
			for _, secret := range []string{"Secret-Word", "xxxxx"} {
				if strings.Contains(text, secret) {
					t.Errorf("%s sees %q on the settings page", role, secret)
				}
			}
			for _, want := range []string{
				"PostgreSQL", "postgres://bulwark@db.internal:5432/bulwark?sslmode=require",
				"smtp.sos.example.gov, port 587", "bulwark-mailer, password set", "STARTTLS",
				"https://login.sos.example.gov", "bulwark-app", "Client secret</dt><dd>set",
				"30 minutes", "12 hours", "5 failed sign-ins in a row", "15 minutes",
				"Encryption key in use</dt><dd>" + e.App.Keys.PrimaryKeyID(),
				"Chain head</dt><dd>Entry ",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("%s: settings page lacks %q", role, want)
				}
			}
			// Only a role that may change settings sees the test-message button.
			hasForm := strings.Contains(body, `action="/admin/settings/test-mail"`)
			if hasForm != role.Can(accounts.PermSettingsManage) {
				t.Errorf("%s sees the test-message form: %v", role, hasForm)
			}
		}
		// Without a mail server or single sign-on, the page says so.
		cfg.SMTPHost, cfg.OIDCIssuer, cfg.Database = "", "", ""
		_, body := a.get(t, a.browser(accounts.RoleAdmin), "/admin/settings")
		for _, want := range []string{"system mail is kept in the mail outbox page", "Not set up", "SQLite", "bulwark.db"} {
			if !strings.Contains(body, want) {
				t.Errorf("settings page without mail server lacks %q", want)
			}
		}
	})
}

// adminSMTP is a real SMTP server on loopback that accepts mail for
// addresses it is not told to refuse.
type adminSMTP struct {
	addr   *net.TCPAddr
	refuse string

	mu       sync.Mutex
	received []string // recipients of delivered mail
}

func adminStartSMTP(t *testing.T, refuse string) *adminSMTP {
	t.Helper()
	s := &adminSMTP{refuse: refuse}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &adminSMTPSession{s: s}, nil }))
	srv.Domain = "localhost"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().(*net.TCPAddr)
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(l) }()
	t.Cleanup(func() { srv.Close(); l.Close(); <-done })
	return s
}

type adminSMTPSession struct {
	s  *adminSMTP
	to []string
}

func (x *adminSMTPSession) Mail(string, *smtp.MailOptions) error { return nil }
func (x *adminSMTPSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == x.s.refuse {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable at the test server"}
	}
	x.to = append(x.to, to)
	return nil
}
func (x *adminSMTPSession) Data(r io.Reader) error {
	io.Copy(io.Discard, r)
	x.s.mu.Lock()
	x.s.received = append(x.s.received, x.to...)
	x.s.mu.Unlock()
	return nil
}
func (x *adminSMTPSession) Reset()        { x.to = nil }
func (x *adminSMTPSession) Logout() error { return nil }

func (s *adminSMTP) recipients() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.received...)
}

func TestAdminSettingsTestMessage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		a := adminSetup(t, e)
		ctx := context.Background()
		admin := a.users[accounts.RoleAdmin]

		// No mail server: the message lands in the outbox.
		status, loc, body := a.post(t, e.Browser(admin), "/admin/settings/test-mail", nil)
		if status != http.StatusSeeOther || loc != "/admin/settings" || !strings.Contains(body, "is in the mail outbox") {
			t.Errorf("outbox test: %d %q %.300s", status, loc, body)
		}
		msgs := e.Outbox.List()
		if len(msgs) != 1 || msgs[0].Message.To[0] != admin.Email || msgs[0].Message.Subject != "Bulwark test message" {
			t.Fatalf("outbox: %+v", msgs)
		}

		// A real server that accepts it.
		srv := adminStartSMTP(t, admin.Email+".refused")
		sender, err := mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: srv.addr.Port, TLS: mail.TLSNone, From: "Bulwark <bulwark@sos.example.gov>"})
		if err != nil {
			t.Fatal(err)
		}
		e.Edges.UI.Mail = sender
		e.Edges.UI.Config.SMTPHost = "127.0.0.1"
		_, _, body = a.post(t, e.Browser(admin), "/admin/settings/test-mail", nil)
		if !strings.Contains(body, "The mail server accepted the test message") {
			t.Errorf("accepted: %.500s", body)
		}
		if got := srv.recipients(); len(got) != 1 || got[0] != admin.Email {
			t.Errorf("the server received mail for %v", got)
		}

		// A server that refuses it: its answer is shown.
		refused := e.User(accounts.RoleAdmin, 0)
		srv2 := adminStartSMTP(t, refused.Email)
		sender2, err := mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: srv2.addr.Port, TLS: mail.TLSNone, From: "Bulwark <bulwark@sos.example.gov>"})
		if err != nil {
			t.Fatal(err)
		}
		e.Edges.UI.Mail = sender2
		_, _, body = a.post(t, e.Browser(refused), "/admin/settings/test-mail", nil)
		if !strings.Contains(body, "The test message was not sent") || !strings.Contains(body, "mailbox unavailable at the test server") || !strings.Contains(body, "usa-alert--error") {
			t.Errorf("refused: %.3000s", body)
		}

		tests, err := e.App.Audit.List(ctx, audit.Filter{Action: "mail.test"})
		if err != nil || len(tests) != 3 {
			t.Fatalf("mail.test entries: %d, %v", len(tests), err)
		}
		if tests[0].Summary["delivered"] != false || tests[1].Summary["delivered"] != true {
			t.Errorf("audit summaries: %v, %v", tests[0].Summary, tests[1].Summary)
		}
	})
}

func TestAdminMailOutbox(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		a := adminSetup(t, e)
		ctx := context.Background()
		err := e.Outbox.Send(ctx, mail.Message{To: []string{"clerk@boone.example.gov"}, Subject: "Reset your Bulwark password",
			Text:    "Open this link:\nhttps://bulwark.example/password/reset?t=abc",
			HTML:    `<p>Open <a href="https://bulwark.example/password/reset?t=abc">this link</a></p><script>alert("x")</script><img src=x onerror=alert(1)>`,
			Headers: map[string]string{"X-Bulwark-Notice": "password-reset"}})
		if err != nil {
			t.Fatal(err)
		}
		e.Outbox.Send(ctx, mail.Message{To: []string{"second@example.org"}, Subject: "Second", Text: "2"})
		c := a.browser(accounts.RoleAdmin)
		_, list := a.get(t, c, "/admin/mail")
		first, second := strings.Index(list, "Reset your Bulwark password"), strings.Index(list, "Second")
		if first < 0 || second < 0 || second > first {
			t.Errorf("outbox list is not newest first: %d, %d", first, second)
		}
		id := e.Outbox.List()[1].ID
		status, body := a.get(t, c, "/admin/mail/"+id)
		if status != 200 {
			t.Fatalf("message: %d", status)
		}
		for _, want := range []string{"clerk@boone.example.gov", "X-Bulwark-Notice", "password-reset",
			"https://bulwark.example/password/reset?t=abc", `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`, "&lt;img src=x onerror=alert(1)&gt;"} {
			if !strings.Contains(body, want) {
				t.Errorf("message page lacks %q", want)
			}
		}
		for _, bad := range []string{`<script>alert`, `<img src=x`, `<a href="https://bulwark.example/password/reset`} {
			if strings.Contains(body, bad) {
				t.Errorf("the message's HTML is rendered: %q", bad)
			}
		}
		if status, _ := a.get(t, c, "/admin/mail/999"); status != http.StatusNotFound {
			t.Errorf("unknown message: %d, want 404", status)
		}

		// With a mail server instead of the outbox.
		e.Edges.UI.Outbox = nil
		e.Edges.UI.Config.SMTPHost = "smtp.sos.example.gov"
		_, body = a.get(t, c, "/admin/mail")
		if !strings.Contains(body, "goes to the mail server smtp.sos.example.gov") || strings.Contains(body, "Reset your Bulwark password") {
			t.Errorf("page without outbox: %.2000s", body)
		}
		if status, _ := a.get(t, c, "/admin/mail/"+id); status != http.StatusNotFound {
			t.Errorf("message without outbox: %d, want 404", status)
		}
	})
}
