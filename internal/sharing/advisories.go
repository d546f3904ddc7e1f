package sharing

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"bulwark/internal/accounts"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/sharing/tlp"
)

// Severity is how serious an advisory is.
type Severity string

// The severities, least serious first.
const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Severities lists every severity, least serious first.
var Severities = []Severity{SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}

// Category is the part of an election an advisory is about.
type Category string

// The election-relevant categories.
const (
	CategoryVoterRegistration Category = "voter_registration"
	CategoryEPollbooks        Category = "e_pollbooks"
	CategoryReportingSite     Category = "election_night_reporting"
	CategoryEmail             Category = "email"
	CategoryBallotPrinting    Category = "ballot_printing"
	CategoryVendors           Category = "vendors"
	CategoryDisinformation    Category = "disinformation"
	CategoryPhysical          Category = "physical"
)

// Categories lists every category in the order forms show them.
var Categories = []Category{CategoryVoterRegistration, CategoryEPollbooks, CategoryReportingSite, CategoryEmail,
	CategoryBallotPrinting, CategoryVendors, CategoryDisinformation, CategoryPhysical}

// Label is the category's name as people read it.
func (c Category) Label() string {
	switch c {
	case CategoryVoterRegistration:
		return "Voter registration"
	case CategoryEPollbooks:
		return "E-pollbooks"
	case CategoryReportingSite:
		return "Election-night reporting site"
	case CategoryEmail:
		return "Email"
	case CategoryBallotPrinting:
		return "Ballot printing"
	case CategoryVendors:
		return "Vendors"
	case CategoryDisinformation:
		return "Disinformation"
	case CategoryPhysical:
		return "Physical"
	}
	return string(c)
}

// Advisory is a written warning shared under TLP. Body is Markdown, shown
// only through sanitize.Markdown.
type Advisory struct {
	ID         int64      `json:"id"`
	Title      string     `json:"title"`
	Summary    string     `json:"summary"`
	Body       string     `json:"body"`
	Severity   Severity   `json:"severity"`
	Categories []Category `json:"categories"`
	// Affected are the organisations the advisory is about.
	Affected []int64 `json:"affected_organisations"`
	Sharing
	OwnerOrgID   int64     `json:"owner_organisation_id,omitempty"`
	AuthorUserID int64     `json:"author_user_id,omitempty"`
	Version      int       `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Object is the advisory as the TLP rules see it.
func (a Advisory) Object() tlp.Object { return a.Sharing.object(a.OwnerOrgID, a.AuthorUserID) }

// AdvisoryChange is what the author writes; every edit makes a new version.
type AdvisoryChange struct {
	Title      string     `json:"title"`
	Summary    string     `json:"summary,omitempty"`
	Body       string     `json:"body,omitempty"`
	Severity   Severity   `json:"severity"`
	Categories []Category `json:"categories,omitempty"`
	Affected   []int64    `json:"affected_organisations,omitempty"`
	Sharing
}

// AdvisoryVersion is one earlier or current text of an advisory. It is read
// under the advisory's current label.
type AdvisoryVersion struct {
	Version      int        `json:"version"`
	Title        string     `json:"title"`
	Summary      string     `json:"summary"`
	Body         string     `json:"body"`
	Severity     Severity   `json:"severity"`
	Categories   []Category `json:"categories"`
	AuthorUserID int64      `json:"author_user_id,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
}

