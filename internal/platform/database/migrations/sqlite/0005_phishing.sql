-- Phishing simulation, first slice: sending profiles, email templates with
-- their attachments, and landing pages. Library rows carry a stable slug.

CREATE TABLE phishing_sending_profiles (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    tls_mode TEXT NOT NULL CHECK (tls_mode IN ('none','starttls','tls')),
    auth TEXT NOT NULL CHECK (auth IN ('none','plain','login')),
    username TEXT NOT NULL DEFAULT '',
    password TEXT NOT NULL DEFAULT '', -- sealed with the secret keys
    from_address TEXT NOT NULL,
    envelope_sender TEXT NOT NULL DEFAULT '',
    headers TEXT NOT NULL DEFAULT '[]', -- JSON [{name, value}]
    rate_per_minute INTEGER NOT NULL DEFAULT 0,
    connections INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX phishing_sending_profiles_name ON phishing_sending_profiles (name);

CREATE TABLE phishing_templates (
    id INTEGER PRIMARY KEY,
    slug TEXT,
    library BOOLEAN NOT NULL DEFAULT FALSE,
    name TEXT NOT NULL,
    subject TEXT NOT NULL,
    html_body TEXT NOT NULL DEFAULT '',
    text_body TEXT NOT NULL DEFAULT '',
    sender_name TEXT NOT NULL DEFAULT '',
    sender_address TEXT NOT NULL DEFAULT '',
    qr_code BOOLEAN NOT NULL DEFAULT FALSE,
    difficulty INTEGER NOT NULL CHECK (difficulty BETWEEN 1 AND 5),
    red_flags TEXT NOT NULL DEFAULT '[]', -- JSON [{label, explanation, points_at, quote}]
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX phishing_templates_name ON phishing_templates (name);
CREATE UNIQUE INDEX phishing_templates_slug ON phishing_templates (slug);

CREATE TABLE phishing_template_attachments (
    id INTEGER PRIMARY KEY,
    template_id BIGINT NOT NULL REFERENCES phishing_templates(id) ON DELETE CASCADE,
    file_id BIGINT NOT NULL REFERENCES files(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content_id TEXT NOT NULL DEFAULT '', -- set for inline images (cid:)
    size BIGINT NOT NULL
);
CREATE INDEX phishing_template_attachments_template ON phishing_template_attachments (template_id);

CREATE TABLE phishing_landing_pages (
    id INTEGER PRIMARY KEY,
    slug TEXT,
    library BOOLEAN NOT NULL DEFAULT FALSE,
    name TEXT NOT NULL,
    html TEXT NOT NULL,
    redirect TEXT NOT NULL CHECK (redirect IN ('teachable_moment','url')),
    redirect_url TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX phishing_landing_pages_name ON phishing_landing_pages (name);
CREATE UNIQUE INDEX phishing_landing_pages_slug ON phishing_landing_pages (slug);
