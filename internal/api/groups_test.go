package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
)

// groupsWorld is two counties with people, and a group for each.
type groupsWorld struct {
	boone, cole         directory.Organisation
	booneAll, coleAll   directory.Group
	everyone            directory.Group
	booneClerk, colePer directory.Person
}

func newGroupsWorld(t *testing.T, e *apptest.Env) groupsWorld {
	t.Helper()
	ctx := context.Background()
	d := e.App.Directory
	var w groupsWorld
	var err error
	if w.boone, err = d.OrganisationByName(ctx, "Boone County Clerk"); err != nil {
		t.Fatal(err)
	}
	if w.cole, err = d.OrganisationByName(ctx, "Cole County Clerk"); err != nil {
		t.Fatal(err)
	}
	if w.booneClerk, err = d.CreatePerson(ctx, audit.System, directory.Person{Email: "clerk@boone.example.org", OrganisationID: w.boone.ID, Department: "Elections", Active: true}); err != nil {
		t.Fatal(err)
	}
	if w.colePer, err = d.CreatePerson(ctx, audit.System, directory.Person{Email: "clerk@cole.example.org", OrganisationID: w.cole.ID, Department: "Elections", Active: true}); err != nil {
		t.Fatal(err)
	}
	mk := func(g directory.Group) directory.Group {
		g, err := d.CreateGroup(ctx, audit.System, g)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	w.booneAll = mk(directory.Group{Name: "Boone staff", Kind: directory.GroupFiltered, OrganisationID: w.boone.ID, ActiveOnly: true})
	w.coleAll = mk(directory.Group{Name: "Cole staff", Kind: directory.GroupFiltered, OrganisationID: w.cole.ID, ActiveOnly: true})
	w.everyone = mk(directory.Group{Name: "Everyone in elections", Kind: directory.GroupFiltered, Department: "Elections", ActiveOnly: true})
	return w
}

func TestGroupsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := newGroupsWorld(t, e)
		tok := e.Token(e.User(accounts.RoleAwarenessManager, 0))

		resp, body := e.Do(nil, "POST", "/api/v1/groups", tok, strings.NewReader(`{"name":"","kind":"static"}`), "Content-Type", "application/json")
		if resp.StatusCode != 422 || !strings.Contains(body, `"name"`) {
			t.Fatalf("nameless group: %d %s", resp.StatusCode, body)
		}
		resp, body = e.Do(nil, "POST", "/api/v1/groups", tok, strings.NewReader(`{"name":"Boone staff","kind":"static"}`), "Content-Type", "application/json")
		if resp.StatusCode != 409 {
			t.Fatalf("duplicate name: %d %s", resp.StatusCode, body)
		}
		resp, body = e.Do(nil, "POST", "/api/v1/groups", tok, strings.NewReader(fmt.Sprintf(`{"name":"Pilot","kind":"static","organisation_id":%d}`, w.boone.ID)), "Content-Type", "application/json")
		if resp.StatusCode != 201 {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
		var pilot directory.Group
		dirDecodeJSON(t, body, &pilot)
		if !pilot.ActiveOnly || pilot.Kind != directory.GroupStatic {
			t.Fatalf("created %+v: active_only should default to true", pilot)
		}
		in := `{"emails":["clerk@boone.example.org","clerk@cole.example.org","nobody@example.org","nonsense"]}`
		resp, body = e.Do(nil, "POST", fmt.Sprintf("/api/v1/groups/%d/members", pilot.ID), tok, strings.NewReader(in), "Content-Type", "application/json")
		if resp.StatusCode != 200 {
			t.Fatalf("add members: %d %s", resp.StatusCode, body)
		}
		var rep directory.MemberReport
		dirDecodeJSON(t, body, &rep)
		var bad []string
		for _, x := range rep.Errors {
			bad = append(bad, x.Email)
		}
		if rep.Added != 1 || !cmp.Equal(bad, []string{"clerk@cole.example.org", "nobody@example.org", "nonsense"}) {
			t.Fatalf("report %+v", rep)
		}
		_, body = e.Do(nil, "GET", fmt.Sprintf("/api/v1/groups/%d", pilot.ID), tok, nil)
		if !strings.Contains(body, `"member_count":1`) {
			t.Fatalf("group view: %s", body)
		}
		resp, body = e.Do(nil, "POST", fmt.Sprintf("/api/v1/groups/%d/members", w.everyone.ID), tok, strings.NewReader(`{"person_ids":[1]}`), "Content-Type", "application/json")
		if resp.StatusCode != 422 || !strings.Contains(body, "filter") {
			t.Fatalf("adding to a filter group: %d %s", resp.StatusCode, body)
		}

		// A filter group's members page through without repeats.
		for i := 0; i < 7; i++ {
			if _, err := e.App.Directory.CreatePerson(context.Background(), audit.System, directory.Person{Email: fmt.Sprintf("p%d@boone.example.org", i), OrganisationID: w.boone.ID, Department: "Elections", Active: true}); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[int64]bool{}
		cursor := ""
		for pages := 0; pages < 10; pages++ {
			_, body := e.Do(nil, "GET", fmt.Sprintf("/api/v1/groups/%d/members?limit=3&cursor=%s", w.everyone.ID, cursor), tok, nil)
			var pg struct {
				Items      []directory.Person `json:"items"`
				NextCursor string             `json:"next_cursor"`
			}
			dirDecodeJSON(t, body, &pg)
			for _, p := range pg.Items {
				if seen[p.ID] {
					t.Fatalf("person %d on two pages", p.ID)
				}
				seen[p.ID] = true
			}
			if cursor = pg.NextCursor; cursor == "" {
				break
			}
		}
		if len(seen) != 9 {
			t.Fatalf("paged through %d members, want 9", len(seen))
		}

		_, body = e.Do(nil, "GET", fmt.Sprintf("/api/v1/people/%d/groups", w.booneClerk.ID), tok, nil)
		for _, name := range []string{"Boone staff", "Everyone in elections", "Pilot"} {
			if !strings.Contains(body, name) {
				t.Errorf("groups of the Boone clerk lack %q: %s", name, body)
			}
		}
		resp, _ = e.Do(nil, "PUT", fmt.Sprintf("/api/v1/groups/%d", pilot.ID), tok, strings.NewReader(`{"name":"Pilot, phase 2","active_only":false}`), "Content-Type", "application/json")
		if resp.StatusCode != 200 {
			t.Fatalf("update: %d", resp.StatusCode)
		}
		resp, _ = e.Do(nil, "DELETE", fmt.Sprintf("/api/v1/groups/%d/members/%d", pilot.ID, w.booneClerk.ID), tok, nil)
		if resp.StatusCode != 204 {
			t.Fatalf("remove member: %d", resp.StatusCode)
		}
		resp, _ = e.Do(nil, "DELETE", fmt.Sprintf("/api/v1/groups/%d", pilot.ID), tok, nil)
		if resp.StatusCode != 204 {
			t.Fatalf("delete: %d", resp.StatusCode)
		}
		resp, _ = e.Do(nil, "GET", fmt.Sprintf("/api/v1/groups/%d", pilot.ID), tok, nil)
		if resp.StatusCode != 404 {
			t.Fatalf("deleted group: %d", resp.StatusCode)
		}
		entries, _ := e.App.Audit.List(context.Background(), audit.Filter{Action: "group.", ObjectID: fmt.Sprint(pilot.ID)})
		if len(entries) != 5 {
			t.Fatalf("%d audit entries for the group, want 5 (create, add, update, remove, delete)", len(entries))
		}
	})
}

