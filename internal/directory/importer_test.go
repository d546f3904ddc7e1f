package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

func TestImportPeopleReportsEachBadRowAndWritesNothingForIt(t *testing.T) {
	csv := strings.Join([]string{
		"email,first_name,last_name,organization,department,title,manager_email,time_zone,active",
		"boss@example.org,Ada,Boss,Department of Revenue,IT,Director,,America/Chicago,true", // line 2
		"worker@example.org,Bo,Worker,Department of Revenue,IT,Analyst,boss@example.org,,",  // line 3
		"not-an-email,Bad,Row,Department of Revenue,IT,Analyst,,,",                          // line 4
		",Missing,Email,Department of Revenue,IT,Analyst,,,",                                // line 5
		"tz@example.org,Bad,Zone,Department of Revenue,IT,Analyst,,Mars/Base,",              // line 6
		"orphan@example.org,No,Boss,Department of Revenue,IT,Analyst,ghost@example.org,,",   // line 7
		"worker@example.org,Dup,Licate,Department of Revenue,IT,Analyst,,,",                 // line 8
		"flag@example.org,Bad,Flag,Department of Revenue,IT,Analyst,,,maybe",                // line 9
		"short@example.org,Too,Few", // line 10
		"early@example.org,Early,Report,Department of Revenue,IT,Analyst,late@example.org,,", // line 11: manager later in file
		"late@example.org,Late,Manager,Department of Revenue,IT,Director,,,",                 // line 12
	}, "\n") + "\n"
	want := []RowError{
		{Line: 4, Column: "email"}, {Line: 5, Column: "email"}, {Line: 6, Column: "time_zone"},
		{Line: 7, Column: "manager_email"}, {Line: 8, Column: "email"}, {Line: 9, Column: "active"}, {Line: 10},
	}
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		s := newTestStore(t, db)
		ctx := context.Background()
		rep, err := s.ImportPeople(ctx, tester, strings.NewReader(csv), ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != 11 || rep.Created != 4 || rep.Failed != len(want) || rep.OrganisationsCreated != 1 {
			t.Fatalf("report %+v", rep)
		}
		for i, w := range want {
			got := rep.Errors[i]
			if got.Line != w.Line || got.Column != w.Column || got.Reason == "" {
				t.Errorf("error %d: %+v, want line %d column %q with a reason", i, got, w.Line, w.Column)
			}
		}
		for _, email := range []string{"not-an-email", "tz@example.org", "orphan@example.org", "flag@example.org", "short@example.org"} {
			if _, err := s.PersonByEmail(ctx, email); !errors.Is(err, database.ErrNotFound) {
				t.Errorf("bad row %s was written (err %v)", email, err)
			}
		}
		boss, _ := s.PersonByEmail(ctx, "boss@example.org")
		worker, _ := s.PersonByEmail(ctx, "worker@example.org")
		if worker.ManagerID != boss.ID || worker.FirstName != "Bo" {
			t.Errorf("worker %+v: manager %d, want %d; the duplicate line must not overwrite", worker, worker.ManagerID, boss.ID)
		}
		late, _ := s.PersonByEmail(ctx, "late@example.org")
		early, _ := s.PersonByEmail(ctx, "early@example.org")
		if early.ManagerID != late.ID || late.ID == 0 {
			t.Errorf("manager named before their row: early.manager=%d late.id=%d", early.ManagerID, late.ID)
		}
		entries, _ := s.audit.List(ctx, audit.Filter{Action: "people.import"})
		if len(entries) != 1 || fmt.Sprint(entries[0].Summary["created"]) != "4" {
			t.Fatalf("want one audit entry with the counts, got %+v", entries)
		}
	})
}

