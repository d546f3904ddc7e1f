package mail

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"bulwark/internal/platform/mail/smtptest"
)

// serverOptions shape the test SMTP server (platform/mail/smtptest).
type serverOptions struct {
	tls               string // "", TLSStartTLS (offers STARTTLS) or TLSImplicit
	user, pass        string // when set, MAIL requires AUTH PLAIN with these
	allowInsecureAuth bool
	rejectRcpt        *smtp.SMTPError
	rejectData        *smtp.SMTPError
}

// delivery is what the server saw of one message.
type delivery struct {
	helo string
	user string // authenticated user, "" without AUTH
	tls  bool
	from string
	to   []string
	data []byte
}

// smtpServer is a real SMTP server on loopback that records what it receives.
type smtpServer struct {
	*smtptest.Server
	port    int
	rootCAs *x509.CertPool
}

func startSMTPServer(t *testing.T, opts serverOptions) *smtpServer {
	t.Helper()
	srv := smtptest.Start(t, smtptest.Options{User: opts.user, Pass: opts.pass, TLS: opts.tls,
		RejectRcpt: opts.rejectRcpt, RejectData: opts.rejectData, AuthNeedsTLS: !opts.allowInsecureAuth})
	return &smtpServer{Server: srv, port: srv.Port, rootCAs: srv.RootCAs}
}

func (s *smtpServer) config(tlsMode string) SMTPConfig {
	return SMTPConfig{
		Host: "127.0.0.1",
		Port: s.port,
		TLS:  tlsMode,
		From: "Bulwark <bulwark@sos.example.gov>",
	}
}

// sender returns an SMTP sender that trusts the server's certificate.
func (s *smtpServer) sender(t *testing.T, cfg SMTPConfig) *SMTP {
	t.Helper()
	sender, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sender.rootCAs = s.rootCAs
	return sender
}

func (s *smtpServer) deliveries() []delivery {
	var out []delivery
	for _, d := range s.Deliveries() {
		out = append(out, delivery{helo: d.Helo, user: d.User, tls: d.TLS, from: d.From, to: d.To, data: d.Data})
	}
	return out
}

