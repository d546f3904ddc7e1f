package app

import (
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"bulwark/internal/access"
	"bulwark/internal/api"
	"bulwark/internal/directory"
	"bulwark/internal/platform/config"
	"bulwark/internal/platform/httpx"
	"bulwark/internal/platform/mail"
	"bulwark/internal/platform/outbound"
	"bulwark/internal/ui"
)

// Edges are the app listener's parts, built once.
type Edges struct {
	Auth *access.Authenticator
	UI   *ui.UI
	API  *api.API
}

// Routes lists every route of the app listener, pages and API together.
func (e *Edges) Routes() []access.Route {
	return slices.Concat(e.UI.Routes(), e.API.Routes())
}

// BuildEdges makes the app listener's authenticator, pages and API.
func (a *App) BuildEdges(sender mail.Sender, outbox *mail.Catcher) (*Edges, error) {
	cfg := a.Config
	auth := &access.Authenticator{
		Accounts:       a.Accounts,
		Log:            a.Log,
		TrustedProxies: cfg.TrustedProxies,
		// Behind a TLS-terminating proxy the app URL says https.
		SecureCookies: cfg.TLSCert != "" || strings.HasPrefix(cfg.AppURL, "https://"),
		RequireMFA:    true,
	}
	// Links in mail are built from the configured app URL, never from a
	// request's Host header (which a sender of a reset request controls).
	appURL := cfg.AppURL
	if appURL == "" && config.Enabled(cfg.AppAddr) {
		scheme := "http"
		if cfg.TLSCert != "" {
			scheme = "https"
		}
		appURL = scheme + "://" + cfg.AppAddr
	}
	u := &ui.UI{Directory: a.Directory, Accounts: a.Accounts, Audit: a.Audit, Auth: auth, Mail: sender, Outbox: outbox,
		Jobs: a.Jobs, Keys: a.Keys, Phishing: a.Phishing, Sharing: a.Sharing, Config: cfg, Log: a.Log, Version: Version, AppURL: appURL}
	if err := u.Parse(); err != nil {
		return nil, err
	}
	if cfg.OIDCIssuer != "" {
		sso, err := ui.NewOIDC(cfg, a.Accounts, outbound.NewDialer(outbound.Policy{Allow: cfg.OutboundAllow}).HTTPClient(30*time.Second))
		if err != nil {
			return nil, err
		}
		u.SSO = sso
	}
	auth.RenderHTMLError = u.RenderError
	ap := &api.API{Directory: a.Directory, Accounts: a.Accounts, Audit: a.Audit, Auth: auth, Jobs: a.Jobs, Phishing: a.Phishing, Sharing: a.Sharing, Version: Version}
	return &Edges{Auth: auth, UI: u, API: ap}, nil
}

// AppHandler is the app listener: pages, API, health, static files and,
// unless they have their own listener, metrics.
func (a *App) AppHandler(e *Edges, metrics *Metrics) http.Handler {
	mux := http.NewServeMux()
	a.Health(mux)
	if metrics != nil && !config.Enabled(a.Config.MetricsAddr) {
		mux.Handle("GET /metrics", metrics.Handler())
	}
	mux.Handle("GET /static/", ui.Static())
	e.Auth.Mount(mux, e.Routes())
	notFound := access.Route{API: false, Handler: func(w http.ResponseWriter, r *http.Request) error {
		return httpx.Errorf(404, "There is no page at this address.")
	}}
	apiNotFound := access.Route{API: true, Handler: func(w http.ResponseWriter, r *http.Request) error {
		return httpx.Errorf(404, "There is no API operation at this address; see /api/v1/openapi.json.")
	}}
	mux.Handle("/api/", e.Auth.Wrap(apiNotFound))
	mux.Handle("/", e.Auth.Wrap(notFound))
	cop := http.NewCrossOriginProtection()
	if a.Config.AppURL != "" {
		cop.AddTrustedOrigin(a.Config.AppURL)
	}
	return httpx.SecurityHeaders(cop.Handler(mux), a.Config.TLSCert != "")
}

// SimulationHandler is the simulation listener. The phishing simulation
// serves its landing pages and tracking here; until then it answers only
// health checks and a plain not-found, with no product name in headers.
func (a *App) SimulationHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		http.NotFound(w, r)
	})
	return mux
}

var publicPage = template.Must(template.New("public").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trusted election information</title><link rel="stylesheet" href="/static/uswds/css/uswds.min.css"><link rel="stylesheet" href="/static/bulwark.css"></head>
<body><a class="usa-skipnav" href="#main-content">Skip to main content</a>
<main id="main-content" class="grid-container padding-y-4">
<h1>Trusted election information</h1>
<p class="usa-intro">Get election information from your local election authority or the state. These are the official websites of the local election authorities an administrator has confirmed.</p>
<table class="usa-table usa-table--borderless usa-table--stacked"><caption>Local election authorities and their official websites</caption>
<thead><tr><th scope="col">Election authority</th><th scope="col">Official website</th></tr></thead><tbody>
{{range .}}<tr><th scope="row" data-label="Election authority">{{.Name}}</th><td data-label="Official website">{{if .Domain}}<a class="usa-link" href="https://{{.Domain}}/" rel="noopener">{{.Domain}}</a>{{else}}Ask the state election office{{end}}</td></tr>
{{end}}</tbody></table></main></body></html>`))

// PublicHandler is the public trusted-information site: no sign-in, no
// cookies, nothing but what is meant for voters.
func (a *App) PublicHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.Handle("GET /static/", ui.Static())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		orgs, err := a.Directory.ListOrganisations(r.Context(), directory.OrgFilter{Kind: directory.KindLocalElectionAuthority, Limit: 1000})
		for i := range orgs {
			if !orgs[i].DomainConfirmed {
				orgs[i].Domain = "" // a registry suggestion is not published until confirmed
			}
		}
		if err != nil {
			http.Error(w, "The site is not available right now.", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=300")
		publicPage.Execute(w, orgs)
	})
	return httpx.SecurityHeaders(mux, false)
}
