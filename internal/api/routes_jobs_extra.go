package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"bulwark/internal/access"
	"bulwark/internal/accounts"
	"bulwark/internal/platform/database"
	"bulwark/internal/platform/httpx"
	"bulwark/internal/platform/jobs"
)

// Job is a background job as the API shows it.
type Job struct {
	ID             int64      `json:"id"`
	Kind           string     `json:"kind"`
	Payload        any        `json:"payload"`
	State          jobs.State `json:"state"`
	RunAt          time.Time  `json:"run_at"`
	Attempts       int        `json:"attempts"`
	MaxAttempts    int        `json:"max_attempts"`
	LeaseOwner     string     `json:"lease_owner,omitempty"`
	LeaseExpiresAt *time.Time `json:"lease_expires_at,omitempty"`
	LastError      string     `json:"last_error,omitempty"`
	UniqueKey      string     `json:"unique_key,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	FinishedAt     *time.Time `json:"finished_at,omitempty"`
}

func jobView(j jobs.Job) Job {
	return Job{ID: j.ID, Kind: j.Kind, Payload: json.RawMessage(j.Payload), State: j.State, RunAt: j.RunAt, Attempts: j.Attempts,
		MaxAttempts: j.MaxAttempts, LeaseOwner: j.LeaseOwner, LeaseExpiresAt: j.LeaseExpiresAt, LastError: j.LastError,
		UniqueKey: j.UniqueKey, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt, FinishedAt: j.FinishedAt}
}

func (a *API) jobsExtraRoutes() []access.Route {
	read, manage := accounts.PermJobsRead, accounts.PermJobsManage
	example := Job{ID: 12, Kind: "mail.send", Payload: map[string]any{"message_id": 40}, State: jobs.StateFailed, Attempts: 5, MaxAttempts: 5,
		LastError: "the mail server refused the message"}
	return []access.Route{
		{Method: "GET", Pattern: "/api/v1/jobs", Perm: read, API: true, Handler: a.listJobs,
			Doc: &access.OpDoc{Summary: "List background jobs, newest first", Tag: "jobs", List: true, Response: example,
				Query: []access.Param{{Name: "state", Description: "queued, running, succeeded, failed or cancelled"}, {Name: "kind", Description: "the job kind, e.g. mail.send"}}}},
		{Method: "GET", Pattern: "/api/v1/jobs/stats", Perm: read, API: true, Handler: a.jobStats,
			Doc: &access.OpDoc{Summary: "How many background jobs are in each state", Tag: "jobs", Response: jobs.Counts{}}},
		{Method: "GET", Pattern: "/api/v1/jobs/{id}", Perm: read, API: true, Handler: a.getJob,
			Doc: &access.OpDoc{Summary: "One background job, with its full last error", Tag: "jobs", Response: example}},
		{Method: "POST", Pattern: "/api/v1/jobs/{id}/retry", Perm: manage, API: true, Handler: a.retryJob,
			Doc: &access.OpDoc{Summary: "Queue a failed or cancelled job to run now with fresh attempts, or run a waiting job now", Tag: "jobs", Response: example}},
		{Method: "POST", Pattern: "/api/v1/jobs/{id}/cancel", Perm: manage, API: true, Handler: a.cancelJob,
			Doc: &access.OpDoc{Summary: "Cancel a waiting or running job", Tag: "jobs", Response: example}},
	}
}

func (a *API) listJobs(w http.ResponseWriter, r *http.Request) error {
	limit, before, err := pageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	state, err := jobs.ParseState(strings.TrimSpace(q.Get("state")))
	if err != nil {
		return httpx.Errorf(http.StatusBadRequest, "state must be queued, running, succeeded, failed or cancelled (you gave %q).", q.Get("state"))
	}
	// The cursor walks backwards: it holds the id to go below.
	list, err := a.Jobs.List(r.Context(), jobs.Filter{State: state, Kind: strings.TrimSpace(q.Get("kind")), BeforeID: before, Limit: limit + 1})
	if err != nil {
		return err
	}
	out := make([]Job, len(list))
	for i, j := range list {
		out[i] = jobView(j)
	}
	httpx.WriteJSON(w, http.StatusOK, page(out, limit, func(j Job) int64 { return j.ID }))
	return nil
}

func (a *API) jobStats(w http.ResponseWriter, r *http.Request) error {
	c, err := a.Jobs.Stats(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) getJob(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	j, err := a.Jobs.Get(r.Context(), id)
	if err != nil {
		return jobNotFound(err, id)
	}
	httpx.WriteJSON(w, http.StatusOK, jobView(j))
	return nil
}

func (a *API) retryJob(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	j, err := a.Jobs.Retry(r.Context(), actor(r, a.Auth), id)
	if err != nil {
		return jobNotFound(err, id)
	}
	httpx.WriteJSON(w, http.StatusOK, jobView(j))
	return nil
}

func (a *API) cancelJob(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	j, err := a.Jobs.Cancel(r.Context(), actor(r, a.Auth), id)
	if err != nil {
		return jobNotFound(err, id)
	}
	httpx.WriteJSON(w, http.StatusOK, jobView(j))
	return nil
}

// jobNotFound words the queue's refusals for the caller.
func jobNotFound(err error, id int64) error {
	switch {
	case errors.Is(err, database.ErrNotFound):
		return httpx.Errorf(http.StatusNotFound, "There is no job %d; finished jobs are removed after a while.", id)
	case errors.Is(err, database.ErrConflict):
		return httpx.Errorf(http.StatusConflict, "%s", err.Error())
	}
	return err
}
