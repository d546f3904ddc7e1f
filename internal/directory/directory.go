// Package directory owns the people Bulwark serves and protects: the
// organisations they belong to (state agencies, local election authorities,
// partners) and the "serves" relation between them, the people themselves,
// groups of people and teams of users.
package directory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// ErrInvalid wraps validation failures; the message says what to fix.
var ErrInvalid = errors.New("invalid")

// Store reads and changes the directory, auditing every change.
type Store struct {
	db    *database.DB
	audit *audit.Log
}

// NewStore returns a Store over db that audits to log.
func NewStore(db *database.DB, log *audit.Log) *Store { return &Store{db: db, audit: log} }

// OrgKind is what an organisation is.
type OrgKind string

const (
	KindStateAgency            OrgKind = "state_agency"
	KindLocalElectionAuthority OrgKind = "local_election_authority"
	KindFederal                OrgKind = "federal"
	KindFusionCenter           OrgKind = "fusion_center"
	KindISAC                   OrgKind = "isac"
	KindVendor                 OrgKind = "vendor"
	KindOther                  OrgKind = "other"
)

// OrgKinds lists every kind, in the order forms show them.
var OrgKinds = []OrgKind{KindStateAgency, KindLocalElectionAuthority, KindFederal, KindFusionCenter, KindISAC, KindVendor, KindOther}

// Label is the kind as users read it.
func (k OrgKind) Label() string {
	switch k {
	case KindStateAgency:
		return "State agency"
	case KindLocalElectionAuthority:
		return "Local election authority"
	case KindFederal:
		return "Federal"
	case KindFusionCenter:
		return "Fusion centre"
	case KindISAC:
		return "ISAC"
	case KindVendor:
		return "Vendor"
	case KindOther:
		return "Other"
	}
	return string(k)
}

// Valid reports whether k is a known kind.
func (k OrgKind) Valid() bool {
	for _, x := range OrgKinds {
		if x == k {
			return true
		}
	}
	return false
}

// Organisation is an agency, authority or partner.
type Organisation struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	ShortName  string  `json:"short_name,omitempty"`
	Kind       OrgKind `json:"kind"`
	ParentID   int64   `json:"parent_id,omitempty"`
	ExternalID string  `json:"external_id,omitempty"`
	Domain     string  `json:"domain,omitempty"`
	// DomainConfirmed says an administrator confirmed Domain is the
	// organisation's own; only confirmed domains are published.
	DomainConfirmed bool      `json:"domain_confirmed"`
	CountyFIPS      string    `json:"county_fips,omitempty"`
	Authority       string    `json:"authority,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

func (o *Organisation) normalise() error {
	o.Name = strings.TrimSpace(o.Name)
	o.ShortName = strings.TrimSpace(o.ShortName)
	o.Domain = strings.ToLower(strings.TrimSpace(o.Domain))
	if o.Name == "" {
		return fmt.Errorf("%w: an organisation needs a name", ErrInvalid)
	}
	if len(o.Name) > 200 {
		return fmt.Errorf("%w: name is longer than 200 characters", ErrInvalid)
	}
	if o.Kind == "" {
		o.Kind = KindOther
	}
	if !o.Kind.Valid() {
		return fmt.Errorf("%w: unknown organisation kind %q", ErrInvalid, o.Kind)
	}
	if o.Domain != "" && (strings.ContainsAny(o.Domain, " /@:") || !strings.Contains(o.Domain, ".")) {
		return fmt.Errorf("%w: %q is not a domain name", ErrInvalid, o.Domain)
	}
	if o.Domain == "" {
		o.DomainConfirmed = false
	}
	return nil
}

const orgColumns = `id, name, short_name, kind, COALESCE(parent_id, 0), COALESCE(external_id, ''), domain, domain_confirmed, county_fips, authority, created_at, updated_at`

func scanOrg(row interface{ Scan(...any) error }) (Organisation, error) {
	var o Organisation
	err := row.Scan(&o.ID, &o.Name, &o.ShortName, &o.Kind, &o.ParentID, &o.ExternalID, &o.Domain, &o.DomainConfirmed, &o.CountyFIPS, &o.Authority, &o.CreatedAt, &o.UpdatedAt)
	return o, err
}

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateOrganisation adds o and returns it with its id.
func (s *Store) CreateOrganisation(ctx context.Context, by audit.Actor, o Organisation) (Organisation, error) {
	if err := o.normalise(); err != nil {
		return o, err
	}
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		var err error
		o, err = insertOrganisation(ctx, tx, o)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, by.Entry("organisation.create", "organisation", fmt.Sprint(o.ID), map[string]any{"kind": o.Kind, "parent_id": o.ParentID}))
	})
	return o, err
}

func insertOrganisation(ctx context.Context, q database.Querier, o Organisation) (Organisation, error) {
	now := database.Now()
	o.CreatedAt, o.UpdatedAt = now, now
	err := q.QueryRowContext(ctx, `INSERT INTO organisations (name, short_name, kind, parent_id, external_id, domain, domain_confirmed, county_fips, authority, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		o.Name, o.ShortName, o.Kind, nullInt(o.ParentID), nullString(o.ExternalID), o.Domain, o.DomainConfirmed, o.CountyFIPS, o.Authority, now, now).Scan(&o.ID)
	if database.IsUniqueViolation(err) {
		return o, fmt.Errorf("%w: an organisation named %q already exists", database.ErrConflict, o.Name)
	}
	if err != nil {
		return o, fmt.Errorf("create organisation: %w", err)
	}
	return o, nil
}

