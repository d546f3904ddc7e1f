package phishing

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// TLS modes of a sending profile.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
)

// Authentication methods of a sending profile.
const (
	AuthNone  = "none"
	AuthPlain = "plain"
	AuthLogin = "login"
)

// Header is a custom header added to every simulated message, e.g. the
// header a mail gateway uses to let simulations through.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// SendingProfile is an SMTP server simulated mail leaves through. Its
// password is write-only: PasswordSet says whether one is stored, and the
// value never leaves the Store except to the SMTP client.
type SendingProfile struct {
	ID             int64     `json:"id"`
	Name           string    `json:"name"`
	Host           string    `json:"host"`
	Port           int       `json:"port"`
	TLS            string    `json:"tls"`
	Auth           string    `json:"auth"`
	Username       string    `json:"username,omitempty"`
	PasswordSet    bool      `json:"password_set"`
	From           string    `json:"from"`
	EnvelopeSender string    `json:"envelope_sender,omitempty"`
	Headers        []Header  `json:"headers"`
	RatePerMinute  int       `json:"rate_per_minute"`
	Connections    int       `json:"connections"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// ProfileChange is what creating or changing a profile takes. Password is
// stored when not empty; KeepPassword (on an update) keeps the stored one
// when Password is empty, otherwise an empty Password clears it.
type ProfileChange struct {
	SendingProfile
	Password     string
	KeepPassword bool
}

// reservedHeaders are set by the sender itself; a custom header may not
// replace them.
var reservedHeaders = map[string]bool{
	"from": true, "to": true, "cc": true, "bcc": true, "subject": true, "date": true,
	"message-id": true, "mime-version": true, "content-type": true, "content-transfer-encoding": true,
	"return-path": true, "sender": true, "reply-to": true, "received": true, "dkim-signature": true,
	"content-disposition": true, "content-id": true,
}

// validHeaderName is RFC 5322's field-name: printable ASCII except colon.
func validHeaderName(n string) bool {
	if n == "" || len(n) > 76 {
		return false
	}
	for _, r := range n {
		if r <= 32 || r >= 127 || r == ':' {
			return false
		}
	}
	return true
}

func (p *ProfileChange) validate() error {
	var err error
	if p.Name, err = checkName(p.Name); err != nil {
		return err
	}
	p.Host = strings.TrimSpace(p.Host)
	if p.Host == "" {
		return invalid("host", "give the SMTP server's host name or IP address")
	}
	if len(p.Host) > 253 || strings.ContainsAny(p.Host, "/ \t\r\n@") || strings.Contains(p.Host, ":") && net.ParseIP(p.Host) == nil {
		return invalid("host", "%q is not a host name or IP address; leave out any scheme and port", p.Host)
	}
	if p.TLS == "" {
		p.TLS = TLSStartTLS
	}
	switch p.TLS {
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return invalid("tls", "choose none, starttls or tls")
	}
	if p.Port == 0 {
		p.Port = map[string]int{TLSNone: 25, TLSStartTLS: 587, TLSImplicit: 465}[p.TLS]
	}
	if p.Port < 1 || p.Port > 65535 {
		return invalid("port", "the port must be from 1 to 65535")
	}
	if p.Auth == "" {
		p.Auth = AuthNone
	}
	switch p.Auth {
	case AuthNone:
		p.Username, p.Password, p.KeepPassword = "", "", false
	case AuthPlain, AuthLogin:
		p.Username = strings.TrimSpace(p.Username)
		if p.Username == "" {
			return invalid("username", "give the user name to sign in to the SMTP server with")
		}
		if hasControl(p.Username) || len(p.Username) > 320 {
			return invalid("username", "the user name contains a control character or is too long")
		}
		if hasControl(p.Password) || len(p.Password) > 1000 {
			return invalid("password", "the password contains a line break or control character, or is too long")
		}
	default:
		return invalid("auth", "choose none, plain or login")
	}
	p.From = strings.TrimSpace(p.From)
	if p.From == "" {
		return invalid("from", "give the From address, e.g. IT Service Desk <it-desk@example.com>")
	}
	if hasControl(p.From) {
		return invalid("from", "the From address contains a line break")
	}
	if _, err := netmail.ParseAddress(p.From); err != nil {
		return invalid("from", "%q is not an email address (e.g. IT Service Desk <it-desk@example.com>)", p.From)
	}
	p.EnvelopeSender = strings.TrimSpace(p.EnvelopeSender)
	if p.EnvelopeSender != "" {
		a, err := netmail.ParseAddress(p.EnvelopeSender)
		if err != nil || hasControl(p.EnvelopeSender) || a.Name != "" {
			return invalid("envelope_sender", "%q is not a bare email address (e.g. bounces@example.com)", p.EnvelopeSender)
		}
		p.EnvelopeSender = a.Address
	}
	if len(p.Headers) > 20 {
		return invalid("headers", "at most 20 custom headers")
	}
	seen := map[string]bool{}
	for i, h := range p.Headers {
		h.Name, h.Value = strings.TrimSpace(h.Name), strings.TrimSpace(h.Value)
		p.Headers[i] = h
		switch {
		case !validHeaderName(h.Name):
			return invalid("headers", "header %d: %q is not a header name (letters, digits and dashes, no colon or spaces)", i+1, h.Name)
		case reservedHeaders[strings.ToLower(h.Name)]:
			return invalid("headers", "header %d: %s is set by Bulwark itself and cannot be replaced", i+1, h.Name)
		case seen[strings.ToLower(h.Name)]:
			return invalid("headers", "header %d: %s is given twice", i+1, h.Name)
		case strings.ContainsAny(h.Value, "\r\n") || hasControl(h.Value):
			return invalid("headers", "header %d: the value of %s contains a line break or control character", i+1, h.Name)
		case len(h.Value) > 900:
			return invalid("headers", "header %d: the value of %s is longer than 900 characters", i+1, h.Name)
		}
		seen[strings.ToLower(h.Name)] = true
	}
	if p.Headers == nil {
		p.Headers = []Header{}
	}
	if p.RatePerMinute < 0 || p.RatePerMinute > 100000 {
		return invalid("rate_per_minute", "the rate is messages per minute, from 0 (no limit) to 100000")
	}
	if p.Connections == 0 {
		p.Connections = 1
	}
	if p.Connections < 1 || p.Connections > 20 {
		return invalid("connections", "use from 1 to 20 connections")
	}
	return nil
}

func (s *Store) passwordAD(id int64) []byte {
	return []byte("phishing_sending_profiles.password:" + strconv.FormatInt(id, 10))
}

const profileColumns = `id, name, host, port, tls_mode, auth, username, password <> '', from_address, envelope_sender, headers, rate_per_minute, connections, created_at, updated_at`

func scanProfile(row interface{ Scan(...any) error }) (SendingProfile, error) {
	var p SendingProfile
	var headers string
	err := row.Scan(&p.ID, &p.Name, &p.Host, &p.Port, &p.TLS, &p.Auth, &p.Username, &p.PasswordSet, &p.From, &p.EnvelopeSender, &headers, &p.RatePerMinute, &p.Connections, &p.CreatedAt, &p.UpdatedAt)
	if err != nil {
		return p, notFound(err)
	}
	if err := json.Unmarshal([]byte(headers), &p.Headers); err != nil {
		return p, fmt.Errorf("sending profile %d: headers: %w", p.ID, err)
	}
	if p.Headers == nil {
		p.Headers = []Header{}
	}
	return p, nil
}

// Profile returns one sending profile.
func (s *Store) Profile(ctx context.Context, id int64) (SendingProfile, error) {
	return scanProfile(s.db.QueryRowContext(ctx, `SELECT `+profileColumns+` FROM phishing_sending_profiles WHERE id = $1`, id))
}

// ListProfiles lists profiles by id after afterID, at most limit.
func (s *Store) ListProfiles(ctx context.Context, afterID int64, limit int) ([]SendingProfile, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+profileColumns+` FROM phishing_sending_profiles WHERE id > $1 ORDER BY id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list sending profiles: %w", err)
	}
	defer rows.Close()
	var out []SendingProfile
	for rows.Next() {
		p, err := scanProfile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CreateProfile validates and stores a new sending profile.
func (s *Store) CreateProfile(ctx context.Context, by audit.Actor, in ProfileChange) (SendingProfile, error) {
	if err := in.validate(); err != nil {
		return SendingProfile{}, err
	}
	headers, _ := json.Marshal(in.Headers)
	now := database.Now()
	var id int64
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO phishing_sending_profiles (name, host, port, tls_mode, auth, username, from_address, envelope_sender, headers, rate_per_minute, connections, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
			in.Name, in.Host, in.Port, in.TLS, in.Auth, in.Username, in.From, in.EnvelopeSender, string(headers), in.RatePerMinute, in.Connections, now).Scan(&id)
		if err != nil {
			return conflict(err, "sending profile", in.Name)
		}
		if err := s.storePassword(ctx, tx, id, in.Password); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, by.Entry("phishing.profile.create", "phishing_sending_profile", strconv.FormatInt(id, 10),
			map[string]any{"tls": in.TLS, "auth": in.Auth, "headers": len(in.Headers), "password_set": in.Password != ""}))
	})
	if err != nil {
		return SendingProfile{}, err
	}
	return s.Profile(ctx, id)
}

