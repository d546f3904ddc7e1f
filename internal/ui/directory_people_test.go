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

func TestDirPeopleList(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := dirSetup(t, e)
		ctx := context.Background()
		if _, err := e.App.Directory.CreatePerson(ctx, audit.System, directory.Person{Email: "gone@boone.example.org", FirstName: "Gil", LastName: "Gone",
			OrganisationID: w.boone.ID, Department: "Elections", Active: false}); err != nil {
			t.Fatal(err)
		}
		text := dirText(dirMain(w.mustGet(t, accounts.RoleLeader, "/directory/people")))
		for _, want := range []string{"Ada Booneclerk", "Cy Coleclerk", "Gil Gone", "Inactive"} {
			if !strings.Contains(text, want) {
				t.Errorf("people list lacks %q", want)
			}
		}
		cases := []struct {
			query     string
			want, not []string
			count     string
		}{
			{"q=booneclerk", []string{"Ada Booneclerk"}, []string{"Cy Coleclerk"}, "1 person matches"},
			{"q=CLERK%40COLE", []string{"Cy Coleclerk"}, []string{"Ada Booneclerk"}, "1 person matches"},
			{dirPath("organisation=%d&department=Elections", w.boone.ID), []string{"Ada Booneclerk", "Gil Gone"}, []string{"Cy Coleclerk"}, "2 people match"},
			{dirPath("organisation=%d&department=Elections&active=1", w.boone.ID), []string{"Ada Booneclerk"}, []string{"Gil Gone", "Cy Coleclerk"}, "1 person matches"},
		}
		for _, c := range cases {
			text := dirText(dirMain(w.mustGet(t, accounts.RoleLeader, "/directory/people?"+c.query)))
			for _, s := range c.want {
				if !strings.Contains(text, s) {
					t.Errorf("%s: lacks %q", c.query, s)
				}
			}
			for _, s := range c.not {
				if strings.Contains(text, s) {
					t.Errorf("%s: shows %q", c.query, s)
				}
			}
			if !strings.Contains(text, c.count) {
				t.Errorf("%s: no %q in %.300s", c.query, c.count, text)
			}
		}
	})
}

