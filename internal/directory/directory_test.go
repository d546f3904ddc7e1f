package directory

import (
	"context"
	"errors"
	"testing"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

func newTestStore(t *testing.T, db *database.DB) *Store {
	t.Helper()
	l, err := audit.Open(db, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	return NewStore(db, l)
}

var tester = audit.Actor{Label: "test"}

func TestOrganisationHierarchyStaysATree(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		s := newTestStore(t, db)
		ctx := context.Background()
		a, err := s.CreateOrganisation(ctx, tester, Organisation{Name: "Office of Administration", Kind: KindStateAgency})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := s.CreateOrganisation(ctx, tester, Organisation{Name: "Information Technology Services Division", Kind: KindStateAgency, ParentID: a.ID})
		c, _ := s.CreateOrganisation(ctx, tester, Organisation{Name: "Office of Cyber Security", Kind: KindStateAgency, ParentID: b.ID})
		a.ParentID = c.ID
		if _, err := s.UpdateOrganisation(ctx, tester, a); !errors.Is(err, ErrInvalid) {
			t.Fatalf("making a child the parent of its ancestor: err %v", err)
		}
		if _, err := s.CreateOrganisation(ctx, tester, Organisation{Name: "office of administration", Kind: KindStateAgency}); err != nil {
			// names are unique as written; a different case is a different name
			t.Logf("case-different name: %v", err)
		}
		if _, err := s.CreateOrganisation(ctx, tester, Organisation{Name: "Office of Administration", Kind: KindStateAgency}); !errors.Is(err, database.ErrConflict) {
			t.Fatalf("duplicate name: %v", err)
		}
		if _, err := s.CreateOrganisation(ctx, tester, Organisation{Name: "X", Kind: "church"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("unknown kind: %v", err)
		}
	})
}

func TestPersonValidation(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		s := newTestStore(t, db)
		ctx := context.Background()
		cases := []struct {
			p     Person
			field string
		}{
			{Person{Email: "not-an-email"}, "email"},
			{Person{Email: "Jane <jane@example.org>"}, "email"},
			{Person{Email: "jane@example.org", TimeZone: "Mars/Olympus"}, "time_zone"},
			{Person{Email: "jane@example.org", Language: "english!"}, "language"},
			{Person{Email: "jane@example.org", FirstName: "a\nb"}, "first_name"},
		}
		for _, tc := range cases {
			_, err := s.CreatePerson(ctx, tester, tc.p)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Errorf("%+v: err %v, want a problem with %s", tc.p, err, tc.field)
			}
		}
		p, err := s.CreatePerson(ctx, tester, Person{Email: "Jane.Doe@Example.org", FirstName: "Jane", TimeZone: "America/Chicago", Language: "en-US", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if p.Email != "jane.doe@example.org" {
			t.Errorf("email kept as %q", p.Email)
		}
		if _, err := s.CreatePerson(ctx, tester, Person{Email: "jane.doe@example.org"}); !errors.Is(err, database.ErrConflict) {
			t.Errorf("duplicate email: %v", err)
		}
		p.ManagerID = p.ID
		if _, err := s.UpdatePerson(ctx, tester, p); err == nil {
			t.Error("a person became their own manager")
		}
	})
}

func TestListPeoplePagesWithoutGapsOrRepeats(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		s := newTestStore(t, db)
		ctx := context.Background()
		org, _ := s.CreateOrganisation(ctx, tester, Organisation{Name: "Department of Revenue", Kind: KindStateAgency})
		for i := 0; i < 23; i++ {
			p := Person{Email: "p" + string(rune('a'+i)) + "@example.org", Active: true}
			if i%2 == 0 {
				p.OrganisationID = org.ID
			}
			if _, err := s.CreatePerson(ctx, tester, p); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[int64]bool{}
		var after int64
		for pages := 0; ; pages++ {
			page, err := s.ListPeople(ctx, PeopleFilter{AfterID: after, Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, p := range page {
				if seen[p.ID] {
					t.Fatalf("person %d listed twice", p.ID)
				}
				seen[p.ID] = true
			}
			after = page[len(page)-1].ID
		}
		if len(seen) != 23 {
			t.Fatalf("paged through %d people, want 23", len(seen))
		}
		n, _ := s.CountPeople(ctx, PeopleFilter{OrganisationID: org.ID})
		if n != 12 {
			t.Fatalf("%d people in the organisation, want 12", n)
		}
	})
}
