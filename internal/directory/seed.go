package directory

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strings"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

//go:embed seed/mo-election-authorities.csv
var electionAuthoritiesCSV []byte

//go:embed seed/dotgov-missouri.csv
var dotgovCSV []byte

// SecretaryOfStateExternalID identifies the state election office that
// serves every local election authority.
const SecretaryOfStateExternalID = "MO-SOS"

// Authority is one local election authority from the reference roster.
type Authority struct {
	ExternalID   string
	Name         string
	Jurisdiction string
	Authority    string
	CountyFIPS   string
	Domain       string // an official .gov domain, or empty
}

// ElectionAuthorities reads the embedded roster of Missouri's 116 local
// election authorities and attaches official domains.
func ElectionAuthorities() ([]Authority, error) {
	cr := csv.NewReader(bytes.NewReader(electionAuthoritiesCSV))
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("election authorities: %w", err)
	}
	domains, err := officialDomains(bytes.NewReader(dotgovCSV))
	if err != nil {
		return nil, err
	}
	var out []Authority
	for _, r := range recs[1:] {
		a := Authority{ExternalID: r[0], Name: r[1], Jurisdiction: r[2], Authority: r[3], CountyFIPS: r[4]}
		a.Domain = MatchOfficialDomain(a, domains)
		out = append(out, a)
	}
	return out, nil
}

// DotGov is one row of the .gov registry.
type DotGov struct {
	Domain, Type, Organisation string
}

func officialDomains(r io.Reader) ([]DotGov, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("dotgov list: %w", err)
	}
	var out []DotGov
	for _, rec := range recs[1:] {
		out = append(out, DotGov{Domain: strings.ToLower(rec[0]), Type: rec[1], Organisation: rec[2]})
	}
	return out, nil
}

// notGovernment marks registrants that belong to a county but are not its
// clerk, board of elections or government (the registry's own "Election"
// label is not trusted: a sheriff's office carries it too).
var notGovernment = []string{"sheriff", "law enforcement", "health", "911", "emergency", "ambulance", "fire",
	"prosecut", "collector", "assessor", "courthouse", "court house", "library", "school", "district",
	"treasurer", "recorder", "jail", "police", "park", "road", "water", "sewer", "communications", "juvenile", "tourism"}

var electionWords = []string{"clerk", "board of election", "election"}

func normaliseName(s string) string {
	s = strings.ToLower(s)
	s = strings.NewReplacer(".", " ", ",", " ", "'", "", "’", "", "saint ", "st ", "-", " ").Replace(s)
	return " " + strings.Join(strings.Fields(s), " ") + " "
}

// MatchOfficialDomain picks the domain of a's clerk, board of elections or
// county government from the registry, or "" when there is none.
func MatchOfficialDomain(a Authority, registry []DotGov) string {
	var patterns []string
	name := normaliseName(a.Name)
	switch {
	case strings.HasSuffix(strings.TrimSpace(name), " county"):
		base := strings.TrimSuffix(strings.TrimSpace(name), " county")
		patterns = []string{" " + base + " county ", " county of " + base + " "}
	case strings.HasPrefix(strings.TrimSpace(name), "city of "):
		// An independent city is its own county: its government counts.
		patterns = []string{name}
	default:
		return "" // e.g. a city's board: the city government is not it
	}
	type candidate struct {
		domain   string
		election bool
		typed    bool
	}
	var cands []candidate
	for _, d := range registry {
		org := normaliseName(d.Organisation)
		match := false
		for _, p := range patterns {
			if strings.HasPrefix(org, p) || (strings.Contains(org, p) && strings.HasPrefix(p, " county of")) {
				match = true
			}
		}
		if !match {
			continue
		}
		excluded := false
		for _, w := range notGovernment {
			if strings.Contains(org, w) {
				excluded = true
			}
		}
		if excluded {
			continue
		}
		c := candidate{domain: d.Domain, typed: strings.HasSuffix(d.Type, "- Election")}
		for _, w := range electionWords {
			if strings.Contains(org, w) {
				c.election = true
			}
		}
		cands = append(cands, c)
	}
	if len(cands) == 0 {
		return ""
	}
	sort.Slice(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.election != b.election {
			return a.election
		}
		if a.typed != b.typed {
			return a.typed
		}
		if len(a.domain) != len(b.domain) {
			return len(a.domain) < len(b.domain)
		}
		return a.domain < b.domain
	})
	return cands[0].domain
}

// SeedElectionAuthorities adds the local election authorities and the
// Secretary of State's office that serves them, once. Existing rows keep
// what an administrator changed. It returns how many it added.
func (s *Store) SeedElectionAuthorities(ctx context.Context) (int, error) {
	auths, err := ElectionAuthorities()
	if err != nil {
		return 0, err
	}
	added := 0
	err = s.db.Tx(ctx, func(tx database.Tx) error {
		var sosID int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM organisations WHERE external_id = $1`, SecretaryOfStateExternalID).Scan(&sosID)
		if err != nil {
			o, err := insertOrganisation(ctx, tx, Organisation{Name: "Office of the Secretary of State", ShortName: "SOS", Kind: KindStateAgency, ExternalID: SecretaryOfStateExternalID})
			if err != nil {
				return err
			}
			sosID = o.ID
			added++
		}
		for _, a := range auths {
			var id int64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM organisations WHERE external_id = $1`, a.ExternalID).Scan(&id); err == nil {
				continue
			}
			name := a.Name
			if a.Authority == "Board of Election Commissioners" {
				name = a.Name + " Board of Election Commissioners"
			} else {
				name = a.Name + " Clerk"
			}
			o, err := insertOrganisation(ctx, tx, Organisation{Name: name, ShortName: a.Name, Kind: KindLocalElectionAuthority,
				ExternalID: a.ExternalID, Domain: a.Domain, CountyFIPS: a.CountyFIPS, Authority: a.Authority})
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO organisation_serves (provider_id, served_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, sosID, o.ID); err != nil {
				return err
			}
			added++
		}
		if added == 0 {
			return nil
		}
		return s.audit.Record(ctx, tx, audit.System.Entry("organisations.seed", "organisation", "", map[string]any{"added": added}))
	})
	return added, err
}
