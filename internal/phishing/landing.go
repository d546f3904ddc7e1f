package phishing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// Where a person goes after submitting a landing page.
const (
	RedirectTeachableMoment = "teachable_moment"
	RedirectURL             = "url"
)

const maxLandingHTML = 1 << 20

// LandingPage is a page served on the simulation listener when a
// recipient follows their link. Its forms post back to the listener, which
// records only that a submission happened and which fields were filled.
type LandingPage struct {
	ID          int64       `json:"id"`
	Slug        string      `json:"slug,omitempty"`
	Library     bool        `json:"library"`
	Name        string      `json:"name"`
	HTML        string      `json:"html"`
	Redirect    string      `json:"redirect"`
	RedirectURL string      `json:"redirect_url,omitempty"`
	Fields      []FieldInfo `json:"fields"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

// FieldInfo is a form field of a landing page: its name and whether it is a
// password field (whose value, like every value, is never stored).
type FieldInfo struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Password bool   `json:"password"`
}

// Label is how a page names the field.
func (f FieldInfo) Label() string {
	if f.Password {
		return "a password field"
	}
	if f.Name == "" {
		return "an unnamed " + f.Type + " field"
	}
	return f.Name
}

// RewriteForms makes every form of a landing page post to submitURL (the
// simulation listener's submit path) and lists the fields the forms hold.
// Everything else of the page is kept byte for byte.
func RewriteForms(src, submitURL string) (string, []FieldInfo, error) {
	if len(src) > maxLandingHTML {
		return "", nil, fmt.Errorf("the page is larger than %d KB", maxLandingHTML>>10)
	}
	z := html.NewTokenizer(strings.NewReader(src))
	var b strings.Builder
	fields := []FieldInfo{}
	inForm := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if errors.Is(z.Err(), io.EOF) {
				break
			}
			return "", nil, fmt.Errorf("the page could not be read: %w", z.Err())
		}
		raw := string(z.Raw())
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken && tt != html.EndTagToken {
			b.WriteString(raw)
			continue
		}
		tok := z.Token()
		switch tok.Data {
		case "form":
			if tt == html.EndTagToken {
				if inForm > 0 {
					inForm--
				}
				b.WriteString(raw)
				continue
			}
			inForm++
			attrs := []html.Attribute{{Key: "action", Val: submitURL}, {Key: "method", Val: "post"}}
			for _, a := range tok.Attr {
				switch a.Key {
				case "action", "method", "target", "enctype", "onsubmit":
				default:
					attrs = append(attrs, a)
				}
			}
			tok.Attr = attrs
			b.WriteString(tok.String())
			continue
		case "input", "select", "textarea":
			if tt != html.EndTagToken {
				f := FieldInfo{Type: tok.Data}
				for _, a := range tok.Attr {
					switch a.Key {
					case "name":
						f.Name = a.Val
					case "type":
						if tok.Data == "input" {
							f.Type = strings.ToLower(strings.TrimSpace(a.Val))
						}
					}
				}
				if tok.Data == "input" && f.Type == "input" {
					f.Type = "text"
				}
				switch f.Type {
				case "submit", "button", "reset", "image", "hidden":
				default:
					f.Password = f.Type == "password"
					fields = append(fields, f)
				}
			}
		}
		// A button's formaction would send the form elsewhere.
		if tt != html.EndTagToken && hasAttr(tok, "formaction") {
			var attrs []html.Attribute
			for _, a := range tok.Attr {
				if a.Key != "formaction" && a.Key != "formmethod" && a.Key != "formtarget" && a.Key != "formenctype" {
					attrs = append(attrs, a)
				}
			}
			tok.Attr = attrs
			b.WriteString(tok.String())
			continue
		}
		b.WriteString(raw)
	}
	return b.String(), fields, nil
}

func hasAttr(t html.Token, key string) bool {
	for _, a := range t.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func (p *LandingPage) validate() error {
	var err error
	if p.Name, err = checkName(p.Name); err != nil {
		return err
	}
	if strings.TrimSpace(p.HTML) == "" {
		return invalid("html", "give the page's HTML")
	}
	if len(p.HTML) > maxLandingHTML {
		return invalid("html", "the page is larger than 1 MB")
	}
	if _, p.Fields, err = RewriteForms(p.HTML, "/submit"); err != nil {
		return invalid("html", "%v", err)
	}
	if p.Redirect == "" {
		p.Redirect = RedirectTeachableMoment
	}
	switch p.Redirect {
	case RedirectTeachableMoment:
		p.RedirectURL = ""
	case RedirectURL:
		p.RedirectURL = strings.TrimSpace(p.RedirectURL)
		u, err := url.Parse(p.RedirectURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || hasControl(p.RedirectURL) || len(p.RedirectURL) > 2000 {
			return invalid("redirect_url", "give a full web address starting with https://")
		}
	default:
		return invalid("redirect", "choose teachable_moment or url")
	}
	return nil
}

const landingColumns = `id, COALESCE(slug, ''), library, name, html, redirect, redirect_url, created_at, updated_at`

func scanLanding(row interface{ Scan(...any) error }) (LandingPage, error) {
	var p LandingPage
	if err := row.Scan(&p.ID, &p.Slug, &p.Library, &p.Name, &p.HTML, &p.Redirect, &p.RedirectURL, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return p, notFound(err)
	}
	_, p.Fields, _ = RewriteForms(p.HTML, "/submit")
	if p.Fields == nil {
		p.Fields = []FieldInfo{}
	}
	return p, nil
}

// LandingPage returns one landing page.
func (s *Store) LandingPage(ctx context.Context, id int64) (LandingPage, error) {
	return scanLanding(s.db.QueryRowContext(ctx, `SELECT `+landingColumns+` FROM phishing_landing_pages WHERE id = $1`, id))
}

// ListLandingPages lists landing pages by id.
func (s *Store) ListLandingPages(ctx context.Context, afterID int64, limit int) ([]LandingPage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+landingColumns+` FROM phishing_landing_pages WHERE id > $1 ORDER BY id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list landing pages: %w", err)
	}
	defer rows.Close()
	var out []LandingPage
	for rows.Next() {
		p, err := scanLanding(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CountLandingPages counts landing pages.
func (s *Store) CountLandingPages(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM phishing_landing_pages`).Scan(&n)
	return n, err
}

func insertLanding(ctx context.Context, q database.Querier, p LandingPage) (int64, error) {
	var slug any
	if p.Slug != "" {
		slug = p.Slug
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO phishing_landing_pages (slug, library, name, html, redirect, redirect_url, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING RETURNING id`,
		slug, p.Library, p.Name, p.HTML, p.Redirect, p.RedirectURL, database.Now()).Scan(&id)
	if err != nil && notFound(err) == database.ErrNotFound {
		return 0, fmt.Errorf("%w: there is already a landing page named %q", database.ErrConflict, p.Name)
	}
	return id, err
}

// CreateLandingPage validates and stores a landing page.
func (s *Store) CreateLandingPage(ctx context.Context, by audit.Actor, p LandingPage) (LandingPage, error) {
	p.ID, p.Slug, p.Library = 0, "", false
	if err := p.validate(); err != nil {
		return LandingPage{}, err
	}
	var id int64
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		var err error
		if id, err = insertLanding(ctx, tx, p); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, by.Entry("phishing.landing_page.create", "phishing_landing_page", strconv.FormatInt(id, 10),
			map[string]any{"fields": len(p.Fields), "redirect": p.Redirect}))
	})
	if err != nil {
		return LandingPage{}, err
	}
	return s.LandingPage(ctx, id)
}

