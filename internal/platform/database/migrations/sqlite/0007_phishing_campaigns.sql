-- Phishing simulation, second slice: campaigns, their audience and
-- recipients, and the safeguards (blackout windows, the do-not-phish list).
-- The second-person approval switch and the emergency stop are rows of
-- settings (phishing.second_approval, phishing.emergency_stop).

CREATE TABLE phishing_campaigns (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    team_id BIGINT NOT NULL REFERENCES teams(id),
    status TEXT NOT NULL CHECK (status IN ('draft','awaiting_approval','approved','scheduled','sending','paused','completed','cancelled')),
    landing_page_id BIGINT NOT NULL REFERENCES phishing_landing_pages(id),
    sending_profile_id BIGINT NOT NULL REFERENCES phishing_sending_profiles(id),
    launch_at TIMESTAMP, -- NULL: as soon as launched
    spread_minutes INTEGER NOT NULL DEFAULT 0,
    business_hours BOOLEAN NOT NULL DEFAULT TRUE,
    day_start_minute INTEGER NOT NULL DEFAULT 540,
    day_end_minute INTEGER NOT NULL DEFAULT 1020,
    weekdays INTEGER NOT NULL DEFAULT 62, -- bit i set: time.Weekday(i) is a business day
    default_time_zone TEXT NOT NULL DEFAULT 'America/Chicago',
    created_by BIGINT NOT NULL DEFAULT 0,
    submitted_by BIGINT NOT NULL DEFAULT 0,
    submitted_at TIMESTAMP,
    approved_by BIGINT NOT NULL DEFAULT 0,
    approved_at TIMESTAMP,
    launched_at TIMESTAMP,
    paused_by_stop BOOLEAN NOT NULL DEFAULT FALSE,
    recipients INTEGER NOT NULL DEFAULT 0,
    held INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX phishing_campaigns_team ON phishing_campaigns (team_id);
CREATE INDEX phishing_campaigns_status ON phishing_campaigns (status);

-- Audience, exclusions and templates of a campaign.
CREATE TABLE phishing_campaign_targets (
    campaign_id BIGINT NOT NULL REFERENCES phishing_campaigns(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('group','person','exclude_group','exclude_person','template')),
    ref_id BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, kind, ref_id)
);

-- The token is kept as given: the tracking link needs it in clear when the
-- message is sent. It never appears in a list or in the API.
CREATE TABLE phishing_recipients (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES phishing_campaigns(id) ON DELETE CASCADE,
    person_id BIGINT REFERENCES people(id) ON DELETE SET NULL,
    email TEXT NOT NULL,
    organisation_id BIGINT,
    template_id BIGINT NOT NULL,
    token TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending','held','sent','failed','cancelled')),
    planned_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX phishing_recipients_email ON phishing_recipients (campaign_id, email);
CREATE UNIQUE INDEX phishing_recipients_token ON phishing_recipients (token);
CREATE INDEX phishing_recipients_due ON phishing_recipients (state, planned_at);
-- Adding someone to the do-not-phish list cancels their pending messages.
CREATE INDEX phishing_recipients_person ON phishing_recipients (person_id);
CREATE INDEX phishing_recipients_address ON phishing_recipients (email);

CREATE TABLE phishing_blackouts (
    id INTEGER PRIMARY KEY,
    starts_on TEXT NOT NULL, -- YYYY-MM-DD
    ends_on TEXT NOT NULL, -- YYYY-MM-DD, inclusive
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE phishing_blackout_organisations (
    blackout_id BIGINT NOT NULL REFERENCES phishing_blackouts(id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    PRIMARY KEY (blackout_id, organisation_id)
);

-- The standing do-not-phish list: an email address, or a directory person.
CREATE TABLE phishing_do_not_phish (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL DEFAULT '',
    person_id BIGINT REFERENCES people(id) ON DELETE CASCADE,
    reason TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX phishing_do_not_phish_email ON phishing_do_not_phish (email);
CREATE INDEX phishing_do_not_phish_person ON phishing_do_not_phish (person_id);
