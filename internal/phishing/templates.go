package phishing

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	netmail "net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/files"
)

// Limits on a template's attachments.
const (
	MaxAttachments     = 10
	MaxAttachmentSize  = 5 << 20
	MaxAttachmentTotal = 10 << 20
	maxBody            = 512 << 10
)

// The parts of a message a red flag can point at.
const (
	PartFrom    = "from"
	PartSubject = "subject"
	PartLink    = "link"
	PartBody    = "body"
)

// RedFlag is a sign that gives the message away, shown and explained on the
// teachable moment page. Quote is the words of the body it points at (for
// PartBody, and optionally for the others).
type RedFlag struct {
	Label       string `json:"label"`
	Explanation string `json:"explanation"`
	PointsAt    string `json:"points_at"`
	Quote       string `json:"quote,omitempty"`
}

// Attachment is a file sent with a template's messages; with a ContentID
// it is an inline image the HTML body shows as cid:ContentID.
type Attachment struct {
	ID          int64  `json:"id"`
	FileID      int64  `json:"file_id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	ContentID   string `json:"content_id,omitempty"`
	Size        int64  `json:"size"`
}

// NewAttachment is a file to add to a template.
type NewAttachment struct {
	Name        string
	ContentType string
	ContentID   string
	Data        []byte
}

// Template is an email template of the simulation.
type Template struct {
	ID            int64        `json:"id"`
	Slug          string       `json:"slug,omitempty"`
	Library       bool         `json:"library"`
	Name          string       `json:"name"`
	Subject       string       `json:"subject"`
	HTMLBody      string       `json:"html_body"`
	TextBody      string       `json:"text_body"`
	SenderName    string       `json:"sender_name,omitempty"`
	SenderAddress string       `json:"sender_address,omitempty"`
	QRCode        bool         `json:"qr_code"`
	Difficulty    int          `json:"difficulty"`
	RedFlags      []RedFlag    `json:"red_flags"`
	Attachments   []Attachment `json:"attachments"`
	CreatedAt     time.Time    `json:"created_at"`
	UpdatedAt     time.Time    `json:"updated_at"`
}

// TemplateChange is what creating or changing a template takes: the
// template's fields, the attachments to add, and (on update) the ids of the
// template's attachments to keep; the others are removed.
type TemplateChange struct {
	Template
	Add  []NewAttachment
	Keep []int64
}

// Validate checks a template as it would be saved: fields, red flags and
// every variable in the subject and bodies, with positions.
func (t *Template) Validate() error {
	var err error
	if t.Name, err = checkName(t.Name); err != nil {
		return err
	}
	t.Subject = strings.TrimSpace(t.Subject)
	if t.Subject == "" {
		return invalid("subject", "give the message a subject")
	}
	if hasControl(t.Subject) || len(t.Subject) > 500 {
		return invalid("subject", "the subject is on one line and at most 500 characters")
	}
	if strings.TrimSpace(t.HTMLBody) == "" && strings.TrimSpace(t.TextBody) == "" {
		return invalid("text_body", "give an HTML body, a text body or both")
	}
	if len(t.HTMLBody) > maxBody || len(t.TextBody) > maxBody {
		return invalid("html_body", "a body is larger than 512 KB")
	}
	t.SenderName, t.SenderAddress = strings.TrimSpace(t.SenderName), strings.TrimSpace(t.SenderAddress)
	if hasControl(t.SenderName) || len(t.SenderName) > 200 {
		return invalid("sender_name", "the sender name is on one line and at most 200 characters")
	}
	if t.SenderAddress != "" {
		a, err := netmail.ParseAddress(t.SenderAddress)
		if err != nil || a.Name != "" || hasControl(t.SenderAddress) {
			return invalid("sender_address", "%q is not a bare email address (e.g. it-desk@example.com)", t.SenderAddress)
		}
	}
	if t.Difficulty < 1 || t.Difficulty > 5 {
		return invalid("difficulty", "choose a difficulty from 1 (easy to spot) to 5 (very hard)")
	}
	if len(t.RedFlags) > 20 {
		return invalid("red_flags", "at most 20 red flags")
	}
	for i := range t.RedFlags {
		f := &t.RedFlags[i]
		f.Label, f.Explanation, f.PointsAt, f.Quote = strings.TrimSpace(f.Label), strings.TrimSpace(f.Explanation), strings.TrimSpace(f.PointsAt), strings.TrimSpace(f.Quote)
		switch {
		case f.Label == "" || len(f.Label) > 200 || hasControl(f.Label):
			return invalid("red_flags", "red flag %d: give a short label on one line (at most 200 characters)", i+1)
		case f.Explanation == "" || len(f.Explanation) > 2000:
			return invalid("red_flags", "red flag %d: explain what gives the message away (at most 2,000 characters)", i+1)
		case !slices.Contains([]string{PartFrom, PartSubject, PartLink, PartBody}, f.PointsAt):
			return invalid("red_flags", "red flag %d: it points at from, subject, link or body, not %q", i+1, f.PointsAt)
		case f.PointsAt == PartBody && f.Quote == "":
			return invalid("red_flags", "red flag %d: quote the words of the body it points at", i+1)
		case len(f.Quote) > 500:
			return invalid("red_flags", "red flag %d: the quote is longer than 500 characters", i+1)
		}
	}
	if t.RedFlags == nil {
		t.RedFlags = []RedFlag{}
	}
	return t.checkVariables()
}

// checkVariables validates every variable and renders the template once
// with a sample recipient, so what is saved always renders.
func (t *Template) checkVariables() error {
	fields := []struct{ name, src string }{{"subject", t.Subject}, {"html_body", t.HTMLBody}, {"text_body", t.TextBody}}
	for _, f := range fields {
		segs, err := parseVariables(f.src)
		if err != nil {
			return invalid(f.name, "%v", err)
		}
		used := usedVariables(segs)
		if f.name != "html_body" {
			for _, v := range []string{"TrackingImage", "QRCode"} {
				if used[v] && !(v == "QRCode" && f.name == "text_body") {
					return invalid(f.name, "{{.%s}} is an image and belongs in the HTML body", v)
				}
			}
		}
		if used["QRCode"] && !t.QRCode {
			return invalid(f.name, "{{.QRCode}} needs the QR-code option switched on")
		}
	}
	if t.QRCode {
		segs, _ := parseVariables(t.HTMLBody)
		if !usedVariables(segs)["QRCode"] {
			return invalid("html_body", "the QR-code option is on: put {{.QRCode}} in the HTML body where the code should appear")
		}
	}
	if _, err := renderHTML(t.HTMLBody, sampleRecipient); err != nil {
		return invalid("html_body", "%v", err)
	}
	return nil
}

// Rendered is a template rendered for one recipient.
type Rendered struct {
	Subject string        `json:"subject"`
	Text    string        `json:"text"`
	HTML    string        `json:"html"`
	Files   []MessageFile `json:"-"`
}

// Render fills the template for r; the QR code, when on, becomes an inline
// PNG of r.Link.
func (t Template) Render(r Recipient) (Rendered, error) {
	var out Rendered
	var err error
	if t.QRCode {
		r.QRCode = sampleRecipient.QRCode
	} else {
		r.QRCode = ""
	}
	if out.Subject, err = renderText(t.Subject, r); err != nil {
		return out, invalid("subject", "%v", err)
	}
	if out.Text, err = renderText(t.TextBody, r); err != nil {
		return out, invalid("text_body", "%v", err)
	}
	if strings.TrimSpace(t.HTMLBody) != "" {
		if out.HTML, err = renderHTML(t.HTMLBody, r); err != nil {
			return out, invalid("html_body", "%v", err)
		}
	}
	if t.QRCode {
		png, err := qrPNG(r.Link)
		if err != nil {
			return out, fmt.Errorf("QR code of the link: %w", err)
		}
		out.Files = append(out.Files, MessageFile{Name: "qr-code.png", ContentType: "image/png", ContentID: QRContentID, Data: png})
	}
	return out, nil
}

func (s *Store) checkAttachments(ctx context.Context, q database.Querier, in *TemplateChange) error {
	total := int64(0)
	for _, a := range in.Attachments {
		if slices.Contains(in.Keep, a.ID) {
			total += a.Size
		}
	}
	count := len(in.Keep) + len(in.Add)
	if count > MaxAttachments {
		return invalid("attachments", "at most %d attachments and inline images", MaxAttachments)
	}
	for i := range in.Add {
		a := &in.Add[i]
		a.Name = files.CleanName(a.Name)
		a.ContentID = strings.Trim(strings.TrimSpace(a.ContentID), "<>")
		if len(a.Data) == 0 {
			return invalid("attachments", "%s is empty", a.Name)
		}
		if len(a.Data) > MaxAttachmentSize {
			return invalid("attachments", "%s is larger than %d MB", a.Name, MaxAttachmentSize>>20)
		}
		if hasControl(a.ContentID) || strings.ContainsAny(a.ContentID, " \"") || len(a.ContentID) > 200 {
			return invalid("attachments", "%s: the content ID %q has spaces, quotes or control characters", a.Name, a.ContentID)
		}
		if a.ContentID == QRContentID {
			return invalid("attachments", "%s: the content ID %q is kept for the QR code", a.Name, QRContentID)
		}
		if hasControl(a.ContentType) || len(a.ContentType) > 200 {
			return invalid("attachments", "%s: the content type is not valid", a.Name)
		}
		total += int64(len(a.Data))
	}
	if total > MaxAttachmentTotal {
		return invalid("attachments", "the attachments together are larger than %d MB", MaxAttachmentTotal>>20)
	}
	return nil
}

// saveAttachments keeps the listed attachments, removes the others with
// their files, and stores the new ones.
func (s *Store) saveAttachments(ctx context.Context, tx database.Tx, by audit.Actor, id int64, old []Attachment, in TemplateChange) error {
	for _, a := range old {
		if slices.Contains(in.Keep, a.ID) {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM phishing_template_attachments WHERE id = $1`, a.ID); err != nil {
			return fmt.Errorf("remove attachment: %w", err)
		}
		if err := files.Delete(ctx, tx, a.FileID); err != nil && !errors.Is(err, database.ErrNotFound) {
			return err
		}
	}
	for _, a := range in.Add {
		f, err := files.Put(ctx, tx, a.Name, a.ContentType, a.Data, by.UserID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO phishing_template_attachments (template_id, file_id, name, content_type, content_id, size) VALUES ($1, $2, $3, $4, $5, $6)`,
			id, f.ID, f.Name, f.ContentType, a.ContentID, f.Size); err != nil {
			return fmt.Errorf("store attachment: %w", err)
		}
	}
	return nil
}

// CreateTemplate validates and stores a new template with its attachments.
func (s *Store) CreateTemplate(ctx context.Context, by audit.Actor, in TemplateChange) (Template, error) {
	if err := in.Validate(); err != nil {
		return Template{}, err
	}
	in.Attachments, in.Keep = nil, nil
	if err := s.checkAttachments(ctx, s.db, &in); err != nil {
		return Template{}, err
	}
	var id int64
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		var err error
		id, err = insertTemplate(ctx, tx, in.Template)
		if err != nil {
			return err
		}
		if err := s.saveAttachments(ctx, tx, by, id, nil, in); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, by.Entry("phishing.template.create", "phishing_template", strconv.FormatInt(id, 10),
			map[string]any{"difficulty": in.Difficulty, "red_flags": len(in.RedFlags), "attachments": len(in.Add), "qr_code": in.QRCode}))
	})
	if err != nil {
		return Template{}, err
	}
	return s.Template(ctx, id)
}

func insertTemplate(ctx context.Context, tx database.Querier, t Template) (int64, error) {
	flags, _ := json.Marshal(t.RedFlags)
	now := database.Now()
	var slug any
	if t.Slug != "" {
		slug = t.Slug
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO phishing_templates (slug, library, name, subject, html_body, text_body, sender_name, sender_address, qr_code, difficulty, red_flags, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) ON CONFLICT DO NOTHING RETURNING id`,
		slug, t.Library, t.Name, t.Subject, t.HTMLBody, t.TextBody, t.SenderName, t.SenderAddress, t.QRCode, t.Difficulty, string(flags), now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("%w: there is already a template named %q", database.ErrConflict, t.Name)
	}
	return id, err
}

