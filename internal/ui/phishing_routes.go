package ui

import (
	"bulwark/internal/access"
	"bulwark/internal/accounts"
)

// phishingRoutes are the phishing simulation's pages: the overview,
// sending profiles, email templates and landing pages. Reading takes
// PermAwarenessRead and every change PermAwarenessWrite.
func (u *UI) phishingRoutes() []access.Route {
	R, W := accounts.PermAwarenessRead, accounts.PermAwarenessWrite
	return append([]access.Route{
		{Method: "GET", Pattern: "/phishing", Perm: R, Handler: u.phOverview},

		{Method: "GET", Pattern: "/phishing/profiles", Perm: R, Handler: u.phProfiles},
		{Method: "GET", Pattern: "/phishing/profiles/new", Perm: W, Handler: u.phProfileNew},
		{Method: "POST", Pattern: "/phishing/profiles", Perm: W, Handler: u.phProfileCreate},
		{Method: "GET", Pattern: "/phishing/profiles/{id}", Perm: R, Handler: u.phProfile},
		{Method: "GET", Pattern: "/phishing/profiles/{id}/edit", Perm: W, Handler: u.phProfileEdit},
		{Method: "POST", Pattern: "/phishing/profiles/{id}", Perm: W, Handler: u.phProfileUpdate},
		{Method: "POST", Pattern: "/phishing/profiles/{id}/delete", Perm: W, Handler: u.phProfileDelete},
		{Method: "POST", Pattern: "/phishing/profiles/{id}/test", Perm: W, Handler: u.phProfileTest},

		{Method: "GET", Pattern: "/phishing/templates", Perm: R, Handler: u.phTemplates},
		{Method: "GET", Pattern: "/phishing/templates/new", Perm: W, Handler: u.phTemplateNew},
		{Method: "POST", Pattern: "/phishing/templates", Perm: W, Handler: u.phTemplateCreate},
		{Method: "POST", Pattern: "/phishing/templates/import", Perm: W, Handler: u.phTemplateImport},
		{Method: "GET", Pattern: "/phishing/templates/{id}", Perm: R, Handler: u.phTemplate},
		{Method: "GET", Pattern: "/phishing/templates/{id}/edit", Perm: W, Handler: u.phTemplateEdit},
		{Method: "POST", Pattern: "/phishing/templates/{id}", Perm: W, Handler: u.phTemplateUpdate},
		{Method: "POST", Pattern: "/phishing/templates/{id}/delete", Perm: W, Handler: u.phTemplateDelete},
		{Method: "POST", Pattern: "/phishing/templates/{id}/copy", Perm: W, Handler: u.phTemplateCopy},

		{Method: "GET", Pattern: "/phishing/landing-pages", Perm: R, Handler: u.phLandingPages},
		{Method: "GET", Pattern: "/phishing/landing-pages/new", Perm: W, Handler: u.phLandingNew},
		{Method: "POST", Pattern: "/phishing/landing-pages", Perm: W, Handler: u.phLandingCreate},
		{Method: "GET", Pattern: "/phishing/landing-pages/{id}", Perm: R, Handler: u.phLanding},
		{Method: "GET", Pattern: "/phishing/landing-pages/{id}/edit", Perm: W, Handler: u.phLandingEdit},
		{Method: "POST", Pattern: "/phishing/landing-pages/{id}", Perm: W, Handler: u.phLandingUpdate},
		{Method: "POST", Pattern: "/phishing/landing-pages/{id}/delete", Perm: W, Handler: u.phLandingDelete},
		{Method: "POST", Pattern: "/phishing/landing-pages/{id}/copy", Perm: W, Handler: u.phLandingCopy},
	}, u.phishingCampaignRoutes()...)
}
