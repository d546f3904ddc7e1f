package api

import (
	"errors"
	"net/http"
	"time"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/platform/httpx"
	"bulwark/internal/sharing"
	"bulwark/internal/sharing/matcher"
	"bulwark/internal/sharing/tlp"
)

// CommentInput is the body that comments on an advisory.
type CommentInput struct {
	// TLP defaults to the advisory's and may only be stricter.
	TLP  tlp.Label `json:"tlp,omitempty"`
	Body string    `json:"body"`
}

func (a *API) sharingRoutes() []access.Route {
	R, W := accounts.PermSharingRead, accounts.PermSharingWrite
	exAdv := sharing.Advisory{ID: 1, Title: "Credential phishing against county clerks", Severity: sharing.SeverityHigh,
		Categories: []sharing.Category{sharing.CategoryEmail}, Sharing: sharing.Sharing{TLP: tlp.Amber, Recipients: []int64{2}}, Version: 1}
	exAdvIn := sharing.AdvisoryChange{Title: exAdv.Title, Summary: "Messages impersonating the state's IT desk.", Body: "## What to do\n\nReport the message.",
		Severity: sharing.SeverityHigh, Categories: exAdv.Categories, Sharing: exAdv.Sharing}
	exInd := sharing.Indicator{ID: 1, Type: matcher.Domain, Value: "clerk-login.example", Pattern: "[domain-name:value = 'clerk-login.example']",
		Confidence: 80, Sharing: sharing.Sharing{TLP: tlp.Green}}
	exIndIn := sharing.IndicatorChange{Type: matcher.Domain, Value: "clerk-login.example", Confidence: 80, Sharing: sharing.Sharing{TLP: tlp.Green}}
	return []access.Route{
		{Method: "GET", Pattern: "/api/v1/sharing/advisories", Perm: R, API: true, Handler: a.listAdvisories,
			Doc: &access.OpDoc{Summary: "List the advisories you may read under TLP, newest first", Tag: "sharing", List: true, Response: exAdv,
				Query: []access.Param{{Name: "severity", Description: "low, medium, high or critical"}, {Name: "category", Description: "an election category code"}, {Name: "q", Description: "text in the title or summary"}}}},
		{Method: "POST", Pattern: "/api/v1/sharing/advisories", Perm: W, API: true, Handler: a.createAdvisory,
			Doc: &access.OpDoc{Summary: "Share an advisory; your organisation owns it", Tag: "sharing", Body: exAdvIn, Response: exAdv, Status: 201}},
		{Method: "GET", Pattern: "/api/v1/sharing/advisories/{id}", Perm: R, API: true, Handler: a.getAdvisory,
			Doc: &access.OpDoc{Summary: "One advisory (404 when TLP does not let you read it)", Tag: "sharing", Response: exAdv}},
		{Method: "PUT", Pattern: "/api/v1/sharing/advisories/{id}", Perm: W, API: true, Handler: a.updateAdvisory,
			Doc: &access.OpDoc{Summary: "Change an advisory, making a new version (owner organisation only)", Tag: "sharing", Body: exAdvIn, Response: exAdv}},
		{Method: "GET", Pattern: "/api/v1/sharing/advisories/{id}/versions", Perm: R, API: true, Handler: a.advisoryVersions,
			Doc: &access.OpDoc{Summary: "Every version of an advisory, newest first", Tag: "sharing", Response: []sharing.AdvisoryVersion{}}},
		{Method: "GET", Pattern: "/api/v1/sharing/advisories/{id}/comments", Perm: R, API: true, Handler: a.advisoryComments,
			Doc: &access.OpDoc{Summary: "The comments on an advisory you may read, oldest first", Tag: "sharing", Response: []sharing.Comment{}}},
		{Method: "POST", Pattern: "/api/v1/sharing/advisories/{id}/comments", Perm: W, API: true, Handler: a.commentAdvisory,
			Doc: &access.OpDoc{Summary: "Comment on an advisory; the comment's TLP may only be stricter than the advisory's", Tag: "sharing",
				Body: CommentInput{TLP: tlp.Amber, Body: "Seen here too."}, Response: sharing.Comment{TLP: tlp.Amber}, Status: 201}},

		{Method: "GET", Pattern: "/api/v1/sharing/indicators", Perm: R, API: true, Handler: a.listIndicators,
			Doc: &access.OpDoc{Summary: "List the indicators you may read under TLP, newest first", Tag: "sharing", List: true, Response: exInd,
				Query: []access.Param{{Name: "type", Description: "ipv4, ipv6, cidr, domain, url, email, md5, sha1 or sha256"}, {Name: "q", Description: "text in the value or tags"},
					{Name: "active", Type: "boolean", Description: "only indicators valid now"}}}},
		{Method: "POST", Pattern: "/api/v1/sharing/indicators", Perm: W, API: true, Handler: a.createIndicator,
			Doc: &access.OpDoc{Summary: "Share an indicator; an allow-listed value is refused (422) unless confirm_allow_listed is true", Tag: "sharing", Body: exIndIn, Response: exInd, Status: 201}},
		{Method: "GET", Pattern: "/api/v1/sharing/indicators/{id}", Perm: R, API: true, Handler: a.getIndicator,
			Doc: &access.OpDoc{Summary: "One indicator (404 when TLP does not let you read it)", Tag: "sharing", Response: exInd}},
		{Method: "PUT", Pattern: "/api/v1/sharing/indicators/{id}", Perm: W, API: true, Handler: a.updateIndicator,
			Doc: &access.OpDoc{Summary: "Replace an indicator's fields; omitted ones take their defaults (owner organisation only)", Tag: "sharing", Body: exIndIn, Response: exInd}},

		{Method: "GET", Pattern: "/api/v1/sharing/allow-list", Perm: R, API: true, Handler: a.listAllowList,
			Doc: &access.OpDoc{Summary: "The allow-list of known-good values, with the official election-authority domains", Tag: "sharing", Response: []sharing.AllowEntry{}}},
		{Method: "POST", Pattern: "/api/v1/sharing/allow-list", Perm: W, API: true, Handler: a.addAllowEntry,
			Doc: &access.OpDoc{Summary: "Add a known-good value", Tag: "sharing", Body: sharing.AllowInput{Type: matcher.IPv4, Value: "192.0.2.53", Note: "State resolver"}, Response: sharing.AllowEntry{}, Status: 201}},
	}
}

