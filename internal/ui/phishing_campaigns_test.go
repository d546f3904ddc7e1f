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
	"bulwark/internal/phishing"
	"bulwark/internal/platform/audit"
)

func TestPhishingCampaignPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		d := e.App.Directory
		o, err := d.CreateOrganisation(ctx, audit.System, directory.Organisation{Name: "Campaign Page Office", Kind: "state_agency"})
		if err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{"p1@page.example.gov", "p2@page.example.gov"} {
			if _, err := d.CreatePerson(ctx, audit.System, directory.Person{Email: email, OrganisationID: o.ID, Active: true}); err != nil {
				t.Fatal(err)
			}
		}
		team, _ := d.CreateTeam(ctx, audit.System, directory.Team{Name: "Page team"})
		other, _ := d.CreateTeam(ctx, audit.System, directory.Team{Name: "Page other team"})
		ua, ub, uc := e.User(accounts.RoleAwarenessManager, 0), e.User(accounts.RoleAwarenessManager, 0), e.User(accounts.RoleAwarenessManager, 0)
		d.AddTeamMembers(ctx, audit.System, team.ID, []int64{ua.ID, ub.ID})
		d.AddTeamMembers(ctx, audit.System, other.ID, []int64{uc.ID})
		e.App.Phishing.SeedLibrary(ctx)
		prof, err := e.App.Phishing.CreateProfile(ctx, audit.System, phishing.ProfileChange{SendingProfile: phishing.SendingProfile{Name: "Page relay", Host: "127.0.0.1", TLS: "none", From: "desk@example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		var tmpl, landing int64
		e.App.DB.QueryRowContext(ctx, `SELECT MIN(id) FROM phishing_templates`).Scan(&tmpl)
		e.App.DB.QueryRowContext(ctx, `SELECT MIN(id) FROM phishing_landing_pages`).Scan(&landing)
		alice, bob, carol := e.Browser(ua), e.Browser(ub), e.Browser(uc)

		resp, body := e.Do(alice, "GET", "/phishing/campaigns/new", "", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, "Page team") || strings.Contains(body, "Page other team") {
			t.Fatalf("form %d %.2000s", resp.StatusCode, body)
		}
		form := url.Values{"name": {"Page campaign"}, "team_id": {fmt.Sprint(team.ID)}, "template_ids": {fmt.Sprint(tmpl)}, "landing_page_id": {fmt.Sprint(landing)},
			"sending_profile_id": {fmt.Sprint(prof.ID)}, "people": {"p1@page.example.gov\np2@page.example.gov"}, "spread_hours": {"4"}, "business_hours": {"1"},
			"day_start": {"09:00"}, "day_end": {"17:00"}, "weekdays": {"1", "2", "3", "4", "5"}, "default_time_zone": {"America/Chicago"}}
		// Mistakes come back beside the fields; nothing is stored.
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("people", "nobody@page.example.gov")
		bad.Set("default_time_zone", "Mars/Base")
		if resp, body = e.PostForm(alice, "/phishing/campaigns", bad); resp.StatusCode != 422 || !strings.Contains(body, "nobody@page.example.gov") {
			t.Fatalf("%d %.3000s", resp.StatusCode, body)
		}
		resp, body = e.PostForm(alice, "/phishing/campaigns", form)
		if resp.StatusCode != 303 {
			t.Fatalf("%d %.3000s", resp.StatusCode, body)
		}
		loc := resp.Header.Get("Location")
		if _, body = e.Do(alice, "GET", loc, "", nil); !strings.Contains(body, "2 people would receive it") || !strings.Contains(body, "Submit for approval") {
			t.Fatalf("%.4000s", body)
		}
		if resp, _ = e.Do(carol, "GET", loc, "", nil); resp.StatusCode != 404 {
			t.Fatalf("another team's member opens it: %d", resp.StatusCode)
		}
		if resp, _ = e.PostForm(carol, loc+"/submit", nil); resp.StatusCode != 404 {
			t.Fatalf("another team's member submits: %d", resp.StatusCode)
		}
		e.PostForm(alice, loc+"/submit", nil)
		if _, body = e.Do(alice, "GET", loc, "", nil); !strings.Contains(body, "someone else must approve it") || strings.Contains(body, ">Approve</button>") {
			t.Fatalf("%.4000s", body)
		}
		// Posting the approval anyway is refused and says why.
		e.PostForm(alice, loc+"/approve", nil)
		if _, body = e.Do(alice, "GET", loc, "", nil); !strings.Contains(body, "Awaiting approval") || !strings.Contains(body, "someone else must approve") {
			t.Fatalf("%.4000s", body)
		}
		e.PostForm(bob, loc+"/approve", nil)

		// The emergency stop shows on the phishing pages and refuses the launch.
		if resp, body = e.PostForm(bob, "/phishing/safeguards/emergency-stop", url.Values{"on": {"1"}, "reason": {"Real phishing wave"}}); resp.StatusCode != 303 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		for _, p := range []string{"/phishing/campaigns", loc, "/phishing/safeguards"} {
			if _, body = e.Do(alice, "GET", p, "", nil); !strings.Contains(body, "mergency stop is on") {
				t.Fatalf("%s has no banner: %.3000s", p, body)
			}
		}
		e.PostForm(alice, loc+"/launch", nil)
		if _, body = e.Do(alice, "GET", loc, "", nil); !strings.Contains(body, "Approved</span>") {
			t.Fatalf("launched during the stop: %.3000s", body)
		}
		e.PostForm(bob, "/phishing/safeguards/emergency-stop", url.Values{"on": {"0"}})
		e.PostForm(alice, loc+"/launch", nil)
		if _, body = e.Do(alice, "GET", loc, "", nil); !strings.Contains(body, "p2@page.example.gov") || !strings.Contains(body, "Sending</span>") {
			t.Fatalf("%.4000s", body)
		}

		// Safeguards: a blackout and a do-not-phish entry; an auditor reads but cannot change.
		if resp, _ = e.PostForm(alice, "/phishing/safeguards/blackouts", url.Values{"starts_on": {"2026-11-01"}, "ends_on": {"2026-11-04"}, "reason": {"General election"}, "organisation_ids": {fmt.Sprint(o.ID)}}); resp.StatusCode != 303 {
			t.Fatal(resp.StatusCode)
		}
		e.PostForm(alice, "/phishing/safeguards/do-not-phish", url.Values{"email": {"p1@page.example.gov"}, "match": {"person"}, "reason": {"steward"}})
		auditor := e.Browser(e.User(accounts.RoleAuditor, 0))
		resp, body = e.Do(auditor, "GET", "/phishing/safeguards", "", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, "General election") || !strings.Contains(body, "p1@page.example.gov") || strings.Contains(body, "Add blackout window") {
			t.Fatalf("%d %.4000s", resp.StatusCode, body)
		}
		if resp, _ = e.PostForm(auditor, "/phishing/safeguards/emergency-stop", url.Values{"on": {"1"}}); resp.StatusCode != 403 {
			t.Fatalf("auditor pulls the stop: %d", resp.StatusCode)
		}
		if resp, _ = e.PostForm(auditor, "/phishing/safeguards/second-approval", url.Values{"on": {"0"}}); resp.StatusCode != 403 {
			t.Fatalf("auditor switches approval: %d", resp.StatusCode)
		}
		e.PostForm(bob, "/phishing/safeguards/second-approval", url.Values{"on": {"0"}})
		if on, _ := e.App.Phishing.SecondApproval(ctx); on {
			t.Fatal("second-person approval still on")
		}
		if _, body = e.Do(alice, "GET", "/phishing/safeguards", "", nil); !strings.Contains(body, "Off: the person who submits") {
			t.Fatalf("%.3000s", body)
		}
	})
}