// UpdateOrganisation changes o's fields (not its id or external id).
func (s *Store) UpdateOrganisation(ctx context.Context, by audit.Actor, o Organisation) (Organisation, error) {
	if err := o.normalise(); err != nil {
		return o, err
	}
	if o.ParentID == o.ID && o.ID != 0 {
		return o, fmt.Errorf("%w: an organisation cannot be its own parent", ErrInvalid)
	}
	err := s.db.Tx(ctx, func(tx database.Tx) error {
		if o.ParentID != 0 {
			// Refuse a parent that sits below o: the hierarchy must stay a tree.
			for p := o.ParentID; p != 0; {
				if p == o.ID {
					return fmt.Errorf("%w: that parent is inside this organisation's own hierarchy", ErrInvalid)
				}
				if err := tx.QueryRowContext(ctx, `SELECT COALESCE(parent_id, 0) FROM organisations WHERE id = $1`, p).Scan(&p); err != nil {
					if errors.Is(err, sql.ErrNoRows) {
						return fmt.Errorf("%w: parent organisation %d does not exist", ErrInvalid, o.ParentID)
					}
					return err
				}
			}
		}
		o.UpdatedAt = database.Now()
		res, err := tx.ExecContext(ctx, `UPDATE organisations SET name = $1, short_name = $2, kind = $3, parent_id = $4, domain = $5, domain_confirmed = $6, county_fips = $7, authority = $8, updated_at = $9 WHERE id = $10`,
			o.Name, o.ShortName, o.Kind, nullInt(o.ParentID), o.Domain, o.DomainConfirmed, o.CountyFIPS, o.Authority, o.UpdatedAt, o.ID)
		if database.IsUniqueViolation(err) {
			return fmt.Errorf("%w: an organisation named %q already exists", database.ErrConflict, o.Name)
		}
		if err != nil {
			return fmt.Errorf("update organisation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return database.ErrNotFound
		}
		return s.audit.Record(ctx, tx, by.Entry("organisation.update", "organisation", fmt.Sprint(o.ID), map[string]any{"kind": o.Kind, "parent_id": o.ParentID, "domain_confirmed": o.DomainConfirmed}))
	})
	if err != nil {
		return o, err
	}
	return s.Organisation(ctx, o.ID)
}

// Organisation returns one organisation.
func (s *Store) Organisation(ctx context.Context, id int64) (Organisation, error) {
	o, err := scanOrg(s.db.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return o, database.ErrNotFound
	}
	return o, err
}

// OrganisationByName finds an organisation by its exact name, ignoring case.
func (s *Store) OrganisationByName(ctx context.Context, name string) (Organisation, error) {
	o, err := scanOrg(s.db.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations WHERE LOWER(name) = LOWER($1)`, strings.TrimSpace(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return o, database.ErrNotFound
	}
	return o, err
}

// OrgFilter narrows ListOrganisations.
type OrgFilter struct {
	Kind OrgKind
	// ConfirmedDomainOnly keeps organisations whose domain an administrator confirmed.
	ConfirmedDomainOnly bool
	Query               string // in name or short name
	OnlyID              int64  // restricts to one organisation (an organisation member's view)
	AfterID             int64  // keyset cursor
	Limit               int
}

// ListOrganisations returns organisations ordered by id.
func (s *Store) ListOrganisations(ctx context.Context, f OrgFilter) ([]Organisation, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Kind != "" {
		add("kind = $%d", f.Kind)
	}
	if f.Query != "" {
		args = append(args, "%"+strings.ToLower(f.Query)+"%")
		where = append(where, fmt.Sprintf("(LOWER(name) LIKE $%d OR LOWER(short_name) LIKE $%d)", len(args), len(args)))
	}
	if f.OnlyID != 0 {
		add("id = $%d", f.OnlyID)
	}
	if f.ConfirmedDomainOnly {
		where = append(where, "domain_confirmed = TRUE AND domain <> ''")
	}
	if f.AfterID != 0 {
		add("id > $%d", f.AfterID)
	}
	q := `SELECT ` + orgColumns + ` FROM organisations`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY id LIMIT %d", clampLimit(f.Limit, 1000))
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	defer rows.Close()
	var out []Organisation
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// CountOrganisations counts organisations, of one kind when kind is set.
func (s *Store) CountOrganisations(ctx context.Context, kind OrgKind) (int, error) {
	var n int
	var err error
	if kind == "" {
		err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations`).Scan(&n)
	} else {
		err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations WHERE kind = $1`, kind).Scan(&n)
	}
	return n, err
}

// SetServes records that provider serves served (e.g. the Secretary of
// State's office serves a county). TLP:AMBER sharing follows this relation.
func (s *Store) SetServes(ctx context.Context, by audit.Actor, providerID, servedID int64, serves bool) error {
	if providerID == servedID {
		return fmt.Errorf("%w: an organisation does not serve itself", ErrInvalid)
	}
	return s.db.Tx(ctx, func(tx database.Tx) error {
		var err error
		if serves {
			_, err = tx.ExecContext(ctx, `INSERT INTO organisation_serves (provider_id, served_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, providerID, servedID)
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM organisation_serves WHERE provider_id = $1 AND served_id = $2`, providerID, servedID)
		}
		if err != nil {
			return fmt.Errorf("serves: %w", err)
		}
		action := "organisation.serves.add"
		if !serves {
			action = "organisation.serves.remove"
		}
		return s.audit.Record(ctx, tx, by.Entry(action, "organisation", fmt.Sprint(providerID), map[string]any{"served_id": servedID}))
	})
}

// Served lists the ids of the organisations provider serves.
func (s *Store) Served(ctx context.Context, providerID int64) ([]int64, error) {
	return s.ids(ctx, `SELECT served_id FROM organisation_serves WHERE provider_id = $1 ORDER BY served_id`, providerID)
}

// Providers lists the ids of the organisations that serve served.
func (s *Store) Providers(ctx context.Context, servedID int64) ([]int64, error) {
	return s.ids(ctx, `SELECT provider_id FROM organisation_serves WHERE served_id = $1 ORDER BY provider_id`, servedID)
}

func (s *Store) ids(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func clampLimit(n, max int) int {
	if n <= 0 {
		return 50
	}
	if n > max {
		return max
	}
	return n
}
