package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/directory"
	"bulwark/internal/phishing"
	"bulwark/internal/platform/audit"
)

// campaignFixture makes a team with two awareness managers, a third
// manager on another team, an auditor, people and the building blocks a
// campaign needs; it returns a campaign input.
func campaignFixture(t *testing.T, e *apptest.Env) (in map[string]any, alice, bob, carol, auditor string, org int64) {
	t.Helper()
	ctx := context.Background()
	d := e.App.Directory
	o, err := d.CreateOrganisation(ctx, audit.System, directory.Organisation{Name: "Simulation Test Office", Kind: "state_agency"})
	if err != nil {
		t.Fatal(err)
	}
	var people []int64
	for _, email := range []string{"a1@cole.example.gov", "a2@cole.example.gov", "a3@cole.example.gov"} {
		p, err := d.CreatePerson(ctx, audit.System, directory.Person{Email: email, OrganisationID: o.ID, Active: true, TimeZone: "America/Chicago"})
		if err != nil {
			t.Fatal(err)
		}
		people = append(people, p.ID)
	}
	team, _ := d.CreateTeam(ctx, audit.System, directory.Team{Name: "Simulations"})
	other, _ := d.CreateTeam(ctx, audit.System, directory.Team{Name: "Other awareness team"})
	ua, ub, uc := e.User(accounts.RoleAwarenessManager, 0), e.User(accounts.RoleAwarenessManager, 0), e.User(accounts.RoleAwarenessManager, 0)
	d.AddTeamMembers(ctx, audit.System, team.ID, []int64{ua.ID, ub.ID})
	d.AddTeamMembers(ctx, audit.System, other.ID, []int64{uc.ID})
	if _, err := e.App.Phishing.SeedLibrary(ctx); err != nil {
		t.Fatal(err)
	}
	var tmpl, landing int64
	e.App.DB.QueryRowContext(ctx, `SELECT MIN(id) FROM phishing_templates`).Scan(&tmpl)
	e.App.DB.QueryRowContext(ctx, `SELECT MIN(id) FROM phishing_landing_pages`).Scan(&landing)
	prof, err := e.App.Phishing.CreateProfile(ctx, audit.System, phishing.ProfileChange{SendingProfile: phishing.SendingProfile{Name: "Relay", Host: "127.0.0.1", TLS: "none", From: "desk@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	in = map[string]any{"name": "Cole County, November", "team_id": team.ID, "template_ids": []int64{tmpl}, "landing_page_id": landing,
		"sending_profile_id": prof.ID, "person_ids": people, "window": phishing.DefaultWindow()}
	return in, e.Token(ua), e.Token(ub), e.Token(uc), e.Token(e.User(accounts.RoleAuditor, 0)), o.ID
}

func TestPhishingCampaignsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		in, alice, bob, carol, auditor, org := campaignFixture(t, e)
		const cp = "/api/v1/phishing/campaigns"
		post := func(tok, path string, body any) (int, string) {
			t.Helper()
			resp, b := e.Do(nil, "POST", path, tok, jsonBody(body), "Content-Type", "application/json")
			return resp.StatusCode, b
		}
		// Bad input is refused with the field named; nothing is stored.
		bad := map[string]any{}
		for k, v := range in {
			bad[k] = v
		}
		bad["template_ids"] = []int64{}
		if code, body := post(alice, cp, bad); code != 422 || !strings.Contains(body, "template") {
			t.Fatalf("%d %s", code, body)
		}
		if code, body := post(auditor, cp, in); code != 403 {
			t.Fatalf("auditor creates: %d %s", code, body)
		}
		code, body := post(alice, cp, in)
		if code != 201 {
			t.Fatalf("%d %s", code, body)
		}
		c := decodeJSON[phishing.Campaign](t, body)
		path := fmt.Sprintf("%s/%d", cp, c.ID)

		// Carol, on another team, neither sees nor runs it.
		if resp, _ := e.Do(nil, "GET", path, carol, nil); resp.StatusCode != 404 {
			t.Fatalf("other team reads: %d", resp.StatusCode)
		}
		if code, _ := post(carol, path+"/submit", nil); code != 404 {
			t.Fatalf("other team submits: %d", code)
		}
		if _, body := e.Do(nil, "GET", cp, carol, nil); strings.Contains(body, "Cole County") {
			t.Fatalf("other team lists %s", body)
		}
		if resp, _ := e.Do(nil, "GET", path, auditor, nil); resp.StatusCode != 200 {
			t.Fatalf("auditors read every campaign: %d", resp.StatusCode)
		}
		if _, body := e.Do(nil, "GET", path+"/audience", bob, nil); !strings.Contains(body, `"people":3`) {
			t.Fatalf("audience %s", body)
		}
		in["name"] = "Cole County, December"
		if resp, body := e.Do(nil, "PUT", path, bob, jsonBody(in), "Content-Type", "application/json"); resp.StatusCode != 200 || !strings.Contains(body, "December") {
			t.Fatalf("update a draft: %d %s", resp.StatusCode, body)
		}
		if resp, _ := e.Do(nil, "PUT", path, carol, jsonBody(in), "Content-Type", "application/json"); resp.StatusCode != 404 {
			t.Fatalf("other team updates: %d", resp.StatusCode)
		}
		if code, body := post(alice, path+"/submit", nil); code != 200 || !strings.Contains(body, `"awaiting_approval"`) {
			t.Fatalf("%d %s", code, body)
		}
		if resp, body := e.Do(nil, "PUT", path, alice, jsonBody(in), "Content-Type", "application/json"); resp.StatusCode != 409 || !strings.Contains(body, "only a draft") {
			t.Fatalf("update after submitting: %d %s", resp.StatusCode, body)
		}
		if code, body := post(alice, path+"/approve", nil); code != 409 || !strings.Contains(body, "someone else must approve") {
			t.Fatalf("own approval: %d %s", code, body)
		}
		if code, _ := post(auditor, path+"/approve", nil); code != 403 {
			t.Fatalf("auditor approves: %d", code)
		}
		if code, body := post(bob, path+"/approve", nil); code != 200 || !strings.Contains(body, `"approved"`) {
			t.Fatalf("%d %s", code, body)
		}

		// The emergency stop: auditors cannot pull it; it refuses the launch.
		if code, _ := post(auditor, "/api/v1/phishing/emergency-stop", map[string]any{"on": true}); code != 403 {
			t.Fatalf("auditor stop: %d", code)
		}
		if code, body := post(bob, "/api/v1/phishing/emergency-stop", map[string]any{"on": true, "reason": "drill"}); code != 200 || !strings.Contains(body, `"on":true`) {
			t.Fatalf("%d %s", code, body)
		}
		if code, body := post(alice, path+"/launch", nil); code != 409 || !strings.Contains(body, "emergency stop") {
			t.Fatalf("launch during stop: %d %s", code, body)
		}
		post(bob, "/api/v1/phishing/emergency-stop", map[string]any{"on": false})
		if code, body := post(alice, path+"/launch", nil); code != 200 || !strings.Contains(body, `"recipients":3`) {
			t.Fatalf("launch: %d %s", code, body)
		}

		// Results: paginated by cursor, tokens never shown.
		_, body = e.Do(nil, "GET", path+"/results?limit=2", alice, nil)
		pg := decodeJSON[struct {
			Items      []phishing.RecipientRow `json:"items"`
			NextCursor string                  `json:"next_cursor"`
		}](t, body)
		if len(pg.Items) != 2 || pg.NextCursor == "" || strings.Contains(body, "token") {
			t.Fatalf("%s", body)
		}
		_, body = e.Do(nil, "GET", path+"/results?limit=2&cursor="+pg.NextCursor, alice, nil)
		if !strings.Contains(body, "a3@cole.example.gov") {
			t.Fatalf("page 2: %s", body)
		}
		var token string
		e.App.DB.QueryRowContext(context.Background(), `SELECT token FROM phishing_recipients LIMIT 1`).Scan(&token)
		for _, u := range []string{path, path + "/results", cp} {
			if _, body := e.Do(nil, "GET", u, alice, nil); strings.Contains(body, token) {
				t.Fatalf("%s shows a token", u)
			}
		}
		if code, body := post(bob, path+"/pause", nil); code != 200 || !strings.Contains(body, `"paused"`) {
			t.Fatalf("%d %s", code, body)
		}
		if code, body := post(bob, path+"/cancel", nil); code != 200 || !strings.Contains(body, `"cancelled"`) {
			t.Fatalf("%d %s", code, body)
		}
		if code, _ := post(bob, path+"/resume", nil); code != 409 {
			t.Fatalf("resume a cancelled campaign: %d", code)
		}

		// Second-person approval: on by default, auditors cannot switch it.
		if _, body := e.Do(nil, "GET", "/api/v1/phishing/second-approval", auditor, nil); !strings.Contains(body, `"on":true`) {
			t.Fatalf("%s", body)
		}
		if code, _ := post(auditor, "/api/v1/phishing/second-approval", map[string]any{"on": false}); code != 403 {
			t.Fatalf("auditor switches approval: %d", code)
		}
		if code, body := post(alice, "/api/v1/phishing/second-approval", map[string]any{"on": false}); code != 200 || !strings.Contains(body, `"on":false`) {
			t.Fatalf("%d %s", code, body)
		}

		// Blackouts and the do-not-phish list.
		if code, body := post(alice, "/api/v1/phishing/blackouts", map[string]any{"starts_on": "2026-11-01", "ends_on": "2026-10-01", "reason": "x", "organisation_ids": []int64{org}}); code != 422 || !strings.Contains(body, "ends before it starts") {
			t.Fatalf("%d %s", code, body)
		}
		if code, body := post(alice, "/api/v1/phishing/blackouts", map[string]any{"starts_on": "2026-11-01", "ends_on": "2026-11-10", "reason": "General election", "organisation_ids": []int64{org}}); code != 201 {
			t.Fatalf("%d %s", code, body)
		}
		code, body = post(alice, "/api/v1/phishing/do-not-phish", map[string]any{"email": "a1@cole.example.gov", "reason": "union steward"})
		if code != 201 {
			t.Fatalf("%d %s", code, body)
		}
		dnp := decodeJSON[phishing.DoNotPhish](t, body)
		if code, _ := post(auditor, "/api/v1/phishing/do-not-phish", map[string]any{"email": "a2@cole.example.gov"}); code != 403 {
			t.Fatalf("auditor adds: %d", code)
		}
		if _, body := e.Do(nil, "GET", "/api/v1/phishing/do-not-phish", auditor, nil); !strings.Contains(body, "a1@cole.example.gov") {
			t.Fatalf("%s", body)
		}
		if _, body := e.Do(nil, "GET", "/api/v1/phishing/blackouts", auditor, nil); !strings.Contains(body, "General election") {
			t.Fatalf("%s", body)
		}
		bl := decodeJSON[[]phishing.Blackout](t, func() string { _, b := e.Do(nil, "GET", "/api/v1/phishing/blackouts", alice, nil); return b }())
		for _, u := range []string{fmt.Sprintf("/api/v1/phishing/blackouts/%d", bl[0].ID), fmt.Sprintf("/api/v1/phishing/do-not-phish/%d", dnp.ID)} {
			if resp, _ := e.Do(nil, "DELETE", u, auditor, nil); resp.StatusCode != 403 {
				t.Fatalf("auditor deletes %s: %d", u, resp.StatusCode)
			}
			if resp, _ := e.Do(nil, "DELETE", u, alice, nil); resp.StatusCode != 204 {
				t.Fatalf("delete %s: %d", u, resp.StatusCode)
			}
			if resp, _ := e.Do(nil, "DELETE", u, alice, nil); resp.StatusCode != 404 {
				t.Fatalf("delete %s twice: %d", u, resp.StatusCode)
			}
		}
	})
}
