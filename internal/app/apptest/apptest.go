// Package apptest starts a whole Bulwark app listener for tests, on each
// storage engine, with users of every role signed in as browsers or holding
// API tokens.
package apptest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/config"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
	"bulwark/internal/platform/mail"
)

// Env is a running app listener and what it stands on.
type Env struct {
	T      testing.TB
	App    *app.App
	Edges  *app.Edges
	Server *httptest.Server
	URL    string // base URL, e.g. http://127.0.0.1:41234
	Outbox *mail.Catcher
	n      int
}

// Password is the password of every user Env creates.
const Password = "test-River-Lantern-42"

// Option changes the configuration before the app opens.
type Option func(*config.Config)

// New starts an app listener on a fresh database of dialect d.
func New(t testing.TB, d database.Dialect, opts ...Option) *Env {
	t.Helper()
	cfg := config.Defaults()
	cfg.Data = t.TempDir()
	if d == database.Postgres {
		cfg.Database = dbtest.NewPostgresDatabase(t)
	}
	for _, o := range opts {
		o(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.Open(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	outbox := mail.NewCatcher(100)
	edges, err := a.BuildEdges(outbox, outbox)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.AppHandler(edges, app.NewMetrics()))
	t.Cleanup(srv.Close)
	edges.UI.AppURL = srv.URL // links in mail point at this test server
	return &Env{T: t, App: a, Edges: edges, Server: srv, URL: srv.URL, Outbox: outbox}
}

// Each runs fn once per storage engine with a fresh Env.
func Each(t *testing.T, fn func(t *testing.T, e *Env), opts ...Option) {
	t.Helper()
	for _, d := range dbtest.Engines(t) {
		t.Run(string(d), func(t *testing.T) { fn(t, New(t, d, opts...)) })
	}
}

// User creates a user of role with Password and MFA marked as set up, in
// organisation orgID (0 for none).
func (e *Env) User(role accounts.Role, orgID int64) accounts.User {
	e.T.Helper()
	e.n++
	ctx := context.Background()
	u, err := e.App.Accounts.CreateUser(ctx, audit.System, accounts.NewUser{
		Email: fmt.Sprintf("%s.%d@example.org", strings.ReplaceAll(string(role), "_", "-"), e.n),
		Name:  fmt.Sprintf("Test %s %d", role.Label(), e.n), Role: role, Password: Password, OrganisationID: orgID,
	})
	if err != nil {
		e.T.Fatal(err)
	}
	// Tests that are not about MFA skip enrolment: the user counts as
	// enrolled and their sessions as verified.
	if _, err := e.App.DB.ExecContext(ctx, `UPDATE users SET mfa_enabled = TRUE WHERE id = $1`, u.ID); err != nil {
		e.T.Fatal(err)
	}
	u.MFAEnabled = true
	return u
}

// Token creates an API token for u and returns its value.
func (e *Env) Token(u accounts.User) string {
	e.T.Helper()
	v, _, err := e.App.Accounts.CreateToken(context.Background(), audit.System, u, "test", "")
	if err != nil {
		e.T.Fatal(err)
	}
	return v
}

// Browser returns an HTTP client signed in as u (second factor given) that
// does not follow redirects, so tests see them.
func (e *Env) Browser(u accounts.User) *http.Client {
	e.T.Helper()
	c := e.Anonymous()
	cookie, err := e.App.Accounts.StartSession(context.Background(), u, true, "127.0.0.1", "apptest")
	if err != nil {
		e.T.Fatal(err)
	}
	base, _ := url.Parse(e.URL)
	c.Jar.SetCookies(base, []*http.Cookie{{Name: e.Edges.Auth.CookieName(), Value: cookie, Path: "/"}})
	return c
}

// Anonymous returns a client with an empty cookie jar that does not follow
// redirects.
func (e *Env) Anonymous() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Do sends a request with an optional bearer token and returns the response
// with its body read.
func (e *Env) Do(c *http.Client, method, path, token string, body io.Reader, header ...string) (*http.Response, string) {
	e.T.Helper()
	req, err := http.NewRequest(method, e.URL+path, body)
	if err != nil {
		e.T.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if c == nil {
		c = e.Anonymous()
	}
	resp, err := c.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// PostForm posts form values as a browser would (same-origin).
func (e *Env) PostForm(c *http.Client, path string, form url.Values) (*http.Response, string) {
	e.T.Helper()
	return e.Do(c, "POST", path, "", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded", "Origin", e.URL, "Sec-Fetch-Site", "same-origin")
}