// parsedMail is a received message with its bodies decoded, keyed by media
// type.
type parsedMail struct {
	header   netmail.Header
	subject  string
	topType  string
	bodies   map[string]string
	rawBytes []byte
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("received mail does not parse: %v\n%s", err, data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	p := parsedMail{header: msg.Header, subject: subject, topType: mediaType, bodies: map[string]string{}, rawBytes: data}
	if !strings.HasPrefix(mediaType, "multipart/") {
		p.bodies[mediaType] = decodeBody(t, msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
		return p
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart() // decodes quoted-printable itself
		if errors.Is(err, io.EOF) {
			return p
		}
		if err != nil {
			t.Fatal(err)
		}
		partType, _, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if err != nil {
			t.Fatal(err)
		}
		p.bodies[partType] = decodeBody(t, part.Header.Get("Content-Transfer-Encoding"), part)
	}
}

func decodeBody(t *testing.T, encoding string, r io.Reader) string {
	t.Helper()
	if strings.EqualFold(encoding, "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

func TestSMTPSendsMultipartMessage(t *testing.T) {
	srv := startSMTPServer(t, serverOptions{})
	cfg := srv.config(TLSNone)
	cfg.HelloName = "bulwark.sos.example.gov"
	sender := srv.sender(t, cfg)

	msg := Message{
		To:      []string{"clerk@county.example.gov", "Deputy Clerk <deputy@county.example.gov>"},
		Subject: "Reset your Bulwark password",
		Text:    "Open https://bulwark.example/reset/abc to choose a new password.\n",
		HTML:    `<p>Open <a href="https://bulwark.example/reset/abc">this link</a> to choose a new password.</p>`,
		Headers: map[string]string{"X-Bulwark-Notice": "password-reset", "List-Id": "<notices.bulwark>"},
	}
	if err := sender.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}

	got := srv.deliveries()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	d := got[0]
	if d.from != "bulwark@sos.example.gov" {
		t.Errorf("MAIL FROM = %q", d.from)
	}
	if want := []string{"clerk@county.example.gov", "deputy@county.example.gov"}; strings.Join(d.to, ",") != strings.Join(want, ",") {
		t.Errorf("RCPT TO = %v, want %v", d.to, want)
	}
	if d.helo != "bulwark.sos.example.gov" {
		t.Errorf("EHLO name = %q", d.helo)
	}
	if d.tls || d.user != "" {
		t.Errorf("tls = %v, user = %q; want a plain, unauthenticated session", d.tls, d.user)
	}

	m := parseMail(t, d.data)
	if m.subject != msg.Subject {
		t.Errorf("Subject = %q, want %q", m.subject, msg.Subject)
	}
	if m.topType != "multipart/alternative" {
		t.Errorf("Content-Type = %s, want multipart/alternative", m.topType)
	}
	if m.bodies["text/plain"] != msg.Text {
		t.Errorf("text body = %q, want %q", m.bodies["text/plain"], msg.Text)
	}
	if m.bodies["text/html"] != msg.HTML {
		t.Errorf("html body = %q, want %q", m.bodies["text/html"], msg.HTML)
	}
	for name, want := range map[string]string{
		"X-Bulwark-Notice": "password-reset",
		"List-Id":          "<notices.bulwark>",
		"Auto-Submitted":   "auto-generated",
		"From":             `"Bulwark" <bulwark@sos.example.gov>`,
	} {
		if got := m.header.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"Date", "Message-Id"} {
		if m.header.Get(name) == "" {
			t.Errorf("header %s missing", name)
		}
	}
}

func TestSMTPSinglePartBodies(t *testing.T) {
	tests := []struct {
		name     string
		msg      Message
		wantType string
		wantBody string
	}{
		{"text only", Message{Text: "Reminder: training due Friday.\n"}, "text/plain", "Reminder: training due Friday.\n"},
		{"html only", Message{HTML: "<p>Reminder</p>"}, "text/html", "<p>Reminder</p>"},
		{"non-ASCII", Message{Subject: "Wahlamt – Erinnerung", Text: "Grüße aus dem Büro\n"}, "text/plain", "Grüße aus dem Büro\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startSMTPServer(t, serverOptions{})
			tt.msg.To = []string{"clerk@county.example.gov"}
			if err := srv.sender(t, srv.config(TLSNone)).Send(context.Background(), tt.msg); err != nil {
				t.Fatal(err)
			}
			got := srv.deliveries()
			if len(got) != 1 {
				t.Fatalf("server received %d messages, want 1", len(got))
			}
			m := parseMail(t, got[0].data)
			if m.topType != tt.wantType {
				t.Errorf("Content-Type = %s, want %s", m.topType, tt.wantType)
			}
			// The end of DATA may add a line break to a single-part body.
			if strings.TrimRight(m.bodies[tt.wantType], "\n") != strings.TrimRight(tt.wantBody, "\n") {
				t.Errorf("body = %q, want %q", m.bodies[tt.wantType], tt.wantBody)
			}
			if m.subject != tt.msg.Subject {
				t.Errorf("Subject = %q, want %q", m.subject, tt.msg.Subject)
			}
		})
	}
}

func TestSMTPTLSModes(t *testing.T) {
	tests := []struct {
		name      string
		server    serverOptions
		clientTLS string
		wantTLS   bool
		wantErr   string // "" for success
	}{
		{"none ignores offered STARTTLS", serverOptions{tls: TLSStartTLS}, TLSNone, false, ""},
		{"starttls upgrades", serverOptions{tls: TLSStartTLS}, TLSStartTLS, true, ""},
		{"starttls refuses a server without it", serverOptions{}, TLSStartTLS, false, "STARTTLS"},
		{"implicit tls", serverOptions{tls: TLSImplicit}, TLSImplicit, true, ""},
		{"implicit tls against plain server", serverOptions{}, TLSImplicit, false, "tls: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startSMTPServer(t, tt.server)
			err := srv.sender(t, srv.config(tt.clientTLS)).Send(context.Background(), Message{
				To: []string{"clerk@county.example.gov"}, Subject: "tls", Text: "hi",
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Send error = %v, want one containing %q", err, tt.wantErr)
				}
				if n := len(srv.deliveries()); n != 0 {
					t.Errorf("server received %d messages despite the error", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := srv.deliveries()
			if len(got) != 1 {
				t.Fatalf("server received %d messages, want 1", len(got))
			}
			if got[0].tls != tt.wantTLS {
				t.Errorf("session tls = %v, want %v", got[0].tls, tt.wantTLS)
			}
		})
	}
}

func TestSMTPAuth(t *testing.T) {
	tests := []struct {
		name     string
		server   serverOptions
		tls      string
		user     string
		password string
		wantErr  string // "" for success
	}{
		{
			name:   "plain auth on a plain loopback connection",
			server: serverOptions{user: "bulwark", pass: "s3cret", allowInsecureAuth: true},
			tls:    TLSNone, user: "bulwark", password: "s3cret",
		},
		{
			name:   "plain auth after STARTTLS",
			server: serverOptions{tls: TLSStartTLS, user: "bulwark", pass: "s3cret"},
			tls:    TLSStartTLS, user: "bulwark", password: "s3cret",
		},
		{
			name:   "wrong password shows the server's reply",
			server: serverOptions{user: "bulwark", pass: "s3cret", allowInsecureAuth: true},
			tls:    TLSNone, user: "bulwark", password: "wrong",
			wantErr: `535 "5.7.8 credentials rejected by test server"`,
		},
		{
			name:    "server requiring auth refuses anonymous mail",
			server:  serverOptions{user: "bulwark", pass: "s3cret", allowInsecureAuth: true},
			tls:     TLSNone,
			wantErr: "authentication required",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startSMTPServer(t, tt.server)
			cfg := srv.config(tt.tls)
			cfg.Username, cfg.Password = tt.user, tt.password
			err := srv.sender(t, cfg).Send(context.Background(), Message{
				To: []string{"clerk@county.example.gov"}, Subject: "auth", Text: "hi",
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Send error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := srv.deliveries()
			if len(got) != 1 || got[0].user != tt.user {
				t.Fatalf("deliveries = %+v, want one from user %q", got, tt.user)
			}
		})
	}
}

func TestSMTPServerRefusalIncludesReply(t *testing.T) {
	tests := []struct {
		name    string
		server  serverOptions
		wantErr []string
	}{
		{
			name:    "recipient refused",
			server:  serverOptions{rejectRcpt: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox here"}},
			wantErr: []string{"550", "no such mailbox here"},
		},
		{
			name:    "message refused",
			server:  serverOptions{rejectData: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "refused by content policy"}},
			wantErr: []string{"554", "refused by content policy"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startSMTPServer(t, tt.server)
			err := srv.sender(t, srv.config(TLSNone)).Send(context.Background(), Message{
				To: []string{"nobody@county.example.gov"}, Subject: "refused", Text: "hi",
			})
			if err == nil {
				t.Fatal("Send succeeded against a refusing server")
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

func TestSMTPRefusesInvalidMessage(t *testing.T) {
	srv := startSMTPServer(t, serverOptions{})
	err := srv.sender(t, srv.config(TLSNone)).Send(context.Background(), Message{Subject: "no one", Text: "hi"})
	if !errors.Is(err, ErrInvalidMessage) {
		t.Fatalf("Send error = %v, want ErrInvalidMessage", err)
	}
	if n := len(srv.deliveries()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
}

func TestSMTPCancelledContext(t *testing.T) {
	srv := startSMTPServer(t, serverOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := srv.sender(t, srv.config(TLSNone)).Send(ctx, Message{To: []string{"a@example.org"}, Text: "hi"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Send error = %v, want context.Canceled", err)
	}
	if n := len(srv.deliveries()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
}

func TestNewSMTPValidatesConfig(t *testing.T) {
	valid := SMTPConfig{Host: "smtp.example.gov", TLS: TLSStartTLS, From: "bulwark@example.gov"}
	tests := []struct {
		name     string
		edit     func(*SMTPConfig)
		wantErr  string // "" for valid
		wantPort int
	}{
		{"valid starttls gets port 587", func(c *SMTPConfig) {}, "", 587},
		{"valid tls gets port 465", func(c *SMTPConfig) { c.TLS = TLSImplicit }, "", 465},
		{"valid none gets port 25", func(c *SMTPConfig) { c.TLS = TLSNone }, "", 25},
		{"explicit port kept", func(c *SMTPConfig) { c.Port = 2525 }, "", 2525},
		{"IPv6 host", func(c *SMTPConfig) { c.Host = "2001:db8::25" }, "", 587},
		{"credentials over tls", func(c *SMTPConfig) { c.Username, c.Password = "u", "p" }, "", 587},
		{"credentials in clear to loopback", func(c *SMTPConfig) { c.TLS, c.Host, c.Username, c.Password = TLSNone, "127.0.0.1", "u", "p" }, "", 25},
		{"named sender", func(c *SMTPConfig) { c.From = "Bulwark <bulwark@example.gov>" }, "", 587},
		{"no host", func(c *SMTPConfig) { c.Host = "" }, "host is required", 0},
		{"URL as host", func(c *SMTPConfig) { c.Host = "smtp://smtp.example.gov" }, "without scheme or port", 0},
		{"port in host", func(c *SMTPConfig) { c.Host = "smtp.example.gov:25" }, "without scheme or port", 0},
		{"port too large", func(c *SMTPConfig) { c.Port = 70000 }, "port 70000 out of range", 0},
		{"negative port", func(c *SMTPConfig) { c.Port = -1 }, "out of range", 0},
		{"no tls mode", func(c *SMTPConfig) { c.TLS = "" }, `tls "": want`, 0},
		{"unknown tls mode", func(c *SMTPConfig) { c.TLS = "ssl" }, `tls "ssl": want`, 0},
		{"username alone", func(c *SMTPConfig) { c.Username = "u" }, "set both or neither", 0},
		{"password alone", func(c *SMTPConfig) { c.Password = "p" }, "set both or neither", 0},
		{"credentials in clear to remote", func(c *SMTPConfig) { c.TLS, c.Username, c.Password = TLSNone, "u", "p" }, "password in clear", 0},
		{"no from", func(c *SMTPConfig) { c.From = "" }, "from is required", 0},
		{"bad from", func(c *SMTPConfig) { c.From = "not an address" }, `from "not an address"`, 0},
		{"hello with space", func(c *SMTPConfig) { c.HelloName = "a b" }, "white space", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.edit(&cfg)
			s, err := NewSMTP(cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewSMTP error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.cfg.Port != tt.wantPort {
				t.Errorf("port = %d, want %d", s.cfg.Port, tt.wantPort)
			}
		})
	}
}
