package sharing

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
	"bulwark/internal/sharing/tlp"
)

type testWorld struct {
	s     *Store
	orgs  []int64
	users []accounts.User
}

// newTestWorld makes five organisations (the first serves the second and
// third) and two users in each, plus one user without organisation.
func newTestWorld(t *testing.T, db *database.DB) testWorld {
	t.Helper()
	ctx := context.Background()
	l, err := audit.Open(db, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	dir := directory.NewStore(db, l)
	w := testWorld{s: NewStore(db, l, dir)}
	for i := range 5 {
		o, err := dir.CreateOrganisation(ctx, audit.System, directory.Organisation{Name: fmt.Sprint("Org ", i), Kind: directory.KindLocalElectionAuthority})
		if err != nil {
			t.Fatal(err)
		}
		w.orgs = append(w.orgs, o.ID)
	}
	for _, served := range w.orgs[1:3] {
		if err := dir.SetServes(ctx, audit.System, w.orgs[0], served, true); err != nil {
			t.Fatal(err)
		}
	}
	user := func(org int64) {
		email := fmt.Sprintf("u%d@example.gov", len(w.users))
		p, err := dir.CreatePerson(ctx, audit.System, directory.Person{Email: email, OrganisationID: org, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		if err := db.QueryRowContext(ctx, `INSERT INTO users (person_id, email, name, role, created_at, updated_at) VALUES ($1, $2, $2, 'analyst', $3, $3) RETURNING id`,
			p.ID, email, database.Now()).Scan(&id); err != nil {
			t.Fatal(err)
		}
		w.users = append(w.users, accounts.User{ID: id, Email: email, OrganisationID: org, Role: accounts.RoleAnalyst})
	}
	for _, o := range w.orgs {
		user(o)
		user(o)
	}
	user(0)
	return w
}

func pick[T any](r *rand.Rand, from []T, max int) []T {
	var out []T
	for range r.IntN(max + 1) {
		out = append(out, from[r.IntN(len(from))])
	}
	return out
}

// TestListsCountsAndGetsAgreeWithCanRead shares random advisories and
// indicators and checks, for every user, that the SQL list, the count and
// the single read each let through exactly what tlp.CanRead allows.
func TestListsCountsAndGetsAgreeWithCanRead(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := newTestWorld(t, db)
		r := rand.New(rand.NewPCG(5, 11))
		userIDs := make([]int64, len(w.users))
		for i, u := range w.users {
			userIDs[i] = u.ID
		}
		var advs []Advisory
		var inds []Indicator
		for i := range 40 {
			author := w.users[r.IntN(len(w.users))]
			sh := Sharing{TLP: tlp.Labels()[r.IntN(5)], Recipients: pick(r, w.orgs, 2), ShareWithServed: r.IntN(2) == 0, RecipientUsers: pick(r, userIDs, 2)}
			a, err := w.s.CreateAdvisory(ctx, audit.System, author, AdvisoryChange{Title: fmt.Sprint("A", i), Severity: SeverityLow, Sharing: sh})
			if err != nil {
				t.Fatal(err)
			}
			advs = append(advs, a)
			ind, err := w.s.CreateIndicator(ctx, audit.System, author, IndicatorChange{Value: fmt.Sprintf("host%d.example", i), Confidence: 50, Sharing: sh})
			if err != nil {
				t.Fatal(err)
			}
			inds = append(inds, ind)
		}
		for _, u := range w.users {
			v, err := w.s.Viewer(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			serves := tlp.ProvidersOf{Org: u.OrganisationID, Providers: v.Providers}
			var wantA, gotA, wantI, gotI []int64
			for _, a := range advs {
				if tlp.CanRead(v.Reader, a.Object(), serves) {
					wantA = append(wantA, a.ID)
				}
				_, err := w.s.Advisory(ctx, v, a.ID)
				if (err == nil) != tlp.CanRead(v.Reader, a.Object(), serves) {
					t.Errorf("user %d, advisory %d (%s): get error %v", u.ID, a.ID, a.TLP, err)
				}
			}
			for _, i := range inds {
				if tlp.CanRead(v.Reader, i.Object(), serves) {
					wantI = append(wantI, i.ID)
				}
			}
			list, err := w.s.ListAdvisories(ctx, v, AdvisoryFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range list {
				gotA = append(gotA, a.ID)
			}
			ilist, err := w.s.ListIndicators(ctx, v, IndicatorFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, i := range ilist {
				gotI = append(gotI, i.ID)
			}
			slices.Sort(gotA)
			slices.Sort(gotI)
			if !slices.Equal(gotA, wantA) || !slices.Equal(gotI, wantI) {
				t.Errorf("user %d (org %d): advisories %v want %v; indicators %v want %v", u.ID, u.OrganisationID, gotA, wantA, gotI, wantI)
			}
			n, err := w.s.CountAdvisories(ctx, v, AdvisoryFilter{})
			if err != nil || n != len(wantA) {
				t.Errorf("user %d: count %d (%v), want %d", u.ID, n, err, len(wantA))
			}
			byType, err := w.s.CountIndicatorsByType(ctx, v, IndicatorFilter{})
			if err != nil || byType["domain"] != len(wantI) {
				t.Errorf("user %d: indicator count %v (%v), want %d", u.ID, byType, err, len(wantI))
			}
		}
	})
}

func TestReaderFor(t *testing.T) {
	if r := ReaderFor(accounts.User{ID: 3, OrganisationID: 9, Role: accounts.RoleAdmin}); r != (tlp.Reader{UserID: 3, OrgID: 9, HubMember: true}) {
		t.Errorf("%+v", r)
	}
	if r := ReaderFor(accounts.User{ID: 4, Role: accounts.RoleAuditor}); r.HubMember || r.Public {
		t.Errorf("a user without organisation is not a hub member: %+v", r)
	}
}
