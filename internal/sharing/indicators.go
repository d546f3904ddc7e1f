package sharing

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/idna"

	"bulwark/internal/accounts"
	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/sharing/matcher"
	"bulwark/internal/sharing/stixpattern"
	"bulwark/internal/sharing/tlp"
)

// IndicatorTypes lists the indicator types in the order forms show them.
var IndicatorTypes = []matcher.Type{matcher.IPv4, matcher.IPv6, matcher.CIDR, matcher.Domain, matcher.URL, matcher.Email,
	matcher.MD5, matcher.SHA1, matcher.SHA256}

// Indicator is a value to look for in logs, shared under TLP.
type Indicator struct {
	ID    int64        `json:"id"`
	Type  matcher.Type `json:"type"`
	Value string       `json:"value"`
	// Pattern is the indicator's STIX 2.1 pattern.
	Pattern     string     `json:"pattern"`
	Confidence  int        `json:"confidence"`
	ValidFrom   time.Time  `json:"valid_from"`
	ValidUntil  *time.Time `json:"valid_until,omitempty"`
	SourceOrgID int64      `json:"source_organisation_id,omitempty"`
	Tags        []string   `json:"tags"`
	Sharing
	OwnerOrgID   int64     `json:"owner_organisation_id,omitempty"`
	AuthorUserID int64     `json:"author_user_id,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Object is the indicator as the TLP rules see it.
func (i Indicator) Object() tlp.Object { return i.Sharing.object(i.OwnerOrgID, i.AuthorUserID) }

// Active says whether the indicator is valid at t.
func (i Indicator) Active(t time.Time) bool {
	return !t.Before(i.ValidFrom) && (i.ValidUntil == nil || t.Before(*i.ValidUntil))
}

// IndicatorChange is what the sharer enters.
type IndicatorChange struct {
	// Type may be left empty to have it recognised from the value.
	Type  matcher.Type `json:"type,omitempty"`
	Value string       `json:"value"`
	// Pattern may be left empty to have it written from the value; when
	// given it must test for the value.
	Pattern    string     `json:"pattern,omitempty"`
	Confidence int        `json:"confidence"`
	ValidFrom  *time.Time `json:"valid_from,omitempty"`
	ValidUntil *time.Time `json:"valid_until,omitempty"`
	// SourceOrgID is the organisation the indicator came from; the
	// sharer's own when empty.
	SourceOrgID int64    `json:"source_organisation_id,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	Sharing
	// ConfirmAllowListed adds a value that is on the allow-list of
	// known-good values anyway (its matches stay suppressed).
	ConfirmAllowListed bool `json:"confirm_allow_listed,omitempty"`
}

// ErrAllowListed is wrapped by the warning given when an indicator's value
// is on the allow-list and the sharer has not confirmed.
var ErrAllowListed = errors.New("the value is on the allow-list of known-good values")

// AllowListedError is that warning, shown next to the value field.
type AllowListedError struct{ directory.FieldError }

func (e *AllowListedError) Unwrap() []error { return []error{&e.FieldError, ErrAllowListed} }

// NormaliseIndicator checks a value against its type (recognising the type
// when it is empty) and returns both in the form the hub stores: addresses
// and ranges canonical, domains lower-case in their xn-- form without a
// trailing dot, e-mail domains and hashes lower-case. The matcher decides
// what is valid, so what the hub accepts is what it can match.
func NormaliseIndicator(t matcher.Type, value string) (matcher.Type, string, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		return t, v, invalid("value", "enter the value to look for")
	}
	if t == "" {
		if _, err := netip.ParsePrefix(v); err == nil {
			t = matcher.CIDR
		} else if t = matcher.Classify(v); t == "" {
			if a, err := idna.Lookup.ToASCII(v); err == nil && a != v && matcher.Classify(a) == matcher.Domain {
				t = matcher.Domain
			}
		}
		if t == "" {
			return t, v, invalid("value", "%q is not an address, range, domain, URL, e-mail address or hash; choose its type", v)
		}
	}
	if !slices.Contains(IndicatorTypes, t) {
		return t, v, invalid("type", "%q is not an indicator type", string(t))
	}
	_, bad := matcher.Build(slices.Values([]matcher.Indicator{{Type: t, Value: v}}), nil)
	if len(bad) > 0 {
		return t, v, invalid("value", "%s", bad[0].Reason)
	}
	switch t {
	case matcher.IPv4, matcher.IPv6:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return t, v, invalid("value", "a single address is wanted; use the type cidr for a range")
		}
		v = a.Unmap().String()
	case matcher.CIDR:
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return t, v, invalid("value", "a range is written as address/length, like 192.0.2.0/24")
		}
		v = p.Masked().String()
	case matcher.Domain:
		a, err := idna.Lookup.ToASCII(strings.TrimSuffix(v, "."))
		if err != nil {
			return t, v, invalid("value", "not a valid domain name")
		}
		v = strings.ToLower(a)
	case matcher.Email:
		at := strings.LastIndexByte(v, '@')
		v = v[:at] + strings.ToLower(v[at:])
	case matcher.MD5, matcher.SHA1, matcher.SHA256:
		v = strings.ToLower(v)
	}
	return t, v, nil
}

