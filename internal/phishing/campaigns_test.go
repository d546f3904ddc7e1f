package phishing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/database/dbtest"
	"bulwark/internal/platform/secrets"
)

// campaignWorld is a directory with two organisations, people in them,
// a group, two teams and the users who run campaigns.
type campaignWorld struct {
	s                 *Store
	dir               *directory.Store
	db                *database.DB
	orgA, orgB        int64
	group             int64   // everyone in orgA (by filter)
	people            []int64 // 0-2 in orgA, 3 in orgB
	team, otherTeam   int64
	alice, bob, carol Viewer // alice and bob on team; carol on otherTeam
	admin             Viewer
	template, landing int64
	profile           int64
}

func newCampaignWorld(t testing.TB, db *database.DB) *campaignWorld {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	l, err := audit.Open(db, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secrets.LoadKeyring(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	s := NewStore(db, l, keys)
	w := &campaignWorld{s: s, dir: directory.NewStore(db, s.audit), db: db}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	a, err := w.dir.CreateOrganisation(ctx, tester, directory.Organisation{Name: "Office of Administration", Kind: "state_agency"})
	must(err)
	b, err := w.dir.CreateOrganisation(ctx, tester, directory.Organisation{Name: "Boone County Clerk", Kind: "local_election_authority"})
	must(err)
	w.orgA, w.orgB = a.ID, b.ID
	for i, spec := range []struct {
		email, tz string
		org       int64
	}{{"ann@example.gov", "America/Chicago", w.orgA}, {"ben@example.gov", "America/New_York", w.orgA}, {"cat@example.gov", "", w.orgA}, {"dan@example.gov", "America/Chicago", w.orgB}} {
		p, err := w.dir.CreatePerson(ctx, tester, directory.Person{Email: spec.email, FirstName: fmt.Sprint("P", i), OrganisationID: spec.org, TimeZone: spec.tz, Active: true})
		must(err)
		w.people = append(w.people, p.ID)
	}
	g, err := w.dir.CreateGroup(ctx, tester, directory.Group{Name: "Administration staff", Kind: "filter", OrganisationID: w.orgA, ActiveOnly: true})
	must(err)
	w.group = g.ID
	tm, err := w.dir.CreateTeam(ctx, tester, directory.Team{Name: "Awareness"})
	must(err)
	ot, err := w.dir.CreateTeam(ctx, tester, directory.Team{Name: "Elsewhere"})
	must(err)
	w.team, w.otherTeam = tm.ID, ot.ID
	user := func(email string, team int64) Viewer {
		p, err := w.dir.CreatePerson(ctx, tester, directory.Person{Email: email, Active: true})
		must(err)
		var id int64
		now := database.Now()
		must(db.QueryRowContext(ctx, `INSERT INTO users (person_id, email, name, role, created_at, updated_at) VALUES ($1, $2, $2, 'awareness_manager', $3, $3) RETURNING id`, p.ID, email, now).Scan(&id))
		if team != 0 {
			_, err = w.dir.AddTeamMembers(ctx, tester, team, []int64{id})
			must(err)
		}
		return Viewer{UserID: id, CanWrite: true}
	}
	w.alice, w.bob, w.carol = user("alice@ocs.example.gov", w.team), user("bob@ocs.example.gov", w.team), user("carol@ocs.example.gov", w.otherTeam)
	w.admin = user("root@ocs.example.gov", 0)
	w.admin.SeesAll = true
	_, err = s.SeedLibrary(ctx)
	must(err)
	must(db.QueryRowContext(ctx, `SELECT MIN(id) FROM phishing_templates`).Scan(&w.template))
	must(db.QueryRowContext(ctx, `SELECT MIN(id) FROM phishing_landing_pages`).Scan(&w.landing))
	prof, err := s.CreateProfile(ctx, tester, validProfile())
	must(err)
	w.profile = prof.ID
	return w
}

func (w *campaignWorld) draft() Campaign {
	return Campaign{Name: "November awareness", TeamID: w.team, TemplateIDs: []int64{w.template}, LandingPageID: w.landing,
		SendingProfileID: w.profile, GroupIDs: []int64{w.group}, PersonIDs: []int64{w.people[3]}, Window: DefaultWindow()}
}

func wantConflict(t *testing.T, err error, want string) {
	t.Helper()
	if !errors.Is(err, database.ErrConflict) || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want a conflict saying …%s…", err, want)
	}
}

func TestCampaignLifecycleAndTeams(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		w := newCampaignWorld(t, db)
		s, ctx := w.s, context.Background()
		c, err := s.CreateCampaign(ctx, tester, w.alice, w.draft())
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != StatusDraft || c.CreatedBy != w.alice.UserID || len(c.GroupIDs) != 1 || len(c.PersonIDs) != 1 {
			t.Fatalf("%+v", c)
		}
		// Team: bob (same team) sees it; carol (another team, same rights) does not; the admin does.
		if _, err := s.Campaign(ctx, w.bob, c.ID); err != nil {
			t.Fatalf("team colleague: %v", err)
		}
		if _, err := s.Campaign(ctx, w.carol, c.ID); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("other team reads: %v", err)
		}
		if _, err := s.SubmitCampaign(ctx, tester, w.carol, c.ID); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("other team submits: %v", err)
		}
		if list, _ := s.ListCampaigns(ctx, w.carol, 0, 10); len(list) != 0 {
			t.Fatalf("other team lists %d", len(list))
		}
		if list, _ := s.ListCampaigns(ctx, w.admin, 0, 10); len(list) != 1 {
			t.Fatalf("admin lists %d", len(list))
		}
		// Carol cannot create a campaign for a team she is not on.
		if _, err := s.CreateCampaign(ctx, tester, w.carol, w.draft()); err == nil || !strings.Contains(err.Error(), "not on team") {
			t.Fatalf("create for another team: %v", err)
		}
		// A reader without write rights changes nothing.
		ro := w.bob
		ro.CanWrite = false
		if _, err := s.SubmitCampaign(ctx, tester, ro, c.ID); !errors.Is(err, directory.ErrInvalid) {
			t.Fatalf("read-only submit: %v", err)
		}

		// Not yet approved: no launch.
		if _, err := s.LaunchCampaign(ctx, tester, w.alice, w.dir, c.ID); err == nil {
			t.Fatal("a draft launched")
		}
		if _, err := s.ApproveCampaign(ctx, tester, w.bob, w.dir, c.ID); err == nil {
			t.Fatal("a draft was approved")
		}
		if c, err = s.SubmitCampaign(ctx, tester, w.alice, c.ID); err != nil || c.Status != StatusAwaitingApproval || c.SubmittedBy != w.alice.UserID {
			t.Fatalf("submit: %+v %v", c, err)
		}
		// Only a draft can be changed.
		if _, err := s.UpdateCampaign(ctx, tester, w.alice, c); !errors.Is(err, database.ErrConflict) {
			t.Fatalf("update while awaiting approval: %v", err)
		}
		// The submitter cannot approve their own campaign.
		if _, err := s.ApproveCampaign(ctx, tester, w.alice, w.dir, c.ID); !errors.Is(err, ErrOwnApproval) {
			t.Fatalf("own approval: %v", err)
		}
		if _, err := s.ApproveCampaign(ctx, tester, ro, w.dir, c.ID); !errors.Is(err, directory.ErrInvalid) {
			t.Fatalf("approval without awareness write rights: %v", err)
		}
		if _, err := s.ApproveCampaign(ctx, tester, w.carol, w.dir, c.ID); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("approval by another team: %v", err)
		}
		if c, err = s.ApproveCampaign(ctx, tester, w.bob, w.dir, c.ID); err != nil || c.Status != StatusApproved || c.ApprovedBy != w.bob.UserID {
			t.Fatalf("approve: %+v %v", c, err)
		}
		if _, err := s.ResumeCampaign(ctx, tester, w.alice, c.ID); !errors.Is(err, database.ErrConflict) {
			t.Fatalf("resume an approved campaign: %v", err)
		}
		if c, err = s.LaunchCampaign(ctx, tester, w.alice, w.dir, c.ID); err != nil || c.Status != StatusSending || c.Recipients != 4 {
			t.Fatalf("launch: %+v %v", c, err)
		}
		if _, err := s.LaunchCampaign(ctx, tester, w.alice, w.dir, c.ID); !errors.Is(err, database.ErrConflict) {
			t.Fatalf("second launch: %v", err)
		}
		if c, err = s.PauseCampaign(ctx, tester, w.bob, c.ID); err != nil || c.Status != StatusPaused {
			t.Fatalf("pause: %+v %v", c, err)
		}
		if c, err = s.ResumeCampaign(ctx, tester, w.bob, c.ID); err != nil || c.Status != StatusSending {
			t.Fatalf("resume: %+v %v", c, err)
		}
		if c, err = s.CancelCampaign(ctx, tester, w.alice, c.ID); err != nil || c.Status != StatusCancelled {
			t.Fatalf("cancel: %+v %v", c, err)
		}
		for name, f := range map[string]func() (Campaign, error){
			"pause":  func() (Campaign, error) { return s.PauseCampaign(ctx, tester, w.alice, c.ID) },
			"resume": func() (Campaign, error) { return s.ResumeCampaign(ctx, tester, w.alice, c.ID) },
			"cancel": func() (Campaign, error) { return s.CancelCampaign(ctx, tester, w.alice, c.ID) },
			"submit": func() (Campaign, error) { return s.SubmitCampaign(ctx, tester, w.alice, c.ID) },
		} {
			if _, err := f(); !errors.Is(err, database.ErrConflict) {
				t.Errorf("%s a cancelled campaign: %v", name, err)
			}
		}
		rows, _ := s.CampaignRecipients(ctx, w.alice, c.ID, 0, 100)
		for _, r := range rows {
			if r.State != RecipientCancelled {
				t.Errorf("recipient %d is %s after cancel", r.ID, r.State)
			}
		}
		// Every transition was audited.
		var n int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action LIKE 'phishing.campaign.%' AND object_id = $1`, fmt.Sprint(c.ID)).Scan(&n)
		if n != 8 { // create, submitted, approved, launched, recipients, paused, resumed, cancelled
			t.Fatalf("%d audit entries", n)
		}
	})
}

func TestSecondApprovalCanBeSwitchedOff(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		w := newCampaignWorld(t, db)
		s, ctx := w.s, context.Background()
		if on, _ := s.SecondApproval(ctx); !on {
			t.Fatal("second approval is off by default")
		}
		if err := s.SetSecondApproval(ctx, tester, w.admin, false); err != nil {
			t.Fatal(err)
		}
		c, _ := s.CreateCampaign(ctx, tester, w.alice, w.draft())
		s.SubmitCampaign(ctx, tester, w.alice, c.ID)
		if c, err := s.ApproveCampaign(ctx, tester, w.alice, w.dir, c.ID); err != nil || c.Status != StatusApproved {
			t.Fatalf("own approval with the setting off: %+v %v", c, err)
		}
	})
}

func TestRecipientsAreDeduplicatedAndExcluded(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		w := newCampaignWorld(t, db)
		s, ctx := w.s, context.Background()
		// The directory keeps addresses lower-case; a row written around it
		// with ann's address in capitals must still get one message.
		var dupID int64
		if err := db.QueryRowContext(ctx, `INSERT INTO people (email, organisation_id, active, created_at, updated_at) VALUES ('ANN@Example.gov', $1, TRUE, $2, $2) RETURNING id`,
			w.orgB, database.Now()).Scan(&dupID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddDoNotPhish(ctx, tester, w.alice, DoNotPhish{Email: "Ben@Example.gov", Reason: "on leave"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddDoNotPhish(ctx, tester, w.alice, DoNotPhish{Email: "ben@example.gov"}); !errors.Is(err, database.ErrConflict) {
			t.Fatalf("twice on the list: %v", err)
		}
		if _, err := s.AddDoNotPhish(ctx, tester, w.alice, DoNotPhish{Email: "not-an-address"}); err == nil {
			t.Fatal("bad address accepted")
		}
		d := w.draft()
		d.PersonIDs = append(d.PersonIDs, dupID)
		d.ExcludePersonIDs = []int64{w.people[2]}
		c, err := s.CreateCampaign(ctx, tester, w.alice, d)
		if err != nil {
			t.Fatal(err)
		}
		aud, err := s.CampaignAudience(ctx, w.alice, w.dir, c.ID)
		if err != nil || aud.People != 2 || aud.DoNotPhish != 1 || aud.Duplicates != 1 {
			t.Fatalf("audience %+v %v", aud, err)
		}
		s.SubmitCampaign(ctx, tester, w.alice, c.ID)
		s.ApproveCampaign(ctx, tester, w.bob, w.dir, c.ID)
		if c, err = s.LaunchCampaign(ctx, tester, w.alice, w.dir, c.ID); err != nil {
			t.Fatal(err)
		}
		rows, err := s.CampaignRecipients(ctx, w.alice, c.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows {
			got = append(got, r.Email)
			if r.State != RecipientPending || r.TemplateID != w.template {
				t.Errorf("%+v", r)
			}
		}
		if strings.Join(got, ",") != "ann@example.gov,dan@example.gov" {
			t.Fatalf("recipients %v", got)
		}
		var tokens int
		db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT token) FROM phishing_recipients WHERE campaign_id = $1 AND LENGTH(token) >= 22`, c.ID).Scan(&tokens)
		if tokens != 2 {
			t.Fatalf("%d distinct tokens of 128 bits or more", tokens)
		}
		// Put on the list after the launch: their planned message is cancelled.
		if _, err := s.AddDoNotPhish(ctx, tester, w.alice, DoNotPhish{PersonID: w.people[3]}); err != nil {
			t.Fatal(err)
		}
		rows, _ = s.CampaignRecipients(ctx, w.alice, c.ID, 0, 100)
		for _, r := range rows {
			if want := map[bool]string{true: RecipientCancelled, false: RecipientPending}[r.PersonID == w.people[3]]; r.State != want {
				t.Errorf("%s is %s, want %s", r.Email, r.State, want)
			}
		}
		// Other teams do not read the results.
		if _, err := s.CampaignRecipients(ctx, w.carol, c.ID, 0, 100); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("other team results: %v", err)
		}
	})
}

