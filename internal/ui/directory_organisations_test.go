package ui_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
)

func TestDirOrganisationsList(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := dirSetup(t, e)
		body := dirMain(w.mustGet(t, accounts.RoleAnalyst, "/directory/organisations"))
		if n := strings.Count(body, "<td>Local election authority</td>"); n != 116 {
			t.Fatalf("%d local election authorities listed, want all 116", n)
		}
		text := dirText(body)
		for _, want := range []string{"Boone County Clerk", "Office of the Secretary of State", "Official domain", "People"} {
			if !strings.Contains(text, want) {
				t.Errorf("list lacks %q", want)
			}
		}
		if strings.Contains(body, "/directory/organisations/new") {
			t.Error("an analyst, who cannot change the directory, is offered New organisation")
		}
		if !strings.Contains(w.mustGet(t, accounts.RoleAwarenessManager, "/directory/organisations"), `href="/directory/organisations/new"`) {
			t.Error("an awareness manager is not offered New organisation")
		}
		body = dirMain(w.mustGet(t, accounts.RoleAnalyst, "/directory/organisations?kind=state_agency"))
		if strings.Contains(body, "<td>Local election authority</td>") || !strings.Contains(body, "Office of the Secretary of State") {
			t.Errorf("kind filter: %.500s", dirText(body))
		}
		body = dirText(dirMain(w.mustGet(t, accounts.RoleAnalyst, "/directory/organisations?q=boone")))
		if !strings.Contains(body, "Boone County Clerk") || strings.Contains(body, "Cole County Clerk") {
			t.Errorf("search: %.500s", body)
		}
	})
}

func TestDirOrganisationDetail(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := dirSetup(t, e)
		text := dirText(dirMain(w.mustGet(t, accounts.RoleLeader, dirPath("/directory/organisations/%d", w.boone.ID))))
		for _, want := range []string{"Boone County Clerk", "Local election authority", "Served by Office of the Secretary of State", "People (2)", "Ada Booneclerk"} {
			if !strings.Contains(text, want) {
				t.Errorf("Boone's page lacks %q: %.800s", want, text)
			}
		}
		body := dirMain(w.mustGet(t, accounts.RoleLeader, dirPath("/directory/organisations/%d", w.sos.ID)))
		if n := strings.Count(body, `/remove"`); n != 0 {
			t.Errorf("a leader sees %d remove buttons", n)
		}
		if !strings.Contains(body, "Cole County Clerk") || !strings.Contains(body, "Boone County Clerk") {
			t.Error("the Secretary of State's page does not list the counties it serves")
		}
		if status, _ := w.get(t, accounts.RoleLeader, "/directory/organisations/999999"); status != 404 {
			t.Errorf("a missing organisation: %d", status)
		}
	})
}

