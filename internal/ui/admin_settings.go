package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/config"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/mail"
)

// adminSetting is one line of the settings summary.
type adminSetting struct {
	Label, Value string
}

type adminSettingsSection struct {
	ID, Title string
	Intro     string
	Rows      []adminSetting
}

type adminSettingsData struct {
	Sections    []adminSettingsSection
	CanTestMail bool
	Email       string
	Outbox      bool // system mail is kept in the outbox page
}

// adminSettingsPage summarises the running configuration for an operator.
// It never shows a password, a client secret or key material: only whether
// they are set, and the id of the key in use.
func (u *UI) adminSettingsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := access.PrincipalFrom(ctx)
	c := u.Config
	d := adminSettingsData{CanTestMail: p.Can(accounts.PermSettingsManage) && u.Mail != nil, Email: p.User.Email, Outbox: c.SMTPHost == ""}

	tls := "Plain HTTP: put a proxy that adds TLS in front of it"
	if c.TLSCert != "" {
		tls = "TLS, certificate file " + c.TLSCert
	}
	metrics := "On the app listener, at /metrics"
	if config.Enabled(c.MetricsAddr) {
		metrics = "Own listener at " + c.MetricsAddr
	}
	d.Sections = append(d.Sections, adminSettingsSection{ID: "listeners", Title: "Listeners", Rows: []adminSetting{
		{"App (staff, partners, API)", adminListener(c.AppAddr, c.AppURL)},
		{"App connection", tls},
		{"Phishing simulation", adminListener(c.SimAddr, c.SimURL)},
		{"Public information site", adminListener(c.PublicAddr, c.PublicURL)},
		{"Metrics", metrics},
		{"Trusted proxies", adminPrefixes(c.TrustedProxies, "None: client addresses are taken from the connection")},
		{"Private networks server-side requests may reach", adminPrefixes(c.OutboundAllow, "None")},
	}})

	storage := adminSettingsSection{ID: "storage", Title: "Storage"}
	if database.IsPostgresURL(c.Database) {
		storage.Rows = append(storage.Rows, adminSetting{"Database", "PostgreSQL"}, adminSetting{"Server", adminRedactDatabaseURL(c.Database)})
	} else {
		path := strings.TrimPrefix(c.Database, "sqlite:")
		if path == "" && c.Data != "" {
			path = filepath.Join(c.Data, "bulwark.db")
		}
		storage.Rows = append(storage.Rows, adminSetting{"Database", "SQLite"}, adminSetting{"Database file", adminOr(path, "Not known")})
	}
	storage.Rows = append(storage.Rows,
		adminSetting{"Data folder", adminOr(c.Data, "None")},
		adminSetting{"Configuration file", adminOr(c.ConfigFile, "None: defaults, environment and flags only")})
	d.Sections = append(d.Sections, storage)

	sysMail := adminSettingsSection{ID: "mail", Title: "System mail",
		Intro: "Password resets, reminders and notices. Phishing simulations send through their own sending profiles, never through this server."}
	if c.SMTPHost == "" {
		sysMail.Rows = []adminSetting{{"Mail server", "None: system mail is kept in the mail outbox page and not delivered"}}
	} else {
		login := "None"
		if c.SMTPUsername != "" {
			login = c.SMTPUsername + ", password " + adminSetOrNot(c.SMTPPassword)
		}
		sysMail.Rows = []adminSetting{
			{"Mail server", fmt.Sprintf("%s, port %d", c.SMTPHost, c.SMTPPort)},
			{"Encryption", adminSMTPTLS(c.SMTPTLS)},
			{"Sender", adminOr(c.SMTPFrom, "Not set")},
			{"Sign-in to the server", login},
		}
	}
	d.Sections = append(d.Sections, sysMail)

	sso := adminSettingsSection{ID: "sso", Title: "Single sign-on"}
	if c.OIDCIssuer == "" {
		sso.Rows = []adminSetting{{"Single sign-on", "Not set up: users sign in with a password and a second factor"}}
	} else {
		newUsers := "Existing users only: an administrator adds each user first"
		if c.OIDCRoleDefault != "" {
			newUsers = "Created at first sign-in with the role " + accounts.Role(c.OIDCRoleDefault).Label()
		}
		sso.Rows = []adminSetting{
			{"Identity provider", c.OIDCIssuer},
			{"Client id", c.OIDCClientID},
			{"Client secret", adminSetOrNot(c.OIDCClientSecret)},
			{"New users", newUsers},
		}
	}
	d.Sections = append(d.Sections, sso)

	pol := u.Accounts.Policy()
	d.Sections = append(d.Sections, adminSettingsSection{ID: "signin", Title: "Sign-in policy", Rows: []adminSetting{
		{"Sign out after no activity for", adminDuration(pol.SessionIdle)},
		{"Sign out in any case after", adminDuration(pol.SessionAbsolute)},
		{"Lock an account after", fmt.Sprintf("%d failed sign-ins in a row", pol.LockoutAttempts)},
		{"Keep it locked for", adminDuration(pol.LockoutDuration)},
		{"Two-step verification", "Required for every user"},
	}})

	integrity := adminSettingsSection{ID: "integrity", Title: "Secrets and audit chain",
		Intro: "Secrets stored in the database are encrypted with keys kept outside it. Only the key's name is shown here."}
	if u.Keys != nil {
		ids := u.Keys.KeyIDs()
		integrity.Rows = append(integrity.Rows,
			adminSetting{"Encryption key in use", u.Keys.PrimaryKeyID()},
			adminSetting{"Keys on the keyring", fmt.Sprintf("%d (older keys only decrypt values written before a rotation)", len(ids))})
	} else {
		integrity.Rows = append(integrity.Rows, adminSetting{"Encryption key in use", "No keyring loaded"})
	}
	integrity.Rows = append(integrity.Rows, u.adminChainHead(ctx)...)
	d.Sections = append(d.Sections, integrity)

	d.Sections = append(d.Sections, adminSettingsSection{ID: "running", Title: "This instance", Rows: []adminSetting{
		{"Version", adminOr(u.Version, "Not known")},
		{"Demo mode", map[bool]string{true: "On: the data is a demonstration", false: "Off"}[c.Demo]},
		{"Log level and format", c.LogLevel + ", " + c.LogFormat},
	}})
	return u.render(w, r, 200, "settings", Page{Title: "Settings", Active: "/admin/settings", Data: d})
}

