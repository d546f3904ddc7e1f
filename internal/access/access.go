// Package access decides who is asking and whether they may: it signs
// requests in from a session cookie (browsers) or an API token (machines),
// and checks the permission each route declares before its handler runs.
// Every route of the app listener is a Route, so one table-driven test can
// try each of them with every role.
package access

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"bulwark/internal/accounts"
	"bulwark/internal/directory"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/httpx"
)

// Stage is how far through sign-in a browser must be to use a route.
type Stage int

const (
	// StageFull: signed in, second factor given, no password change owed.
	StageFull Stage = iota
	// StageMFA: password given, second factor still to come.
	StageMFA
	// StagePassword: signed in, but must choose a new password first.
	StagePassword
	// StageEnrol: signed in, but must set up a second factor first.
	StageEnrol
)

// Route is one endpoint of the app listener.
type Route struct {
	Method  string
	Pattern string              // http.ServeMux path pattern, e.g. /api/v1/people/{id}
	Perm    accounts.Permission // empty for routes open to anyone
	API     bool                // JSON API: token auth, problem+json errors
	Stage   Stage
	Handler func(w http.ResponseWriter, r *http.Request) error
	Doc     *OpDoc // OpenAPI description; required for API routes
}

// OpDoc describes an API operation for the OpenAPI document.
type OpDoc struct {
	Summary  string
	Tag      string
	Query    []Param
	Body     any  // example value of the request body type
	Response any  // example value of the response type
	List     bool // Response is one item of a cursor-paginated list
	Status   int  // success status; 200 when 0
}

// Param is a documented query parameter.
type Param struct {
	Name, Description, Type string
}

type ctxKey int

const principalKey ctxKey = 1

// PrincipalFrom returns the signed-in principal, or nil.
func PrincipalFrom(ctx context.Context) *accounts.Principal {
	p, _ := ctx.Value(principalKey).(*accounts.Principal)
	return p
}

