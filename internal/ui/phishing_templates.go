package ui

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"bulwark/internal/access"
	"bulwark/internal/phishing"
	"bulwark/internal/platform/database"
)

type phTemplateRow struct {
	phishing.Template
	Flags int
}

type phTemplatesData struct {
	Templates   []phTemplateRow
	CanWrite    bool
	Pager       dirPager
	ImportError string
}

func (u *UI) phTemplatesPage(w http.ResponseWriter, r *http.Request, status int, importError string) error {
	after, trail := dirCursor(r)
	list, err := u.Phishing.ListTemplates(r.Context(), phishing.TemplateFilter{AfterID: after, Limit: phPerPage + 1})
	if err != nil {
		return err
	}
	more := len(list) > phPerPage
	if more {
		list = list[:phPerPage]
	}
	d := phTemplatesData{CanWrite: phCanWrite(r), ImportError: importError}
	var last int64
	for _, t := range list {
		d.Templates = append(d.Templates, phTemplateRow{Template: t, Flags: len(t.RedFlags)})
		last = t.ID
	}
	d.Pager = dirMakePager(r, "/phishing/templates", after, trail, last, more)
	return u.render(w, r, status, "phishing_templates", Page{Title: "Email templates", Active: "/phishing", Data: d})
}

func (u *UI) phTemplates(w http.ResponseWriter, r *http.Request) error {
	return u.phTemplatesPage(w, r, 200, "")
}

func (u *UI) phLoadTemplate(r *http.Request) (phishing.Template, error) {
	id, err := dirPathID(r, "id")
	if err != nil {
		return phishing.Template{}, err
	}
	t, err := u.Phishing.Template(r.Context(), id)
	if errors.Is(err, database.ErrNotFound) {
		return t, phNotFound("template")
	}
	return t, err
}

// phPartLabels name the parts of a message a red flag points at.
var phPartLabels = map[string]string{phishing.PartFrom: "The sender", phishing.PartSubject: "The subject", phishing.PartLink: "The link", phishing.PartBody: "The message text"}

type phFlagView struct {
	phishing.RedFlag
	Part string
}

type phTemplateData struct {
	Template     phishing.Template
	Flags        []phFlagView
	CanWrite     bool
	PreviewEmail string
	PreviewError string
	Preview      *phishing.Rendered
}

// phTemplate shows a template; with ?preview=email it also shows the
// subject and text body as that directory person would receive them (the
// HTML is previewed only from the simulation host, never in the app).
func (u *UI) phTemplate(w http.ResponseWriter, r *http.Request) error {
	t, err := u.phLoadTemplate(r)
	if err != nil {
		return err
	}
	d := phTemplateData{Template: t, CanWrite: phCanWrite(r), PreviewEmail: strings.TrimSpace(r.URL.Query().Get("preview"))}
	for _, f := range t.RedFlags {
		d.Flags = append(d.Flags, phFlagView{RedFlag: f, Part: phPartLabels[f.PointsAt]})
	}
	status := 200
	if d.PreviewEmail != "" {
		p, err := u.Directory.PersonByEmail(r.Context(), d.PreviewEmail)
		scope := access.PrincipalFrom(r.Context()).OrganisationScope()
		switch {
		case errors.Is(err, database.ErrNotFound) || err == nil && scope != 0 && p.OrganisationID != scope:
			d.PreviewError, status = "There is no one with this email address in the directory.", 422
		case err != nil:
			return err
		default:
			rec := phishing.RecipientFor(r.Context(), u.Directory, p)
			out, err := u.Phishing.RenderFor(r.Context(), t.ID, rec)
			if err != nil {
				return err
			}
			d.Preview = &out
		}
	}
	return u.render(w, r, status, "phishing_template", Page{Title: t.Name, Active: "/phishing", Data: d})
}

type phFlagRow struct {
	N int
	phishing.RedFlag
}

type phTemplateFormData struct {
	New          bool
	Template     phishing.Template
	Flags        []phFlagRow
	Parts        []dirOption
	Difficulties []int
	Variables    []phishing.VariableDoc
	Errors       map[string]string
	F            map[string]phField
	Summary      []dirErrorItem
	MaxMB        int
}