// stixTarget is the object type and path a STIX pattern tests for a type.
func stixTarget(t matcher.Type, v string) (objectType, path, hash string) {
	switch t {
	case matcher.IPv4:
		return "ipv4-addr", "value", ""
	case matcher.IPv6:
		return "ipv6-addr", "value", ""
	case matcher.CIDR:
		if p, err := netip.ParsePrefix(v); err == nil && p.Addr().Is6() {
			return "ipv6-addr", "value", ""
		}
		return "ipv4-addr", "value", ""
	case matcher.Domain:
		return "domain-name", "value", ""
	case matcher.URL:
		return "url", "value", ""
	case matcher.Email:
		return "email-addr", "value", ""
	case matcher.MD5:
		return "file", "hashes.MD5", "MD5"
	case matcher.SHA1:
		return "file", "hashes.'SHA-1'", "SHA-1"
	}
	return "file", "hashes.'SHA-256'", "SHA-256"
}

// PatternFor writes the STIX 2.1 pattern that tests for one value.
func PatternFor(t matcher.Type, v string) string {
	ot, path, _ := stixTarget(t, v)
	return fmt.Sprintf("[%s:%s = '%s']", ot, path, strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v))
}

// checkPattern parses a given pattern and checks that seeing the value
// alone satisfies it.
func checkPattern(t matcher.Type, v, pattern string) error {
	p, err := stixpattern.Parse(pattern)
	if err != nil {
		return invalid("pattern", "the STIX pattern cannot be read: %v", err)
	}
	ot, _, hash := stixTarget(t, v)
	for _, eq := range stixpattern.Observables(p) {
		if !eq.Sufficient || eq.ObjectType != ot || (hash != "") != (eq.Hash != "") || eq.Hash != hash {
			continue
		}
		if hash == "" && eq.Path != "value" {
			continue
		}
		if _, ev, err := NormaliseIndicator(t, eq.Value); err == nil && ev == v {
			return nil
		}
	}
	return invalid("pattern", "the STIX pattern does not test for %s; leave it empty to have it written for you", v)
}

var indicatorColumns = tlp.Columns{ID: "i.id", Label: "i.tlp", OwnerOrg: "i.owner_org_id", ShareWithServed: "i.share_with_served",
	Author: "i.author_user_id", RecipientOrgs: "sharing_indicator_recipient_orgs", RecipientUsers: "sharing_indicator_recipient_users"}