// adminChainHead describes the audit chain head: the copy of the newest
// entry's checksum kept outside the database, which shows a cut-off tail.
func (u *UI) adminChainHead(ctx context.Context) []adminSetting {
	var rows []adminSetting
	newest, err := u.Audit.List(ctx, audit.Filter{Limit: 1})
	switch {
	case err != nil:
		rows = append(rows, adminSetting{"Newest audit entry", "Could not be read"})
	case len(newest) == 0:
		rows = append(rows, adminSetting{"Newest audit entry", "None yet"})
	default:
		rows = append(rows, adminSetting{"Newest audit entry", fmt.Sprintf("Number %d, %s", newest[0].ID, newest[0].At.UTC().Format("Jan 2, 2006, 3:04 PM MST"))})
	}
	if u.Config.Data == "" {
		return append(rows, adminSetting{"Chain head", "Not kept: there is no data folder"})
	}
	path := audit.HeadFile(u.Config.Data)
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return append(rows, adminSetting{"Chain head", "Not written yet: it is written every minute and at shutdown"})
	}
	var id int64
	var mac string
	if err == nil {
		_, err = fmt.Sscanf(string(b), "%d %s", &id, &mac)
	}
	if err != nil {
		return append(rows, adminSetting{"Chain head", "The file " + path + " cannot be read: check the audit chain on the audit log page"})
	}
	when := ""
	if st, err := os.Stat(path); err == nil {
		when = ", written " + st.ModTime().UTC().Format("Jan 2, 2006, 3:04 PM MST")
	}
	return append(rows, adminSetting{"Chain head", fmt.Sprintf("Entry %d%s, kept in %s", id, when, path)})
}