func TestDirOrganisationForms(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := dirSetup(t, e)
		const role = accounts.RoleAdmin
		body := w.mustGet(t, role, "/directory/organisations/new")
		for _, id := range []string{`id="name"`, `id="kind"`, `id="parent"`, `id="domain"`} {
			if !strings.Contains(body, id) {
				t.Errorf("form lacks %s", id)
			}
		}
		cases := []struct {
			form  url.Values
			field string
			want  string
		}{
			{url.Values{"name": {""}, "kind": {"state_agency"}}, "name", "needs a name"},
			{url.Values{"name": {"Department of Revenue"}, "kind": {"state_agency"}, "domain": {"not a domain"}}, "domain", "is not a domain name"},
			{url.Values{"name": {"Department of Revenue"}, "kind": {"bakery"}}, "kind", "Choose what kind"},
			{url.Values{"name": {"Department of Revenue"}, "kind": {"state_agency"}, "parent_id": {"999999"}}, "parent", "Choose a parent"},
			{url.Values{"name": {"Boone County Clerk"}, "kind": {"state_agency"}}, "name", "already exists"},
		}
		before := w.auditCount(t, "organisation.")
		for _, c := range cases {
			resp, body := w.post(t, role, "/directory/organisations", c.form)
			if got := dirFieldError(body, c.field); resp.StatusCode != 422 || !strings.Contains(got, c.want) {
				t.Errorf("%v: %d, error beside %s %q, want %q", c.form, resp.StatusCode, c.field, got, c.want)
			}
			if !strings.Contains(body, `value="`+c.form.Get("name")+`"`) {
				t.Errorf("%v: the name typed was not kept", c.form)
			}
		}
		if after := w.auditCount(t, "organisation."); after != before {
			t.Fatalf("refused forms wrote %d changes", after-before)
		}
		resp, body := w.post(t, role, "/directory/organisations", url.Values{"name": {"Department of Revenue"}, "short_name": {"DOR"}, "kind": {"state_agency"},
			"parent_id": {fmt.Sprint(w.sos.ID)}, "domain": {"dor.mo.gov"}})
		loc := dirWantRedirect(t, resp, body, "/directory/organisations/")
		text := dirText(dirMain(w.mustGet(t, role, loc)))
		if !strings.Contains(text, "Department of Revenue") || !strings.Contains(text, "dor.mo.gov") || !strings.Contains(text, "Parent organisation Office of the Secretary of State") {
			t.Fatalf("new organisation's page: %.600s", text)
		}
		dor, err := e.App.Directory.OrganisationByName(context.Background(), "Department of Revenue")
		if err != nil {
			t.Fatal(err)
		}
		// Edit: the hierarchy must stay a tree.
		resp, body = w.post(t, role, dirPath("/directory/organisations/%d", w.sos.ID), url.Values{"name": {w.sos.Name}, "kind": {"state_agency"}, "parent_id": {fmt.Sprint(dor.ID)}})
		if got := dirFieldError(body, "parent"); resp.StatusCode != 422 || got == "" {
			t.Fatalf("a loop in the hierarchy: %d %q", resp.StatusCode, got)
		}
		resp, body = w.post(t, role, dirPath("/directory/organisations/%d", dor.ID), url.Values{"name": {"Missouri Department of Revenue"}, "kind": {"state_agency"}})
		dirWantRedirect(t, resp, body, dirPath("/directory/organisations/%d", dor.ID))
		if o, _ := e.App.Directory.Organisation(context.Background(), dor.ID); o.Name != "Missouri Department of Revenue" || o.ParentID != 0 {
			t.Fatalf("after edit: %+v", o)
		}
		// Serves editor.
		resp, body = w.post(t, role, dirPath("/directory/organisations/%d/serves", dor.ID), url.Values{"served_id": {fmt.Sprint(w.cole.ID)}})
		dirWantRedirect(t, resp, body, dirPath("/directory/organisations/%d", dor.ID))
		served, _ := e.App.Directory.Served(context.Background(), dor.ID)
		if len(served) != 1 || served[0] != w.cole.ID {
			t.Fatalf("served %v", served)
		}
		page := w.mustGet(t, role, dirPath("/directory/organisations/%d", dor.ID))
		if !strings.Contains(page, dirPath("/directory/organisations/%d/serves/%d/remove", dor.ID, w.cole.ID)) {
			t.Fatal("no remove button for the served county")
		}
		resp, body = w.post(t, role, dirPath("/directory/organisations/%d/serves/%d/remove", dor.ID, w.cole.ID), nil)
		dirWantRedirect(t, resp, body, dirPath("/directory/organisations/%d", dor.ID))
		if served, _ := e.App.Directory.Served(context.Background(), dor.ID); len(served) != 0 {
			t.Fatalf("still serves %v", served)
		}
		if n := w.auditCount(t, "organisation.serves."); n != 2 {
			t.Fatalf("%d serves changes audited, want 2", n)
		}
	})
}

func TestDirOrganisationsOrganisationMemberSeesOnlyTheirs(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := dirSetup(t, e)
		const role = accounts.RoleOrganisationMember
		for _, path := range []string{"/directory/organisations", "/directory/organisations?kind=local_election_authority&q=cole"} {
			body := dirMain(w.mustGet(t, role, path))
			if strings.Count(body, `href="/directory/organisations/`) != 1 || !strings.Contains(body, "Boone County Clerk") {
				t.Errorf("%s: %.500s", path, dirText(body))
			}
		}
		for _, path := range []string{dirPath("/directory/organisations/%d", w.cole.ID), dirPath("/directory/organisations/%d", w.sos.ID)} {
			if status, _ := w.get(t, role, path); status != 404 {
				t.Errorf("%s as a Boone member: %d, want 404", path, status)
			}
		}
		text := dirText(dirMain(w.mustGet(t, role, dirPath("/directory/organisations/%d", w.boone.ID))))
		if strings.Contains(text, "Secretary of State") || strings.Contains(text, "Served by") || !strings.Contains(text, "Ada Booneclerk") {
			t.Errorf("a member's view of their organisation names others or misses its people: %.600s", text)
		}
		// A member of no organisation sees none.
		lost := e.Browser(e.User(accounts.RoleOrganisationMember, 0))
		resp, body := e.Do(lost, "GET", "/directory/organisations", "", nil)
		if resp.StatusCode != 200 || strings.Contains(dirMain(body), `href="/directory/organisations/`) {
			t.Errorf("a member of no organisation: %d %.300s", resp.StatusCode, dirText(dirMain(body)))
		}
	})
}
