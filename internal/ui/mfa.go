package ui

import (
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
)

type mfaData struct {
	Next string
}

// mfaPage is the second step of sign-in: a code from the app.
func (u *UI) mfaPage(w http.ResponseWriter, r *http.Request) error {
	return u.render(w, r, http.StatusOK, "mfa", Page{Title: "Two-step verification", Data: mfaData{Next: access.SafeNext(r.URL.Query().Get("next"))}})
}

// codeProblem is what to tell someone whose code was refused, or "" when
// err is not about the code.
func codeProblem(err error) (int, string) {
	switch {
	case errors.Is(err, accounts.ErrBadCode):
		return http.StatusUnauthorized, "That code is not right. Enter the code your app shows now; it changes every 30 seconds."
	case errors.Is(err, accounts.ErrCodeUsed):
		return http.StatusUnauthorized, "That code was already used. Wait for the next code in your app, then enter it."
	case errors.Is(err, accounts.ErrLocked):
		return http.StatusTooManyRequests, "Too many wrong codes: this account is locked for a while. Try again later, or ask an administrator to unlock it."
	case errors.Is(err, accounts.ErrMFANotEnabled):
		return http.StatusConflict, "Two-step verification is not set up properly for this account. Ask an administrator to reset it, then set it up again."
	case errors.Is(err, accounts.ErrInactive):
		return http.StatusForbidden, "This account is switched off. Ask an administrator."
	}
	return 0, ""
}

func (u *UI) mfaVerify(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := access.PrincipalFrom(ctx)
	ip := u.Auth.ClientIP(r)
	next := access.SafeNext(r.FormValue("next"))
	refuse := func(status int, msg string) error {
		return u.render(w, r, status, "mfa", Page{Title: "Two-step verification", Flash: &Flash{Kind: "error", Message: msg}, Data: mfaData{Next: next}})
	}
	if !u.limiter("mfa:" + ip).Allow() {
		return refuse(http.StatusTooManyRequests, "Too many attempts from your network. Wait a minute and try again.")
	}
	var err error
	left := -1
	if rc := strings.TrimSpace(r.FormValue("recovery_code")); rc != "" {
		left, err = u.Accounts.UseRecoveryCode(ctx, p.User.ID, rc, ip)
	} else {
		err = u.Accounts.VerifyTOTP(ctx, p.User.ID, r.FormValue("code"), ip)
	}
	if err != nil {
		if status, msg := codeProblem(err); status != 0 {
			return refuse(status, msg)
		}
		return err
	}
	cookie, err := u.Accounts.MarkSessionMFAVerified(ctx, p.Session)
	if err != nil {
		return err
	}
	u.Auth.SetSessionCookie(w, cookie)
	switch {
	case left == 0:
		setFlash(w, "warning", "You used your last recovery code. Make new ones now on the My account page.")
	case left > 0 && left <= 3:
		setFlash(w, "warning", fmt.Sprintf("You used a recovery code: %d left. Make new ones soon on the My account page.", left))
	case left > 0:
		setFlash(w, "info", fmt.Sprintf("You used a recovery code: %d left.", left))
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

type mfaSetupData struct {
	QR          template.URL // data: URI of a PNG
	Secret      string       // for typing: groups of four
	SecretPlain string       // for copying
	Error       string
}

// mfaSetupPage shows the key to scan. Reloading shows the same key until
// it is confirmed.
func (u *UI) mfaSetupPage(w http.ResponseWriter, r *http.Request) error {
	return u.renderMFASetup(w, r, http.StatusOK, "")
}

func (u *UI) renderMFASetup(w http.ResponseWriter, r *http.Request, status int, problem string) error {
	ctx := r.Context()
	p := access.PrincipalFrom(ctx)
	secret, url, err := u.Accounts.PendingTOTP(ctx, p.User.ID)
	if errors.Is(err, accounts.ErrNoPendingMFA) {
		secret, url, err = u.Accounts.BeginTOTP(ctx, p.User.ID)
	}
	if err != nil {
		return err
	}
	png, err := qrcode.Encode(url, qrcode.Medium, 240)
	if err != nil {
		return fmt.Errorf("QR code: %w", err)
	}
	d := mfaSetupData{
		// The URI is built here from our own PNG bytes, never from input.
		QR:          template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)),
		Secret:      groupsOf(secret, 4),
		SecretPlain: secret,
		Error:       problem,
	}
	return u.render(w, r, status, "mfa_setup", Page{Title: "Set up two-step verification", Data: d})
}

func groupsOf(s string, n int) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && i%n == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

type recoveryCodesData struct {
	Codes    []string
	All      string // the codes one a line, for the copy button
	Enrolled bool   // first set-up, rather than new codes
}

func (u *UI) mfaSetupConfirm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := access.PrincipalFrom(ctx)
	codes, err := u.Accounts.ConfirmTOTP(ctx, u.actor(r), p.User.ID, r.FormValue("code"))
	switch {
	case errors.Is(err, accounts.ErrBadCode):
		return u.renderMFASetup(w, r, http.StatusUnprocessableEntity, "That code is not right. Check that the app shows Bulwark and enter the code it shows now.")
	case err != nil:
		return err
	}
	// The code just given proves the second factor for this browser too.
	cookie, err := u.Accounts.MarkSessionMFAVerified(ctx, p.Session)
	if err != nil {
		return err
	}
	u.Auth.SetSessionCookie(w, cookie)
	return u.renderRecoveryCodes(w, r, codes, true)
}

// renderRecoveryCodes shows new recovery codes, once: they are not stored
// anywhere they could be shown from again.
func (u *UI) renderRecoveryCodes(w http.ResponseWriter, r *http.Request, codes []string, enrolled bool) error {
	title := "Save your recovery codes"
	return u.render(w, r, http.StatusOK, "mfa_recovery", Page{Title: title, Active: "/account",
		Data: recoveryCodesData{Codes: codes, All: strings.Join(codes, "\n"), Enrolled: enrolled}})
}

// regenerateRecoveryCodes replaces the recovery codes after a current code
// from the app, so that a borrowed session alone cannot mint a second
// factor.
func (u *UI) regenerateRecoveryCodes(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := access.PrincipalFrom(ctx)
	ip := u.Auth.ClientIP(r)
	if !u.limiter("mfa:" + ip).Allow() {
		setFlash(w, "error", "Too many attempts from your network. Wait a minute and try again.")
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return nil
	}
	if err := u.Accounts.VerifyTOTP(ctx, p.User.ID, r.FormValue("code"), ip); err != nil {
		status, msg := codeProblem(err)
		if status == 0 {
			return err
		}
		setFlash(w, "error", "No new recovery codes were made. "+msg)
		http.Redirect(w, r, "/account#two-step", http.StatusSeeOther)
		return nil
	}
	codes, err := u.Accounts.RegenerateRecoveryCodes(ctx, u.actor(r), p.User.ID)
	if err != nil {
		return err
	}
	return u.renderRecoveryCodes(w, r, codes, false)
}
