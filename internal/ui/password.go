package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/platform/mail"
)

type forgotData struct {
	Sent  bool
	Error string
	Email string
}

// forgotAnswer is the same whether or not the address has an account.
const forgotAnswer = "If that address has a Bulwark account, we have sent it a link to choose a new password. The link works for 30 minutes. If nothing arrives, check your junk mail folder or ask an administrator."

func (u *UI) forgotPage(w http.ResponseWriter, r *http.Request) error {
	return u.render(w, r, http.StatusOK, "password_forgot", Page{Title: "Forgot your password", Data: forgotData{}})
}

func (u *UI) forgot(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ip := u.Auth.ClientIP(r)
	email := strings.TrimSpace(r.FormValue("email"))
	if !u.limiter("forgot:" + ip).Allow() {
		return u.render(w, r, http.StatusTooManyRequests, "password_forgot", Page{Title: "Forgot your password",
			Data: forgotData{Email: email, Error: "Too many requests from your network. Wait a minute and try again."}})
	}
	if email == "" || !strings.Contains(email, "@") || len(email) > 320 {
		return u.render(w, r, http.StatusUnprocessableEntity, "password_forgot", Page{Title: "Forgot your password",
			Data: forgotData{Email: email, Error: "Enter the email address you sign in with, for example name@county.mo.gov."}})
	}
	token, user, err := u.Accounts.RequestPasswordReset(ctx, email, ip)
	if err != nil {
		return err
	}
	if token != "" {
		link := u.baseURL(r) + "/password/reset?token=" + url.QueryEscape(token)
		msg := mail.Message{
			To:      []string{user.Email},
			Subject: "Choose a new Bulwark password",
			Text: fmt.Sprintf(`Hello %s,

Someone asked to reset the password of your Bulwark account. If it was you, open this link within 30 minutes and choose a new password:

%s

If you did not ask, you can ignore this message: your password stays as it is. Bulwark never asks for your password by email.
`, user.Name, link),
		}
		if u.Mail == nil {
			u.Log.Error("password reset: no mail sender configured", "user_id", user.ID)
		} else if err := u.Mail.Send(ctx, msg); err != nil {
			// The page answers the same either way, so as not to reveal the account.
			u.Log.Error("password reset: sending the link failed", "user_id", user.ID, "err", err)
		}
	}
	return u.render(w, r, http.StatusOK, "password_forgot", Page{Title: "Check your email", Data: forgotData{Sent: true}})
}