func TestGroupsAPIKeepsOrganisationMembersInTheirOrganisation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := newGroupsWorld(t, e)
		tok := e.Token(e.User(accounts.RoleOrganisationMember, w.boone.ID))
		_, body := e.Do(nil, "GET", "/api/v1/groups?limit=500", tok, nil)
		if !strings.Contains(body, "Boone staff") || strings.Contains(body, "Cole staff") || strings.Contains(body, "Everyone") {
			t.Fatalf("member's list: %s", body)
		}
		for _, path := range []string{
			fmt.Sprintf("/api/v1/groups/%d", w.coleAll.ID),
			fmt.Sprintf("/api/v1/groups/%d", w.everyone.ID),
			fmt.Sprintf("/api/v1/groups/%d/members", w.coleAll.ID),
			fmt.Sprintf("/api/v1/groups/%d/members", w.everyone.ID),
			fmt.Sprintf("/api/v1/people/%d/groups", w.colePer.ID),
		} {
			if resp, body := e.Do(nil, "GET", path, tok, nil); resp.StatusCode != 404 {
				t.Errorf("%s: %d %s, want 404", path, resp.StatusCode, body)
			}
		}
		_, body = e.Do(nil, "GET", fmt.Sprintf("/api/v1/groups/%d/members", w.booneAll.ID), tok, nil)
		if !strings.Contains(body, "clerk@boone.example.org") || strings.Contains(body, "cole") {
			t.Fatalf("own group's members: %s", body)
		}
		_, body = e.Do(nil, "GET", fmt.Sprintf("/api/v1/people/%d/groups", w.booneClerk.ID), tok, nil)
		if !strings.Contains(body, "Boone staff") || strings.Contains(body, "Everyone") {
			t.Fatalf("groups of own person: %s", body)
		}
		// Reading roles cannot change groups.
		for _, role := range []accounts.Role{accounts.RoleOrganisationMember, accounts.RoleAuditor, accounts.RoleLeader, accounts.RoleAnalyst} {
			org := int64(0)
			if role == accounts.RoleOrganisationMember {
				org = w.boone.ID
			}
			tok := e.Token(e.User(role, org))
			for _, c := range []struct{ method, path, body string }{
				{"POST", "/api/v1/groups", `{"name":"x","kind":"static"}`},
				{"PUT", fmt.Sprintf("/api/v1/groups/%d", w.booneAll.ID), `{"name":"x"}`},
				{"DELETE", fmt.Sprintf("/api/v1/groups/%d", w.booneAll.ID), ``},
				{"POST", fmt.Sprintf("/api/v1/groups/%d/members", w.booneAll.ID), `{"person_ids":[1]}`},
			} {
				resp, _ := e.Do(nil, c.method, c.path, tok, strings.NewReader(c.body), "Content-Type", "application/json")
				if resp.StatusCode != 403 {
					t.Errorf("%s %s as %s: %d, want 403", c.method, c.path, role, resp.StatusCode)
				}
			}
		}
		if g, err := e.App.Directory.Group(context.Background(), directory.AllOrganisations, w.booneAll.ID); err != nil || g.Name != "Boone staff" {
			t.Fatalf("group changed: %+v %v", g, err)
		}
	})
}

func dirDecodeJSON(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
}