// WithPrincipal stores p in ctx.
func WithPrincipal(ctx context.Context, p *accounts.Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// Authenticator signs requests in and renders refusals.
type Authenticator struct {
	Accounts       *accounts.Service
	Log            *slog.Logger
	TrustedProxies []netip.Prefix
	SecureCookies  bool
	// RenderHTMLError shows an error page for browser routes.
	RenderHTMLError func(w http.ResponseWriter, r *http.Request, e *httpx.Error)
	// RequireMFA makes browsers enrol a second factor before anything else.
	RequireMFA bool
}

// CookieName is the session cookie: host-only, and with the __Host- prefix
// over TLS so that no sibling host can set it.
func (a *Authenticator) CookieName() string {
	if a.SecureCookies {
		return "__Host-bulwark_session"
	}
	return "bulwark_session"
}

// SetSessionCookie sends the session cookie.
func (a *Authenticator) SetSessionCookie(w http.ResponseWriter, value string) {
	http.SetCookie(w, &http.Cookie{Name: a.CookieName(), Value: value, Path: "/", HttpOnly: true, Secure: a.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(a.Accounts.Policy().SessionAbsolute.Seconds())})
}

// ClearSessionCookie removes it.
func (a *Authenticator) ClearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: a.CookieName(), Value: "", Path: "/", HttpOnly: true, Secure: a.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// ClientIP is the request's client address.
func (a *Authenticator) ClientIP(r *http.Request) string { return httpx.ClientIP(r, a.TrustedProxies) }

// Classify maps domain errors to HTTP statuses.
func Classify(err error) *httpx.Error {
	var fe *directory.FieldError
	switch {
	case errors.As(err, &fe):
		return &httpx.Error{Status: 422, Title: "Check the form", Detail: fe.Error(), Fields: map[string]string{fe.Field: fe.Reason}, Err: err}
	case errors.Is(err, database.ErrNotFound):
		return &httpx.Error{Status: 404, Title: "Not found", Detail: "There is nothing here, or it was removed.", Err: err}
	case errors.Is(err, database.ErrConflict):
		return &httpx.Error{Status: 409, Title: "Already exists", Detail: err.Error(), Err: err}
	case errors.Is(err, directory.ErrInvalid), errors.Is(err, accounts.ErrWeakPassword), errors.Is(err, directory.ErrBadFile):
		return &httpx.Error{Status: 422, Title: "Check the form", Detail: err.Error(), Err: err}
	case errors.Is(err, context.Canceled):
		return &httpx.Error{Status: 499, Title: "Cancelled", Detail: "The request was cancelled.", Err: err}
	}
	return nil
}

// Wrap returns the handler for route rt: sign-in, permission, then the
// route's handler, with its error rendered as problem+json or a page.
func (a *Authenticator) Wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, stage, err := a.signIn(r, rt.API)
		if err != nil {
			a.fail(w, r, rt, httpx.AsHTTP(err, Classify))
			return
		}
		if p != nil {
			r = r.WithContext(WithPrincipal(r.Context(), p))
		}
		if rt.Perm != "" {
			if p == nil {
				if !rt.API {
					http.Redirect(w, r, "/login?next="+url.QueryEscape(safeNext(r.URL.RequestURI())), http.StatusSeeOther)
					return
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="bulwark", Basic realm="bulwark"`)
				a.fail(w, r, rt, &httpx.Error{Status: 401, Title: "Sign-in required", Detail: "Send an API token as a Bearer token (or as the password of HTTP Basic)."})
				return
			}
			if !rt.API && stage != rt.Stage {
				switch stage {
				case StageMFA:
					target := "/login/mfa"
					if r.Method == http.MethodGet {
						target += "?next=" + url.QueryEscape(safeNext(r.URL.RequestURI()))
					}
					http.Redirect(w, r, target, http.StatusSeeOther)
					return
				case StagePassword:
					http.Redirect(w, r, "/account/password/new", http.StatusSeeOther)
					return
				case StageEnrol:
					http.Redirect(w, r, "/account/mfa/setup", http.StatusSeeOther)
					return
				}
				if rt.Stage != StageFull {
					http.Redirect(w, r, "/", http.StatusSeeOther)
					return
				}
			}
			if !p.Can(rt.Perm) {
				a.fail(w, r, rt, &httpx.Error{Status: 403, Title: "Not allowed", Detail: "Your role (" + p.Role.Label() + ") does not allow this. Ask an administrator if you need it."})
				return
			}
		}
		if err := rt.Handler(w, r); err != nil {
			a.fail(w, r, rt, httpx.AsHTTP(err, Classify))
		}
	})
}

func (a *Authenticator) fail(w http.ResponseWriter, r *http.Request, rt Route, e *httpx.Error) {
	httpx.LogError(a.Log, r, e)
	if rt.API || a.RenderHTMLError == nil {
		httpx.WriteProblem(w, r, e)
		return
	}
	a.RenderHTMLError(w, r, e)
}

// signIn finds the principal: API routes take a token (Bearer, or the
// password of HTTP Basic); browser routes take the session cookie.
func (a *Authenticator) signIn(r *http.Request, api bool) (*accounts.Principal, Stage, error) {
	ctx := r.Context()
	if api {
		token := ""
		if h := r.Header.Get("Authorization"); h != "" {
			if v, ok := strings.CutPrefix(h, "Bearer "); ok {
				token = strings.TrimSpace(v)
			} else if _, pw, ok := r.BasicAuth(); ok {
				token = pw
			} else {
				return nil, 0, &httpx.Error{Status: 401, Title: "Sign-in required", Detail: "The Authorization header must be Bearer or Basic."}
			}
		}
		if token == "" {
			return nil, 0, nil
		}
		u, t, err := a.Accounts.AuthenticateToken(ctx, token)
		if err != nil {
			if errors.Is(err, accounts.ErrBadToken) {
				return nil, 0, &httpx.Error{Status: 401, Title: "Sign-in required", Detail: "The API token is not valid: it may have been revoked."}
			}
			return nil, 0, err
		}
		return &accounts.Principal{User: u, Role: t.Role, TokenID: t.ID}, StageFull, nil
	}
	c, err := r.Cookie(a.CookieName())
	if err != nil || c.Value == "" {
		return nil, 0, nil
	}
	sess, u, err := a.Accounts.LookupSession(ctx, c.Value)
	if errors.Is(err, accounts.ErrNoSession) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	p := &accounts.Principal{User: u, Role: u.Role, Session: sess.ID}
	switch {
	case u.MFAEnabled && !sess.MFAVerified:
		return p, StageMFA, nil
	case u.MustChangePassword:
		return p, StagePassword, nil
	case a.RequireMFA && !u.MFAEnabled && !sess.MFAVerified:
		// A session is verified without the app's own code only when single
		// sign-on's provider vouched for a second factor.
		return p, StageEnrol, nil
	}
	return p, StageFull, nil
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// SafeNext is safeNext for handlers.
func SafeNext(next string) string { return safeNext(next) }

// Mount registers routes on mux.
func (a *Authenticator) Mount(mux *http.ServeMux, routes []Route) {
	for _, rt := range routes {
		mux.Handle(rt.Method+" "+rt.Pattern, a.Wrap(rt))
	}
}
