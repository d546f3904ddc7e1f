package ui_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/jobs"
)

// jobsFixture registers test kinds on the app's queue and leaves one job
// in each interesting state.
type jobsFixture struct {
	failed, succeeded, waiting int64
	longError                  string
}

func jobsSetup(t *testing.T, e *apptest.Env) jobsFixture {
	t.Helper()
	ctx := context.Background()
	q := e.App.Jobs
	f := jobsFixture{longError: "the county mail server at mail.boone.example refused the message: " + strings.Repeat("550 mailbox unavailable; ", 10) + "END-OF-ERROR"}
	q.Register("test.fails", func(context.Context, jobs.Job) error { return errors.New(f.longError) }, jobs.KindOptions{MaxAttempts: 1})
	q.Register("test.works", func(context.Context, jobs.Job) error { return nil }, jobs.KindOptions{})
	enqueue := func(kind string) int64 {
		res, err := q.Enqueue(ctx, e.App.DB, kind, map[string]int{"message_id": 40}, jobs.EnqueueOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return res.ID
	}
	f.failed = enqueue("test.fails")
	f.succeeded = enqueue("test.works")
	if _, err := q.RunDue(ctx, 10); err != nil {
		t.Fatal(err)
	}
	f.waiting = enqueue("test.works")
	return f
}

func jobState(t *testing.T, e *apptest.Env, id int64) jobs.State {
	t.Helper()
	j, err := e.App.Jobs.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j.State
}

// followFlash reads the page a redirect leads to, where the flash shows.
func followFlash(t *testing.T, e *apptest.Env, c *http.Client, resp *http.Response) string {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", resp.StatusCode)
	}
	_, body := e.Do(c, "GET", resp.Header.Get("Location"), "", nil)
	return body
}

func TestJobsPageShowsJobsAndCounts(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := jobsSetup(t, e)
		admin := e.Browser(e.User(accounts.RoleAdmin, 0))
		resp, body := e.Do(admin, "GET", "/admin/jobs", "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		for _, want := range []string{
			"<h1 class=\"bw-page-header__title\">Background jobs</h1>",
			`href="/admin/jobs?state=failed"`, `<span class="bw-job-counts__n">1</span>`,
			`3 jobs kept in all.`,
			fmt.Sprintf(`href="/admin/jobs/%d"`, f.failed), `<code>test.fails</code>`,
			`bw-status bw-status--error`, `1 of 1`,
			"the county mail server at mail.boone.example refused the message",
			fmt.Sprintf(`action="/admin/jobs/%d/retry"`, f.failed),
			fmt.Sprintf(`action="/admin/jobs/%d/cancel"`, f.waiting),
			`<option value="test.works">test.works</option>`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		// The list shortens the error; the job's page has all of it.
		if strings.Contains(body, "END-OF-ERROR") || !strings.Contains(body, "Full error") {
			t.Error("the list shows the whole long error, or no link to it")
		}
		// Nothing to retry on a succeeded job, nothing to cancel on a failed one.
		for _, notWant := range []string{fmt.Sprintf(`/admin/jobs/%d/retry"`, f.succeeded), fmt.Sprintf(`/admin/jobs/%d/cancel"`, f.failed)} {
			if strings.Contains(body, notWant) {
				t.Errorf("page offers %s", notWant)
			}
		}
		_, body = e.Do(admin, "GET", fmt.Sprintf("/admin/jobs/%d", f.failed), "", nil)
		for _, want := range []string{fmt.Sprintf("Job %d", f.failed), "END-OF-ERROR", `&#34;message_id&#34;: 40`, "Try again"} {
			if !strings.Contains(body, want) {
				t.Errorf("job page lacks %q", want)
			}
		}

		// Filters.
		_, body = e.Do(admin, "GET", "/admin/jobs?state=failed", "", nil)
		if !strings.Contains(body, "test.fails") || strings.Contains(body, "<code>test.works</code>") {
			t.Error("the state filter does not filter")
		}
		_, body = e.Do(admin, "GET", "/admin/jobs?kind=test.works&state=queued", "", nil)
		if strings.Contains(body, "<code>test.fails</code>") || !strings.Contains(body, fmt.Sprintf(`href="/admin/jobs/%d"`, f.waiting)) {
			t.Error("the kind filter does not filter")
		}
		resp, body = e.Do(admin, "GET", "/admin/jobs?state=exploded", "", nil)
		if resp.StatusCode != 400 || !strings.Contains(body, "There is no job state &#34;exploded&#34;") {
			t.Errorf("unknown state: %d", resp.StatusCode)
		}
		if resp, _ := e.Do(admin, "GET", "/admin/jobs/999999", "", nil); resp.StatusCode != 404 {
			t.Errorf("missing job: %d", resp.StatusCode)
		}
	})
}