func (s *Store) checkIndicator(ctx context.Context, ch *IndicatorChange, defaultSource int64) error {
	var err error
	if ch.Type, ch.Value, err = NormaliseIndicator(ch.Type, ch.Value); err != nil {
		return err
	}
	ch.Pattern = strings.TrimSpace(ch.Pattern)
	if ch.Pattern == "" {
		ch.Pattern = PatternFor(ch.Type, ch.Value)
	} else if err := checkPattern(ch.Type, ch.Value, ch.Pattern); err != nil {
		return err
	}
	if ch.Confidence < 0 || ch.Confidence > 100 {
		return invalid("confidence", "confidence is a number from 0 to 100")
	}
	if ch.ValidFrom == nil {
		now := database.Now()
		ch.ValidFrom = &now
	}
	if ch.ValidUntil != nil && !ch.ValidUntil.After(*ch.ValidFrom) {
		return invalid("valid_until", "the end of validity must come after its start")
	}
	if ch.SourceOrgID == 0 {
		ch.SourceOrgID = defaultSource
	} else if _, err := s.dir.Organisation(ctx, ch.SourceOrgID); err != nil {
		return invalid("source_organisation_id", "there is no organisation %d", ch.SourceOrgID)
	}
	var tags []string
	for _, t := range ch.Tags {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
			if len(t) > 64 || strings.Contains(t, ",") {
				return invalid("tags", "a tag is at most 64 characters, without commas")
			}
			tags = append(tags, t)
		}
	}
	slices.Sort(tags)
	ch.Tags = slices.Compact(tags)
	if err := s.checkSharing(ctx, &ch.Sharing); err != nil {
		return err
	}
	if !ch.ConfirmAllowListed {
		set, err := s.allowSet(ctx)
		if err != nil {
			return err
		}
		if set.AllowListed(matcher.Indicator{Type: ch.Type, Value: ch.Value}) {
			return &AllowListedError{directory.FieldError{Field: "value", Reason: fmt.Sprintf(
				"%s is on the allow-list of known-good values, so it will never raise an alert; confirm to add it anyway", ch.Value)}}
		}
	}
	return nil
}

// CreateIndicator shares a new indicator; the author's organisation owns it.
func (s *Store) CreateIndicator(ctx context.Context, by audit.Actor, author accounts.User, ch IndicatorChange) (Indicator, error) {
	if err := s.checkIndicator(ctx, &ch, author.OrganisationID); err != nil {
		return Indicator{}, err
	}
	now := database.Now()
	var id int64
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO sharing_indicators (type, value, pattern, confidence, valid_from, valid_until, source_org_id, tags,
			tlp, owner_org_id, share_with_served, author_user_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id`,
			string(ch.Type), ch.Value, ch.Pattern, ch.Confidence, ch.ValidFrom.UTC(), nullTime(ch.ValidUntil), nullID(ch.SourceOrgID),
			strings.Join(ch.Tags, ","), ch.TLP.Code(), nullID(author.OrganisationID), ch.ShareWithServed, nullID(author.ID), now).Scan(&id)
		if err != nil {
			return err
		}
		if err := writeRecipients(ctx, tx, "sharing_indicator_recipient", id, ch.Sharing); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, by.Entry("indicator.create", "indicator", strconv.FormatInt(id, 10),
			map[string]any{"type": string(ch.Type), "tlp": ch.TLP.Code(), "allow_listed_confirmed": ch.ConfirmAllowListed}))
	})
	if err != nil {
		return Indicator{}, fmt.Errorf("create indicator: %w", err)
	}
	return s.loadIndicator(ctx, id)
}

// UpdateIndicator changes an indicator; only the owner organisation may.
func (s *Store) UpdateIndicator(ctx context.Context, by audit.Actor, v Viewer, id int64, ch IndicatorChange) (Indicator, error) {
	cur, err := s.Indicator(ctx, v, id)
	if err != nil {
		return Indicator{}, err
	}
	if cur.OwnerOrgID == 0 || cur.OwnerOrgID != v.Reader.OrgID {
		return Indicator{}, ErrNotOwner
	}
	if err := s.checkIndicator(ctx, &ch, cur.SourceOrgID); err != nil {
		return Indicator{}, err
	}
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sharing_indicators SET type = $1, value = $2, pattern = $3, confidence = $4, valid_from = $5,
			valid_until = $6, source_org_id = $7, tags = $8, tlp = $9, share_with_served = $10, updated_at = $11 WHERE id = $12`,
			string(ch.Type), ch.Value, ch.Pattern, ch.Confidence, ch.ValidFrom.UTC(), nullTime(ch.ValidUntil), nullID(ch.SourceOrgID),
			strings.Join(ch.Tags, ","), ch.TLP.Code(), ch.ShareWithServed, database.Now(), id)
		if err != nil {
			return err
		}
		if err := writeRecipients(ctx, tx, "sharing_indicator_recipient", id, ch.Sharing); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, by.Entry("indicator.update", "indicator", strconv.FormatInt(id, 10),
			map[string]any{"tlp": ch.TLP.Code(), "tlp_before": cur.TLP.Code()}))
	})
	if err != nil {
		return Indicator{}, fmt.Errorf("update indicator %d: %w", id, err)
	}
	return s.loadIndicator(ctx, id)
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