func (u *UI) phTemplateForm(w http.ResponseWriter, r *http.Request, status int, t phishing.Template, errs map[string]string) error {
	d := phTemplateFormData{New: t.ID == 0, Template: t, Errors: errs, Difficulties: []int{1, 2, 3, 4, 5}, Variables: phishing.Variables, MaxMB: phishing.MaxAttachmentSize >> 20,
		Summary: phErrorSummary(errs, "name", "subject", "sender_name", "sender_address", "difficulty", "text_body", "html_body", "qr_code", "red_flags", "attachments"),
		Parts:   []dirOption{{Value: phishing.PartFrom, Label: "The sender"}, {Value: phishing.PartSubject, Label: "The subject"}, {Value: phishing.PartLink, Label: "The link"}, {Value: phishing.PartBody, Label: "The message text (quote it)"}}}
	d.F = phFields(errs,
		"name", "Name", "For you and your colleagues; recipients do not see it.", t.Name,
		"subject", "Subject", "", t.Subject,
		"sender_name", "Sender name (optional)", "Replaces the sending profile's From name.", t.SenderName,
		"sender_address", "Sender address (optional)", "Replaces the sending profile's From address, e.g. it-desk@example.com.", t.SenderAddress,
		"text_body", "Text body", "What mail programs that do not show HTML display. Errors give the line and column.", t.TextBody,
		"html_body", "HTML body", "Shown by most mail programs. Put {{.Link}} in a link's href and {{.TrackingImage}} near the end.", t.HTMLBody)
	for i, f := range t.RedFlags {
		d.Flags = append(d.Flags, phFlagRow{N: i + 1, RedFlag: f})
	}
	for n := len(t.RedFlags) + 1; n <= len(t.RedFlags)+3; n++ {
		d.Flags = append(d.Flags, phFlagRow{N: n})
	}
	title := "New email template"
	if !d.New {
		title = "Change " + t.Name
	}
	return u.render(w, r, status, "phishing_template_form", Page{Title: title, Active: "/phishing", Data: d})
}

func (u *UI) phTemplateNew(w http.ResponseWriter, r *http.Request) error {
	return u.phTemplateForm(w, r, 200, phishing.Template{Difficulty: 3, TextBody: "Hello {{.FirstName}},\n\n\n{{.Link}}\n"}, nil)
}

func (u *UI) phTemplateEdit(w http.ResponseWriter, r *http.Request) error {
	t, err := u.phLoadTemplate(r)
	if err != nil {
		return err
	}
	if t.Library {
		return dirRedirect(w, r, "info", "Templates from the starter library are not changed: make a copy and change the copy.", phPath("templates", t.ID))
	}
	return u.phTemplateForm(w, r, 200, t, nil)
}

// phMaxUpload bounds a template form with its attachments.
const phMaxUpload = phishing.MaxAttachmentTotal + 2<<20

// phTemplateFromForm reads the template form: fields, red-flag rows, the
// attachments to keep and the files uploaded.
func phTemplateFromForm(w http.ResponseWriter, r *http.Request, id int64) (phishing.TemplateChange, map[string]string) {
	errs := map[string]string{}
	r.Body = http.MaxBytesReader(w, r.Body, phMaxUpload)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			errs["attachments"] = fmt.Sprintf("The upload could not be read; the attachments together may be at most %d MB.", phishing.MaxAttachmentTotal>>20)
		}
	}
	c := phishing.TemplateChange{Template: phishing.Template{ID: id, Name: r.PostFormValue("name"), Subject: r.PostFormValue("subject"),
		HTMLBody: strings.ReplaceAll(r.PostFormValue("html_body"), "\r\n", "\n"), TextBody: strings.ReplaceAll(r.PostFormValue("text_body"), "\r\n", "\n"),
		SenderName: r.PostFormValue("sender_name"), SenderAddress: r.PostFormValue("sender_address"), QRCode: r.PostFormValue("qr_code") != ""}}
	var ok bool
	if c.Difficulty, ok = phFormInt(r, "difficulty"); !ok {
		errs["difficulty"] = "Choose a difficulty from 1 to 5."
	}
	for n := 1; n <= 23; n++ {
		f := phishing.RedFlag{Label: r.PostFormValue(fmt.Sprintf("flag_label_%d", n)), Explanation: r.PostFormValue(fmt.Sprintf("flag_explanation_%d", n)),
			PointsAt: r.PostFormValue(fmt.Sprintf("flag_points_at_%d", n)), Quote: r.PostFormValue(fmt.Sprintf("flag_quote_%d", n))}
		if strings.TrimSpace(f.Label+f.Explanation+f.Quote) == "" {
			continue
		}
		c.RedFlags = append(c.RedFlags, f)
	}
	for _, s := range r.PostForm["keep"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			c.Keep = append(c.Keep, id)
		}
	}
	if r.MultipartForm != nil {
		uploads := r.MultipartForm.File["attachments"]
		if r.PostFormValue("content_id") != "" && len(uploads) > 1 {
			errs["attachments"] = "A content ID names one inline image: add inline images one at a time."
		}
		for _, fh := range uploads {
			if fh.Size == 0 && fh.Filename == "" {
				continue
			}
			f, err := fh.Open()
			if err != nil {
				errs["attachments"] = "An attachment could not be read; try again."
				continue
			}
			data, err := io.ReadAll(io.LimitReader(f, phishing.MaxAttachmentSize+1))
			f.Close()
			if err != nil {
				errs["attachments"] = "An attachment could not be read; try again."
				continue
			}
			c.Add = append(c.Add, phishing.NewAttachment{Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), ContentID: r.PostFormValue("content_id"), Data: data})
		}
	}
	return c, errs
}

