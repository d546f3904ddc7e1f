package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
)

func TestTeamsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		boone, _ := e.App.Directory.OrganisationByName(ctx, "Boone County Clerk")
		manager := e.User(accounts.RoleAwarenessManager, 0)
		analyst := e.User(accounts.RoleAnalyst, 0)
		member := e.User(accounts.RoleOrganisationMember, boone.ID)
		tok := e.Token(manager)
		ct := []string{"Content-Type", "application/json"}

		resp, body := e.Do(nil, "POST", "/api/v1/teams", tok, strings.NewReader(`{"name":" "}`), ct...)
		if resp.StatusCode != 422 || !strings.Contains(body, `"name"`) {
			t.Fatalf("nameless team: %d %s", resp.StatusCode, body)
		}
		resp, body = e.Do(nil, "POST", "/api/v1/teams", tok, strings.NewReader(`{"name":"Spring campaign","description":"Phishing simulation, April"}`), ct...)
		if resp.StatusCode != 201 {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
		var team directory.Team
		dirDecodeJSON(t, body, &team)
		other, _ := e.App.Directory.CreateTeam(ctx, audit.System, directory.Team{Name: "Watch floor"})
		for _, u := range []accounts.User{manager, analyst, member} {
			if resp, body := e.Do(nil, "PUT", fmt.Sprintf("/api/v1/teams/%d/members/%d", team.ID, u.ID), tok, nil); resp.StatusCode != 204 {
				t.Fatalf("add %s: %d %s", u.Email, resp.StatusCode, body)
			}
		}
		if resp, body := e.Do(nil, "PUT", fmt.Sprintf("/api/v1/teams/%d/members/999999", team.ID), tok, nil); resp.StatusCode != 422 || !strings.Contains(body, "no user") {
			t.Fatalf("unknown user: %d %s", resp.StatusCode, body)
		}
		_, body = e.Do(nil, "GET", fmt.Sprintf("/api/v1/teams/%d/members?limit=2", team.ID), tok, nil)
		if !strings.Contains(body, manager.Email) || !strings.Contains(body, analyst.Email) || strings.Contains(body, member.Email) || !strings.Contains(body, "next_cursor") {
			t.Fatalf("first page of members: %s", body)
		}
		_, body = e.Do(nil, "GET", fmt.Sprintf("/api/v1/teams?user_id=%d", analyst.ID), tok, nil)
		if !strings.Contains(body, "Spring campaign") || strings.Contains(body, "Watch floor") {
			t.Fatalf("teams of the analyst: %s", body)
		}

		// An organisation member sees the teams they are on, and no other.
		mtok := e.Token(member)
		_, body = e.Do(nil, "GET", "/api/v1/teams", mtok, nil)
		if !strings.Contains(body, "Spring campaign") || strings.Contains(body, "Watch floor") {
			t.Fatalf("member's teams: %s", body)
		}
		_, body = e.Do(nil, "GET", fmt.Sprintf("/api/v1/teams?user_id=%d", manager.ID), mtok, nil)
		if strings.Contains(body, "Spring campaign") {
			t.Fatalf("member listed someone else's teams: %s", body)
		}
		for _, path := range []string{fmt.Sprintf("/api/v1/teams/%d", other.ID), fmt.Sprintf("/api/v1/teams/%d/members", other.ID)} {
			if resp, _ := e.Do(nil, "GET", path, mtok, nil); resp.StatusCode != 404 {
				t.Errorf("%s as a member of another team: %d, want 404", path, resp.StatusCode)
			}
		}
		for _, role := range []accounts.Role{accounts.RoleAuditor, accounts.RoleLeader, accounts.RoleAnalyst} {
			rtok := e.Token(e.User(role, 0))
			for _, c := range []struct{ method, path string }{
				{"POST", "/api/v1/teams"}, {"PUT", fmt.Sprintf("/api/v1/teams/%d", team.ID)}, {"DELETE", fmt.Sprintf("/api/v1/teams/%d", team.ID)},
				{"PUT", fmt.Sprintf("/api/v1/teams/%d/members/%d", other.ID, analyst.ID)},
				{"DELETE", fmt.Sprintf("/api/v1/teams/%d/members/%d", team.ID, analyst.ID)},
			} {
				if resp, _ := e.Do(nil, c.method, c.path, rtok, strings.NewReader(`{"name":"x"}`), ct...); resp.StatusCode != 403 {
					t.Errorf("%s %s as %s: %d, want 403", c.method, c.path, role, resp.StatusCode)
				}
			}
		}

		if resp, _ := e.Do(nil, "DELETE", fmt.Sprintf("/api/v1/teams/%d/members/%d", team.ID, analyst.ID), tok, nil); resp.StatusCode != 204 {
			t.Fatalf("remove: %d", resp.StatusCode)
		}
		resp, body = e.Do(nil, "PUT", fmt.Sprintf("/api/v1/teams/%d", team.ID), tok, strings.NewReader(`{"name":"Spring campaign 2026"}`), ct...)
		if resp.StatusCode != 200 || !strings.Contains(body, `"members":2`) {
			t.Fatalf("rename: %d %s", resp.StatusCode, body)
		}
		if resp, _ := e.Do(nil, "DELETE", fmt.Sprintf("/api/v1/teams/%d", team.ID), tok, nil); resp.StatusCode != 204 {
			t.Fatalf("delete: %d", resp.StatusCode)
		}
		entries, _ := e.App.Audit.List(ctx, audit.Filter{Action: "team.", ObjectID: fmt.Sprint(team.ID)})
		if len(entries) != 7 { // create, 3 adds, remove, update, delete
			t.Fatalf("%d audit entries, want 7", len(entries))
		}
	})
}