func (s *Store) storePassword(ctx context.Context, tx database.Tx, id int64, password string) error {
	sealed := ""
	if password != "" {
		var err error
		if sealed, err = s.keys.Encrypt([]byte(password), s.passwordAD(id)); err != nil {
			return fmt.Errorf("seal the sending profile's password: %w", err)
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE phishing_sending_profiles SET password = $1 WHERE id = $2`, sealed, id)
	return err
}

// UpdateProfile changes a profile.
func (s *Store) UpdateProfile(ctx context.Context, by audit.Actor, in ProfileChange) (SendingProfile, error) {
	if err := in.validate(); err != nil {
		return SendingProfile{}, err
	}
	headers, _ := json.Marshal(in.Headers)
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE phishing_sending_profiles SET name = $1, host = $2, port = $3, tls_mode = $4, auth = $5, username = $6, from_address = $7,
			envelope_sender = $8, headers = $9, rate_per_minute = $10, connections = $11, updated_at = $12 WHERE id = $13`,
			in.Name, in.Host, in.Port, in.TLS, in.Auth, in.Username, in.From, in.EnvelopeSender, string(headers), in.RatePerMinute, in.Connections, database.Now(), in.ID)
		if err != nil {
			return conflict(err, "sending profile", in.Name)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return database.ErrNotFound
		}
		changed := !in.KeepPassword || in.Password != ""
		if changed {
			if err := s.storePassword(ctx, tx, in.ID, in.Password); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, tx, by.Entry("phishing.profile.update", "phishing_sending_profile", strconv.FormatInt(in.ID, 10),
			map[string]any{"tls": in.TLS, "auth": in.Auth, "headers": len(in.Headers), "password_changed": changed}))
	})
	if err != nil {
		return SendingProfile{}, err
	}
	return s.Profile(ctx, in.ID)
}

// DeleteProfile removes a profile.
func (s *Store) DeleteProfile(ctx context.Context, by audit.Actor, id int64) error {
	return s.db.Tx(ctx, func(tx database.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM phishing_sending_profiles WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete sending profile: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return database.ErrNotFound
		}
		return s.audit.Record(ctx, tx, by.Entry("phishing.profile.delete", "phishing_sending_profile", strconv.FormatInt(id, 10), nil))
	})
}

// password opens a profile's stored password ("" when none is stored).
func (s *Store) password(ctx context.Context, id int64) (string, error) {
	var sealed string
	if err := s.db.QueryRowContext(ctx, `SELECT password FROM phishing_sending_profiles WHERE id = $1`, id).Scan(&sealed); err != nil {
		return "", notFound(err)
	}
	if sealed == "" {
		return "", nil
	}
	b, err := s.keys.Decrypt(sealed, s.passwordAD(id))
	if err != nil {
		return "", fmt.Errorf("open the password of sending profile %d (were the secret keys changed?): %w", id, err)
	}
	return string(b), nil
}

// CountProfiles counts the sending profiles.
func (s *Store) CountProfiles(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM phishing_sending_profiles`).Scan(&n)
	return n, err
}
