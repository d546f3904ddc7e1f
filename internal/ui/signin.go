package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/time/rate"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
)

type loginData struct {
	Error      string
	SSOEnabled bool
	Next       string
}

func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) error {
	if p := access.PrincipalFrom(r.Context()); p != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	return u.render(w, r, 200, "login", Page{Title: "Sign in", Data: loginData{SSOEnabled: u.SSO != nil, Next: access.SafeNext(r.URL.Query().Get("next"))}})
}

func (u *UI) login(w http.ResponseWriter, r *http.Request) error {
	ip := u.Auth.ClientIP(r)
	next := access.SafeNext(r.FormValue("next"))
	if !u.limiter(ip).Allow() {
		return u.render(w, r, http.StatusTooManyRequests, "login", Page{Title: "Sign in", Data: loginData{Error: "Too many sign-in attempts from your network. Wait a minute and try again.", SSOEnabled: u.SSO != nil, Next: next}})
	}
	email := strings.TrimSpace(r.FormValue("email"))
	user, err := u.Accounts.Authenticate(r.Context(), email, r.FormValue("password"), ip)
	if err != nil {
		msg := ""
		switch {
		case errors.Is(err, accounts.ErrBadCredentials):
			msg = "The email address or password is not right."
		case errors.Is(err, accounts.ErrLocked):
			msg = "Too many failed sign-ins: this account is locked for a while. Try again later, or ask an administrator to unlock it."
		case errors.Is(err, accounts.ErrInactive):
			msg = "This account is switched off. Ask an administrator."
		default:
			return err
		}
		return u.render(w, r, http.StatusUnauthorized, "login", Page{Title: "Sign in", Data: loginData{Error: msg, SSOEnabled: u.SSO != nil, Next: next}})
	}
	if err := u.startSession(w, r, user, false); err != nil {
		return err
	}
	if user.MFAEnabled {
		http.Redirect(w, r, "/login/mfa?next="+urlQueryEscape(next), http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// startSession replaces any session cookie with a new one (a fresh id at
// every sign-in, so a planted cookie is worthless).
func (u *UI) startSession(w http.ResponseWriter, r *http.Request, user accounts.User, mfaVerified bool) error {
	if c, err := r.Cookie(u.Auth.CookieName()); err == nil {
		if sess, _, err := u.Accounts.LookupSession(r.Context(), c.Value); err == nil {
			u.Accounts.EndSession(r.Context(), sess, u.Auth.ClientIP(r))
		}
	}
	cookie, err := u.Accounts.StartSession(r.Context(), user, mfaVerified, u.Auth.ClientIP(r), r.UserAgent())
	if err != nil {
		return err
	}
	u.Auth.SetSessionCookie(w, cookie)
	return nil
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request) error {
	p := access.PrincipalFrom(r.Context())
	if p != nil && p.Session != "" {
		u.Accounts.EndSession(r.Context(), accounts.Session{ID: p.Session, UserID: p.User.ID}, u.Auth.ClientIP(r))
	}
	u.Auth.ClearSessionCookie(w)
	setFlash(w, "success", "You are signed out.")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

func (u *UI) logoutEverywhere(w http.ResponseWriter, r *http.Request) error {
	p := access.PrincipalFrom(r.Context())
	if _, err := u.Accounts.EndAllSessions(r.Context(), u.actor(r), p.User.ID); err != nil {
		return err
	}
	u.Auth.ClearSessionCookie(w)
	setFlash(w, "success", "You are signed out on every device.")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// limiter throttles sign-in attempts per client address, on top of the
// per-account lock-out: 10 at once, then one every 6 seconds.
func (u *UI) limiter(ip string) *rate.Limiter {
	u.limMu.Lock()
	defer u.limMu.Unlock()
	if u.limiters == nil || len(u.limiters) > 10000 {
		u.limiters = map[string]*rate.Limiter{}
	}
	l, ok := u.limiters[ip]
	if !ok {
		l = rate.NewLimiter(rate.Limit(1.0/6), 10)
		u.limiters[ip] = l
	}
	return l
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
