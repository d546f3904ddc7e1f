package directory

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

// groupFixture is two organisations with a few people each.
type groupFixture struct {
	s           *Store
	boone, cole Organisation
	people      map[string]Person // by local part of the email
}

func newGroupFixture(t *testing.T, db *database.DB) *groupFixture {
	t.Helper()
	ctx := context.Background()
	f := &groupFixture{s: newTestStore(t, db), people: map[string]Person{}}
	var err error
	if f.boone, err = f.s.CreateOrganisation(ctx, tester, Organisation{Name: "Boone County Clerk", Kind: KindLocalElectionAuthority}); err != nil {
		t.Fatal(err)
	}
	if f.cole, err = f.s.CreateOrganisation(ctx, tester, Organisation{Name: "Cole County Clerk", Kind: KindLocalElectionAuthority}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []Person{
		{Email: "ann@boone.example.org", OrganisationID: f.boone.ID, Department: "Elections", Title: "Clerk", Location: "Columbia", Active: true},
		{Email: "bob@boone.example.org", OrganisationID: f.boone.ID, Department: "Elections", Title: "Deputy", Location: "Columbia", Active: true},
		{Email: "cat@boone.example.org", OrganisationID: f.boone.ID, Department: "Elections", Title: "Deputy", Location: "Ashland", Active: false},
		{Email: "dan@boone.example.org", OrganisationID: f.boone.ID, Department: "Finance", Title: "Deputy", Location: "Columbia", Active: true},
		{Email: "eve@cole.example.org", OrganisationID: f.cole.ID, Department: "Elections", Title: "Clerk", Location: "Jefferson City", Active: true},
	} {
		got, err := f.s.CreatePerson(ctx, tester, p)
		if err != nil {
			t.Fatal(err)
		}
		f.people[p.Email[:3]] = got
	}
	return f
}

func (f *groupFixture) ids(names ...string) []int64 {
	var out []int64
	for _, n := range names {
		out = append(out, f.people[n].ID)
	}
	slices.Sort(out)
	return out
}

func memberIDs(t *testing.T, s *Store, scope Scope, groupID int64) []int64 {
	t.Helper()
	var out []int64
	var after int64
	for {
		page, err := s.GroupMembers(context.Background(), scope, groupID, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		for _, p := range page {
			out = append(out, p.ID)
		}
		after = page[len(page)-1].ID
	}
}

func TestGroupValidation(t *testing.T) {
	cases := []struct {
		name  string
		g     Group
		field string
	}{
		{"no name", Group{Kind: GroupStatic}, "name"},
		{"unknown kind", Group{Name: "x", Kind: "smart"}, "kind"},
		{"static with a department", Group{Name: "x", Kind: GroupStatic, Department: "IT"}, "department"},
		{"line break in title", Group{Name: "x", Kind: GroupFiltered, Title: "a\nb"}, "title"},
		{"missing organisation", Group{Name: "x", Kind: GroupFiltered, OrganisationID: 999999}, "organisation"},
	}
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		s := newTestStore(t, db)
		ctx := context.Background()
		for _, c := range cases {
			_, err := s.CreateGroup(ctx, tester, c.g)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != c.field || fe.Reason == "" {
				t.Errorf("%s: err %v, want a field error on %s", c.name, err, c.field)
			}
		}
		if n, _ := s.CountGroups(ctx, AllOrganisations, GroupQuery{}); n != 0 {
			t.Fatalf("refused groups were written: %d", n)
		}
		if _, err := s.CreateGroup(ctx, tester, Group{Name: "Everyone", Kind: GroupFiltered}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateGroup(ctx, tester, Group{Name: "Everyone", Kind: GroupStatic}); !errors.Is(err, database.ErrConflict) {
			t.Fatalf("duplicate name: %v", err)
		}
	})
}

func TestFilterGroupFollowsTheDirectory(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		f := newGroupFixture(t, db)
		s, ctx := f.s, context.Background()
		deputies, err := s.CreateGroup(ctx, tester, Group{Name: "Boone election deputies", Kind: GroupFiltered,
			OrganisationID: f.boone.ID, Department: "Elections", Title: "Deputy", ActiveOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := memberIDs(t, s, AllOrganisations, deputies.ID), f.ids("bob"); !slices.Equal(got, want) {
			t.Fatalf("members %v, want %v (cat is switched off, dan is in Finance)", got, want)
		}
		// Someone who joins later is a member without any edit of the group.
		fay, err := s.CreatePerson(ctx, tester, Person{Email: "fay@boone.example.org", OrganisationID: f.boone.ID, Department: "Elections", Title: "Deputy", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountGroupMembers(ctx, AllOrganisations, deputies.ID); n != 2 {
			t.Fatalf("after fay joined: %d members, want 2", n)
		}
		// Switching the filter to include inactive people brings cat in.
		deputies.ActiveOnly = false
		if _, err := s.UpdateGroup(ctx, tester, deputies); err != nil {
			t.Fatal(err)
		}
		want := append(f.ids("bob", "cat"), fay.ID)
		slices.Sort(want)
		if got := memberIDs(t, s, AllOrganisations, deputies.ID); !slices.Equal(got, want) {
			t.Fatalf("members %v, want %v", got, want)
		}
		groups, err := s.GroupsOfPerson(ctx, AllOrganisations, fay.ID)
		if err != nil || len(groups) != 1 || groups[0].ID != deputies.ID {
			t.Fatalf("groups of fay: %v %v", groups, err)
		}
		if _, err := s.AddGroupMembers(ctx, tester, deputies.ID, f.ids("ann")); !errors.Is(err, ErrInvalid) {
			t.Fatalf("adding to a filter group: %v", err)
		}
	})
}

func TestStaticGroupMembersByEmail(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		f := newGroupFixture(t, db)
		s, ctx := f.s, context.Background()
		g, err := s.CreateGroup(ctx, tester, Group{Name: "Boone pilot", Kind: GroupStatic, OrganisationID: f.boone.ID, ActiveOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.AddGroupMembersByEmail(ctx, tester, g.ID, SplitEmails("ANN@boone.example.org, bob@boone.example.org\nnot-an-address; ghost@example.org\neve@cole.example.org ann@boone.example.org cat@boone.example.org"))
		if err != nil {
			t.Fatal(err)
		}
		wantErrs := []EmailError{
			{"not-an-address", "is not an email address"},
			{"ghost@example.org", "nobody with this address is in the directory"},
			{"eve@cole.example.org", "belongs to another organisation than this group's"},
		}
		if rep.Added != 3 || rep.AlreadyMembers != 0 {
			t.Errorf("report %+v, want 3 added", rep)
		}
		if diff := cmp.Diff(wantErrs, rep.Errors); diff != "" {
			t.Errorf("errors (-want +got):\n%s", diff)
		}
		// cat was added but is switched off: not a member while active_only.
		if got, want := memberIDs(t, s, AllOrganisations, g.ID), f.ids("ann", "bob"); !slices.Equal(got, want) {
			t.Fatalf("members %v, want %v", got, want)
		}
		rep, _ = s.AddGroupMembersByEmail(ctx, tester, g.ID, []string{"ann@boone.example.org"})
		if rep.Added != 0 || rep.AlreadyMembers != 1 {
			t.Fatalf("adding again: %+v", rep)
		}
		if err := s.RemoveGroupMember(ctx, tester, g.ID, f.people["ann"].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveGroupMember(ctx, tester, g.ID, f.people["ann"].ID); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("removing twice: %v", err)
		}
		// Moving the group to Cole is refused while it holds Boone people.
		g.OrganisationID = f.cole.ID
		var fe *FieldError
		if _, err := s.UpdateGroup(ctx, tester, g); !errors.As(err, &fe) || fe.Field != "organisation" {
			t.Fatalf("moving a static group: %v", err)
		}
		g.Kind = GroupFiltered
		g.OrganisationID = f.boone.ID
		if _, err := s.UpdateGroup(ctx, tester, g); !errors.As(err, &fe) || fe.Field != "kind" {
			t.Fatalf("changing kind: %v", err)
		}
		entries, _ := s.audit.List(ctx, audit.Filter{Action: "group."})
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		if diff := cmp.Diff([]string{"group.members.remove", "group.members.add", "group.create"}, actions); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
		if err := s.DeleteGroup(ctx, tester, g.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Group(ctx, AllOrganisations, g.ID); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("deleted group: %v", err)
		}
	})
}

func TestGroupsStayInsideTheReadersScope(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		f := newGroupFixture(t, db)
		s, ctx := f.s, context.Background()
		boone := Scope(f.boone.ID)
		mine, _ := s.CreateGroup(ctx, tester, Group{Name: "Boone all", Kind: GroupFiltered, OrganisationID: f.boone.ID})
		theirs, _ := s.CreateGroup(ctx, tester, Group{Name: "Cole all", Kind: GroupFiltered, OrganisationID: f.cole.ID})
		everyone, _ := s.CreateGroup(ctx, tester, Group{Name: "Everyone", Kind: GroupFiltered})
		mixed, _ := s.CreateGroup(ctx, tester, Group{Name: "Mixed", Kind: GroupStatic})
		s.AddGroupMembers(ctx, tester, mixed.ID, f.ids("ann", "eve"))

		list, err := s.ListGroups(ctx, boone, GroupQuery{})
		if err != nil || len(list) != 1 || list[0].ID != mine.ID {
			t.Fatalf("boone sees %v (%v), want only its own group", list, err)
		}
		if n, _ := s.CountGroups(ctx, boone, GroupQuery{}); n != 1 {
			t.Fatalf("count %d", n)
		}
		if n, _ := s.CountGroups(ctx, Scope(-1), GroupQuery{}); n != 0 {
			t.Fatalf("a member of no organisation counts %d groups", n)
		}
		for _, g := range []Group{theirs, everyone, mixed} {
			if _, err := s.Group(ctx, boone, g.ID); !errors.Is(err, database.ErrNotFound) {
				t.Errorf("boone reads group %q: %v", g.Name, err)
			}
			if _, err := s.GroupMembers(ctx, boone, g.ID, 0, 10); !errors.Is(err, database.ErrNotFound) {
				t.Errorf("boone lists members of %q: %v", g.Name, err)
			}
			if _, err := s.CountGroupMembers(ctx, boone, g.ID); !errors.Is(err, database.ErrNotFound) {
				t.Errorf("boone counts members of %q: %v", g.Name, err)
			}
			if _, err := s.ResolveGroups(ctx, boone, []int64{mine.ID, g.ID}, nil); !errors.Is(err, database.ErrNotFound) {
				t.Errorf("boone resolves %q: %v", g.Name, err)
			}
		}
		if got, want := memberIDs(t, s, boone, mine.ID), f.ids("ann", "bob", "cat", "dan"); !slices.Equal(got, want) {
			t.Fatalf("boone's group: %v, want %v", got, want)
		}
		gs, _ := s.GroupsOfPerson(ctx, boone, f.people["ann"].ID)
		if len(gs) != 1 || gs[0].ID != mine.ID {
			t.Fatalf("groups of ann seen by boone: %v", gs)
		}
		if gs, _ := s.GroupsOfPerson(ctx, boone, f.people["eve"].ID); len(gs) != 0 {
			t.Fatalf("boone sees the groups of a Cole person: %v", gs)
		}
		gs, _ = s.GroupsOfPerson(ctx, AllOrganisations, f.people["ann"].ID)
		var names []string
		for _, g := range gs {
			names = append(names, g.Name)
		}
		if diff := cmp.Diff([]string{"Boone all", "Everyone", "Mixed"}, names); diff != "" {
			t.Errorf("groups of ann (-want +got):\n%s", diff)
		}
	})
}

func TestResolveGroups(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		f := newGroupFixture(t, db)
		s, ctx := f.s, context.Background()
		elections, _ := s.CreateGroup(ctx, tester, Group{Name: "Elections", Kind: GroupFiltered, Department: "Elections", ActiveOnly: true})
		columbia, _ := s.CreateGroup(ctx, tester, Group{Name: "Columbia", Kind: GroupFiltered, Location: "Columbia"})
		picked, _ := s.CreateGroup(ctx, tester, Group{Name: "Picked", Kind: GroupStatic})
		s.AddGroupMembers(ctx, tester, picked.ID, f.ids("eve", "cat", "ann"))
		pickedActive, _ := s.CreateGroup(ctx, tester, Group{Name: "Picked, active", Kind: GroupStatic, ActiveOnly: true})
		s.AddGroupMembers(ctx, tester, pickedActive.ID, f.ids("cat", "dan"))
		clerks, _ := s.CreateGroup(ctx, tester, Group{Name: "Clerks", Kind: GroupFiltered, Title: "Clerk"})

		cases := []struct {
			name             string
			include, exclude []int64
			scope            Scope
			want             []int64
		}{
			{"nothing", nil, nil, AllOrganisations, []int64{}},
			{"one filter", []int64{elections.ID}, nil, AllOrganisations, f.ids("ann", "bob", "eve")},
			{"overlapping groups once each", []int64{elections.ID, columbia.ID, picked.ID}, nil, AllOrganisations, f.ids("ann", "bob", "cat", "dan", "eve")},
			{"active only static", []int64{pickedActive.ID}, nil, AllOrganisations, f.ids("dan")},
			{"exclude a filter", []int64{elections.ID, picked.ID}, []int64{clerks.ID}, AllOrganisations, f.ids("bob", "cat")},
			{"exclude a static", []int64{columbia.ID}, []int64{picked.ID}, AllOrganisations, f.ids("bob", "dan")},
			{"same group both ways", []int64{columbia.ID}, []int64{columbia.ID}, AllOrganisations, []int64{}},
		}
		for _, c := range cases {
			got, err := s.ResolveGroups(ctx, c.scope, c.include, c.exclude)
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c.name, diff)
			}
		}
		if _, err := s.ResolveGroups(ctx, AllOrganisations, []int64{elections.ID}, []int64{999999}); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("missing excluded group: %v", err)
		}
	})
}

