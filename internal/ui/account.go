package ui

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"bulwark/internal/access"
	"bulwark/internal/platform/database"
)

type sessionRow struct {
	Current    bool
	Device     string
	IP         string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

type accountData struct {
	Name, Email, RoleLabel string
	Organisation           string
	Sessions               []sessionRow
	MFAEnabled             bool
	RecoveryLeft           int
}

// accountPage is "My account": who you are, where you are signed in, and
// your second factor.
func (u *UI) accountPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := access.PrincipalFrom(ctx)
	d := accountData{Name: p.User.Name, Email: p.User.Email, RoleLabel: p.User.Role.Label(), MFAEnabled: p.User.MFAEnabled}
	if id := p.User.OrganisationID; id != 0 {
		org, err := u.Directory.Organisation(ctx, id)
		switch {
		case err == nil:
			d.Organisation = org.Name
		case !errors.Is(err, database.ErrNotFound):
			return err
		}
	}
	sessions, err := u.Accounts.ListSessions(ctx, p.User.ID)
	if err != nil {
		return err
	}
	for _, s := range sessions {
		d.Sessions = append(d.Sessions, sessionRow{Current: s.ID == p.Session, Device: deviceLabel(s.UserAgent), IP: s.IP, CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt})
	}
	if d.RecoveryLeft, err = u.Accounts.RecoveryCodesLeft(ctx, p.User.ID); err != nil {
		return err
	}
	return u.render(w, r, http.StatusOK, "account", Page{Title: "My account", Active: "/account", Data: d})
}

// deviceLabel names a browser and system from a User-Agent header in words
// people recognise, e.g. "Edge on Windows".
func deviceLabel(ua string) string {
	browser := ""
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	system := ""
	for _, s := range []struct{ token, name string }{
		{"Windows", "Windows"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"}, {"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, s.token) {
			system = s.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return system
	case ua == "":
		return "Unknown device"
	}
	if len(ua) > 60 {
		ua = strings.ToValidUTF8(ua[:60], "") + "…"
	}
	return ua
}
