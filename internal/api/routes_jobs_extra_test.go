package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"bulwark/internal/accounts"
	"bulwark/internal/app/apptest"
	"bulwark/internal/platform/audit"
	"bulwark/internal/platform/jobs"
)

type apiJob struct {
	ID          int64          `json:"id"`
	Kind        string         `json:"kind"`
	State       string         `json:"state"`
	Attempts    int            `json:"attempts"`
	MaxAttempts int            `json:"max_attempts"`
	LastError   string         `json:"last_error"`
	Payload     map[string]int `json:"payload"`
}

type apiJobPage struct {
	Items      []apiJob `json:"items"`
	NextCursor string   `json:"next_cursor"`
}

func decodeJSON[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%v in %s", err, body)
	}
	return v
}

func TestJobsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		q := e.App.Jobs
		q.Register("test.fails", func(context.Context, jobs.Job) error { return errors.New("feed answered 503") }, jobs.KindOptions{MaxAttempts: 1})
		q.Register("test.works", func(context.Context, jobs.Job) error { return nil }, jobs.KindOptions{})
		enqueue := func(kind string, n int) int64 {
			res, err := q.Enqueue(ctx, e.App.DB, kind, map[string]int{"feed_id": n}, jobs.EnqueueOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return res.ID
		}
		failed := enqueue("test.fails", 1)
		succeeded := enqueue("test.works", 2)
		if _, err := q.RunDue(ctx, 10); err != nil {
			t.Fatal(err)
		}
		var waiting []int64
		for i := range 3 {
			waiting = append(waiting, enqueue("test.works", 10+i))
		}
		adminUser := e.User(accounts.RoleAdmin, 0)
		admin := e.Token(adminUser)

		// Newest first, two at a time.
		resp, body := e.Do(nil, "GET", "/api/v1/jobs?limit=2", admin, nil)
		p := decodeJSON[apiJobPage](t, body)
		if resp.StatusCode != 200 || len(p.Items) != 2 || p.Items[0].ID != waiting[2] || p.Items[1].ID != waiting[1] || p.NextCursor == "" {
			t.Fatalf("first page: %d %s", resp.StatusCode, body)
		}
		var seen []int64
		for cursor := p.NextCursor; cursor != ""; {
			_, body := e.Do(nil, "GET", "/api/v1/jobs?limit=2&cursor="+cursor, admin, nil)
			p := decodeJSON[apiJobPage](t, body)
			for _, j := range p.Items {
				seen = append(seen, j.ID)
			}
			cursor = p.NextCursor
		}
		if fmt.Sprint(seen) != fmt.Sprint([]int64{waiting[0], succeeded, failed}) {
			t.Errorf("later pages hold %v", seen)
		}

		_, body = e.Do(nil, "GET", "/api/v1/jobs?state=failed", admin, nil)
		p = decodeJSON[apiJobPage](t, body)
		if len(p.Items) != 1 || p.Items[0].ID != failed || p.Items[0].LastError != "feed answered 503" || p.Items[0].Payload["feed_id"] != 1 || p.Items[0].Attempts != 1 {
			t.Errorf("failed jobs: %s", body)
		}
		_, body = e.Do(nil, "GET", "/api/v1/jobs?kind=test.fails", admin, nil)
		if p := decodeJSON[apiJobPage](t, body); len(p.Items) != 1 {
			t.Errorf("kind filter: %s", body)
		}
		if resp, body := e.Do(nil, "GET", "/api/v1/jobs?state=broken", admin, nil); resp.StatusCode != 400 || !strings.Contains(body, `\"broken\"`) {
			t.Errorf("bad state: %d %s", resp.StatusCode, body)
		}
		_, body = e.Do(nil, "GET", "/api/v1/jobs/stats", admin, nil)
		if c := decodeJSON[jobs.Counts](t, body); c != (jobs.Counts{Queued: 3, Succeeded: 1, Failed: 1}) {
			t.Errorf("stats: %s", body)
		}

		// One job; retry and cancel.
		resp, body = e.Do(nil, "GET", fmt.Sprintf("/api/v1/jobs/%d", failed), admin, nil)
		if j := decodeJSON[apiJob](t, body); resp.StatusCode != 200 || j.ID != failed || j.State != "failed" {
			t.Errorf("get: %d %s", resp.StatusCode, body)
		}
		if resp, _ := e.Do(nil, "GET", "/api/v1/jobs/999999", admin, nil); resp.StatusCode != 404 {
			t.Errorf("missing job: %d", resp.StatusCode)
		}
		resp, body = e.Do(nil, "POST", fmt.Sprintf("/api/v1/jobs/%d/retry", failed), admin, nil)
		if j := decodeJSON[apiJob](t, body); resp.StatusCode != 200 || j.State != "queued" || j.Attempts != 0 {
			t.Errorf("retry: %d %s", resp.StatusCode, body)
		}
		resp, body = e.Do(nil, "POST", fmt.Sprintf("/api/v1/jobs/%d/cancel", waiting[0]), admin, nil)
		if j := decodeJSON[apiJob](t, body); resp.StatusCode != 200 || j.State != "cancelled" {
			t.Errorf("cancel: %d %s", resp.StatusCode, body)
		}
		resp, body = e.Do(nil, "POST", fmt.Sprintf("/api/v1/jobs/%d/cancel", succeeded), admin, nil)
		if resp.StatusCode != 409 || !strings.Contains(body, "already succeeded") {
			t.Errorf("cancel of a succeeded job: %d %s", resp.StatusCode, body)
		}
		entries, err := e.App.Audit.List(ctx, audit.Filter{Action: "job."})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[0].Action != "job.cancel" || entries[1].Action != "job.retry" || entries[0].ActorUserID != adminUser.ID {
			t.Errorf("audit: %+v", entries)
		}
	})
}

func TestJobsAPIPermissions(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		e.App.Jobs.Register("test.works", func(context.Context, jobs.Job) error { return nil }, jobs.KindOptions{})
		res, err := e.App.Jobs.Enqueue(ctx, e.App.DB, "test.works", nil, jobs.EnqueueOptions{})
		if err != nil {
			t.Fatal(err)
		}
		auditor := e.Token(e.User(accounts.RoleAuditor, 0))
		if resp, _ := e.Do(nil, "GET", "/api/v1/jobs", auditor, nil); resp.StatusCode != 200 {
			t.Errorf("auditor list: %d", resp.StatusCode)
		}
		for _, action := range []string{"retry", "cancel"} {
			if resp, _ := e.Do(nil, "POST", fmt.Sprintf("/api/v1/jobs/%d/%s", res.ID, action), auditor, nil); resp.StatusCode != http.StatusForbidden {
				t.Errorf("auditor %s: %d, want 403", action, resp.StatusCode)
			}
		}
		if j, _ := e.App.Jobs.Get(ctx, res.ID); j.State != jobs.StateQueued {
			t.Errorf("a refused request changed the job: %s", j.State)
		}
		lea, err := e.App.Directory.OrganisationByName(ctx, "Boone County Clerk")
		if err != nil {
			t.Fatal(err)
		}
		member := e.Token(e.User(accounts.RoleOrganisationMember, lea.ID))
		for _, path := range []string{"/api/v1/jobs", fmt.Sprintf("/api/v1/jobs/%d", res.ID), "/api/v1/jobs/stats"} {
			if resp, _ := e.Do(nil, "GET", path, member, nil); resp.StatusCode != http.StatusForbidden {
				t.Errorf("organisation member %s: %d, want 403", path, resp.StatusCode)
			}
		}
	})
}
