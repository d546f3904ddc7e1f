package ui

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/platform/config"
	"bulwark/internal/platform/httpx"
)

// ssoFlowTime is how long a single sign-on may take between leaving for
// the provider and coming back.
const ssoFlowTime = 10 * time.Minute

// OIDC is single sign-on through an OpenID Connect provider: the
// authorization-code flow with PKCE, state and nonce kept in a short-lived
// cookie, and the ID token verified against the provider's keys.
type OIDC struct {
	accounts       *accounts.Service
	client         *http.Client
	issuer         string
	clientID       string
	clientSecret   string
	appURL         string
	roleDefault    accounts.Role
	secure         bool
	trustedProxies []netip.Prefix

	mu       sync.Mutex
	provider *oidc.Provider // found at first use, so that a provider outage does not stop Bulwark starting
}

var _ SSO = (*OIDC)(nil)

// NewOIDC checks the single sign-on configuration. It talks to the
// provider only through client (which should refuse internal addresses)
// and only when someone first signs in.
func NewOIDC(cfg config.Config, acc *accounts.Service, client *http.Client) (*OIDC, error) {
	iss, err := url.Parse(cfg.OIDCIssuer)
	if err != nil || iss.Host == "" || (iss.Scheme != "https" && iss.Scheme != "http") {
		return nil, fmt.Errorf("oidc-issuer %q: want the provider's https:// URL", cfg.OIDCIssuer)
	}
	if iss.Scheme == "http" && !isLoopbackHost(iss.Hostname()) {
		return nil, fmt.Errorf("oidc-issuer %q: use https:// (plain http is allowed only on this machine, for testing)", cfg.OIDCIssuer)
	}
	if strings.TrimSpace(cfg.OIDCClientID) == "" {
		return nil, errors.New("oidc-client-id is required with oidc-issuer")
	}
	var role accounts.Role
	if cfg.OIDCRoleDefault != "" {
		if role, err = accounts.ParseRole(cfg.OIDCRoleDefault); err != nil {
			return nil, fmt.Errorf("oidc-role-default: %w", err)
		}
		if role == accounts.RoleAdmin {
			return nil, errors.New("oidc-role-default cannot be admin: give administrator rights to people one by one")
		}
	}
	if client == nil {
		return nil, errors.New("single sign-on needs an outbound HTTP client")
	}
	return &OIDC{accounts: acc, client: client, issuer: cfg.OIDCIssuer, clientID: cfg.OIDCClientID, clientSecret: cfg.OIDCClientSecret,
		appURL: strings.TrimRight(cfg.AppURL, "/"), roleDefault: role, secure: cfg.TLSCert != "", trustedProxies: cfg.TrustedProxies}, nil
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func providerDown(err error) *httpx.Error {
	e := httpx.Errorf(http.StatusBadGateway, "The single sign-on service cannot be reached right now. Try again in a minute, or sign in with your email and password.")
	e.Err = err
	return e
}

func (o *OIDC) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, nil
	}
	ctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, o.client), 15*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(ctx, o.issuer)
	if err != nil {
		return nil, fmt.Errorf("single sign-on discovery at %s: %w", o.issuer, err)
	}
	o.provider = p
	return p, nil
}

