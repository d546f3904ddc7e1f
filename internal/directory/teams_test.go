package directory

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
)

// insertUser adds a user row directly: package accounts, which owns users,
// imports this package, so its tests cannot use it.
func insertUser(t *testing.T, s *Store, email string) int64 {
	t.Helper()
	ctx := context.Background()
	p, err := s.CreatePerson(ctx, tester, Person{Email: email, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	now := database.Now()
	if err := s.db.QueryRowContext(ctx, `INSERT INTO users (person_id, email, name, role, created_at, updated_at) VALUES ($1, $2, $3, 'analyst', $4, $4) RETURNING id`,
		p.ID, email, "User "+email, now).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestTeams(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		s := newTestStore(t, db)
		ctx := context.Background()
		ann := insertUser(t, s, "ann@example.org")
		bob := insertUser(t, s, "bob@example.org")

		var fe *FieldError
		if _, err := s.CreateTeam(ctx, tester, Team{Name: "  "}); !errors.As(err, &fe) || fe.Field != "name" {
			t.Fatalf("nameless team: %v", err)
		}
		red, err := s.CreateTeam(ctx, tester, Team{Name: "Red team", Description: "Runs the phishing simulations"})
		if err != nil {
			t.Fatal(err)
		}
		blue, _ := s.CreateTeam(ctx, tester, Team{Name: "Blue team"})
		if _, err := s.CreateTeam(ctx, tester, Team{Name: "Red team"}); !errors.Is(err, database.ErrConflict) {
			t.Fatalf("duplicate name: %v", err)
		}
		if n, err := s.AddTeamMembers(ctx, tester, red.ID, []int64{ann, bob, ann}); err != nil || n != 2 {
			t.Fatalf("add: %d %v", n, err)
		}
		if n, _ := s.AddTeamMembers(ctx, tester, red.ID, []int64{ann}); n != 0 {
			t.Fatalf("adding again added %d", n)
		}
		if _, err := s.AddTeamMembers(ctx, tester, blue.ID, []int64{bob, 999999}); !errors.As(err, &fe) || fe.Field != "user" {
			t.Fatalf("unknown user: %v", err)
		}
		if ok, _ := s.TeamHasMember(ctx, blue.ID, bob); ok {
			t.Fatal("a refused change put bob on the blue team")
		}
		if _, err := s.AddTeamMembers(ctx, tester, 999999, []int64{bob}); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("unknown team: %v", err)
		}
		s.AddTeamMembers(ctx, tester, blue.ID, []int64{bob})

		members, err := s.TeamMembers(ctx, red.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []TeamMember{
			{UserID: ann, Name: "User ann@example.org", Email: "ann@example.org", Role: "analyst", Active: true},
			{UserID: bob, Name: "User bob@example.org", Email: "bob@example.org", Role: "analyst", Active: true},
		}
		if diff := cmp.Diff(want, members); diff != "" {
			t.Errorf("members (-want +got):\n%s", diff)
		}
		teams, _ := s.TeamsOfUser(ctx, bob)
		if len(teams) != 2 || teams[0].Name != "Blue team" || teams[1].Members != 2 {
			t.Fatalf("teams of bob: %+v", teams)
		}
		mine, _ := s.ListTeams(ctx, TeamQuery{MemberUserID: ann})
		if len(mine) != 1 || mine[0].ID != red.ID {
			t.Fatalf("ann's teams: %+v", mine)
		}
		if n, _ := s.CountTeams(ctx, TeamQuery{Query: "BLUE"}); n != 1 {
			t.Fatalf("search: %d", n)
		}
		if err := s.RemoveTeamMember(ctx, tester, red.ID, ann); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveTeamMember(ctx, tester, red.ID, ann); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("removing twice: %v", err)
		}
		red.Name = "Purple team"
		if red, err = s.UpdateTeam(ctx, tester, red); err != nil || red.Name != "Purple team" || red.Members != 1 {
			t.Fatalf("update: %+v %v", red, err)
		}
		if err := s.DeleteTeam(ctx, tester, blue.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Team(ctx, blue.ID); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("deleted team: %v", err)
		}
		entries, _ := s.audit.List(ctx, audit.Filter{Action: "team."})
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action+" "+e.ObjectID)
		}
		wantActions := []string{
			fmt.Sprintf("team.delete %d", blue.ID), fmt.Sprintf("team.update %d", red.ID), fmt.Sprintf("team.members.remove %d", red.ID),
			fmt.Sprintf("team.members.add %d", blue.ID), fmt.Sprintf("team.members.add %d", red.ID),
			fmt.Sprintf("team.create %d", blue.ID), fmt.Sprintf("team.create %d", red.ID),
		}
		if diff := cmp.Diff(wantActions, actions); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
	})
}
