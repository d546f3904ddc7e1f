package sharing

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/sharing/matcher"
)

// AllowEntry is a known-good value: matches of it are suppressed and
// entering it as an indicator asks for confirmation. Entries from the
// directory (the confirmed official domains of election authorities) have
// OrganisationID set and ID 0; they follow the directory and are not
// changed here.
type AllowEntry struct {
	ID             int64        `json:"id,omitempty"`
	Type           matcher.Type `json:"type"`
	Value          string       `json:"value"`
	Note           string       `json:"note,omitempty"`
	OrganisationID int64        `json:"organisation_id,omitempty"`
	CreatedAt      *time.Time   `json:"created_at,omitempty"`
}

// AllowInput adds an entry to the allow-list.
type AllowInput struct {
	Type  matcher.Type `json:"type,omitempty"`
	Value string       `json:"value"`
	Note  string       `json:"note,omitempty"`
}

// publicResolvers are the large public DNS resolvers every county's logs
// are full of.
var publicResolvers = []AllowInput{
	{Type: matcher.IPv4, Value: "8.8.8.8", Note: "Google Public DNS"},
	{Type: matcher.IPv4, Value: "8.8.4.4", Note: "Google Public DNS"},
	{Type: matcher.IPv4, Value: "1.1.1.1", Note: "Cloudflare DNS"},
	{Type: matcher.IPv4, Value: "1.0.0.1", Note: "Cloudflare DNS"},
	{Type: matcher.IPv4, Value: "9.9.9.9", Note: "Quad9 DNS"},
}

// SeedAllowList adds the public resolvers if they are missing; it returns
// how many it added.
func (s *Store) SeedAllowList(ctx context.Context) (int, error) {
	added := 0
	for _, in := range publicResolvers {
		res, err := s.db.ExecContext(ctx, `INSERT INTO sharing_allow_list (type, value, note, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (type, value) DO NOTHING`, string(in.Type), in.Value, in.Note, database.Now())
		if err != nil {
			return added, fmt.Errorf("seed the allow-list: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			added++
		}
	}
	return added, nil
}

// AllowList lists the stored entries, then the directory's confirmed
// official election-authority domains.
func (s *Store) AllowList(ctx context.Context) ([]AllowEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, type, value, note, created_at FROM sharing_allow_list ORDER BY type, value`)
	if err != nil {
		return nil, fmt.Errorf("read the allow-list: %w", err)
	}
	defer rows.Close()
	out := []AllowEntry{}
	for rows.Next() {
		var e AllowEntry
		var t string
		var at time.Time
		if err := rows.Scan(&e.ID, &t, &e.Value, &e.Note, &at); err != nil {
			return nil, err
		}
		e.Type, e.CreatedAt = matcher.Type(t), &at
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT id, name, domain FROM organisations WHERE kind = $1 AND domain_confirmed = $2 AND domain <> '' ORDER BY domain`,
		string(directory.KindLocalElectionAuthority), true)
	if err != nil {
		return nil, fmt.Errorf("read the official domains: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e AllowEntry
		var name string
		if err := rows.Scan(&e.OrganisationID, &name, &e.Value); err != nil {
			return nil, err
		}
		e.Type, e.Note = matcher.Domain, "Official domain of "+name
		out = append(out, e)
	}
	return out, rows.Err()
}

// allowSet is the allow-list as a matcher set, to test one value.
func (s *Store) allowSet(ctx context.Context) (*matcher.Set, error) {
	entries, err := s.AllowList(ctx)
	if err != nil {
		return nil, err
	}
	set, _ := matcher.Build(nil, func(yield func(matcher.Indicator) bool) {
		for _, e := range entries {
			if !yield(matcher.Indicator{ID: e.ID, Type: e.Type, Value: e.Value}) {
				return
			}
		}
	})
	return set, nil
}

// AddAllowEntry adds a known-good value.
func (s *Store) AddAllowEntry(ctx context.Context, by audit.Actor, in AllowInput) (AllowEntry, error) {
	t, v, err := NormaliseIndicator(in.Type, in.Value)
	if err != nil {
		return AllowEntry{}, err
	}
	in.Note = strings.TrimSpace(in.Note)
	if len(in.Note) > 500 {
		return AllowEntry{}, invalid("note", "keep the note under 500 characters")
	}
	now := database.Now()
	e := AllowEntry{Type: t, Value: v, Note: in.Note, CreatedAt: &now}
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO sharing_allow_list (type, value, note, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			string(t), v, in.Note, now).Scan(&e.ID)
		if database.IsUniqueViolation(err) {
			return fmt.Errorf("%w: %s is already on the allow-list", database.ErrConflict, v)
		} else if err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, by.Entry("allowlist.add", "allow_entry", strconv.FormatInt(e.ID, 10), map[string]any{"type": string(t)}))
	})
	if err != nil {
		return AllowEntry{}, err
	}
	return e, nil
}