// adminSettingsTestMail mails the signed-in user through the system mail
// sender and says what the server answered.
func (u *UI) adminSettingsTestMail(w http.ResponseWriter, r *http.Request) error {
	p := access.PrincipalFrom(r.Context())
	// The test goes straight to the mail server, not through the queue, so
	// the page can show the server's answer.
	sender := u.MailDirect
	if sender == nil {
		sender = u.Mail
	}
	if sender == nil {
		setFlash(w, "error", "System mail is not set up in this instance.")
		http.Redirect(w, r, "/admin/settings", http.StatusSeeOther)
		return nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	err := sender.Send(ctx, mail.Message{
		To:      []string{p.User.Email},
		Subject: "Bulwark test message",
		Text: fmt.Sprintf("Hello %s,\n\nThis is a test message that you asked Bulwark to send from its settings page. "+
			"If you can read it, system mail (password resets, reminders and notices) reaches you.\n\nYou do not need to do anything.\n", p.User.Name),
	})
	summary := map[string]any{"delivered": err == nil}
	if rerr := u.Audit.RecordNow(r.Context(), u.actor(r).Entry("mail.test", "user", fmt.Sprint(p.User.ID), summary)); rerr != nil {
		return rerr
	}
	switch {
	case err != nil:
		msg := err.Error()
		if len(msg) > 400 {
			msg = msg[:400] + "…"
		}
		setFlash(w, "error", "The test message was not sent. The mail server said: "+msg)
	case u.Config.SMTPHost == "":
		setFlash(w, "success", "The test message to "+p.User.Email+" is in the mail outbox: no mail server is set, so nothing leaves this instance.")
	default:
		setFlash(w, "success", "The mail server accepted the test message to "+p.User.Email+". If it does not arrive, look in the spam folder and at the server's logs.")
	}
	http.Redirect(w, r, "/admin/settings", http.StatusSeeOther)
	return nil
}

func adminListener(addr, publicURL string) string {
	if !config.Enabled(addr) {
		return "Switched off"
	}
	if publicURL != "" {
		return addr + ", reached at " + publicURL
	}
	return addr
}

func adminPrefixes[T fmt.Stringer](list []T, none string) string {
	if len(list) == 0 {
		return none
	}
	parts := make([]string, len(list))
	for i, p := range list {
		parts[i] = p.String()
	}
	return strings.Join(parts, ", ")
}

// adminRedactDatabaseURL shows a PostgreSQL URL without its password,
// whether it is in the user part or in the query.
func adminRedactDatabaseURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "Set, but not a URL that can be shown"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, "password") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func adminSMTPTLS(mode string) string {
	switch mode {
	case mail.TLSStartTLS:
		return "STARTTLS (required)"
	case mail.TLSImplicit:
		return "TLS from the start"
	case mail.TLSNone:
		return "None: mail travels unencrypted to the server"
	}
	return mode
}

func adminSetOrNot(secret string) string {
	if secret == "" {
		return "not set"
	}
	return "set"
}

func adminOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// adminDuration writes a duration in words: 90m → "1 hour 30 minutes".
func adminDuration(d time.Duration) string {
	if d <= 0 {
		return "Not set"
	}
	if d < time.Minute {
		return fmt.Sprintf("%d seconds", int(d.Seconds()))
	}
	h, m := int(d.Hours()), int(d.Minutes())%60
	var parts []string
	if h > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", h, adminPlural(int64(h), "hour", "hours")))
	}
	if m > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", m, adminPlural(int64(m), "minute", "minutes")))
	}
	return strings.Join(parts, " ")
}
