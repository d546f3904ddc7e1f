package ui_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
)

func TestDirTeams(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := dirSetup(t, e)
		const role = accounts.RoleAwarenessManager
		resp, body := w.post(t, role, "/directory/teams", url.Values{"name": {"  "}})
		if got := dirFieldError(body, "name"); resp.StatusCode != 422 || !strings.Contains(got, "needs a name") {
			t.Fatalf("nameless team: %d %q", resp.StatusCode, got)
		}
		resp, body = w.post(t, role, "/directory/teams", url.Values{"name": {"Spring campaign"}, "description": {"April phishing simulation"}})
		loc := dirWantRedirect(t, resp, body, "/directory/teams/")
		resp, body = w.post(t, role, "/directory/teams", url.Values{"name": {"Spring campaign"}})
		if got := dirFieldError(body, "name"); resp.StatusCode != 422 || !strings.Contains(got, "already exists") {
			t.Fatalf("duplicate team: %d %q", resp.StatusCode, got)
		}
		page := w.mustGet(t, role, loc)
		analyst := w.users[accounts.RoleAnalyst]
		if !strings.Contains(page, fmt.Sprintf(`<option value="%d">%s (%s)</option>`, analyst.ID, analyst.Name, analyst.Email)) {
			t.Fatal("the add form does not offer the analyst")
		}
		for _, u := range []accounts.User{analyst, w.users[accounts.RoleOrganisationMember]} {
			resp, body = w.post(t, role, loc+"/members", url.Values{"user_id": {fmt.Sprint(u.ID)}})
			dirWantRedirect(t, resp, body, loc)
		}
		resp, body = w.post(t, role, loc+"/members", url.Values{"user_id": {"999999"}})
		if got := dirFieldError(body, "user_id"); resp.StatusCode != 422 || !strings.Contains(got, "no user 999999") {
			t.Fatalf("unknown user: %d %q", resp.StatusCode, got)
		}
		text := dirText(dirMain(w.mustGet(t, role, loc)))
		for _, want := range []string{"Spring campaign", "April phishing simulation", "Members (2)", analyst.Email, "Election-security analyst", "Organisation member"} {
			if !strings.Contains(text, want) {
				t.Errorf("team page lacks %q: %.600s", want, text)
			}
		}
		if text := dirText(dirMain(w.mustGet(t, accounts.RoleLeader, "/directory/teams"))); !strings.Contains(text, "Spring campaign 2 April phishing simulation") {
			t.Errorf("the teams list lacks the team and its member count: %.300s", text)
		}
		resp, body = w.post(t, role, dirPath("%s/members/%d/remove", loc, analyst.ID), nil)
		dirWantRedirect(t, resp, body, loc)
		resp, body = w.post(t, role, loc, url.Values{"name": {"Spring campaign 2026"}})
		dirWantRedirect(t, resp, body, loc)
		text = dirText(dirMain(w.mustGet(t, role, loc)))
		members, _, _ := strings.Cut(text, "Add a member")
		if !strings.Contains(text, "Spring campaign 2026") || !strings.Contains(members, "Members (1)") || strings.Contains(members, analyst.Email) {
			t.Errorf("rename or removal not shown: %.400s", text)
		}
		resp, body = w.post(t, role, loc+"/delete", nil)
		dirWantRedirect(t, resp, body, "/directory/teams")
		if status, _ := w.get(t, role, loc); status != 404 {
			t.Fatalf("deleted team: %d", status)
		}
		entries, _ := e.App.Audit.List(context.Background(), audit.Filter{Action: "team.", ObjectID: strings.TrimPrefix(loc, "/directory/teams/")})
		if len(entries) != 6 { // create, 2 adds, remove, update, delete
			t.Fatalf("%d team changes audited, want 6", len(entries))
		}
	})
}

func TestDirTeamsOrganisationMemberSeesOnlyTheirs(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := dirSetup(t, e)
		ctx := context.Background()
		member := w.users[accounts.RoleOrganisationMember]
		mine, _ := e.App.Directory.CreateTeam(ctx, audit.System, directory.Team{Name: "Boone readiness"})
		theirs, _ := e.App.Directory.CreateTeam(ctx, audit.System, directory.Team{Name: "State watch floor"})
		if _, err := e.App.Directory.AddTeamMembers(ctx, audit.System, mine.ID, []int64{member.ID, w.users[accounts.RoleAnalyst].ID}); err != nil {
			t.Fatal(err)
		}
		text := dirText(dirMain(w.mustGet(t, accounts.RoleOrganisationMember, "/directory/teams")))
		if !strings.Contains(text, "Boone readiness") || strings.Contains(text, "State watch floor") {
			t.Fatalf("a member's teams: %.400s", text)
		}
		if status, _ := w.get(t, accounts.RoleOrganisationMember, dirPath("/directory/teams/%d", theirs.ID)); status != 404 {
			t.Fatalf("another team as a member: %d, want 404", status)
		}
		body := dirMain(w.mustGet(t, accounts.RoleOrganisationMember, dirPath("/directory/teams/%d", mine.ID)))
		if !strings.Contains(body, w.users[accounts.RoleAnalyst].Email) || strings.Contains(body, "<select") {
			t.Fatalf("a member's own team: %.400s", dirText(body))
		}
		// Staff see every team.
		text = dirText(dirMain(w.mustGet(t, accounts.RoleAuditor, "/directory/teams")))
		if !strings.Contains(text, "State watch floor") || !strings.Contains(text, "Boone readiness") {
			t.Fatalf("an auditor's teams: %.400s", text)
		}
	})
}
