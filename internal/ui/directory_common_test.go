package ui_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
)

// dirWorld is two counties, a person and a group in each, a group of the
// whole state, and a signed-in browser for every role; the organisation
// member works for Boone.
type dirWorld struct {
	*apptest.Env
	boone, cole, sos      directory.Organisation
	booneClerk, coleClerk directory.Person
	booneGroup, coleGroup directory.Group
	stateGroup            directory.Group
	users                 map[accounts.Role]accounts.User
	browsers              map[accounts.Role]*http.Client
}

func dirSetup(t *testing.T, e *apptest.Env) *dirWorld {
	t.Helper()
	ctx := context.Background()
	d := e.App.Directory
	w := &dirWorld{Env: e, users: map[accounts.Role]accounts.User{}, browsers: map[accounts.Role]*http.Client{}}
	var err error
	for name, o := range map[string]*directory.Organisation{"Boone County Clerk": &w.boone, "Cole County Clerk": &w.cole, "Office of the Secretary of State": &w.sos} {
		if *o, err = d.OrganisationByName(ctx, name); err != nil {
			t.Fatal(name, err)
		}
	}
	if w.booneClerk, err = d.CreatePerson(ctx, audit.System, directory.Person{Email: "ada.clerk@boone.example.org", FirstName: "Ada", LastName: "Booneclerk",
		OrganisationID: w.boone.ID, Department: "Elections", Title: "County Clerk", Active: true}); err != nil {
		t.Fatal(err)
	}
	if w.coleClerk, err = d.CreatePerson(ctx, audit.System, directory.Person{Email: "cy.clerk@cole.example.org", FirstName: "Cy", LastName: "Coleclerk",
		OrganisationID: w.cole.ID, Department: "Elections", Title: "County Clerk", Active: true}); err != nil {
		t.Fatal(err)
	}
	mk := func(g directory.Group) directory.Group {
		g, err := d.CreateGroup(ctx, audit.System, g)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	w.booneGroup = mk(directory.Group{Name: "Boone election staff", Kind: directory.GroupFiltered, OrganisationID: w.boone.ID, Department: "Elections", ActiveOnly: true})
	w.coleGroup = mk(directory.Group{Name: "Cole election staff", Kind: directory.GroupFiltered, OrganisationID: w.cole.ID, ActiveOnly: true})
	w.stateGroup = mk(directory.Group{Name: "All county clerks", Kind: directory.GroupFiltered, Title: "County Clerk", ActiveOnly: true})
	for _, r := range accounts.Roles {
		org := int64(0)
		if r == accounts.RoleOrganisationMember {
			org = w.boone.ID
		}
		w.users[r] = e.User(r, org)
		w.browsers[r] = e.Browser(w.users[r])
	}
	return w
}

// get fetches a page as role and returns its status and body.
func (w *dirWorld) get(t *testing.T, role accounts.Role, path string) (int, string) {
	t.Helper()
	resp, body := w.Do(w.browsers[role], "GET", path, "", nil)
	return resp.StatusCode, body
}

// post sends a form as role, as a browser on the same site would.
func (w *dirWorld) post(t *testing.T, role accounts.Role, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	return w.PostForm(w.browsers[role], path, form)
}

// mustGet fetches a page that must render.
func (w *dirWorld) mustGet(t *testing.T, role accounts.Role, path string) string {
	t.Helper()
	status, body := w.get(t, role, path)
	if status != 200 {
		t.Fatalf("GET %s as %s: %d %.400s", path, role, status, dirText(body))
	}
	return body
}

// wantRedirect checks a 303 to a path starting with prefix and returns
// where it goes.
func dirWantRedirect(t *testing.T, resp *http.Response, body, prefix string) string {
	t.Helper()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, prefix) {
		t.Fatalf("want a redirect to %s…, got %d to %q: %.400s", prefix, resp.StatusCode, loc, dirText(body))
	}
	return loc
}

var dirTags = regexp.MustCompile(`<[^>]*>`)
var dirSpaces = regexp.MustCompile(`\s+`)

// dirText is the text of a page as a reader sees it, without markup.
func dirText(body string) string {
	return strings.TrimSpace(dirSpaces.ReplaceAllString(html.UnescapeString(dirTags.ReplaceAllString(body, " ")), " "))
}

