package api

import (
	"encoding/json"
	"net/http"
	"strings"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/directory"
	"bulwark/internal/phishing"
	"bulwark/internal/platform/httpx"
)

// phishingRoutes are the phishing simulation's building blocks: sending
// profiles, email templates and landing pages. Reading takes
// PermAwarenessRead; every change, a test message and a render take
// PermAwarenessWrite.
func (a *API) phishingRoutes() []access.Route {
	R, W := accounts.PermAwarenessRead, accounts.PermAwarenessWrite
	const tag = "phishing"
	const sp, tp, lp = "/api/v1/phishing/sending-profiles", "/api/v1/phishing/templates", "/api/v1/phishing/landing-pages"
	return append([]access.Route{
		{Method: "GET", Pattern: sp, Perm: R, API: true, Handler: a.listProfiles,
			Doc: &access.OpDoc{Summary: "List sending profiles (passwords are never returned)", Tag: tag, List: true, Response: phishing.SendingProfile{}}},
		{Method: "POST", Pattern: sp, Perm: W, API: true, Handler: a.createProfile,
			Doc: &access.OpDoc{Summary: "Create a sending profile", Tag: tag, Body: ProfileInput{}, Response: phishing.SendingProfile{}, Status: 201}},
		{Method: "GET", Pattern: sp + "/{id}", Perm: R, API: true, Handler: a.getProfile,
			Doc: &access.OpDoc{Summary: "One sending profile", Tag: tag, Response: phishing.SendingProfile{}}},
		{Method: "PUT", Pattern: sp + "/{id}", Perm: W, API: true, Handler: a.updateProfile,
			Doc: &access.OpDoc{Summary: "Change a sending profile; leave out password to keep the stored one", Tag: tag, Body: ProfileInput{}, Response: phishing.SendingProfile{}}},
		{Method: "DELETE", Pattern: sp + "/{id}", Perm: W, API: true, Handler: a.deleteProfile,
			Doc: &access.OpDoc{Summary: "Delete a sending profile", Tag: tag, Status: 204}},
		{Method: "POST", Pattern: sp + "/{id}/test", Perm: W, API: true, Handler: a.testProfile,
			Doc: &access.OpDoc{Summary: "Send a test message through the profile; reports whether the server accepted it or its reply", Tag: tag, Body: TestMessageInput{}, Response: phishing.TestResult{}}},

		{Method: "GET", Pattern: tp, Perm: R, API: true, Handler: a.listTemplates,
			Doc: &access.OpDoc{Summary: "List email templates, the starter library's included", Tag: tag, List: true, Response: phishing.Template{},
				Query: []access.Param{{Name: "library", Type: "boolean", Description: "true: only the starter library; false: only your own"}}}},
		{Method: "POST", Pattern: tp, Perm: W, API: true, Handler: a.createTemplate,
			Doc: &access.OpDoc{Summary: "Create an email template; variables are checked and errors give line and column", Tag: tag, Body: TemplateInput{}, Response: phishing.Template{}, Status: 201}},
		{Method: "POST", Pattern: tp + "/import-eml", Perm: W, API: true, Handler: a.importEML,
			Doc: &access.OpDoc{Summary: "Create a template from a raw .eml message (message/rfc822 or text/plain body)", Tag: tag, Response: phishing.Template{}, Status: 201,
				Query: []access.Param{{Name: "name", Description: "the new template's name; the message's subject by default"}}}},
		{Method: "GET", Pattern: tp + "/{id}", Perm: R, API: true, Handler: a.getTemplate,
			Doc: &access.OpDoc{Summary: "One email template with its red flags and attachments", Tag: tag, Response: phishing.Template{}}},
		{Method: "PUT", Pattern: tp + "/{id}", Perm: W, API: true, Handler: a.updateTemplate,
			Doc: &access.OpDoc{Summary: "Change an email template (library templates are copied, not changed)", Tag: tag, Body: TemplateInput{}, Response: phishing.Template{}}},
		{Method: "DELETE", Pattern: tp + "/{id}", Perm: W, API: true, Handler: a.deleteTemplate,
			Doc: &access.OpDoc{Summary: "Delete an email template", Tag: tag, Status: 204}},
		{Method: "POST", Pattern: tp + "/{id}/copy", Perm: W, API: true, Handler: a.copyTemplate,
			Doc: &access.OpDoc{Summary: "Copy a template (e.g. from the starter library) to change the copy", Tag: tag, Response: phishing.Template{}, Status: 201}},
		{Method: "POST", Pattern: tp + "/{id}/render", Perm: W, API: true, Handler: a.renderTemplate,
			Doc: &access.OpDoc{Summary: "Render a template for a directory person, with a preview link", Tag: tag, Body: RenderInput{}, Response: RenderedTemplate{}}},

		{Method: "GET", Pattern: lp, Perm: R, API: true, Handler: a.listLandingPages,
			Doc: &access.OpDoc{Summary: "List landing pages", Tag: tag, List: true, Response: phishing.LandingPage{}}},
		{Method: "POST", Pattern: lp, Perm: W, API: true, Handler: a.createLandingPage,
			Doc: &access.OpDoc{Summary: "Create a landing page", Tag: tag, Body: LandingPageInput{}, Response: phishing.LandingPage{}, Status: 201}},
		{Method: "GET", Pattern: lp + "/{id}", Perm: R, API: true, Handler: a.getLandingPage,
			Doc: &access.OpDoc{Summary: "One landing page and the form fields it holds", Tag: tag, Response: phishing.LandingPage{}}},
		{Method: "PUT", Pattern: lp + "/{id}", Perm: W, API: true, Handler: a.updateLandingPage,
			Doc: &access.OpDoc{Summary: "Change a landing page (library pages are copied, not changed)", Tag: tag, Body: LandingPageInput{}, Response: phishing.LandingPage{}}},
		{Method: "DELETE", Pattern: lp + "/{id}", Perm: W, API: true, Handler: a.deleteLandingPage,
			Doc: &access.OpDoc{Summary: "Delete a landing page", Tag: tag, Status: 204}},
		{Method: "POST", Pattern: lp + "/{id}/copy", Perm: W, API: true, Handler: a.copyLandingPage,
			Doc: &access.OpDoc{Summary: "Copy a landing page to change the copy", Tag: tag, Response: phishing.LandingPage{}, Status: 201}},
	}, a.phishingCampaignRoutes()...)
}