func (a *API) viewer(r *http.Request) (sharing.Viewer, error) {
	return a.Sharing.Viewer(r.Context(), access.PrincipalFrom(r.Context()).User)
}

// sharingError turns "not the owner" into 403; everything else is classified as usual.
func sharingError(err error) error {
	if errors.Is(err, sharing.ErrNotOwner) {
		return httpx.Errorf(403, "Only the organisation that shared this can change it.")
	}
	return err
}

func (a *API) listAdvisories(w http.ResponseWriter, r *http.Request) error {
	limit, after, err := pageParams(r)
	if err != nil {
		return err
	}
	v, err := a.viewer(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	items, err := a.Sharing.ListAdvisories(r.Context(), v, sharing.AdvisoryFilter{Severity: sharing.Severity(q.Get("severity")),
		Category: sharing.Category(q.Get("category")), Query: q.Get("q"), BeforeID: after, Limit: limit + 1})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, page(items, limit, func(x sharing.Advisory) int64 { return x.ID }))
	return nil
}

func (a *API) createAdvisory(w http.ResponseWriter, r *http.Request) error {
	var in sharing.AdvisoryChange
	if err := decode(r, &in); err != nil {
		return err
	}
	adv, err := a.Sharing.CreateAdvisory(r.Context(), actor(r, a.Auth), access.PrincipalFrom(r.Context()).User, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, adv)
	return nil
}

func (a *API) getAdvisory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := a.viewer(r)
	if err != nil {
		return err
	}
	adv, err := a.Sharing.Advisory(r.Context(), v, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, adv)
	return nil
}

func (a *API) updateAdvisory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in sharing.AdvisoryChange
	if err := decode(r, &in); err != nil {
		return err
	}
	v, err := a.viewer(r)
	if err != nil {
		return err
	}
	adv, err := a.Sharing.UpdateAdvisory(r.Context(), actor(r, a.Auth), v, id, in)
	if err != nil {
		return sharingError(err)
	}
	httpx.WriteJSON(w, 200, adv)
	return nil
}

func (a *API) advisoryVersions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := a.viewer(r)
	if err != nil {
		return err
	}
	vs, err := a.Sharing.AdvisoryVersions(r.Context(), v, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, vs)
	return nil
}

func (a *API) advisoryComments(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := a.viewer(r)
	if err != nil {
		return err
	}
	cs, err := a.Sharing.Comments(r.Context(), v, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, cs)
	return nil
}

func (a *API) commentAdvisory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in CommentInput
	if err := decode(r, &in); err != nil {
		return err
	}
	v, err := a.viewer(r)
	if err != nil {
		return err
	}
	c, err := a.Sharing.AddComment(r.Context(), actor(r, a.Auth), v, id, in.TLP, in.Body)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, c)
	return nil
}

func (a *API) listIndicators(w http.ResponseWriter, r *http.Request) error {
	limit, after, err := pageParams(r)
	if err != nil {
		return err
	}
	v, err := a.viewer(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := sharing.IndicatorFilter{Type: matcher.Type(q.Get("type")), Query: q.Get("q"), BeforeID: after, Limit: limit + 1}
	if q.Get("active") == "true" {
		f.ActiveAt = time.Now().UTC()
	}
	items, err := a.Sharing.ListIndicators(r.Context(), v, f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, page(items, limit, func(x sharing.Indicator) int64 { return x.ID }))
	return nil
}

func (a *API) createIndicator(w http.ResponseWriter, r *http.Request) error {
	var in sharing.IndicatorChange
	if err := decode(r, &in); err != nil {
		return err
	}
	ind, err := a.Sharing.CreateIndicator(r.Context(), actor(r, a.Auth), access.PrincipalFrom(r.Context()).User, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, ind)
	return nil
}

func (a *API) getIndicator(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := a.viewer(r)
	if err != nil {
		return err
	}
	ind, err := a.Sharing.Indicator(r.Context(), v, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, ind)
	return nil
}

func (a *API) updateIndicator(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in sharing.IndicatorChange
	if err := decode(r, &in); err != nil {
		return err
	}
	v, err := a.viewer(r)
	if err != nil {
		return err
	}
	ind, err := a.Sharing.UpdateIndicator(r.Context(), actor(r, a.Auth), v, id, in)
	if err != nil {
		return sharingError(err)
	}
	httpx.WriteJSON(w, 200, ind)
	return nil
}

func (a *API) listAllowList(w http.ResponseWriter, r *http.Request) error {
	es, err := a.Sharing.AllowList(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, es)
	return nil
}

func (a *API) addAllowEntry(w http.ResponseWriter, r *http.Request) error {
	var in sharing.AllowInput
	if err := decode(r, &in); err != nil {
		return err
	}
	e, err := a.Sharing.AddAllowEntry(r.Context(), actor(r, a.Auth), in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, e)
	return nil
}