func TestBlackoutsAndEmergencyStop(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		w := newCampaignWorld(t, db)
		s, ctx := w.s, context.Background()
		today := database.Now().Format(time.DateOnly)
		later := database.Now().AddDate(0, 0, 10).Format(time.DateOnly)
		for _, bad := range []Blackout{
			{StartsOn: "tomorrow", EndsOn: later, Reason: "x", OrganisationIDs: []int64{w.orgB}},
			{StartsOn: later, EndsOn: today, Reason: "x", OrganisationIDs: []int64{w.orgB}},
			{StartsOn: today, EndsOn: later, Reason: "", OrganisationIDs: []int64{w.orgB}},
			{StartsOn: today, EndsOn: later, Reason: "x"},
			{StartsOn: today, EndsOn: later, Reason: "x", OrganisationIDs: []int64{99999}},
		} {
			if _, err := s.CreateBlackout(ctx, tester, w.alice, bad); !errors.Is(err, directory.ErrInvalid) {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		if bl, _ := s.ListBlackouts(ctx); len(bl) != 0 {
			t.Fatalf("a refused blackout was stored: %+v", bl)
		}
		b, err := s.CreateBlackout(ctx, tester, w.alice, Blackout{StartsOn: today, EndsOn: later, Reason: "General election", OrganisationIDs: []int64{w.orgB}})
		if err != nil {
			t.Fatal(err)
		}
		// dan is in orgB: approval is refused.
		c, _ := s.CreateCampaign(ctx, tester, w.alice, w.draft())
		s.SubmitCampaign(ctx, tester, w.alice, c.ID)
		if _, err := s.ApproveCampaign(ctx, tester, w.bob, w.dir, c.ID); err == nil || !strings.Contains(err.Error(), "blackout") {
			t.Fatalf("approval during a blackout: %v", err)
		}
		// Approved before the blackout existed: recipients in orgB are held at launch.
		if err := s.DeleteBlackout(ctx, tester, w.alice, b.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApproveCampaign(ctx, tester, w.bob, w.dir, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateBlackout(ctx, tester, w.alice, Blackout{StartsOn: today, EndsOn: later, Reason: "General election", OrganisationIDs: []int64{w.orgB}}); err != nil {
			t.Fatal(err)
		}

		// The emergency stop refuses launches and pauses what is sending.
		other, _ := s.CreateCampaign(ctx, tester, w.alice, Campaign{Name: "Other", TeamID: w.team, TemplateIDs: []int64{w.template}, LandingPageID: w.landing,
			SendingProfileID: w.profile, PersonIDs: []int64{w.people[0]}, Window: DefaultWindow()})
		s.SubmitCampaign(ctx, tester, w.alice, other.ID)
		s.ApproveCampaign(ctx, tester, w.bob, w.dir, other.ID)
		if other, err = s.LaunchCampaign(ctx, tester, w.alice, w.dir, other.ID); err != nil || other.Status != StatusSending {
			t.Fatalf("%+v %v", other, err)
		}
		ro := w.bob
		ro.CanWrite = false
		if _, _, err := s.SetEmergencyStop(ctx, tester, ro, true, "x"); err == nil {
			t.Fatal("a reader pulled the emergency stop")
		}
		st, paused, err := s.SetEmergencyStop(ctx, tester, w.admin, true, "A real phishing wave is under way")
		if err != nil || !st.On || paused != 1 {
			t.Fatalf("stop: %+v %d %v", st, paused, err)
		}
		if other, _ = s.Campaign(ctx, w.alice, other.ID); other.Status != StatusPaused || !other.PausedByStop {
			t.Fatalf("after the stop: %+v", other)
		}
		if _, err := s.LaunchCampaign(ctx, tester, w.alice, w.dir, c.ID); !errors.Is(err, ErrEmergencyStop) {
			t.Fatalf("launch during the stop: %v", err)
		}
		if _, err := s.ResumeCampaign(ctx, tester, w.alice, other.ID); !errors.Is(err, ErrEmergencyStop) {
			t.Fatalf("resume during the stop: %v", err)
		}
		if st, _, err = s.SetEmergencyStop(ctx, tester, w.alice, false, ""); err != nil || st.On {
			t.Fatal(err)
		}
		if other, _ = s.Campaign(ctx, w.alice, other.ID); other.Status != StatusPaused {
			t.Fatal("releasing the stop resumed a campaign by itself")
		}
		if c, err = s.LaunchCampaign(ctx, tester, w.alice, w.dir, c.ID); err != nil || c.Held != 1 || c.Recipients != 4 {
			t.Fatalf("launch with a blacked-out organisation: %+v %v", c, err)
		}
		rows, _ := s.CampaignRecipients(ctx, w.alice, c.ID, 0, 100)
		for _, r := range rows {
			if want := map[bool]string{true: RecipientHeld, false: RecipientPending}[r.OrganisationID == w.orgB]; r.State != want {
				t.Errorf("%s is %s, want %s", r.Email, r.State, want)
			}
		}
		var n int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action IN ('phishing.emergency_stop.on', 'phishing.emergency_stop.off', 'phishing.blackout.create', 'phishing.blackout.delete')`).Scan(&n)
		if n != 5 {
			t.Fatalf("%d audit entries for the safeguards", n)
		}
	})
}

func TestCampaignValidation(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		w := newCampaignWorld(t, db)
		ctx := context.Background()
		tests := []struct {
			change func(*Campaign)
			field  string
			want   string
		}{
			{func(c *Campaign) { c.Name = "" }, "name", "name"},
			{func(c *Campaign) { c.TemplateIDs = nil }, "template_ids", "at least one"},
			{func(c *Campaign) { c.TemplateIDs = []int64{999999} }, "template_ids", "does not exist"},
			{func(c *Campaign) { c.GroupIDs, c.PersonIDs = nil, nil }, "group_ids", "at least one group or person"},
			{func(c *Campaign) { c.GroupIDs = []int64{999999} }, "group_ids", "does not exist"},
			{func(c *Campaign) { c.LandingPageID = 999999 }, "landing_page_id", "does not exist"},
			{func(c *Campaign) { c.SendingProfileID = 0 }, "sending_profile_id", "sending profile"},
			{func(c *Campaign) { c.Window.DayStart, c.Window.DayEnd = 600, 500 }, "day_start_minute", "start before"},
			{func(c *Campaign) { c.Window.Weekdays = 0 }, "weekdays", "business day"},
			{func(c *Campaign) { c.Window.DefaultTimeZone = "Mars/Olympus" }, "default_time_zone", "time zone"},
			{func(c *Campaign) { c.Window.SpreadMinutes = -1 }, "spread_minutes", "60 days"},
			{func(c *Campaign) { c.TeamID = 999999 }, "team_id", "does not exist"},
		}
		for _, tc := range tests {
			c := w.draft()
			tc.change(&c)
			_, err := w.s.CreateCampaign(ctx, tester, w.alice, c)
			wantFieldError(t, err, tc.field, tc.want)
		}
		var n int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM phishing_campaigns`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d campaigns stored from bad input", n)
		}
	})
}

func TestCampaignDraftChangesScheduleAndExclusions(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		w := newCampaignWorld(t, db)
		s, ctx := w.s, context.Background()
		c, err := s.CreateCampaign(ctx, tester, w.alice, w.draft())
		if err != nil {
			t.Fatal(err)
		}
		// Bob, on the team, changes the draft: a later launch and an excluded group.
		ex, err := w.dir.CreateGroup(ctx, tester, directory.Group{Name: "New York office", Kind: "static"})
		if err != nil {
			t.Fatal(err)
		}
		w.dir.AddGroupMembers(ctx, tester, ex.ID, []int64{w.people[1]})
		launch := database.Now().Add(72 * time.Hour).Truncate(time.Second)
		c.ExcludeGroupIDs, c.LaunchAt, c.Name = []int64{ex.ID}, &launch, "December awareness"
		if c, err = s.UpdateCampaign(ctx, tester, w.bob, c); err != nil || c.Name != "December awareness" || len(c.ExcludeGroupIDs) != 1 || !c.LaunchAt.Equal(launch) {
			t.Fatalf("update: %+v %v", c, err)
		}
		// Carol (other team) cannot change it, nor move it to her team.
		if _, err := s.UpdateCampaign(ctx, tester, w.carol, c); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("other team updates: %v", err)
		}
		moved := c
		moved.TeamID = w.otherTeam
		if _, err := s.UpdateCampaign(ctx, tester, w.alice, moved); err == nil || !strings.Contains(err.Error(), "not on team") {
			t.Fatalf("moved to a team she is not on: %v", err)
		}
		// Back to draft and submitted again.
		s.SubmitCampaign(ctx, tester, w.alice, c.ID)
		if c, err = s.ReturnCampaign(ctx, tester, w.bob, c.ID); err != nil || c.Status != StatusDraft || c.SubmittedBy != 0 {
			t.Fatalf("return: %+v %v", c, err)
		}
		if _, err := s.ReturnCampaign(ctx, tester, w.bob, c.ID); !errors.Is(err, database.ErrConflict) {
			t.Fatalf("return a draft: %v", err)
		}
		s.SubmitCampaign(ctx, tester, w.bob, c.ID)
		if _, err := s.ApproveCampaign(ctx, tester, w.bob, w.dir, c.ID); !errors.Is(err, ErrOwnApproval) {
			t.Fatalf("bob approves his own submission: %v", err)
		}
		if _, err := s.ApproveCampaign(ctx, tester, w.admin, w.dir, c.ID); err != nil {
			t.Fatal(err)
		}
		if c, err = s.LaunchCampaign(ctx, tester, w.alice, w.dir, c.ID); err != nil || c.Status != StatusScheduled || c.Recipients != 3 {
			t.Fatalf("launch later: %+v %v", c, err)
		}
		rows, _ := s.CampaignRecipients(ctx, w.alice, c.ID, 0, 100)
		chicago, _ := time.LoadLocation("America/Chicago")
		for _, r := range rows {
			if r.Email == "ben@example.gov" {
				t.Fatal("a member of the excluded group is a recipient")
			}
			l := r.PlannedAt.In(chicago)
			if r.PlannedAt.Before(launch) || l.Weekday() == time.Saturday || l.Weekday() == time.Sunday || l.Hour() < 9 || l.Hour() >= 17 {
				t.Errorf("%s planned at %s", r.Email, l)
			}
		}
		if _, err := s.CompleteCampaign(ctx, tester, w.alice, c.ID); !errors.Is(err, database.ErrConflict) {
			t.Fatalf("complete a scheduled campaign: %v", err)
		}
	})
}