func TestImportPeopleUpserts(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		s := newTestStore(t, db)
		ctx := context.Background()
		first := "email,first_name,last_name,department\na@example.org,Ann,A,IT\nb@example.org,Ben,B,IT\nc@example.org,Cy,C,IT\n"
		if _, err := s.ImportPeople(ctx, tester, strings.NewReader(first), ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		second := "Email,First Name,Last Name,Department\nA@example.org,Ann,A,IT\nb@example.org,Ben,B,Finance\nd@example.org,Di,D,IT\n"
		rep, err := s.ImportPeople(ctx, tester, strings.NewReader(second), ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 1 || rep.Updated != 1 || rep.Unchanged != 1 || rep.Failed != 0 {
			t.Fatalf("second import: %+v", rep)
		}
		b, _ := s.PersonByEmail(ctx, "b@example.org")
		if b.Department != "Finance" {
			t.Errorf("update not applied: %+v", b)
		}
	})
}

func TestImportPeopleRefusesABadFileWhole(t *testing.T) {
	cases := map[string]string{
		"":                                   "empty",
		"first_name,last_name\nA,B\n":        "no email column",
		"email,shoe_size\na@example.org,9\n": `unknown column "shoe_size"`,
		"email,email\na@example.org,b@example.org\n": "appears twice",
	}
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		s := newTestStore(t, db)
		for in, want := range cases {
			_, err := s.ImportPeople(context.Background(), tester, strings.NewReader(in), ImportOptions{})
			if !errors.Is(err, ErrBadFile) || !strings.Contains(err.Error(), want) {
				t.Errorf("%q: err %v, want %q", in, err, want)
			}
		}
		n, _ := s.CountPeople(context.Background(), PeopleFilter{})
		if n != 0 {
			t.Fatalf("a refused file wrote %d people", n)
		}
	})
}

func TestOrganisationImportStaysInItsOrganisation(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		s := newTestStore(t, db)
		ctx := context.Background()
		mine, _ := s.CreateOrganisation(ctx, tester, Organisation{Name: "Boone County Clerk", Kind: KindLocalElectionAuthority})
		s.CreateOrganisation(ctx, tester, Organisation{Name: "Cole County Clerk", Kind: KindLocalElectionAuthority})
		in := "email,organisation\na@example.org,Boone County Clerk\nb@example.org,Cole County Clerk\nc@example.org,\n"
		rep, err := s.ImportPeople(ctx, tester, strings.NewReader(in), ImportOptions{OrganisationID: mine.ID})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 2 || rep.Failed != 1 || rep.Errors[0].Line != 3 {
			t.Fatalf("%+v", rep)
		}
		c, _ := s.PersonByEmail(ctx, "c@example.org")
		if c.OrganisationID != mine.ID {
			t.Fatalf("row without organisation landed in %d", c.OrganisationID)
		}
	})
}

// PeopleCSV makes n rows of realistic people, every tenth managed by the
// row before it.
func PeopleCSV(n int) string {
	var b strings.Builder
	b.WriteString("email,first_name,last_name,organisation,department,title,manager_email,time_zone,employee_id\n")
	orgs := []string{"Department of Revenue", "Department of Social Services", "Office of Administration", "Department of Health and Senior Services"}
	for i := 0; i < n; i++ {
		mgr := ""
		if i%10 == 1 {
			mgr = fmt.Sprintf("person%d@example.org", i-1)
		}
		fmt.Fprintf(&b, "person%d@example.org,First%d,Last%d,%s,Division %d,Analyst,%s,America/Chicago,E%06d\n", i, i, i, orgs[i%len(orgs)], i%40, mgr, i)
	}
	return b.String()
}

func BenchmarkImportPeople100k(b *testing.B) {
	in := PeopleCSV(benchRows)
	for _, d := range dbtest.Engines(b) {
		b.Run(string(d), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := dbtest.Open(b, d)
				l, _ := audit.Open(db, b.TempDir(), "")
				s := NewStore(db, l)
				b.StartTimer()
				rep, err := s.ImportPeople(context.Background(), tester, strings.NewReader(in), ImportOptions{})
				if err != nil || rep.Created != benchRows {
					b.Fatalf("%+v %v", rep.Created, err)
				}
			}
		})
	}
}

const benchRows = 100_000
