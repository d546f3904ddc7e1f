package directory

import (
	"context"
	"testing"

	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

func TestElectionAuthorityDomains(t *testing.T) {
	auths, err := ElectionAuthorities()
	if err != nil {
		t.Fatal(err)
	}
	if len(auths) != 116 {
		t.Fatalf("roster has %d authorities, want 116", len(auths))
	}
	byID := map[string]Authority{}
	for _, a := range auths {
		byID[a.ExternalID] = a
	}
	cases := []struct{ id, want, why string }{
		{"MO-29001", "adaircomo.gov", `"County of Adair" is the county government`},
		{"MO-29055", "crawfordmo.gov", "the county clerk's own domain"},
		{"MO-29165", "plattecountymovotes.gov", "the board of elections"},
		{"MO-29189", "stlouiscountymovotes.gov", "the board of elections, not the county government"},
		{"MO-29047", "voteclaycountymo.gov", "the board of elections beats the county government"},
		{"MO-29159", "pettisclerk.gov", "the clerk election authority"},
		{"MO-29510", "stl.gov", "an independent city's government"},
		{"MO-29025", "", `only a sheriff's department is registered, labelled "Election"`},
		{"MO-29057", "", "a courthouse is not an organisation"},
		{"MO-KC", "", "the city government is not the board of election commissioners"},
		{"MO-29097", "jaspercountymo.gov", "two domains for the same name: the shorter, not the prosecutor's"},
	}
	for _, tc := range cases {
		a, ok := byID[tc.id]
		if !ok {
			t.Errorf("%s missing from the roster", tc.id)
			continue
		}
		if a.Domain != tc.want {
			t.Errorf("%s (%s): domain %q, want %q: %s", tc.id, a.Name, a.Domain, tc.want, tc.why)
		}
	}
	for _, a := range auths {
		if a.Domain != "" && !(len(a.Domain) > 4 && a.Domain[len(a.Domain)-4:] == ".gov") {
			t.Errorf("%s: %q is not a .gov domain", a.Name, a.Domain)
		}
	}
}

func TestSeedElectionAuthoritiesOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		s := newTestStore(t, db)
		ctx := context.Background()
		n, err := s.SeedElectionAuthorities(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 117 {
			t.Fatalf("seeded %d organisations, want 116 authorities and the Secretary of State", n)
		}
		leas, _ := s.CountOrganisations(ctx, KindLocalElectionAuthority)
		if leas != 116 {
			t.Fatalf("%d local election authorities", leas)
		}
		sos, err := s.ListOrganisations(ctx, OrgFilter{Query: "Secretary of State"})
		if err != nil || len(sos) != 1 {
			t.Fatalf("secretary of state: %v %v", sos, err)
		}
		served, _ := s.Served(ctx, sos[0].ID)
		if len(served) != 116 {
			t.Fatalf("the Secretary of State serves %d authorities, want 116", len(served))
		}
		again, err := s.SeedElectionAuthorities(ctx)
		if err != nil || again != 0 {
			t.Fatalf("second seed added %d (err %v)", again, err)
		}
	})
}
