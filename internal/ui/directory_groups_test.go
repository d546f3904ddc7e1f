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

func TestDirGroupsListAndFilterGroup(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := dirSetup(t, e)
		text := dirText(dirMain(w.mustGet(t, accounts.RoleLeader, "/directory/groups")))
		for _, want := range []string{"3 groups", "Boone election staff", "Cole election staff", "All county clerks", "Saved filter"} {
			if !strings.Contains(text, want) {
				t.Errorf("groups list lacks %q: %.500s", want, text)
			}
		}
		text = dirText(dirMain(w.mustGet(t, accounts.RoleLeader, "/directory/groups?q=cole")))
		if !strings.Contains(text, "1 group") || strings.Contains(text, "Boone election staff") {
			t.Errorf("search: %.300s", text)
		}
		text = dirText(dirMain(w.mustGet(t, accounts.RoleLeader, dirPath("/directory/groups/%d", w.stateGroup.ID))))
		for _, want := range []string{"All county clerks", "in any organisation", "job title is County Clerk", "active people only", "Members (2)", "Ada Booneclerk", "Cy Coleclerk"} {
			if !strings.Contains(text, want) {
				t.Errorf("group page lacks %q: %.600s", want, text)
			}
		}

		// A saved filter made through the form picks up people added later.
		const role = accounts.RoleAwarenessManager
		form := url.Values{"name": {"Boone deputies"}, "kind": {"filter"}, "organisation_id": {fmt.Sprint(w.boone.ID)}, "title": {"Deputy"}, "active_only": {"1"}}
		resp, body := w.post(t, role, "/directory/groups", form)
		loc := dirWantRedirect(t, resp, body, "/directory/groups/")
		if !strings.Contains(dirText(w.mustGet(t, role, loc)), "Members (0)") {
			t.Fatal("the new filter group is not empty")
		}
		if _, err := e.App.Directory.CreatePerson(context.Background(), audit.System, directory.Person{Email: "dep@boone.example.org", FirstName: "Dot", LastName: "Deputy",
			OrganisationID: w.boone.ID, Title: "Deputy", Active: true}); err != nil {
			t.Fatal(err)
		}
		text = dirText(dirMain(w.mustGet(t, role, loc)))
		if !strings.Contains(text, "Members (1)") || !strings.Contains(text, "Dot Deputy") {
			t.Fatalf("a later Boone deputy is not a member: %.500s", text)
		}
		if strings.Contains(w.mustGet(t, role, loc), `name="emails"`) {
			t.Error("a saved filter offers to add people by hand")
		}
	})
}

func TestDirGroupFormErrors(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := dirSetup(t, e)
		const role = accounts.RoleAdmin
		cases := []struct {
			form        url.Values
			field, want string
		}{
			{url.Values{"name": {""}, "kind": {"static"}}, "name", "needs a name"},
			{url.Values{"name": {"Boone election staff"}, "kind": {"static"}}, "name", "already exists"},
			{url.Values{"name": {"Pilot"}, "kind": {"static"}, "department": {"IT"}}, "department", "Only a saved-filter group"},
			{url.Values{"name": {"Pilot"}, "kind": {"filter"}, "organisation_id": {"999999"}}, "organisation", "Choose an organisation"},
		}
		before := w.auditCount(t, "group.")
		for _, c := range cases {
			resp, body := w.post(t, role, "/directory/groups", c.form)
			if got := dirFieldError(body, c.field); resp.StatusCode != 422 || !strings.Contains(got, c.want) {
				t.Errorf("%v: %d, beside %s %q, want %q", c.form, resp.StatusCode, c.field, got, c.want)
			}
		}
		resp, body := w.post(t, role, "/directory/groups", url.Values{"name": {"Pilot"}})
		if resp.StatusCode != 422 || !strings.Contains(dirText(body), "Choose whether the group holds chosen people or a saved filter") {
			t.Errorf("no kind: %d %.300s", resp.StatusCode, dirText(dirMain(body)))
		}
		if after := w.auditCount(t, "group."); after != before {
			t.Fatalf("refused forms wrote %d changes", after-before)
		}
		// Editing keeps the kind and may change the filter.
		edit := w.mustGet(t, role, dirPath("/directory/groups/%d/edit", w.coleGroup.ID))
		if strings.Contains(edit, `name="kind"`) || !strings.Contains(edit, `value="Cole election staff"`) {
			t.Error("the edit form offers to change the kind, or lost the name")
		}
		resp, body = w.post(t, role, dirPath("/directory/groups/%d", w.coleGroup.ID), url.Values{"name": {"Cole election staff"}, "organisation_id": {fmt.Sprint(w.cole.ID)}, "department": {"Elections"}})
		dirWantRedirect(t, resp, body, dirPath("/directory/groups/%d", w.coleGroup.ID))
		g, _ := e.App.Directory.Group(context.Background(), directory.AllOrganisations, w.coleGroup.ID)
		if g.Department != "Elections" || g.ActiveOnly || g.Kind != directory.GroupFiltered {
			t.Fatalf("after edit: %+v", g)
		}
	})
}