func TestDirPersonPageAndForms(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := dirSetup(t, e)
		const role = accounts.RoleAwarenessManager
		text := dirText(dirMain(w.mustGet(t, role, dirPath("/directory/people/%d", w.booneClerk.ID))))
		for _, want := range []string{"Ada Booneclerk", "ada.clerk@boone.example.org", "Boone County Clerk", "County Clerk", "Boone election staff", "All county clerks"} {
			if !strings.Contains(text, want) {
				t.Errorf("person page lacks %q: %.600s", want, text)
			}
		}
		good := url.Values{"email": {"dee.deputy@boone.example.org"}, "first_name": {"Dee"}, "last_name": {"Deputy"},
			"organisation_id": {fmt.Sprint(w.boone.ID)}, "department": {"Elections"}, "title": {"Deputy Clerk"},
			"manager_email": {"ADA.CLERK@boone.example.org"}, "time_zone": {"America/Chicago"}, "language": {"en"}, "active": {"1"}}
		with := func(k, v string) url.Values {
			f := url.Values{}
			for key, vals := range good {
				f[key] = vals
			}
			f.Set(k, v)
			return f
		}
		cases := []struct {
			form        url.Values
			field, want string
		}{
			{with("email", "dee at boone"), "email", "is not an email address"},
			{with("email", "ada.clerk@boone.example.org"), "email", "already in the directory"},
			{with("time_zone", "Mars/Olympus"), "time_zone", "is not a time zone"},
			{with("language", "english!"), "language", "is not a language code"},
			{with("manager_email", "nobody@example.org"), "manager", "Nobody with the email address nobody@example.org"},
			{with("organisation_id", "999999"), "organisation", "Choose an organisation"},
			{with("first_name", strings.Repeat("x", 101)), "first_name", "longer than 100"},
		}
		before := w.auditCount(t, "person.")
		for _, c := range cases {
			resp, body := w.post(t, role, "/directory/people", c.form)
			if got := dirFieldError(body, c.field); resp.StatusCode != 422 || !strings.Contains(got, c.want) {
				t.Errorf("%s=%q: %d, beside %s %q, want %q", c.field, c.form.Get(c.field), resp.StatusCode, c.field, got, c.want)
			}
			if !strings.Contains(body, `aria-invalid="true"`) || !strings.Contains(body, `href="#`+c.field+`"`) {
				t.Errorf("%s: the field is not marked and linked from the summary", c.field)
			}
		}
		if after := w.auditCount(t, "person."); after != before {
			t.Fatalf("refused forms wrote %d people", after-before)
		}
		resp, body := w.post(t, role, "/directory/people", good)
		loc := dirWantRedirect(t, resp, body, "/directory/people/")
		text = dirText(dirMain(w.mustGet(t, role, loc)))
		if !strings.Contains(text, "Dee Deputy") || !strings.Contains(text, "Manager Ada Booneclerk") || !strings.Contains(text, "America/Chicago") {
			t.Fatalf("new person's page: %.600s", text)
		}
		dee, err := e.App.Directory.PersonByEmail(context.Background(), "dee.deputy@boone.example.org")
		if err != nil {
			t.Fatal(err)
		}
		edit := w.mustGet(t, role, dirPath("/directory/people/%d/edit", dee.ID))
		if !strings.Contains(edit, `value="ada.clerk@boone.example.org"`) {
			t.Error("the edit form does not show the manager's email")
		}
		resp, body = w.post(t, role, dirPath("/directory/people/%d", dee.ID), with("manager_email", "dee.deputy@boone.example.org"))
		if got := dirFieldError(body, "manager"); resp.StatusCode != 422 || !strings.Contains(got, "own manager") {
			t.Errorf("own manager: %d %q", resp.StatusCode, got)
		}
		f := with("title", "Chief Deputy")
		f.Del("active")
		resp, body = w.post(t, role, dirPath("/directory/people/%d", dee.ID), f)
		dirWantRedirect(t, resp, body, dirPath("/directory/people/%d", dee.ID))
		if p, _ := e.App.Directory.Person(context.Background(), dee.ID); p.Title != "Chief Deputy" || p.Active {
			t.Fatalf("after edit: %+v", p)
		}
		if n := w.auditCount(t, "person."); n != before+2 {
			t.Fatalf("%d person changes audited, want 2", n-before)
		}
		if status, _ := w.get(t, role, "/directory/people/999999"); status != 404 {
			t.Errorf("missing person: %d", status)
		}
	})
}

func TestDirPeopleOrganisationMemberSeesOnlyTheirs(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := dirSetup(t, e)
		const role = accounts.RoleOrganisationMember
		for _, path := range []string{"/directory/people", dirPath("/directory/people?organisation=%d", w.cole.ID), "/directory/people?q=cole", "/directory/people?department=Elections"} {
			body := dirMain(w.mustGet(t, role, path))
			if strings.Contains(body, "cole.example.org") || strings.Contains(body, "Coleclerk") || strings.Contains(body, "Cole County") {
				t.Errorf("%s shows Cole: %.500s", path, dirText(body))
			}
			if strings.Contains(body, `id="people-org"`) {
				t.Errorf("%s offers an organisation filter to a member", path)
			}
		}
		if !strings.Contains(w.mustGet(t, role, "/directory/people"), "Ada Booneclerk") {
			t.Error("a Boone member does not see Boone's clerk")
		}
		for _, path := range []string{dirPath("/directory/people/%d", w.coleClerk.ID), dirPath("/directory/people/%d", w.users[accounts.RoleAdmin].PersonID)} {
			if status, _ := w.get(t, role, path); status != 404 {
				t.Errorf("%s as a Boone member: %d, want 404", path, status)
			}
		}
		text := dirText(dirMain(w.mustGet(t, role, dirPath("/directory/people/%d", w.booneClerk.ID))))
		if strings.Contains(text, "All county clerks") || !strings.Contains(text, "Boone election staff") {
			t.Errorf("a member sees groups beyond their organisation: %.500s", text)
		}
	})
}