// TestCampaignTransitions tries every action from every status: only the
// moves in the table are allowed; every other one is refused as a conflict
// and changes nothing.
func TestCampaignTransitions(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *database.DB) {
		w := newCampaignWorld(t, db)
		s, ctx := w.s, context.Background()
		allowed := map[string]map[string]string{ // action → from → to
			"submit":   {StatusDraft: StatusAwaitingApproval},
			"return":   {StatusAwaitingApproval: StatusDraft},
			"approve":  {StatusAwaitingApproval: StatusApproved},
			"launch":   {StatusApproved: StatusSending},
			"pause":    {StatusScheduled: StatusPaused, StatusSending: StatusPaused},
			"resume":   {StatusPaused: StatusSending},
			"complete": {StatusSending: StatusCompleted},
			"cancel": {StatusDraft: StatusCancelled, StatusAwaitingApproval: StatusCancelled, StatusApproved: StatusCancelled,
				StatusScheduled: StatusCancelled, StatusSending: StatusCancelled, StatusPaused: StatusCancelled},
			"update": {StatusDraft: StatusDraft},
		}
		run := func(action string, id int64) error {
			var err error
			switch action {
			case "submit":
				_, err = s.SubmitCampaign(ctx, tester, w.bob, id)
			case "return":
				_, err = s.ReturnCampaign(ctx, tester, w.bob, id)
			case "approve":
				_, err = s.ApproveCampaign(ctx, tester, w.bob, w.dir, id)
			case "launch":
				_, err = s.LaunchCampaign(ctx, tester, w.bob, w.dir, id)
			case "pause":
				_, err = s.PauseCampaign(ctx, tester, w.bob, id)
			case "resume":
				_, err = s.ResumeCampaign(ctx, tester, w.bob, id)
			case "complete":
				_, err = s.CompleteCampaign(ctx, tester, w.bob, id)
			case "cancel":
				_, err = s.CancelCampaign(ctx, tester, w.bob, id)
			case "update":
				c, _ := s.Campaign(ctx, w.bob, id)
				_, err = s.UpdateCampaign(ctx, tester, w.bob, c)
			}
			return err
		}
		statuses := []string{StatusDraft, StatusAwaitingApproval, StatusApproved, StatusScheduled, StatusSending, StatusPaused, StatusCompleted, StatusCancelled}
		for action, table := range allowed {
			for _, from := range statuses {
				c, err := s.CreateCampaign(ctx, tester, w.alice, w.draft())
				if err != nil {
					t.Fatal(err)
				}
				db.ExecContext(ctx, `UPDATE phishing_campaigns SET status = $1, submitted_by = $2 WHERE id = $3`, from, w.alice.UserID, c.ID)
				err = run(action, c.ID)
				got, _ := s.Campaign(ctx, w.bob, c.ID)
				if to, ok := table[from]; ok {
					if err != nil || got.Status != to {
						t.Errorf("%s from %s: %v, now %s, want %s", action, from, err, got.Status, to)
					}
				} else if !errors.Is(err, database.ErrConflict) || got.Status != from {
					t.Errorf("%s from %s: got %v and status %s, want a conflict and no change", action, from, err, got.Status)
				}
			}
		}
	})
}