// UpdateLandingPage changes a landing page; library pages are refused.
func (s *Store) UpdateLandingPage(ctx context.Context, by audit.Actor, p LandingPage) (LandingPage, error) {
	old, err := s.LandingPage(ctx, p.ID)
	if err != nil {
		return LandingPage{}, err
	}
	if old.Library {
		return LandingPage{}, ErrLibrary
	}
	if err := p.validate(); err != nil {
		return LandingPage{}, err
	}
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE phishing_landing_pages SET name = $1, html = $2, redirect = $3, redirect_url = $4, updated_at = $5 WHERE id = $6`,
			p.Name, p.HTML, p.Redirect, p.RedirectURL, database.Now(), p.ID)
		if err != nil {
			return conflict(err, "landing page", p.Name)
		}
		return s.audit.Record(ctx, tx, by.Entry("phishing.landing_page.update", "phishing_landing_page", strconv.FormatInt(p.ID, 10),
			map[string]any{"fields": len(p.Fields), "redirect": p.Redirect}))
	})
	if err != nil {
		return LandingPage{}, err
	}
	return s.LandingPage(ctx, p.ID)
}

// DeleteLandingPage removes a landing page; library pages are refused.
func (s *Store) DeleteLandingPage(ctx context.Context, by audit.Actor, id int64) error {
	old, err := s.LandingPage(ctx, id)
	if err != nil {
		return err
	}
	if old.Library {
		return ErrLibrary
	}
	return s.db.Tx(ctx, func(tx database.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM phishing_landing_pages WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete landing page: %w", err)
		}
		return s.audit.Record(ctx, tx, by.Entry("phishing.landing_page.delete", "phishing_landing_page", strconv.FormatInt(id, 10), nil))
	})
}

// CopyLandingPage makes an editable copy of a landing page.
func (s *Store) CopyLandingPage(ctx context.Context, by audit.Actor, id int64) (LandingPage, error) {
	p, err := s.LandingPage(ctx, id)
	if err != nil {
		return LandingPage{}, err
	}
	base := p.Name
	for i := 1; i < 100; i++ {
		p.Name = "Copy of " + base
		if i > 1 {
			p.Name = fmt.Sprintf("Copy %d of %s", i, base)
		}
		if len(p.Name) > 200 {
			p.Name = p.Name[:200]
		}
		c, err := s.CreateLandingPage(ctx, by, p)
		if !errors.Is(err, database.ErrConflict) {
			return c, err
		}
	}
	return LandingPage{}, fmt.Errorf("%w: too many copies of %q", database.ErrConflict, base)
}