func TestDirStaticGroupMembers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := dirSetup(t, e)
		const role = accounts.RoleAwarenessManager
		resp, body := w.post(t, role, "/directory/groups", url.Values{"name": {"Boone pilot"}, "kind": {"static"}, "organisation_id": {fmt.Sprint(w.boone.ID)}, "active_only": {"1"}})
		loc := dirWantRedirect(t, resp, body, "/directory/groups/")
		page := w.mustGet(t, role, loc)
		if !strings.Contains(page, `name="emails"`) || !strings.Contains(dirText(page), "Members (0)") {
			t.Fatal("a new static group has no add form, or is not empty")
		}
		pasted := "ada.clerk@boone.example.org\ncy.clerk@cole.example.org, ghost@boone.example.org;not-an-address"
		resp, body = w.post(t, role, loc+"/members", url.Values{"emails": {pasted}})
		if resp.StatusCode != 200 {
			t.Fatalf("add: %d %.300s", resp.StatusCode, dirText(body))
		}
		text := dirText(dirMain(body))
		for _, want := range []string{"1 added", "3 not added", "cy.clerk@cole.example.org: belongs to another organisation",
			"ghost@boone.example.org: nobody with this address is in the directory", "not-an-address: is not an email address", "Members (1)", "Ada Booneclerk"} {
			if !strings.Contains(text, want) {
				t.Errorf("after adding, the page lacks %q: %.900s", want, text)
			}
		}
		if !strings.Contains(body, "cy.clerk@cole.example.org\nghost@boone.example.org\nnot-an-address</textarea>") {
			t.Error("the addresses not added are not kept to fix")
		}
		resp, body = w.post(t, role, loc+"/members", url.Values{"emails": {"  \n "}})
		if got := dirFieldError(body, "emails"); resp.StatusCode != 422 || !strings.Contains(got, "at least one") {
			t.Errorf("nothing pasted: %d %q", resp.StatusCode, got)
		}
		resp, body = w.post(t, role, loc+"/members", url.Values{"emails": {"ADA.CLERK@boone.example.org"}})
		dirWantRedirect(t, resp, body, loc)
		if n := w.auditCount(t, "group.members.add"); n != 1 {
			t.Fatalf("%d additions audited, want 1 (adding someone twice changes nothing)", n)
		}
		resp, body = w.post(t, role, dirPath("%s/members/%d/remove", loc, w.booneClerk.ID), nil)
		dirWantRedirect(t, resp, body, loc)
		if !strings.Contains(dirText(w.mustGet(t, role, loc)), "Members (0)") {
			t.Fatal("the member was not removed")
		}
		resp, body = w.post(t, role, loc+"/delete", nil)
		dirWantRedirect(t, resp, body, "/directory/groups")
		if status, _ := w.get(t, role, loc); status != 404 {
			t.Fatalf("deleted group: %d", status)
		}
		entries, err := e.App.Audit.List(context.Background(), audit.Filter{Action: "group.", ObjectID: strings.TrimPrefix(loc, "/directory/groups/")})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, x := range entries {
			actions = append(actions, x.Action)
			if x.ActorUserID != w.users[role].ID {
				t.Errorf("%s audited as user %d, want %d", x.Action, x.ActorUserID, w.users[role].ID)
			}
		}
		if got := strings.Join(actions, " "); got != "group.delete group.members.remove group.members.add group.create" {
			t.Errorf("audit: %s", got)
		}
	})
}

func TestDirGroupsOrganisationMemberSeesOnlyTheirs(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := dirSetup(t, e)
		const role = accounts.RoleOrganisationMember
		text := dirText(dirMain(w.mustGet(t, role, "/directory/groups")))
		if !strings.Contains(text, "1 group") || !strings.Contains(text, "Boone election staff") || strings.Contains(text, "Cole") || strings.Contains(text, "All county clerks") {
			t.Errorf("a Boone member's groups: %.500s", text)
		}
		for _, g := range []directory.Group{w.coleGroup, w.stateGroup} {
			for _, path := range []string{dirPath("/directory/groups/%d", g.ID), dirPath("/directory/groups/%d?after=1", g.ID)} {
				if status, _ := w.get(t, role, path); status != 404 {
					t.Errorf("%s (%s) as a Boone member: %d, want 404", path, g.Name, status)
				}
			}
		}
		body := dirMain(w.mustGet(t, role, dirPath("/directory/groups/%d", w.booneGroup.ID)))
		if !strings.Contains(body, "Ada Booneclerk") || strings.Contains(body, "cole") {
			t.Errorf("own group: %.500s", dirText(body))
		}
	})
}