func TestJobsPagePages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		e.App.Jobs.Register("test.page", func(context.Context, jobs.Job) error { return nil }, jobs.KindOptions{})
		var ids []int64
		for range 55 {
			res, err := e.App.Jobs.Enqueue(ctx, e.App.DB, "test.page", nil, jobs.EnqueueOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, res.ID)
		}
		admin := e.Browser(e.User(accounts.RoleAdmin, 0))
		_, body := e.Do(admin, "GET", "/admin/jobs?kind=test.page", "", nil)
		next := fmt.Sprintf(`href="/admin/jobs?before=%d&amp;kind=test.page"`, ids[5])
		if !strings.Contains(body, next) || !strings.Contains(body, fmt.Sprintf(`href="/admin/jobs/%d"`, ids[54])) || strings.Contains(body, fmt.Sprintf(`href="/admin/jobs/%d"`, ids[4])) {
			t.Fatalf("first page: no link %s, or the wrong jobs", next)
		}
		_, body = e.Do(admin, "GET", fmt.Sprintf("/admin/jobs?before=%d&kind=test.page", ids[5]), "", nil)
		if !strings.Contains(body, "Older jobs") || !strings.Contains(body, fmt.Sprintf(`href="/admin/jobs/%d"`, ids[0])) || strings.Contains(body, fmt.Sprintf(`href="/admin/jobs/%d"`, ids[5])) ||
			!strings.Contains(body, `href="/admin/jobs?kind=test.page"`) {
			t.Error("second page: wrong jobs or no way back to the newest")
		}
		if resp, _ := e.Do(admin, "GET", "/admin/jobs?before=yesterday", "", nil); resp.StatusCode != 400 {
			t.Errorf("damaged cursor: %d", resp.StatusCode)
		}
	})
}

func TestJobsRetryAndCancelFromThePage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := jobsSetup(t, e)
		adminUser := e.User(accounts.RoleAdmin, 0)
		admin := e.Browser(adminUser)

		back := "/admin/jobs?state=failed"
		resp, _ := e.PostForm(admin, fmt.Sprintf("/admin/jobs/%d/retry", f.failed), url.Values{"back": {back}})
		if resp.Header.Get("Location") != back {
			t.Errorf("retry returned to %q, want %q", resp.Header.Get("Location"), back)
		}
		if body := followFlash(t, e, admin, resp); !strings.Contains(body, fmt.Sprintf("Job %d (test.fails) is queued to run now.", f.failed)) {
			t.Error("no confirmation after retry")
		}
		if s := jobState(t, e, f.failed); s != jobs.StateQueued {
			t.Errorf("after retry the job is %s", s)
		}

		// A form cannot send the user off the jobs pages.
		resp, _ = e.PostForm(admin, fmt.Sprintf("/admin/jobs/%d/cancel", f.waiting), url.Values{"back": {"https://evil.example/admin/jobs"}})
		if want := fmt.Sprintf("/admin/jobs/%d", f.waiting); resp.Header.Get("Location") != want {
			t.Errorf("cancel returned to %q, want %q", resp.Header.Get("Location"), want)
		}
		if s := jobState(t, e, f.waiting); s != jobs.StateCancelled {
			t.Errorf("after cancel the job is %s", s)
		}

		// What the job's state does not allow is refused with a reason.
		resp, _ = e.PostForm(admin, fmt.Sprintf("/admin/jobs/%d/retry", f.succeeded), url.Values{})
		if body := followFlash(t, e, admin, resp); !strings.Contains(body, "has already succeeded") || !strings.Contains(body, "usa-alert--error") {
			t.Error("no reason given for refusing to retry a succeeded job")
		}
		if resp, _ := e.PostForm(admin, "/admin/jobs/999999/cancel", url.Values{}); resp.StatusCode != 404 {
			t.Errorf("cancel of a missing job: %d", resp.StatusCode)
		}

		entries, err := e.App.Audit.List(context.Background(), audit.Filter{Action: "job."})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[0].Action != "job.cancel" || entries[1].Action != "job.retry" || entries[1].ActorUserID != adminUser.ID {
			t.Errorf("audit entries: %+v", entries)
		}
	})
}

// An auditor reads the jobs but cannot change them; an organisation member
// does not see them at all.
func TestJobsPagePermissions(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := jobsSetup(t, e)
		auditor := e.Browser(e.User(accounts.RoleAuditor, 0))
		resp, body := e.Do(auditor, "GET", "/admin/jobs", "", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, "test.fails") {
			t.Fatalf("auditor: %d", resp.StatusCode)
		}
		if strings.Contains(body, "/retry\"") || strings.Contains(body, "/cancel\"") || strings.Contains(body, ">Actions<") {
			t.Error("the auditor is offered buttons they may not use")
		}
		_, body = e.Do(auditor, "GET", fmt.Sprintf("/admin/jobs/%d", f.failed), "", nil)
		if strings.Contains(body, "/retry\"") || !strings.Contains(body, "END-OF-ERROR") {
			t.Error("the auditor's job page is wrong")
		}
		for _, action := range []string{"retry", "cancel"} {
			for _, id := range []int64{f.failed, f.waiting} {
				if resp, _ := e.PostForm(auditor, fmt.Sprintf("/admin/jobs/%d/%s", id, action), url.Values{}); resp.StatusCode != http.StatusForbidden {
					t.Errorf("auditor %s of job %d: %d, want 403", action, id, resp.StatusCode)
				}
			}
		}
		if jobState(t, e, f.failed) != jobs.StateFailed || jobState(t, e, f.waiting) != jobs.StateQueued {
			t.Error("a refused request changed a job")
		}

		lea, err := e.App.Directory.OrganisationByName(context.Background(), "Boone County Clerk")
		if err != nil {
			t.Fatal(err)
		}
		member := e.Browser(e.User(accounts.RoleOrganisationMember, lea.ID))
		for _, path := range []string{"/admin/jobs", fmt.Sprintf("/admin/jobs/%d", f.failed)} {
			if resp, body := e.Do(member, "GET", path, "", nil); resp.StatusCode != http.StatusForbidden || strings.Contains(body, "test.fails") {
				t.Errorf("organisation member on %s: %d", path, resp.StatusCode)
			}
		}
		if resp, _ := e.PostForm(member, fmt.Sprintf("/admin/jobs/%d/retry", f.failed), url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("organisation member retry: %d", resp.StatusCode)
		}
	})
}