func (o *OIDC) oauth2Config(p *oidc.Provider, r *http.Request) *oauth2.Config {
	base := o.appURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return &oauth2.Config{ClientID: o.clientID, ClientSecret: o.clientSecret, Endpoint: p.Endpoint(),
		RedirectURL: base + "/login/sso/callback", Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// ssoFlow is what the browser keeps while it is away at the provider.
type ssoFlow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"next"`
}

func (o *OIDC) cookieName() string {
	if o.secure {
		return "__Host-bulwark_sso"
	}
	return "bulwark_sso"
}

// Start sends the browser to the provider.
func (o *OIDC) Start(w http.ResponseWriter, r *http.Request) error {
	p, err := o.discover(r.Context())
	if err != nil {
		return providerDown(err)
	}
	f := ssoFlow{State: accounts.NewSecret(32), Nonce: accounts.NewSecret(32), Verifier: oauth2.GenerateVerifier(), Next: access.SafeNext(r.URL.Query().Get("next"))}
	b, _ := json.Marshal(f)
	// Lax, not Strict: the provider sends the browser back with a top-level
	// GET from its own site, and the cookie must come along.
	http.SetCookie(w, &http.Cookie{Name: o.cookieName(), Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
		MaxAge: int(ssoFlowTime.Seconds()), HttpOnly: true, Secure: o.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, o.oauth2Config(p, r).AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), http.StatusSeeOther)
	return nil
}

// SSOOutcome is what a single sign-on callback learned besides the user.
type SSOOutcome struct {
	// MFA is true when the provider says it checked a second factor (the
	// ID token's amr claim names "mfa" or "otp").
	MFA bool
	// Next is where the user was going before signing in.
	Next string
}

// Callback finishes single sign-on and returns the user.
func (o *OIDC) Callback(w http.ResponseWriter, r *http.Request) (accounts.User, error) {
	u, _, err := o.CallbackOutcome(w, r)
	return u, err
}

func ssoStale() *httpx.Error {
	return httpx.Errorf(http.StatusBadRequest, "This single sign-on attempt is not valid or took too long. Start again from the sign-in page.")
}

// ssoRefused hides why the provider's answer was refused from the user,
// and keeps it for the log.
func ssoRefused(err error) *httpx.Error {
	e := httpx.Errorf(http.StatusUnauthorized, "The single sign-on service could not confirm who you are. Start again from the sign-in page.")
	e.Err = err
	return e
}

var oauthErrorCode = regexp.MustCompile(`^[a-z_]{1,40}$`)

// CallbackOutcome is Callback, also saying whether the provider checked a
// second factor and where the user was going.
func (o *OIDC) CallbackOutcome(w http.ResponseWriter, r *http.Request) (accounts.User, SSOOutcome, error) {
	ctx := r.Context()
	var f ssoFlow
	c, err := r.Cookie(o.cookieName())
	if err != nil {
		return accounts.User{}, SSOOutcome{}, ssoStale()
	}
	// One use only, whatever happens next.
	http.SetCookie(w, &http.Cookie{Name: o.cookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: o.secure, SameSite: http.SameSiteLaxMode})
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || json.Unmarshal(raw, &f) != nil || f.State == "" || f.Nonce == "" || f.Verifier == "" {
		return accounts.User{}, SSOOutcome{}, ssoStale()
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		return accounts.User{}, SSOOutcome{}, ssoStale()
	}
	if e := q.Get("error"); e != "" {
		// Only a well-formed error code is shown: the rest of the address
		// comes from whoever sent the browser here.
		if !oauthErrorCode.MatchString(e) {
			e = "unknown"
		}
		return accounts.User{}, SSOOutcome{}, httpx.Errorf(http.StatusUnauthorized, "The single sign-on service did not sign you in (it answered %q). Start again, or sign in with your email and password.", e)
	}
	p, err := o.discover(ctx)
	if err != nil {
		return accounts.User{}, SSOOutcome{}, providerDown(err)
	}
	octx := oidc.ClientContext(ctx, o.client)
	tok, err := o.oauth2Config(p, r).Exchange(octx, q.Get("code"), oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return accounts.User{}, SSOOutcome{}, ssoRefused(fmt.Errorf("code exchange: %w", err))
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return accounts.User{}, SSOOutcome{}, ssoRefused(errors.New("no id_token in the token response"))
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: o.clientID}).Verify(octx, rawID)
	if err != nil {
		return accounts.User{}, SSOOutcome{}, ssoRefused(fmt.Errorf("ID token: %w", err))
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return accounts.User{}, SSOOutcome{}, ssoRefused(errors.New("ID token nonce does not match"))
	}
	var claims struct {
		Email         string          `json:"email"`
		EmailVerified json.RawMessage `json:"email_verified"`
		Name          string          `json:"name"`
		AMR           json.RawMessage `json:"amr"`
	}
	if err := idt.Claims(&claims); err != nil {
		return accounts.User{}, SSOOutcome{}, ssoRefused(fmt.Errorf("ID token claims: %w", err))
	}
	// Some providers send email_verified as the string "true".
	verified := string(claims.EmailVerified) == "true" || string(claims.EmailVerified) == `"true"`
	id := accounts.OIDCIdentity{Issuer: idt.Issuer, Subject: idt.Subject, Email: claims.Email, EmailVerified: verified, Name: claims.Name}
	user, err := o.accounts.SignInOIDC(ctx, id, o.roleDefault, httpx.ClientIP(r, o.trustedProxies))
	switch {
	case errors.Is(err, accounts.ErrNoSSOAccount):
		return accounts.User{}, SSOOutcome{}, httpx.Errorf(http.StatusForbidden, "There is no Bulwark account for %s. Ask an administrator to create one.", addressOrYou(claims.Email))
	case errors.Is(err, accounts.ErrSSOLinkedElsewhere):
		return accounts.User{}, SSOOutcome{}, httpx.Errorf(http.StatusForbidden, "The Bulwark account for %s is linked to a different single sign-on identity. Ask an administrator.", addressOrYou(claims.Email))
	case errors.Is(err, accounts.ErrSSOEmailUnverified):
		return accounts.User{}, SSOOutcome{}, httpx.Errorf(http.StatusForbidden, "The single sign-on service did not confirm your email address, so Bulwark cannot tell which account is yours. Ask an administrator.")
	case errors.Is(err, accounts.ErrInactive):
		return accounts.User{}, SSOOutcome{}, httpx.Errorf(http.StatusForbidden, "This account is switched off. Ask an administrator.")
	case err != nil:
		return accounts.User{}, SSOOutcome{}, err
	}
	amr := authMethods(claims.AMR)
	mfa := slices.Contains(amr, "mfa") || slices.Contains(amr, "otp")
	return user, SSOOutcome{MFA: mfa, Next: access.SafeNext(f.Next)}, nil
}

// authMethods reads the amr claim: a list of method names by the standard
// (RFC 8176), a single string from some providers.
func authMethods(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var one string
	if json.Unmarshal(raw, &one) == nil && one != "" {
		return []string{one}
	}
	return nil
}

func addressOrYou(email string) string {
	if email == "" {
		return "you"
	}
	return email
}

// ssoWithOutcome is an SSO that can also say whether the provider checked a
// second factor; one that cannot is treated as not having checked it.
type ssoWithOutcome interface {
	CallbackOutcome(w http.ResponseWriter, r *http.Request) (accounts.User, SSOOutcome, error)
}

func (u *UI) ssoStart(w http.ResponseWriter, r *http.Request) error {
	if u.SSO == nil {
		return httpx.Errorf(http.StatusNotFound, "Single sign-on is not set up here. Sign in with your email address and password.")
	}
	return u.SSO.Start(w, r)
}

// ssoCallback signs the user in after the provider. The session counts as
// past the second factor only when the provider says it checked one;
// otherwise the user gives a code from their app as after a password.
func (u *UI) ssoCallback(w http.ResponseWriter, r *http.Request) error {
	if u.SSO == nil {
		return httpx.Errorf(http.StatusNotFound, "Single sign-on is not set up here. Sign in with your email address and password.")
	}
	var user accounts.User
	out := SSOOutcome{Next: "/"}
	var err error
	if s, ok := u.SSO.(ssoWithOutcome); ok {
		user, out, err = s.CallbackOutcome(w, r)
	} else {
		user, err = u.SSO.Callback(w, r)
	}
	if err != nil {
		he := httpx.AsHTTP(err, access.Classify)
		if he.Status >= 500 {
			return err
		}
		httpx.LogError(u.Log, r, he)
		return u.render(w, r, he.Status, "login", Page{Title: "Sign in", Data: loginData{Error: he.Detail, SSOEnabled: true, Next: "/"}})
	}
	if err := u.startSession(w, r, user, out.MFA); err != nil {
		return err
	}
	next := access.SafeNext(out.Next)
	if user.MFAEnabled && !out.MFA {
		http.Redirect(w, r, "/login/mfa?next="+url.QueryEscape(next), http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}