// dirFieldError returns the error message shown beside the field with that
// id, or "".
func dirFieldError(body, id string) string {
	m := regexp.MustCompile(`<span class="usa-error-message" id="` + regexp.QuoteMeta(id) + `-error">([^<]*)</span>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// dirMain is the page's main content, without the navigation.
func dirMain(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
	}
	if i := strings.Index(body, `</main>`); i >= 0 {
		body = body[:i]
	}
	return body
}

func dirPath(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// dirCount counts what the audit log holds for an action prefix.
func (w *dirWorld) auditCount(t *testing.T, action string) int {
	t.Helper()
	entries, err := w.App.Audit.List(context.Background(), audit.Filter{Action: action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestDirectoryPagesRefuseReadersChanges tries every change of the
// directory's pages as roles that may only read: each is refused with 403
// and nothing is written.
func TestDirectoryPagesRefuseReadersChanges(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := dirSetup(t, e)
		team, err := e.App.Directory.CreateTeam(context.Background(), audit.System, directory.Team{Name: "Spring campaign"})
		if err != nil {
			t.Fatal(err)
		}
		before := w.auditCount(t, "")
		posts := []struct {
			path string
			form url.Values
		}{
			{"/directory/organisations", url.Values{"name": {"Rogue agency"}, "kind": {"state_agency"}}},
			{dirPath("/directory/organisations/%d", w.boone.ID), url.Values{"name": {"Renamed"}, "kind": {"local_election_authority"}}},
			{dirPath("/directory/organisations/%d/serves", w.boone.ID), url.Values{"served_id": {fmt.Sprint(w.cole.ID)}}},
			{dirPath("/directory/organisations/%d/serves/%d/remove", w.sos.ID, w.boone.ID), nil},
			{"/directory/people", url.Values{"email": {"rogue@example.org"}, "active": {"1"}}},
			{dirPath("/directory/people/%d", w.booneClerk.ID), url.Values{"email": {"changed@example.org"}}},
			{"/directory/groups", url.Values{"name": {"Rogue"}, "kind": {"static"}}},
			{dirPath("/directory/groups/%d", w.booneGroup.ID), url.Values{"name": {"Renamed"}}},
			{dirPath("/directory/groups/%d/delete", w.booneGroup.ID), nil},
			{dirPath("/directory/groups/%d/members", w.booneGroup.ID), url.Values{"emails": {"ada.clerk@boone.example.org"}}},
			{dirPath("/directory/groups/%d/members/%d/remove", w.booneGroup.ID, w.booneClerk.ID), nil},
			{"/directory/teams", url.Values{"name": {"Rogue"}}},
			{dirPath("/directory/teams/%d", team.ID), url.Values{"name": {"Renamed"}}},
			{dirPath("/directory/teams/%d/delete", team.ID), nil},
			{dirPath("/directory/teams/%d/members", team.ID), url.Values{"user_id": {fmt.Sprint(w.users[accounts.RoleAuditor].ID)}}},
			{dirPath("/directory/teams/%d/members/%d/remove", team.ID, w.users[accounts.RoleAdmin].ID), nil},
			{"/directory/import", nil},
		}
		for _, role := range []accounts.Role{accounts.RoleAuditor, accounts.RoleLeader, accounts.RoleAnalyst, accounts.RoleOrganisationMember} {
			for _, p := range posts {
				resp, body := w.post(t, role, p.path, p.form)
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("POST %s as %s: %d, want 403: %.200s", p.path, role, resp.StatusCode, dirText(body))
				}
			}
			for _, path := range []string{"/directory/organisations/new", dirPath("/directory/people/%d/edit", w.booneClerk.ID), "/directory/groups/new", "/directory/teams/new", "/directory/import", "/directory/import/sample.csv"} {
				if status, _ := w.get(t, role, path); status != http.StatusForbidden {
					t.Errorf("GET %s as %s: %d, want 403", path, role, status)
				}
			}
		}
		if after := w.auditCount(t, ""); after != before {
			t.Fatalf("refused requests wrote %d audit entries", after-before)
		}
		// Buttons a reader cannot use are not shown.
		for _, path := range []string{"/directory/organisations", dirPath("/directory/organisations/%d", w.boone.ID), "/directory/people",
			dirPath("/directory/people/%d", w.booneClerk.ID), "/directory/groups", dirPath("/directory/groups/%d", w.booneGroup.ID), "/directory/teams"} {
			body := dirMain(w.mustGet(t, accounts.RoleAuditor, path))
			for _, button := range []string{"/new", "/edit", "Delete", "Remove", `method="post"`} {
				if strings.Contains(body, button) {
					t.Errorf("%s shows %q to an auditor", path, button)
				}
			}
		}
	})
}

func TestDirectoryPagerKeepsFiltersAndGoesBack(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := dirSetup(t, e)
		var csv strings.Builder
		csv.WriteString("email,first_name,last_name,organisation,department\n")
		for i := 0; i < 120; i++ {
			fmt.Fprintf(&csv, "staff%03d@boone.example.org,Staff,Member%03d,Boone County Clerk,Recorder\n", i, i)
		}
		if _, err := e.App.Directory.ImportPeople(context.Background(), audit.System, strings.NewReader(csv.String()), directory.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		next := regexp.MustCompile(`href="([^"]+)" class="usa-pagination__link usa-pagination__next-page"`)
		prev := regexp.MustCompile(`href="([^"]+)" class="usa-pagination__link usa-pagination__previous-page"`)
		person := regexp.MustCompile(`href="/directory/people/(\d+)"`)
		ids := func(body string) []string {
			var out []string
			for _, m := range person.FindAllStringSubmatch(dirMain(body), -1) {
				out = append(out, m[1])
			}
			return out
		}
		path := "/directory/people?department=Recorder"
		var pages [][]string
		seen := map[string]bool{}
		for i := 0; i < 5 && path != ""; i++ {
			body := w.mustGet(t, accounts.RoleAwarenessManager, path)
			if !strings.Contains(dirText(body), "120 people match") {
				t.Fatalf("page %d: count missing: %.300s", i+1, dirText(dirMain(body)))
			}
			page := ids(body)
			for _, id := range page {
				if seen[id] {
					t.Fatalf("person %s on two pages", id)
				}
				seen[id] = true
			}
			pages = append(pages, page)
			if i > 0 {
				m := prev.FindStringSubmatch(body)
				if m == nil {
					t.Fatalf("page %d has no Previous link", i+1)
				}
				back := w.mustGet(t, accounts.RoleAwarenessManager, html.UnescapeString(m[1]))
				if got := ids(back); strings.Join(got, ",") != strings.Join(pages[i-1], ",") {
					t.Fatalf("Previous from page %d shows %v, want %v", i+1, got, pages[i-1])
				}
			}
			path = ""
			if m := next.FindStringSubmatch(body); m != nil {
				path = html.UnescapeString(m[1])
				if !strings.Contains(path, "department=Recorder") {
					t.Fatalf("the Next link dropped the filter: %s", path)
				}
			}
		}
		if len(seen) != 120 || len(pages) != 3 {
			t.Fatalf("paged through %d people on %d pages, want 120 on 3", len(seen), len(pages))
		}
	})
}
