package sharing

import (
	"context"
	"errors"
	"testing"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
	"bulwark/internal/sharing/tlp"
)

func TestAdvisoryVersionsCommentsAndOwner(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := newTestWorld(t, db)
		owner := w.users[0]
		view := func(i int) Viewer {
			v, err := w.s.Viewer(ctx, w.users[i])
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		a, err := w.s.CreateAdvisory(ctx, audit.System, owner, AdvisoryChange{Title: "Ballot printer outage", Severity: SeverityHigh,
			Categories: []Category{CategoryBallotPrinting, CategoryVendors, CategoryVendors}, Body: "one",
			Sharing: Sharing{TLP: tlp.Amber, Recipients: []int64{owner.OrganisationID}, ShareWithServed: true}})
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Categories) != 2 || a.OwnerOrgID != owner.OrganisationID || a.Version != 1 {
			t.Fatalf("%+v", a)
		}
		// The served organisation (users[2] is in orgs[1]) reads it; org 3 does not.
		if _, err := w.s.Advisory(ctx, view(2), a.ID); err != nil {
			t.Fatalf("served organisation: %v", err)
		}
		if _, err := w.s.Advisory(ctx, view(6), a.ID); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("outsider: %v", err)
		}
		if _, err := w.s.UpdateAdvisory(ctx, audit.System, view(2), a.ID, AdvisoryChange{Title: "x", Severity: SeverityLow, Sharing: Sharing{TLP: tlp.Clear}}); !errors.Is(err, ErrNotOwner) {
			t.Fatalf("a reader changed it: %v", err)
		}
		if _, err := w.s.UpdateAdvisory(ctx, audit.System, view(6), a.ID, AdvisoryChange{Title: "x", Severity: SeverityLow, Sharing: Sharing{TLP: tlp.Clear}}); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("an outsider learnt it exists: %v", err)
		}
		// A colleague in the owner organisation makes version 2, narrowing it.
		a2, err := w.s.UpdateAdvisory(ctx, audit.System, view(1), a.ID, AdvisoryChange{Title: "Ballot printer outage", Severity: SeverityCritical, Body: "two",
			Sharing: Sharing{TLP: tlp.AmberStrict, Recipients: []int64{owner.OrganisationID}, ShareWithServed: true}})
		if err != nil {
			t.Fatal(err)
		}
		if a2.Version != 2 || a2.ShareWithServed {
			t.Fatalf("version %d, share with served %v (only AMBER passes on)", a2.Version, a2.ShareWithServed)
		}
		if _, err := w.s.AdvisoryVersions(ctx, view(2), a.ID); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("the served organisation still reads the history after narrowing: %v", err)
		}
		vs, err := w.s.AdvisoryVersions(ctx, view(1), a.ID)
		if err != nil || len(vs) != 2 || vs[0].Body != "two" || vs[1].Body != "one" {
			t.Fatalf("%+v %v", vs, err)
		}
		// Comments: never looser; a RED comment reaches its writer, the
		// advisory's author and the advisory's named individuals only.
		if _, err := w.s.AddComment(ctx, audit.System, view(1), a.ID, tlp.Green, "x"); err == nil {
			t.Fatal("a GREEN comment on an AMBER+STRICT advisory")
		}
		if _, err := w.s.AddComment(ctx, audit.System, view(1), a.ID, tlp.Red, "colleague only"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.AddComment(ctx, audit.System, view(0), a.ID, 0, "for the organisation"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.Comments(ctx, view(2), a.ID); !errors.Is(err, database.ErrNotFound) {
			t.Errorf("comments of an advisory the reader may not read: %v", err)
		}
		for i, want := range map[int]int{0: 2, 1: 2} {
			cs, err := w.s.Comments(ctx, view(i), a.ID)
			if err != nil || len(cs) != want {
				t.Errorf("user %d reads %d comments (%v), want %d", i, len(cs), err, want)
			}
		}
	})
}

func TestAllowListSeedAndDirectory(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := newTestWorld(t, db)
		for want := range []int{5, 0} {
			n, err := w.s.SeedAllowList(ctx)
			if err != nil || n != []int{5, 0}[want] {
				t.Fatalf("seed added %d (%v)", n, err)
			}
		}
		if _, err := db.ExecContext(ctx, `UPDATE organisations SET domain = 'org1votes.gov', domain_confirmed = $1 WHERE id = $2`, true, w.orgs[1]); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `UPDATE organisations SET domain = 'unconfirmed.gov' WHERE id = $1`, w.orgs[2]); err != nil {
			t.Fatal(err)
		}
		set, err := w.s.allowSet(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for v, want := range map[string]bool{"https://elections.org1votes.gov/x": true, "9.9.9.9": true, "unconfirmed.gov": false, "9.9.9.10": false} {
			typ, nv, err := NormaliseIndicator("", v)
			if err != nil {
				t.Fatal(err)
			}
			if got := set.AllowListed(matcherIndicator(typ, nv)); got != want {
				t.Errorf("%s allow-listed = %v", v, got)
			}
		}
		if _, err := w.s.AddAllowEntry(ctx, audit.System, AllowInput{Value: "9.9.9.9"}); !errors.Is(err, database.ErrConflict) {
			t.Fatalf("duplicate: %v", err)
		}
		if _, err := w.s.AddAllowEntry(ctx, audit.System, AllowInput{Value: "not a value"}); err == nil {
			t.Fatal("accepted a bad value")
		}
	})
}