// baseURL is where links in mail point: the configured app URL, else the
// address this request came to.
func (u *UI) baseURL(r *http.Request) string {
	if u.AppURL != "" {
		return strings.TrimRight(u.AppURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u.Log.Warn("app-url is not configured: links in mail use the request's host name", "host", r.Host)
	return scheme + "://" + r.Host
}

type resetData struct {
	Token   string
	Email   string // for password managers
	Invalid bool
	Error   string
}

// resetPage shows the form for a reset link. It only looks the token up:
// mail scanners open links, so opening one must not use it up.
func (u *UI) resetPage(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	user, err := u.Accounts.CheckPasswordReset(r.Context(), token)
	if errors.Is(err, accounts.ErrResetLinkInvalid) {
		return u.render(w, r, http.StatusGone, "password_reset", Page{Title: "Link no longer works", Data: resetData{Invalid: true}})
	}
	if err != nil {
		return err
	}
	return u.render(w, r, http.StatusOK, "password_reset", Page{Title: "Choose a new password", Data: resetData{Token: token, Email: user.Email}})
}

func (u *UI) reset(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	token := r.FormValue("token")
	user, err := u.Accounts.CheckPasswordReset(ctx, token)
	if errors.Is(err, accounts.ErrResetLinkInvalid) {
		return u.render(w, r, http.StatusGone, "password_reset", Page{Title: "Link no longer works", Data: resetData{Invalid: true}})
	}
	if err != nil {
		return err
	}
	again := func(msg string) error {
		return u.render(w, r, http.StatusUnprocessableEntity, "password_reset", Page{Title: "Choose a new password", Data: resetData{Token: token, Email: user.Email, Error: msg}})
	}
	pw := r.FormValue("password")
	if pw != r.FormValue("password_confirm") {
		return again("The two passwords are not the same. Type the new password twice.")
	}
	err = u.Accounts.ResetPassword(ctx, token, pw, u.Auth.ClientIP(r))
	switch {
	case errors.Is(err, accounts.ErrWeakPassword):
		return again(passwordProblem(err))
	case errors.Is(err, accounts.ErrResetLinkInvalid):
		return u.render(w, r, http.StatusGone, "password_reset", Page{Title: "Link no longer works", Data: resetData{Invalid: true}})
	case err != nil:
		return err
	}
	// Every session of the user ended; this browser's cookie is worthless.
	u.Auth.ClearSessionCookie(w)
	setFlash(w, "success", "Your password is changed and you are signed out everywhere. Sign in with your new password.")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// passwordProblem turns a refused password into a sentence.
func passwordProblem(err error) string {
	msg := strings.TrimPrefix(err.Error(), accounts.ErrWeakPassword.Error()+": ")
	if msg == "" {
		return "Choose a stronger password."
	}
	first, size := utf8.DecodeRuneInString(msg)
	return string(unicode.ToUpper(first)) + msg[size:] + "."
}

type passwordData struct {
	Error string
	Email string // for password managers
	Next  string
}

// newPasswordPage is the forced change after a one-time password.
func (u *UI) newPasswordPage(w http.ResponseWriter, r *http.Request) error {
	p := access.PrincipalFrom(r.Context())
	return u.render(w, r, http.StatusOK, "password_new", Page{Title: "Choose your password", Data: passwordData{Email: p.User.Email}})
}

func (u *UI) newPassword(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := access.PrincipalFrom(ctx)
	again := func(msg string) error {
		return u.render(w, r, http.StatusUnprocessableEntity, "password_new", Page{Title: "Choose your password", Data: passwordData{Email: p.User.Email, Error: msg}})
	}
	pw := r.FormValue("password")
	if pw != r.FormValue("password_confirm") {
		return again("The two passwords are not the same. Type the new password twice.")
	}
	err := u.Accounts.SetPassword(ctx, u.actor(r), p.User.ID, pw, p.Session)
	if errors.Is(err, accounts.ErrWeakPassword) {
		return again(passwordProblem(err))
	}
	if err != nil {
		return err
	}
	setFlash(w, "success", "Your password is set.")
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// changePasswordPage is a signed-in user changing their own password.
func (u *UI) changePasswordPage(w http.ResponseWriter, r *http.Request) error {
	p := access.PrincipalFrom(r.Context())
	return u.render(w, r, http.StatusOK, "password_change", Page{Title: "Change your password", Active: "/account", Data: passwordData{Email: p.User.Email}})
}

func (u *UI) changePassword(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := access.PrincipalFrom(ctx)
	again := func(status int, msg string) error {
		return u.render(w, r, status, "password_change", Page{Title: "Change your password", Active: "/account", Data: passwordData{Email: p.User.Email, Error: msg}})
	}
	pw := r.FormValue("password")
	if pw != r.FormValue("password_confirm") {
		return again(http.StatusUnprocessableEntity, "The two new passwords are not the same. Type the new password twice.")
	}
	err := u.Accounts.ChangePassword(ctx, u.actor(r), p.User.ID, r.FormValue("current_password"), pw, p.Session)
	switch {
	case errors.Is(err, accounts.ErrBadCredentials):
		return again(http.StatusUnprocessableEntity, "Your current password is not right.")
	case errors.Is(err, accounts.ErrLocked):
		return again(http.StatusTooManyRequests, "Too many wrong passwords: your account is locked for a while. Try again later.")
	case errors.Is(err, accounts.ErrWeakPassword):
		return again(http.StatusUnprocessableEntity, passwordProblem(err))
	case err != nil:
		return err
	}
	setFlash(w, "success", "Your password is changed. Your other devices are signed out.")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

// cancelSignIn signs out part-way through sign-in (before the second
// factor, enrolment or a forced password change), where the header's sign
// out button is not shown.
func (u *UI) cancelSignIn(w http.ResponseWriter, r *http.Request) error {
	if p := access.PrincipalFrom(r.Context()); p != nil && p.Session != "" {
		if err := u.Accounts.EndSession(r.Context(), accounts.Session{ID: p.Session, UserID: p.User.ID}, u.Auth.ClientIP(r)); err != nil {
			return err
		}
	}
	u.Auth.ClearSessionCookie(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}