// ProfileInput creates or changes a sending profile. Password is
// write-only: leave it out on a change to keep the stored one; an empty
// string removes it.
type ProfileInput struct {
	Name           string            `json:"name"`
	Host           string            `json:"host"`
	Port           int               `json:"port,omitempty"`
	TLS            string            `json:"tls"`
	Auth           string            `json:"auth"`
	Username       string            `json:"username,omitempty"`
	Password       *string           `json:"password,omitempty"`
	From           string            `json:"from"`
	EnvelopeSender string            `json:"envelope_sender,omitempty"`
	Headers        []phishing.Header `json:"headers,omitempty"`
	RatePerMinute  int               `json:"rate_per_minute"`
	Connections    int               `json:"connections,omitempty"`
}

func (in ProfileInput) change(id int64) phishing.ProfileChange {
	c := phishing.ProfileChange{SendingProfile: phishing.SendingProfile{ID: id, Name: in.Name, Host: in.Host, Port: in.Port, TLS: in.TLS, Auth: in.Auth,
		Username: in.Username, From: in.From, EnvelopeSender: in.EnvelopeSender, Headers: in.Headers, RatePerMinute: in.RatePerMinute, Connections: in.Connections}}
	if in.Password != nil {
		c.Password = *in.Password
	} else {
		c.KeepPassword = true
	}
	return c
}

// TestMessageInput says where a test message goes.
type TestMessageInput struct {
	To string `json:"to"`
}

func (a *API) listProfiles(w http.ResponseWriter, r *http.Request) error {
	limit, after, err := pageParams(r)
	if err != nil {
		return err
	}
	list, err := a.Phishing.ListProfiles(r.Context(), after, limit+1)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, page(list, limit, func(p phishing.SendingProfile) int64 { return p.ID }))
	return nil
}

func (a *API) getProfile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := a.Phishing.Profile(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, p)
	return nil
}

func (a *API) createProfile(w http.ResponseWriter, r *http.Request) error {
	var in ProfileInput
	if err := decode(r, &in); err != nil {
		return err
	}
	c := in.change(0)
	c.KeepPassword = false
	p, err := a.Phishing.CreateProfile(r.Context(), actor(r, a.Auth), c)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, p)
	return nil
}

func (a *API) updateProfile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ProfileInput
	if err := decode(r, &in); err != nil {
		return err
	}
	p, err := a.Phishing.UpdateProfile(r.Context(), actor(r, a.Auth), in.change(id))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, p)
	return nil
}

func (a *API) deleteProfile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Phishing.DeleteProfile(r.Context(), actor(r, a.Auth), id); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