func (u *UI) phTemplateCreate(w http.ResponseWriter, r *http.Request) error {
	c, errs := phTemplateFromForm(w, r, 0)
	if len(errs) == 0 {
		t, err := u.Phishing.CreateTemplate(r.Context(), u.actor(r), c)
		if err == nil {
			return dirRedirect(w, r, "success", "The template "+t.Name+" was created.", phPath("templates", t.ID))
		}
		if errs, err = dirFormErrors(err, "name"); err != nil {
			return err
		}
	}
	return u.phTemplateForm(w, r, 422, c.Template, errs)
}

func (u *UI) phTemplateUpdate(w http.ResponseWriter, r *http.Request) error {
	old, err := u.phLoadTemplate(r)
	if err != nil {
		return err
	}
	c, errs := phTemplateFromForm(w, r, old.ID)
	if len(errs) == 0 {
		t, err := u.Phishing.UpdateTemplate(r.Context(), u.actor(r), c)
		if err == nil {
			return dirRedirect(w, r, "success", "The template "+t.Name+" was saved.", phPath("templates", t.ID))
		}
		if errs, err = dirFormErrors(err, "name"); err != nil {
			return err
		}
	}
	for _, a := range old.Attachments {
		if slices.Contains(c.Keep, a.ID) {
			c.Attachments = append(c.Attachments, a)
		}
	}
	return u.phTemplateForm(w, r, 422, c.Template, errs)
}

func (u *UI) phTemplateDelete(w http.ResponseWriter, r *http.Request) error {
	t, err := u.phLoadTemplate(r)
	if err != nil {
		return err
	}
	if err := u.Phishing.DeleteTemplate(r.Context(), u.actor(r), t.ID); err != nil {
		if errors.Is(err, phishing.ErrLibrary) {
			return dirRedirect(w, r, "error", "Templates from the starter library cannot be deleted.", phPath("templates", t.ID))
		}
		return err
	}
	return dirRedirect(w, r, "success", "The template "+t.Name+" was deleted.", "/phishing/templates")
}

func (u *UI) phTemplateCopy(w http.ResponseWriter, r *http.Request) error {
	t, err := u.phLoadTemplate(r)
	if err != nil {
		return err
	}
	c, err := u.Phishing.CopyTemplate(r.Context(), u.actor(r), t.ID)
	if err != nil {
		return err
	}
	return dirRedirect(w, r, "success", "This is your copy of "+t.Name+"; change it as you need.", phPath("templates", c.ID)+"/edit")
}

// phTemplateImport makes a template from an uploaded .eml file.
func (u *UI) phTemplateImport(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, phishing.MaxEML+1<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		return u.phTemplatesPage(w, r, 422, fmt.Sprintf("Choose an .eml file of at most %d MB.", phishing.MaxEML>>20))
	}
	f, _, err := r.FormFile("eml")
	if err != nil {
		return u.phTemplatesPage(w, r, 422, "Choose the .eml file to import.")
	}
	raw, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return u.phTemplatesPage(w, r, 422, "The file could not be read; try again.")
	}
	im, err := phishing.ImportEML(raw)
	if err == nil {
		var t phishing.Template
		t, err = u.Phishing.CreateTemplate(r.Context(), u.actor(r), phishing.TemplateChange{Template: im.Template, Add: im.Attachments})
		if err == nil {
			return dirRedirect(w, r, "success", "The message was imported as the template "+t.Name+". Add its red flags and check its difficulty.", phPath("templates", t.ID)+"/edit")
		}
	}
	errs, err := dirFormErrors(err, "name")
	if err != nil {
		return err
	}
	msgs := []string{}
	for f, m := range errs {
		if l := phFieldLabels[f]; l != "" && f != "eml" {
			m = l + ": " + m
		}
		msgs = append(msgs, m)
	}
	slices.Sort(msgs)
	return u.phTemplatesPage(w, r, 422, "The message could not be imported. "+strings.Join(msgs, " "))
}