// Comment is a remark on an advisory. Its label is never looser than the
// advisory's (a looser one is refused, not silently tightened): it is read
// by those who may read the advisory and whom the comment's own label,
// applied to the advisory's owner and recipients, lets in. A RED comment
// reaches its writer, the advisory's author and the advisory's named
// individuals.
type Comment struct {
	ID           int64     `json:"id"`
	AdvisoryID   int64     `json:"advisory_id"`
	TLP          tlp.Label `json:"tlp"`
	Body         string    `json:"body"`
	AuthorUserID int64     `json:"author_user_id,omitempty"`
	AuthorOrgID  int64     `json:"author_organisation_id,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// AdvisoryFilter narrows a list of advisories.
type AdvisoryFilter struct {
	Severity Severity
	Category Category
	Query    string // text in the title or summary
	Since    time.Time
	BeforeID int64 // newest first: only ids below this
	Limit    int
}

var advisoryColumns = tlp.Columns{ID: "a.id", Label: "a.tlp", OwnerOrg: "a.owner_org_id", ShareWithServed: "a.share_with_served",
	Author: "a.author_user_id", RecipientOrgs: "sharing_advisory_recipient_orgs", RecipientUsers: "sharing_advisory_recipient_users"}

func (s *Store) checkAdvisory(ctx context.Context, ch *AdvisoryChange) error {
	ch.Title = strings.TrimSpace(ch.Title)
	ch.Summary = strings.TrimSpace(ch.Summary)
	switch {
	case ch.Title == "":
		return invalid("title", "give the advisory a title")
	case utf8.RuneCountInString(ch.Title) > 200:
		return invalid("title", "keep the title under 200 characters")
	case utf8.RuneCountInString(ch.Summary) > 2000:
		return invalid("summary", "keep the summary under 2,000 characters")
	case len(ch.Body) > 200_000:
		return invalid("body", "the text is longer than 200,000 characters")
	case !slices.Contains(Severities, ch.Severity):
		return invalid("severity", "choose a severity: low, medium, high or critical")
	}
	for _, c := range ch.Categories {
		if !slices.Contains(Categories, c) {
			return invalid("categories", "%q is not one of the election categories", string(c))
		}
	}
	ch.Categories = sortedSet(ch.Categories)
	ch.Affected = sortedSet(ch.Affected)
	for _, id := range ch.Affected {
		if _, err := s.dir.Organisation(ctx, id); err != nil {
			return invalid("affected_organisations", "there is no organisation %d", id)
		}
	}
	return s.checkSharing(ctx, &ch.Sharing)
}

func joinCategories(cs []Category) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = string(c)
	}
	return strings.Join(parts, ",")
}

func splitCategories(s string) []Category {
	out := []Category{}
	for p := range strings.SplitSeq(s, ",") {
		if p != "" {
			out = append(out, Category(p))
		}
	}
	return out
}

// CreateAdvisory shares a new advisory; the author's organisation owns it.
func (s *Store) CreateAdvisory(ctx context.Context, by audit.Actor, author accounts.User, ch AdvisoryChange) (Advisory, error) {
	if err := s.checkAdvisory(ctx, &ch); err != nil {
		return Advisory{}, err
	}
	now := database.Now()
	var id int64
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO sharing_advisories (title, summary, body, severity, categories, version, tlp,
			owner_org_id, share_with_served, author_user_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9, $10, $10) RETURNING id`,
			ch.Title, ch.Summary, ch.Body, string(ch.Severity), joinCategories(ch.Categories), ch.TLP.Code(),
			nullID(author.OrganisationID), ch.ShareWithServed, nullID(author.ID), now).Scan(&id)
		if err != nil {
			return err
		}
		if err := writeAdvisoryDetails(ctx, tx, id, 1, author.ID, now, ch); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, by.Entry("advisory.create", "advisory", strconv.FormatInt(id, 10),
			map[string]any{"tlp": ch.TLP.Code(), "severity": string(ch.Severity), "recipients": len(ch.Recipients), "recipient_users": len(ch.RecipientUsers)}))
	})
	if err != nil {
		return Advisory{}, fmt.Errorf("create advisory: %w", err)
	}
	return s.loadAdvisory(ctx, id)
}

func writeAdvisoryDetails(ctx context.Context, tx database.Tx, id int64, version int, author int64, now time.Time, ch AdvisoryChange) error {
	if err := writeRecipients(ctx, tx, "sharing_advisory_recipient", id, ch.Sharing); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sharing_advisory_affected WHERE advisory_id = $1`, id); err != nil {
		return err
	}
	for _, o := range ch.Affected {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sharing_advisory_affected (advisory_id, org_id) VALUES ($1, $2)`, id, o); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO sharing_advisory_versions (advisory_id, version, title, summary, body, severity, categories, author_user_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, id, version, ch.Title, ch.Summary, ch.Body, string(ch.Severity), joinCategories(ch.Categories), nullID(author), now)
	return err
}