func (a *API) testProfile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in TestMessageInput
	if err := decode(r, &in); err != nil {
		return err
	}
	res, err := a.Phishing.SendTest(r.Context(), actor(r, a.Auth), id, in.To)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, res)
	return nil
}

// TemplateInput creates or changes an email template. Attachments are
// added with their content (base64 in JSON); on a change,
// keep_attachment_ids lists the attachments to keep (all when left out).
type TemplateInput struct {
	Name              string             `json:"name"`
	Subject           string             `json:"subject"`
	HTMLBody          string             `json:"html_body,omitempty"`
	TextBody          string             `json:"text_body,omitempty"`
	SenderName        string             `json:"sender_name,omitempty"`
	SenderAddress     string             `json:"sender_address,omitempty"`
	QRCode            bool               `json:"qr_code"`
	Difficulty        int                `json:"difficulty"`
	RedFlags          []phishing.RedFlag `json:"red_flags"`
	Attachments       []AttachmentInput  `json:"attachments,omitempty"`
	KeepAttachmentIDs *[]int64           `json:"keep_attachment_ids,omitempty"`
}

// AttachmentInput is a file to attach; with content_id it is an inline
// image the HTML body shows as cid:content_id.
type AttachmentInput struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type,omitempty"`
	ContentID   string `json:"content_id,omitempty"`
	Data        []byte `json:"data"`
}

func (in TemplateInput) change(id int64) phishing.TemplateChange {
	c := phishing.TemplateChange{Template: phishing.Template{ID: id, Name: in.Name, Subject: in.Subject, HTMLBody: in.HTMLBody, TextBody: in.TextBody,
		SenderName: in.SenderName, SenderAddress: in.SenderAddress, QRCode: in.QRCode, Difficulty: in.Difficulty, RedFlags: in.RedFlags}}
	for _, f := range in.Attachments {
		c.Add = append(c.Add, phishing.NewAttachment{Name: f.Name, ContentType: f.ContentType, ContentID: f.ContentID, Data: f.Data})
	}
	if in.KeepAttachmentIDs != nil {
		c.Keep = *in.KeepAttachmentIDs
	}
	return c
}

func (a *API) listTemplates(w http.ResponseWriter, r *http.Request) error {
	limit, after, err := pageParams(r)
	if err != nil {
		return err
	}
	f := phishing.TemplateFilter{AfterID: after, Limit: limit + 1}
	switch r.URL.Query().Get("library") {
	case "":
	case "true":
		f.Library = new(bool)
		*f.Library = true
	case "false":
		f.Library = new(bool)
	default:
		return httpx.Errorf(400, "library is true or false.")
	}
	list, err := a.Phishing.ListTemplates(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, page(list, limit, func(t phishing.Template) int64 { return t.ID }))
	return nil
}

func (a *API) getTemplate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := a.Phishing.Template(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, t)
	return nil
}

func (a *API) createTemplate(w http.ResponseWriter, r *http.Request) error {
	var in TemplateInput
	if err := decodeLarge(r, &in); err != nil {
		return err
	}
	t, err := a.Phishing.CreateTemplate(r.Context(), actor(r, a.Auth), in.change(0))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, t)
	return nil
}

func (a *API) updateTemplate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in TemplateInput
	if err := decodeLarge(r, &in); err != nil {
		return err
	}
	c := in.change(id)
	if in.KeepAttachmentIDs == nil {
		old, err := a.Phishing.Template(r.Context(), id)
		if err != nil {
			return err
		}
		c.Keep = old.KeepAll()
	}
	t, err := a.Phishing.UpdateTemplate(r.Context(), actor(r, a.Auth), c)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, t)
	return nil
}

func (a *API) deleteTemplate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Phishing.DeleteTemplate(r.Context(), actor(r, a.Auth), id); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

func (a *API) copyTemplate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := a.Phishing.CopyTemplate(r.Context(), actor(r, a.Auth), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, t)
	return nil
}

func (a *API) importEML(w http.ResponseWriter, r *http.Request) error {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	if !strings.HasPrefix(ct, "message/rfc822") && !strings.HasPrefix(ct, "text/plain") && !strings.HasPrefix(ct, "application/octet-stream") {
		return httpx.Errorf(415, "Send the .eml file itself as the body, with Content-Type message/rfc822.")
	}
	raw, err := readAll(r, phishing.MaxEML)
	if err != nil {
		return err
	}
	im, err := phishing.ImportEML(raw)
	if err != nil {
		return err
	}
	if n := strings.TrimSpace(r.URL.Query().Get("name")); n != "" {
		im.Template.Name = n
	}
	t, err := a.Phishing.CreateTemplate(r.Context(), actor(r, a.Auth), phishing.TemplateChange{Template: im.Template, Add: im.Attachments})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, t)
	return nil
}

