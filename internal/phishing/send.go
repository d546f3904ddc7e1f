package phishing

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// Message is a rendered simulation message ready to send.
type Message struct {
	To          string
	SenderName  string // replaces the profile's From display name when set
	SenderEmail string // replaces the profile's From address when set
	Subject     string
	Text, HTML  string
	Files       []MessageFile
}

// MessageFile is an attachment or (with ContentID) an inline image.
type MessageFile struct {
	Name, ContentType, ContentID string
	Data                         []byte
}

// TestResult is what "Send test message" reports.
type TestResult struct {
	Sent  bool   `json:"sent"`
	Reply string `json:"reply,omitempty"` // the server's answer or the connection problem when not sent
}

// client builds an SMTP client for the profile. rootCAs is nil outside
// tests (the system's roots).
func client(p SendingProfile, password string, rootCAs *x509.CertPool) (*gomail.Client, error) {
	opts := []gomail.Option{
		gomail.WithPort(p.Port),
		gomail.WithTimeout(30 * time.Second),
		gomail.WithTLSConfig(&tls.Config{ServerName: p.Host, MinVersion: tls.VersionTLS12, RootCAs: rootCAs}),
	}
	switch p.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	}
	switch p.Auth {
	case AuthPlain:
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(p.Username), gomail.WithPassword(password))
	case AuthLogin:
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthLogin), gomail.WithUsername(p.Username), gomail.WithPassword(password))
	}
	return gomail.NewClient(p.Host, opts...)
}

// compose builds the MIME message for m through profile p: its From (or
// the template's override), envelope sender and custom headers.
func compose(p SendingProfile, m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	from, err := netmail.ParseAddress(p.From)
	if err != nil {
		return nil, fmt.Errorf("the profile's From address: %w", err)
	}
	if m.SenderName != "" {
		from.Name = m.SenderName
	}
	if m.SenderEmail != "" {
		from.Address = m.SenderEmail
	}
	if err := msg.FromFormat(from.Name, from.Address); err != nil {
		return nil, fmt.Errorf("From: %w", err)
	}
	if p.EnvelopeSender != "" {
		if err := msg.EnvelopeFrom(p.EnvelopeSender); err != nil {
			return nil, fmt.Errorf("envelope sender: %w", err)
		}
	}
	if err := msg.To(m.To); err != nil {
		return nil, invalid("to", "%q is not an email address", m.To)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageIDWithValue(fmt.Sprintf("%d.%s", time.Now().UnixNano(), strings.TrimPrefix(from.Address[strings.LastIndex(from.Address, "@"):], "@")))
	switch {
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	case m.HTML != "":
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	default:
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	}
	for _, f := range m.Files {
		opts := []gomail.FileOption{gomail.WithFileContentType(gomail.ContentType(f.ContentType))}
		if f.ContentID != "" {
			opts = append(opts, gomail.WithFileContentID(f.ContentID))
			if err := msg.EmbedReader(f.Name, bytes.NewReader(f.Data), opts...); err != nil {
				return nil, fmt.Errorf("inline image %s: %w", f.Name, err)
			}
			continue
		}
		if err := msg.AttachReader(f.Name, bytes.NewReader(f.Data), opts...); err != nil {
			return nil, fmt.Errorf("attachment %s: %w", f.Name, err)
		}
	}
	for _, h := range p.Headers {
		msg.SetGenHeader(gomail.Header(h.Name), h.Value)
	}
	return msg, nil
}

// SendTest sends a short sample message to the address to through profile
// id and reports whether the server accepted it, or what it answered. A
// refusal is a result, not an error; errors are for a missing profile or a
// bad address.
func (s *Store) SendTest(ctx context.Context, by audit.Actor, id int64, to string) (TestResult, error) {
	return s.sendTest(ctx, by, id, to, nil)
}

func (s *Store) sendTest(ctx context.Context, by audit.Actor, id int64, to string, rootCAs *x509.CertPool) (TestResult, error) {
	to = strings.TrimSpace(to)
	if a, err := netmail.ParseAddress(to); err != nil || hasControl(to) || a.Name != "" {
		return TestResult{}, invalid("to", "give the one email address to send the test message to, e.g. you@example.com")
	}
	p, err := s.Profile(ctx, id)
	if err != nil {
		return TestResult{}, err
	}
	password, err := s.password(ctx, id)
	if err != nil {
		return TestResult{}, err
	}
	msg, err := compose(p, Message{To: to, Subject: "Test message: sending profile " + p.Name,
		Text: "This is a test message sent through the phishing-simulation sending profile \"" + p.Name + "\".\n\n" +
			"If you can read it, the profile works: the mail server " + p.Host + " accepted the message.\n"})
	if err != nil {
		return TestResult{}, err
	}
	res := TestResult{Sent: true}
	c, err := client(p, password, rootCAs)
	if err == nil {
		err = c.DialAndSendWithContext(ctx, msg)
	}
	if err != nil {
		res = TestResult{Reply: serverReply(err)}
	}
	if err := s.db.Tx(ctx, func(tx database.Tx) error {
		return s.audit.Record(ctx, tx, by.Entry("phishing.profile.test", "phishing_sending_profile", strconv.FormatInt(id, 10), map[string]any{"sent": res.Sent}))
	}); err != nil {
		return res, err
	}
	return res, nil
}

// serverReply keeps the part of a send error a user can act on: the
// server's reply or the connection problem.
func serverReply(err error) string {
	var se *gomail.SendError
	msg := err.Error()
	if errors.As(err, &se) {
		msg = se.Error()
		if i := strings.Index(msg, ", affected message ID"); i > 0 {
			msg = msg[:i]
		}
	}
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	return msg
}
