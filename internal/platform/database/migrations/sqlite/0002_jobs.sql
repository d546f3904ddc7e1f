-- Background jobs: a unique key de-duplicates only among jobs still waiting
-- or running, so a periodic job can be queued again once it has finished; a
-- lease token names each claim, so a worker whose lease was taken over can
-- no longer finish the job; indexes for reclaiming expired leases, cleaning
-- up finished jobs and filtering the admin page by kind.

DROP INDEX jobs_unique_key;
CREATE UNIQUE INDEX jobs_unique_active ON jobs (unique_key) WHERE state IN ('queued', 'running');
ALTER TABLE jobs ADD COLUMN lease_token TEXT NOT NULL DEFAULT '';
CREATE INDEX jobs_lease ON jobs (state, lease_expires_at);
CREATE INDEX jobs_finished ON jobs (state, finished_at);
CREATE INDEX jobs_kind ON jobs (kind, id);
