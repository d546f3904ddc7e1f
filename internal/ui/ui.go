// Package ui is the staff web interface: server-rendered pages, one handler
// per page, on the app listener. Templates and static files live in
// ui/web, embedded in the binary.
package ui

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/time/rate"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/directory"
	"bulwark/internal/phishing"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/config"
	"bulwark/internal/platform/httpx"
	"bulwark/internal/platform/jobs"
	"bulwark/internal/platform/mail"
	"bulwark/internal/platform/secrets"
	"bulwark/internal/sharing"
	"bulwark/internal/ui/web"
)

// UI holds the page handlers' dependencies and the parsed templates.
type UI struct {
	Directory *directory.Store
	Accounts  *accounts.Service
	Audit     *audit.Log
	Auth      *access.Authenticator
	Mail      mail.Sender
	// MailDirect reaches the mail server without the job queue, for "send a
	// test message"; Mail may queue.
	MailDirect mail.Sender
	Outbox     *mail.Catcher // demo mode's mail catcher; nil otherwise
	Jobs       *jobs.Queue
	Phishing   *phishing.Store
	Sharing    *sharing.Store
	Keys       *secrets.Keyring
	Log        *slog.Logger
	Version    string
	AppURL     string
	Config     config.Config // the running configuration, shown read-only on the settings page
	SSO        SSO           // nil when single sign-on is not configured

	// Extra routes other parts of the product add (jobs page, pillars).
	Extra []access.Route

	pages map[string]*template.Template

	limMu    sync.Mutex
	limiters map[string]*rate.Limiter
}

// SSO is the single sign-on provider, when configured.
type SSO interface {
	Start(w http.ResponseWriter, r *http.Request) error
	Callback(w http.ResponseWriter, r *http.Request) (accounts.User, error)
}

// Parse loads every page template; call once at start.
func (u *UI) Parse() error {
	names, err := web.PageNames()
	if err != nil {
		return err
	}
	u.pages = map[string]*template.Template{}
	for _, n := range names {
		t, err := web.ParsePage(n)
		if err != nil {
			return err
		}
		u.pages[n] = t
	}
	return nil
}

// Flash is a one-time message at the top of a page.
type Flash struct {
	Kind    string // success, error, warning, info
	Message string
}

// ViewUser is the signed-in user as the layout shows them.
type ViewUser struct {
	Name, Email, RoleLabel string
}

// Page is what every template gets.
type Page struct {
	Title   string
	User    *ViewUser
	Nav     map[string]bool
	Active  string
	Flash   *Flash
	Data    any
	Version string
}

// navPermissions says which permission shows each navigation item.
var navPermissions = map[string]accounts.Permission{
	"/":                        accounts.PermDashboard,
	"/phishing":                accounts.PermAwarenessRead,
	"/training":                accounts.PermAwarenessRead,
	"/sharing":                 accounts.PermSharingRead,
	"/operations":              accounts.PermOperationsRead,
	"/readiness":               accounts.PermReadinessRead,
	"/trust":                   accounts.PermTrustRead,
	"/directory/organisations": accounts.PermDirectoryRead,
	"/directory/people":        accounts.PermDirectoryRead,
	"/directory/groups":        accounts.PermDirectoryRead,
	"/directory/teams":         accounts.PermDirectoryRead,
	"/directory/import":        accounts.PermDirectoryWrite,
	"/admin/users":             accounts.PermUsersRead,
	"/account/tokens":          accounts.PermSignedIn,
	"/admin/jobs":              accounts.PermJobsRead,
	"/admin/audit":             accounts.PermAuditRead,
	"/admin/settings":          accounts.PermSettingsRead,
	"/admin/mail":              accounts.PermMailRead,
	"/account":                 accounts.PermSignedIn,
}

// NavFor returns the navigation items p may open.
func NavFor(p *accounts.Principal) map[string]bool {
	nav := map[string]bool{}
	for path, perm := range navPermissions {
		if p.Can(perm) {
			nav[path] = true
		}
	}
	return nav
}

// render writes page name with status, in the signed-in layout when there
// is a fully signed-in principal, else the public one.
func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name string, pg Page) error {
	t, ok := u.pages[name]
	if !ok {
		return fmt.Errorf("no page template %q", name)
	}
	pg.Version = u.Version
	layout := web.LayoutPublic
	if p := access.PrincipalFrom(r.Context()); p != nil && pg.Nav == nil && !strings.HasPrefix(name, "public_") && !isPublicPage(name) {
		pg.User = &ViewUser{Name: p.User.Name, Email: p.User.Email, RoleLabel: p.Role.Label()}
		pg.Nav = NavFor(p)
		layout = web.LayoutApp
	}
	if f := takeFlash(w, r); f != nil && pg.Flash == nil {
		pg.Flash = f
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, layout, pg); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	return nil
}

// publicPages render in the signed-out layout even for a principal part-way
// through sign-in.
var publicPages = map[string]bool{"login": true, "mfa": true, "password_forgot": true, "password_reset": true, "password_new": true, "mfa_setup": true}

func isPublicPage(name string) bool { return publicPages[name] }

// RenderError shows an error page; access calls it for refusals.
func (u *UI) RenderError(w http.ResponseWriter, r *http.Request, e *httpx.Error) {
	msg := e.Detail
	if msg == "" {
		msg = e.Title
	}
	if err := u.render(w, r, e.Status, "error", Page{Title: e.Title, Data: map[string]any{"Status": e.Status, "Message": msg}}); err != nil {
		http.Error(w, msg, e.Status)
	}
}

const flashCookie = "bulwark_flash"

// setFlash keeps a message for the next page (after a redirect).
func setFlash(w http.ResponseWriter, kind, msg string) {
	v := kind + "|" + msg
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: encodeCookie(v), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

func takeFlash(w http.ResponseWriter, r *http.Request) *Flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1})
	v, ok := decodeCookie(c.Value)
	if !ok {
		return nil
	}
	kind, msg, _ := strings.Cut(v, "|")
	switch kind {
	case "success", "error", "warning", "info":
	default:
		return nil
	}
	return &Flash{Kind: kind, Message: msg}
}

// Static serves the embedded assets; versioned URLs may be cached long.
func Static() http.Handler {
	sub, _ := fs.Sub(web.Static, "static")
	fsrv := http.StripPrefix(web.StaticPrefix, http.FileServer(http.FS(sub)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		fsrv.ServeHTTP(w, r)
	})
}

func (u *UI) actor(r *http.Request) audit.Actor {
	return access.PrincipalFrom(r.Context()).Actor(u.Auth.ClientIP(r))
}
