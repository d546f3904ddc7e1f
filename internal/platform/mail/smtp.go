package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"slices"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// TLS modes for SMTPConfig.TLS.
const (
	TLSNone     = "none"     // plain SMTP, for a relay on the same host or network
	TLSStartTLS = "starttls" // upgrade required; refuses servers without STARTTLS
	TLSImplicit = "tls"      // TLS from the first byte (SMTPS, usually port 465)
)

// SMTPConfig says how to reach the mail server.
type SMTPConfig struct {
	Host string
	// Port defaults to 25, 587 or 465 for TLS none, starttls or tls.
	Port int
	TLS  string
	// Username and Password are optional; without them no AUTH is tried.
	Username, Password string
	// From is the sender, e.g. "Bulwark <bulwark@sos.example.gov>".
	From string
	// HelloName is sent in EHLO; the machine's host name when empty.
	HelloName string
}

// SMTP sends mail through one SMTP server. Safe for concurrent use: each
// Send opens its own connection.
type SMTP struct {
	cfg SMTPConfig
	// rootCAs replaces the system roots; only tests set it.
	rootCAs *x509.CertPool
}

var _ Sender = (*SMTP)(nil)

// NewSMTP checks cfg and returns a sender for it.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("smtp config: %w", err)
	}
	if cfg.Port == 0 {
		cfg.Port = map[string]int{TLSNone: 25, TLSStartTLS: 587, TLSImplicit: 465}[cfg.TLS]
	}
	s := &SMTP{cfg: cfg}
	// Build a client once so option errors show at start-up, not at the
	// first password reset.
	if _, err := s.client(); err != nil {
		return nil, fmt.Errorf("smtp config: %w", err)
	}
	return s, nil
}

func (c SMTPConfig) validate() error {
	if c.Host == "" {
		return errors.New("host is required")
	}
	if strings.ContainsAny(c.Host, "/ \t") || strings.Contains(c.Host, ":") && net.ParseIP(c.Host) == nil {
		return fmt.Errorf("host %q: want a host name or IP address without scheme or port", c.Host)
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("port %d out of range", c.Port)
	}
	switch c.TLS {
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return fmt.Errorf("tls %q: want %q, %q or %q", c.TLS, TLSNone, TLSStartTLS, TLSImplicit)
	}
	if (c.Username == "") != (c.Password == "") {
		return errors.New("username and password go together: set both or neither")
	}
	if c.Username != "" && c.TLS == TLSNone && !isLoopback(c.Host) {
		return fmt.Errorf("tls %q with a username would send the password in clear to %s; use %q or %q",
			TLSNone, c.Host, TLSStartTLS, TLSImplicit)
	}
	if c.From == "" {
		return errors.New("from is required")
	}
	if _, err := netmail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("from %q: %w", c.From, err)
	}
	if strings.ContainsAny(c.HelloName, " \t\r\n") {
		return fmt.Errorf("hello name %q contains white space", c.HelloName)
	}
	return nil
}

// isLoopback matches the hosts go-mail itself lets PLAIN and LOGIN use
// without TLS.
func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

func (s *SMTP) client() (*gomail.Client, error) {
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTLSConfig(&tls.Config{
			ServerName: s.cfg.Host,
			MinVersion: tls.VersionTLS12,
			RootCAs:    s.rootCAs,
		}),
	}
	switch s.cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	}
	if s.cfg.Username != "" {
		// PLAIN and LOGIN cover nearly every server; others are tried only
		// if the server offers neither.
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(s.cfg.Username),
			gomail.WithPassword(s.cfg.Password),
		)
	}
	if s.cfg.HelloName != "" {
		opts = append(opts, gomail.WithHELO(s.cfg.HelloName))
	}
	client, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return nil, err
	}
	return client, nil
}

// Send delivers m. Errors from the server include its reply, e.g. "550 5.1.1
// mailbox unavailable".
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	msg, err := s.compose(m)
	if err != nil {
		return err
	}
	client, err := s.client()
	if err != nil {
		return fmt.Errorf("send mail: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("send mail %q via %s:%d: %w", m.Subject, s.cfg.Host, s.cfg.Port, err)
	}
	return nil
}

func (s *SMTP) compose(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return nil, fmt.Errorf("compose mail: from: %w", err)
	}
	if err := msg.To(m.To...); err != nil {
		return nil, fmt.Errorf("compose mail: to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	// RFC 3834: tells autoresponders not to answer, so an out-of-office reply
	// to a reminder cannot start a loop.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	switch {
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	case m.Text != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	default:
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	}
	names := make([]string, 0, len(m.Headers))
	for name := range m.Headers {
		names = append(names, name)
	}
	slices.Sort(names) // a stable header order makes mails comparable
	for _, name := range names {
		msg.SetGenHeader(gomail.Header(name), m.Headers[name])
	}
	return msg, nil
}