// UpdateTemplate changes a template; library templates are refused.
func (s *Store) UpdateTemplate(ctx context.Context, by audit.Actor, in TemplateChange) (Template, error) {
	old, err := s.Template(ctx, in.ID)
	if err != nil {
		return Template{}, err
	}
	if old.Library {
		return Template{}, ErrLibrary
	}
	if err := in.Validate(); err != nil {
		return Template{}, err
	}
	in.Attachments = old.Attachments
	if err := s.checkAttachments(ctx, s.db, &in); err != nil {
		return Template{}, err
	}
	flags, _ := json.Marshal(in.RedFlags)
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE phishing_templates SET name = $1, subject = $2, html_body = $3, text_body = $4, sender_name = $5, sender_address = $6,
			qr_code = $7, difficulty = $8, red_flags = $9, updated_at = $10 WHERE id = $11`,
			in.Name, in.Subject, in.HTMLBody, in.TextBody, in.SenderName, in.SenderAddress, in.QRCode, in.Difficulty, string(flags), database.Now(), in.ID)
		if err != nil {
			return conflict(err, "template", in.Name)
		}
		if err := s.saveAttachments(ctx, tx, by, in.ID, old.Attachments, in); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, by.Entry("phishing.template.update", "phishing_template", strconv.FormatInt(in.ID, 10),
			map[string]any{"difficulty": in.Difficulty, "red_flags": len(in.RedFlags), "attachments_added": len(in.Add), "attachments_kept": len(in.Keep), "qr_code": in.QRCode}))
	})
	if err != nil {
		return Template{}, err
	}
	return s.Template(ctx, in.ID)
}

// KeepAll lists a template's attachment ids, for an update that keeps them.
func (t Template) KeepAll() []int64 {
	ids := make([]int64, len(t.Attachments))
	for i, a := range t.Attachments {
		ids[i] = a.ID
	}
	return ids
}

// CopyTemplate makes an editable copy of any template (library ones
// included), attachments and all.
func (s *Store) CopyTemplate(ctx context.Context, by audit.Actor, id int64) (Template, error) {
	t, err := s.Template(ctx, id)
	if err != nil {
		return Template{}, err
	}
	in := TemplateChange{Template: t}
	in.ID, in.Slug, in.Library = 0, "", false
	for i := 1; ; i++ {
		in.Name = "Copy of " + t.Name
		if i > 1 {
			in.Name = fmt.Sprintf("Copy %d of %s", i, t.Name)
		}
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM phishing_templates WHERE name = $1`, in.Name).Scan(&n); err != nil {
			return Template{}, err
		}
		if n == 0 {
			break
		}
	}
	if len(in.Name) > 200 {
		in.Name = in.Name[:200]
	}
	for _, a := range t.Attachments {
		_, data, err := files.Get(ctx, s.db, a.FileID)
		if err != nil {
			return Template{}, err
		}
		in.Add = append(in.Add, NewAttachment{Name: a.Name, ContentType: a.ContentType, ContentID: a.ContentID, Data: data})
	}
	return s.CreateTemplate(ctx, by, in)
}