// UpdateAdvisory writes a new version. Only members of the owner
// organisation may; to anyone who may not read it, it does not exist.
func (s *Store) UpdateAdvisory(ctx context.Context, by audit.Actor, v Viewer, id int64, ch AdvisoryChange) (Advisory, error) {
	cur, err := s.Advisory(ctx, v, id)
	if err != nil {
		return Advisory{}, err
	}
	if cur.OwnerOrgID == 0 || cur.OwnerOrgID != v.Reader.OrgID {
		return Advisory{}, ErrNotOwner
	}
	if err := s.checkAdvisory(ctx, &ch); err != nil {
		return Advisory{}, err
	}
	now := database.Now()
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		var version int
		err := tx.QueryRowContext(ctx, `UPDATE sharing_advisories SET title = $1, summary = $2, body = $3, severity = $4, categories = $5,
			tlp = $6, share_with_served = $7, version = version + 1, updated_at = $8 WHERE id = $9 RETURNING version`,
			ch.Title, ch.Summary, ch.Body, string(ch.Severity), joinCategories(ch.Categories), ch.TLP.Code(), ch.ShareWithServed, now, id).Scan(&version)
		if err != nil {
			return notFound(err)
		}
		if err := writeAdvisoryDetails(ctx, tx, id, version, v.Reader.UserID, now, ch); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, by.Entry("advisory.update", "advisory", strconv.FormatInt(id, 10),
			map[string]any{"version": version, "tlp": ch.TLP.Code(), "tlp_before": cur.TLP.Code(), "recipients": len(ch.Recipients)}))
	})
	if err != nil {
		return Advisory{}, fmt.Errorf("update advisory %d: %w", id, err)
	}
	return s.loadAdvisory(ctx, id)
}

const advisorySelect = `SELECT a.id, a.title, a.summary, a.body, a.severity, a.categories, a.version, a.tlp,
	COALESCE(a.owner_org_id, 0), a.share_with_served, COALESCE(a.author_user_id, 0), a.created_at, a.updated_at FROM sharing_advisories a`

func scanAdvisory(row interface{ Scan(...any) error }) (Advisory, error) {
	var a Advisory
	var sev, cats, label string
	err := row.Scan(&a.ID, &a.Title, &a.Summary, &a.Body, &sev, &cats, &a.Version, &label, &a.OwnerOrgID, &a.ShareWithServed,
		&a.AuthorUserID, &a.CreatedAt, &a.UpdatedAt)
	if err != nil {
		return a, err
	}
	a.Severity, a.Categories = Severity(sev), splitCategories(cats)
	a.TLP, _ = tlp.Parse(label) // an unreadable label stays invalid, and invalid is read by no one
	a.Affected = []int64{}
	return a, nil
}

// loadAdvisory reads an advisory without any TLP check: only for returning
// what the caller has just written.
func (s *Store) loadAdvisory(ctx context.Context, id int64) (Advisory, error) {
	a, err := scanAdvisory(s.db.QueryRowContext(ctx, advisorySelect+` WHERE a.id = $1`, id))
	if err != nil {
		return Advisory{}, notFound(err)
	}
	if err := s.readRecipients(ctx, "sharing_advisory_recipient", id, &a.Sharing); err != nil {
		return Advisory{}, err
	}
	aff, err := s.int64s(ctx, `SELECT org_id FROM sharing_advisory_affected WHERE advisory_id = $1 ORDER BY org_id`, id)
	if err != nil {
		return Advisory{}, err
	}
	if aff != nil {
		a.Affected = aff
	}
	return a, nil
}

// Advisory reads one advisory if v may read it; otherwise ErrNotFound.
func (s *Store) Advisory(ctx context.Context, v Viewer, id int64) (Advisory, error) {
	a, err := s.loadAdvisory(ctx, id)
	if err != nil {
		return Advisory{}, err
	}
	if !v.CanRead(a.Object()) {
		return Advisory{}, database.ErrNotFound
	}
	return a, nil
}