const indicatorSelect = `SELECT i.id, i.type, i.value, i.pattern, i.confidence, i.valid_from, i.valid_until, COALESCE(i.source_org_id, 0), i.tags,
	i.tlp, COALESCE(i.owner_org_id, 0), i.share_with_served, COALESCE(i.author_user_id, 0), i.created_at, i.updated_at FROM sharing_indicators i`

func scanIndicator(row interface{ Scan(...any) error }) (Indicator, error) {
	var i Indicator
	var typ, tags, label string
	var until *time.Time
	err := row.Scan(&i.ID, &typ, &i.Value, &i.Pattern, &i.Confidence, &i.ValidFrom, &until, &i.SourceOrgID, &tags,
		&label, &i.OwnerOrgID, &i.ShareWithServed, &i.AuthorUserID, &i.CreatedAt, &i.UpdatedAt)
	if err != nil {
		return i, err
	}
	i.Type, i.ValidUntil = matcher.Type(typ), until
	i.Tags = []string{}
	for t := range strings.SplitSeq(tags, ",") {
		if t != "" {
			i.Tags = append(i.Tags, t)
		}
	}
	i.TLP, _ = tlp.Parse(label)
	return i, nil
}

func (s *Store) loadIndicator(ctx context.Context, id int64) (Indicator, error) {
	i, err := scanIndicator(s.db.QueryRowContext(ctx, indicatorSelect+` WHERE i.id = $1`, id))
	if err != nil {
		return Indicator{}, notFound(err)
	}
	return i, s.readRecipients(ctx, "sharing_indicator_recipient", id, &i.Sharing)
}

// Indicator reads one indicator if v may read it; otherwise ErrNotFound.
func (s *Store) Indicator(ctx context.Context, v Viewer, id int64) (Indicator, error) {
	i, err := s.loadIndicator(ctx, id)
	if err != nil {
		return Indicator{}, err
	}
	if !v.CanRead(i.Object()) {
		return Indicator{}, database.ErrNotFound
	}
	return i, nil
}

// IndicatorFilter narrows a list of indicators.
type IndicatorFilter struct {
	Type     matcher.Type
	Query    string    // text in the value or tags
	ActiveAt time.Time // only indicators valid at this time
	BeforeID int64
	Limit    int
}

func (f IndicatorFilter) where(v Viewer) (string, []any) {
	cond, args := indicatorColumns.Condition(v.Reader, v.Providers, 1)
	w := []string{cond}
	add := func(clause string, vals ...any) {
		for _, val := range vals {
			args = append(args, val)
			clause = strings.Replace(clause, "?", fmt.Sprintf("$%d", len(args)), 1)
		}
		w = append(w, clause)
	}
	if f.Type != "" {
		add(`i.type = ?`, string(f.Type))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		q = "%" + strings.ToLower(q) + "%"
		add(`(LOWER(i.value) LIKE ? OR i.tags LIKE ?)`, q, q)
	}
	if !f.ActiveAt.IsZero() {
		add(`i.valid_from <= ? AND (i.valid_until IS NULL OR i.valid_until > ?)`, f.ActiveAt, f.ActiveAt)
	}
	if f.BeforeID > 0 {
		add(`i.id < ?`, f.BeforeID)
	}
	return " WHERE " + strings.Join(w, " AND "), args
}

// ListIndicators lists, newest first, the indicators v may read.
func (s *Store) ListIndicators(ctx context.Context, v Viewer, f IndicatorFilter) ([]Indicator, error) {
	where, args := f.where(v)
	q := indicatorSelect + where + ` ORDER BY i.id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list indicators: %w", err)
	}
	defer rows.Close()
	var out []Indicator
	for rows.Next() {
		i, err := scanIndicator(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// CountIndicatorsByType counts the indicators v may read that match f, by type.
func (s *Store) CountIndicatorsByType(ctx context.Context, v Viewer, f IndicatorFilter) (map[matcher.Type]int, error) {
	where, args := f.where(v)
	rows, err := s.db.QueryContext(ctx, `SELECT i.type, COUNT(*) FROM sharing_indicators i`+where+` GROUP BY i.type`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[matcher.Type]int{}
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return nil, err
		}
		out[matcher.Type(t)] = n
	}
	return out, rows.Err()
}