// DeleteTemplate removes a template and its files; library templates are
// refused.
func (s *Store) DeleteTemplate(ctx context.Context, by audit.Actor, id int64) error {
	t, err := s.Template(ctx, id)
	if err != nil {
		return err
	}
	if t.Library {
		return ErrLibrary
	}
	return s.db.Tx(ctx, func(tx database.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM phishing_template_attachments WHERE template_id = $1`, id); err != nil {
			return err
		}
		for _, a := range t.Attachments {
			if err := files.Delete(ctx, tx, a.FileID); err != nil && !errors.Is(err, database.ErrNotFound) {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM phishing_templates WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete template: %w", err)
		}
		return s.audit.Record(ctx, tx, by.Entry("phishing.template.delete", "phishing_template", strconv.FormatInt(id, 10), map[string]any{"attachments": len(t.Attachments)}))
	})
}

const templateColumns = `id, COALESCE(slug, ''), library, name, subject, html_body, text_body, sender_name, sender_address, qr_code, difficulty, red_flags, created_at, updated_at`

func scanTemplate(row interface{ Scan(...any) error }) (Template, error) {
	var t Template
	var flags string
	if err := row.Scan(&t.ID, &t.Slug, &t.Library, &t.Name, &t.Subject, &t.HTMLBody, &t.TextBody, &t.SenderName, &t.SenderAddress, &t.QRCode, &t.Difficulty, &flags, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return t, notFound(err)
	}
	if err := json.Unmarshal([]byte(flags), &t.RedFlags); err != nil {
		return t, fmt.Errorf("template %d: red flags: %w", t.ID, err)
	}
	if t.RedFlags == nil {
		t.RedFlags = []RedFlag{}
	}
	t.Attachments = []Attachment{}
	return t, nil
}

// Template returns one template with its attachments.
func (s *Store) Template(ctx context.Context, id int64) (Template, error) {
	t, err := scanTemplate(s.db.QueryRowContext(ctx, `SELECT `+templateColumns+` FROM phishing_templates WHERE id = $1`, id))
	if err != nil {
		return t, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, file_id, name, content_type, content_id, size FROM phishing_template_attachments WHERE template_id = $1 ORDER BY id`, id)
	if err != nil {
		return t, fmt.Errorf("template attachments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.ID, &a.FileID, &a.Name, &a.ContentType, &a.ContentID, &a.Size); err != nil {
			return t, err
		}
		t.Attachments = append(t.Attachments, a)
	}
	return t, rows.Err()
}

// AttachmentData returns the content of one of a template's attachments.
func (s *Store) AttachmentData(ctx context.Context, templateID, attachmentID int64) (Attachment, []byte, error) {
	t, err := s.Template(ctx, templateID)
	if err != nil {
		return Attachment{}, nil, err
	}
	for _, a := range t.Attachments {
		if a.ID == attachmentID {
			_, data, err := files.Get(ctx, s.db, a.FileID)
			return a, data, err
		}
	}
	return Attachment{}, nil, database.ErrNotFound
}

// TemplateFilter narrows a template list.
type TemplateFilter struct {
	Library *bool // only library or only own templates
	AfterID int64
	Limit   int
}

// ListTemplates lists templates by id (without attachments).
func (s *Store) ListTemplates(ctx context.Context, f TemplateFilter) ([]Template, error) {
	q := `SELECT ` + templateColumns + ` FROM phishing_templates WHERE id > $1`
	args := []any{f.AfterID}
	if f.Library != nil {
		q += ` AND library = $2`
		args = append(args, *f.Library)
	}
	q += fmt.Sprintf(` ORDER BY id LIMIT %d`, max(f.Limit, 1))
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	defer rows.Close()
	var out []Template
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// CountTemplates counts templates.
func (s *Store) CountTemplates(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM phishing_templates`).Scan(&n)
	return n, err
}

// PreviewLink is the link a preview shows in place of a recipient's own.
const PreviewLink = "https://simulation.example/preview"

// RenderFor renders template id for a directory person's details.
func (s *Store) RenderFor(ctx context.Context, id int64, r Recipient) (Rendered, error) {
	t, err := s.Template(ctx, id)
	if err != nil {
		return Rendered{}, err
	}
	if r.Link == "" {
		r.Link = PreviewLink
	}
	r.TrackingImage = ""
	return t.Render(r)
}