func (f AdvisoryFilter) where(v Viewer) (string, []any) {
	cond, args := advisoryColumns.Condition(v.Reader, v.Providers, 1)
	w := []string{cond}
	add := func(clause string, val any) {
		args = append(args, val)
		w = append(w, strings.ReplaceAll(clause, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Severity != "" {
		add(`a.severity = ?`, string(f.Severity))
	}
	if f.Category != "" {
		add(`(',' || a.categories || ',') LIKE ?`, "%,"+string(f.Category)+",%")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		add(`(LOWER(a.title) LIKE ? OR LOWER(a.summary) LIKE ?)`, "%"+strings.ToLower(q)+"%")
	}
	if !f.Since.IsZero() {
		add(`a.created_at >= ?`, f.Since)
	}
	if f.BeforeID > 0 {
		add(`a.id < ?`, f.BeforeID)
	}
	return " WHERE " + strings.Join(w, " AND "), args
}

// ListAdvisories lists, newest first, the advisories v may read.
func (s *Store) ListAdvisories(ctx context.Context, v Viewer, f AdvisoryFilter) ([]Advisory, error) {
	where, args := f.where(v)
	q := advisorySelect + where + ` ORDER BY a.id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list advisories: %w", err)
	}
	defer rows.Close()
	var out []Advisory
	for rows.Next() {
		a, err := scanAdvisory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CountAdvisories counts the advisories v may read that match f.
func (s *Store) CountAdvisories(ctx context.Context, v Viewer, f AdvisoryFilter) (int, error) {
	where, args := f.where(v)
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sharing_advisories a`+where, args...).Scan(&n)
	return n, err
}

// AdvisoryVersions lists every version of an advisory v may read, newest first.
func (s *Store) AdvisoryVersions(ctx context.Context, v Viewer, id int64) ([]AdvisoryVersion, error) {
	if _, err := s.Advisory(ctx, v, id); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT version, title, summary, body, severity, categories, COALESCE(author_user_id, 0), created_at
		FROM sharing_advisory_versions WHERE advisory_id = $1 ORDER BY version DESC`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AdvisoryVersion{}
	for rows.Next() {
		var ver AdvisoryVersion
		var sev, cats string
		if err := rows.Scan(&ver.Version, &ver.Title, &ver.Summary, &ver.Body, &sev, &cats, &ver.AuthorUserID, &ver.CreatedAt); err != nil {
			return nil, err
		}
		ver.Severity, ver.Categories = Severity(sev), splitCategories(cats)
		out = append(out, ver)
	}
	return out, rows.Err()
}

// commentObject is a comment as the TLP rules see it: the advisory's
// audience under the comment's (never looser) label, with the comment's
// author as an individual reader.
func commentObject(a Advisory, c Comment) tlp.Object {
	o := a.Object()
	o.Label = tlp.Stricter(a.TLP, c.TLP)
	o.RecipientUsers = append(slices.Clone(o.RecipientUsers), c.AuthorUserID)
	o.AuthorUserID = a.AuthorUserID
	return o
}

// Comments lists, oldest first, the comments on an advisory that v may read.
func (s *Store) Comments(ctx context.Context, v Viewer, advisoryID int64) ([]Comment, error) {
	a, err := s.Advisory(ctx, v, advisoryID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, advisory_id, tlp, body, COALESCE(author_user_id, 0), COALESCE(author_org_id, 0), created_at
		FROM sharing_advisory_comments WHERE advisory_id = $1 ORDER BY id`, advisoryID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Comment{}
	for rows.Next() {
		var c Comment
		var label string
		if err := rows.Scan(&c.ID, &c.AdvisoryID, &label, &c.Body, &c.AuthorUserID, &c.AuthorOrgID, &c.CreatedAt); err != nil {
			return nil, err
		}
		c.TLP, _ = tlp.Parse(label)
		if v.CanRead(commentObject(a, c)) {
			out = append(out, c)
		}
	}
	return out, rows.Err()
}

// AddComment adds a comment to an advisory v may read. Its label must be
// as strict as the advisory's or stricter; none given means the advisory's.
func (s *Store) AddComment(ctx context.Context, by audit.Actor, v Viewer, advisoryID int64, label tlp.Label, body string) (Comment, error) {
	a, err := s.Advisory(ctx, v, advisoryID)
	if err != nil {
		return Comment{}, err
	}
	body = strings.TrimSpace(body)
	if label == 0 {
		label = a.TLP
	}
	switch {
	case body == "":
		return Comment{}, invalid("body", "write the comment")
	case len(body) > 20_000:
		return Comment{}, invalid("body", "keep the comment under 20,000 characters")
	case !label.Valid():
		return Comment{}, invalid("tlp", "choose a TLP label")
	case tlp.Stricter(label, a.TLP) != label:
		return Comment{}, invalid("tlp", "a comment cannot be shared more widely than its advisory (%s)", a.TLP)
	}
	c := Comment{AdvisoryID: advisoryID, TLP: label, Body: body, AuthorUserID: v.Reader.UserID, AuthorOrgID: v.Reader.OrgID, CreatedAt: database.Now()}
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO sharing_advisory_comments (advisory_id, tlp, body, author_user_id, author_org_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, advisoryID, label.Code(), body, nullID(c.AuthorUserID), nullID(c.AuthorOrgID), c.CreatedAt).Scan(&c.ID)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, by.Entry("advisory.comment", "advisory", strconv.FormatInt(advisoryID, 10),
			map[string]any{"comment_id": c.ID, "tlp": label.Code()}))
	})
	if err != nil {
		return Comment{}, fmt.Errorf("comment on advisory %d: %w", advisoryID, err)
	}
	return c, nil
}