func BenchmarkResolveGroups100k(b *testing.B) {
	for _, d := range dbtest.Engines(b) {
		b.Run(string(d), func(b *testing.B) {
			db := dbtest.Open(b, d)
			l, err := audit.Open(db, b.TempDir(), "")
			if err != nil {
				b.Fatal(err)
			}
			s := NewStore(db, l)
			ctx := context.Background()
			if _, err := s.ImportPeople(ctx, tester, strings.NewReader(PeopleCSV(benchRows)), ImportOptions{}); err != nil {
				b.Fatal(err)
			}
			rev, _ := s.OrganisationByName(ctx, "Department of Revenue")
			all, _ := s.CreateGroup(ctx, tester, Group{Name: "Everyone", Kind: GroupFiltered, ActiveOnly: true})
			revenue, _ := s.CreateGroup(ctx, tester, Group{Name: "Revenue", Kind: GroupFiltered, OrganisationID: rev.ID})
			picked, _ := s.CreateGroup(ctx, tester, Group{Name: "Picked", Kind: GroupStatic})
			var ids []int64
			for i := int64(1); i <= int64(benchRows); i += 7 {
				ids = append(ids, i)
			}
			if _, err := s.AddGroupMembers(ctx, tester, picked.ID, ids[:min(len(ids), 2000)]); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				got, err := s.ResolveGroups(ctx, AllOrganisations, []int64{all.ID, picked.ID}, []int64{revenue.ID})
				if err != nil || len(got) == 0 {
					b.Fatal(len(got), err)
				}
			}
			b.ReportMetric(float64(benchRows), "people")
		})
	}
}