// RenderInput names the directory person a template is rendered for.
type RenderInput struct {
	PersonID int64 `json:"person_id"`
}

// RenderedTemplate is a template rendered for one person.
type RenderedTemplate struct {
	Subject     string   `json:"subject"`
	Text        string   `json:"text"`
	HTML        string   `json:"html"`
	InlineFiles []string `json:"inline_files"`
}

func (a *API) renderTemplate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in RenderInput
	if err := decode(r, &in); err != nil {
		return err
	}
	rec, err := RecipientFor(r, a.Directory, in.PersonID)
	if err != nil {
		return err
	}
	out, err := a.Phishing.RenderFor(r.Context(), id, rec)
	if err != nil {
		return err
	}
	res := RenderedTemplate{Subject: out.Subject, Text: out.Text, HTML: out.HTML, InlineFiles: []string{}}
	for _, f := range out.Files {
		res.InlineFiles = append(res.InlineFiles, f.Name)
	}
	httpx.WriteJSON(w, 200, res)
	return nil
}

// RecipientFor fills a template's variables from a directory person the
// signed-in user may see.
func RecipientFor(r *http.Request, dir *directory.Store, personID int64) (phishing.Recipient, error) {
	ctx := r.Context()
	if personID <= 0 {
		return phishing.Recipient{}, &directory.FieldError{Field: "person_id", Reason: "give the id of a person in the directory"}
	}
	p, err := dir.Person(ctx, personID)
	if err != nil {
		return phishing.Recipient{}, &directory.FieldError{Field: "person_id", Reason: "there is no such person in the directory"}
	}
	if scope := access.PrincipalFrom(ctx).OrganisationScope(); scope != 0 && p.OrganisationID != scope {
		return phishing.Recipient{}, &directory.FieldError{Field: "person_id", Reason: "there is no such person in the directory"}
	}
	return phishing.RecipientFor(ctx, dir, p), nil
}

// LandingPageInput creates or changes a landing page.
type LandingPageInput struct {
	Name        string `json:"name"`
	HTML        string `json:"html"`
	Redirect    string `json:"redirect"`
	RedirectURL string `json:"redirect_url,omitempty"`
}

func (in LandingPageInput) page(id int64) phishing.LandingPage {
	return phishing.LandingPage{ID: id, Name: in.Name, HTML: in.HTML, Redirect: in.Redirect, RedirectURL: in.RedirectURL}
}

func (a *API) listLandingPages(w http.ResponseWriter, r *http.Request) error {
	limit, after, err := pageParams(r)
	if err != nil {
		return err
	}
	list, err := a.Phishing.ListLandingPages(r.Context(), after, limit+1)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, page(list, limit, func(p phishing.LandingPage) int64 { return p.ID }))
	return nil
}

func (a *API) getLandingPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := a.Phishing.LandingPage(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, p)
	return nil
}

func (a *API) createLandingPage(w http.ResponseWriter, r *http.Request) error {
	var in LandingPageInput
	if err := decodeLarge(r, &in); err != nil {
		return err
	}
	p, err := a.Phishing.CreateLandingPage(r.Context(), actor(r, a.Auth), in.page(0))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, p)
	return nil
}

func (a *API) updateLandingPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in LandingPageInput
	if err := decodeLarge(r, &in); err != nil {
		return err
	}
	p, err := a.Phishing.UpdateLandingPage(r.Context(), actor(r, a.Auth), in.page(id))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 200, p)
	return nil
}

func (a *API) deleteLandingPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Phishing.DeleteLandingPage(r.Context(), actor(r, a.Auth), id); err != nil {
		return err
	}
	w.WriteHeader(204)
	return nil
}

func (a *API) copyLandingPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := a.Phishing.CopyLandingPage(r.Context(), actor(r, a.Auth), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, 201, p)
	return nil
}

// decodeLarge is decode for bodies that carry attachments or whole pages:
// up to 16 MiB.
func decodeLarge(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 16<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return httpx.Errorf(400, "The request body is not the JSON this operation takes: %v", err)
	}
	if dec.More() {
		return httpx.Errorf(400, "The request body holds more than one JSON value.")
	}
	return nil
}
