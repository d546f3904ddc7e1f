package ui_test

import (
	"bytes"
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/directory"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/database"
)

// upload posts a file as the import form does.
func (w *dirWorld) upload(t *testing.T, role accounts.Role, name, content string) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(content))
	}
	mw.Close()
	return w.Do(w.browsers[role], "POST", "/directory/import", "", &buf, "Content-Type", mw.FormDataContentType(), "Origin", w.URL, "Sec-Fetch-Site", "same-origin")
}

func TestDirImportPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := dirSetup(t, e)
		const role = accounts.RoleAwarenessManager
		body := w.mustGet(t, role, "/directory/import")
		text := dirText(dirMain(body))
		for _, c := range directory.ImportColumns {
			if !strings.Contains(text, c.Name) || !strings.Contains(text, c.Help) {
				t.Errorf("the page does not explain column %s", c.Name)
			}
		}
		if !strings.Contains(body, `enctype="multipart/form-data"`) || !strings.Contains(body, `type="file"`) || !strings.Contains(body, `href="/directory/import/sample.csv"`) {
			t.Fatal("no file input or sample link")
		}
		resp, sample := w.Do(w.browsers[role], "GET", "/directory/import/sample.csv", "", nil)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("sample: %d %v", resp.StatusCode, resp.Header)
		}
		// The sample imports cleanly: it is a file a person can start from.
		resp, body = w.upload(t, role, "people-sample.csv", sample)
		if resp.StatusCode != 200 || !strings.Contains(dirText(body), "Every row was imported") {
			t.Fatalf("importing the sample: %d %.500s", resp.StatusCode, dirText(dirMain(body)))
		}
	})
}

func TestDirImportReportsBadRowsAndWritesNothingForThem(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := dirSetup(t, e)
		ctx := context.Background()
		const role = accounts.RoleAdmin
		csv := strings.Join([]string{
			"Email,First Name,Last Name,Organisation,Department,Manager Email,Time Zone,Active",
			"ada.clerk@boone.example.org,Ada,Booneclerk,Boone County Clerk,Elections,,America/Chicago,true", // 2: updated
			"new.one@boone.example.org,New,One,Boone County Clerk,Elections,ada.clerk@boone.example.org,,",  // 3: created
			"not-an-email,Bad,Email,Boone County Clerk,,,,",                                                 // 4
			"tz@boone.example.org,Bad,Zone,Boone County Clerk,,,Mars/Olympus,",                              // 5
			"orphan@boone.example.org,No,Boss,Boone County Clerk,,ghost@example.org,,",                      // 6
			"flag@boone.example.org,Bad,Flag,Boone County Clerk,,,,perhaps",                                 // 7
			"agency@state.example.org,New,Agency,Department of Revenue,IT,,,",                               // 8: created, with its organisation
		}, "\r\n") + "\r\n"
		before := w.auditCount(t, "people.import")
		resp, body := w.upload(t, role, "staff.csv", csv)
		if resp.StatusCode != 200 {
			t.Fatalf("import: %d %.500s", resp.StatusCode, dirText(body))
		}
		text := dirText(dirMain(body))
		for _, want := range []string{"Import results", "staff.csv: 7 rows read", "4 rows were not imported", "Created 2", "Updated 1", "Unchanged 0", "Failed 4", "Organisations created 1"} {
			if !strings.Contains(text, want) {
				t.Errorf("results lack %q: %.700s", want, text)
			}
		}
		row := regexp.MustCompile(`<tr>\s*<td class="bw-dir-number">(\d+)</td>\s*<td>([^<]*)</td>`)
		var got []string
		for _, m := range row.FindAllStringSubmatch(body, -1) {
			got = append(got, m[1]+":"+m[2])
		}
		if strings.Join(got, " ") != "4:email 5:time_zone 6:manager_email 7:active" {
			t.Errorf("bad rows shown as %v, want lines 4-7 with their columns", got)
		}
		for _, reason := range []string{"is not an email address", "is not a time zone", "neither in the file nor in the directory", "is not true or false"} {
			if !strings.Contains(text, reason) {
				t.Errorf("no reason %q", reason)
			}
		}
		for _, email := range []string{"not-an-email", "tz@boone.example.org", "orphan@boone.example.org", "flag@boone.example.org"} {
			if _, err := e.App.Directory.PersonByEmail(ctx, email); !errors.Is(err, database.ErrNotFound) {
				t.Errorf("bad row %s was written (%v)", email, err)
			}
		}
		newOne, err := e.App.Directory.PersonByEmail(ctx, "new.one@boone.example.org")
		if err != nil || newOne.ManagerID != w.booneClerk.ID || newOne.OrganisationID != w.boone.ID {
			t.Errorf("good row: %+v %v", newOne, err)
		}
		if n := w.auditCount(t, "people.import"); n != before+1 {
			t.Errorf("%d import entries in the audit log, want one", n-before)
		}
		entries, _ := e.App.Audit.List(ctx, audit.Filter{Action: "people.import", Limit: 1})
		if len(entries) != 1 || entries[0].ActorUserID != w.users[role].ID {
			t.Errorf("the import is not audited as the user: %+v", entries)
		}
	})
}

func TestDirImportRefusesABadFileWhole(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		w := dirSetup(t, e)
		const role = accounts.RoleAwarenessManager
		count := func() int {
			n, _ := e.App.Directory.CountPeople(context.Background(), directory.PeopleFilter{})
			return n
		}
		before := count()
		resp, body := w.upload(t, role, "shoes.csv", "email,shoe_size\na@example.org,9\n")
		text := dirText(dirMain(body))
		if resp.StatusCode != 422 || !strings.Contains(text, "The file shoes.csv could not be imported") || !strings.Contains(text, `unknown column "shoe_size"`) || !strings.Contains(text, "Nothing was changed") {
			t.Fatalf("bad file: %d %.500s", resp.StatusCode, text)
		}
		resp, body = w.upload(t, role, "empty.csv", "")
		if resp.StatusCode != 422 || !strings.Contains(dirText(body), "The file is empty") {
			t.Fatalf("empty file: %d %.300s", resp.StatusCode, dirText(dirMain(body)))
		}
		resp, body = w.upload(t, role, "", "")
		if got := dirFieldError(body, "file"); resp.StatusCode != 422 || !strings.Contains(got, "Choose a CSV file") {
			t.Fatalf("no file: %d %q", resp.StatusCode, got)
		}
		resp, body = w.PostForm(w.browsers[role], "/directory/import", nil)
		if resp.StatusCode != 422 || !strings.Contains(dirText(body), "Choose a CSV file") {
			t.Fatalf("not a file upload: %d", resp.StatusCode)
		}
		if after := count(); after != before {
			t.Fatalf("refused files wrote %d people", after-before)
		}
	})
}
