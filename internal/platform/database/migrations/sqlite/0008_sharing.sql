-- The sharing hub, first slice: advisories (with versions and comments),
-- indicators and the allow-list. Shared objects follow the tlp package's
-- SQL contract: tlp holds Label.Code(), owner_org_id, share_with_served,
-- author_user_id, and side tables of recipient organisations and users.

CREATE TABLE sharing_advisories (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    severity TEXT NOT NULL CHECK (severity IN ('low','medium','high','critical')),
    categories TEXT NOT NULL DEFAULT '', -- comma-separated category codes
    version INTEGER NOT NULL DEFAULT 1,
    tlp TEXT NOT NULL,
    owner_org_id BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    share_with_served BOOLEAN NOT NULL DEFAULT FALSE,
    author_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX sharing_advisories_created ON sharing_advisories (created_at);
CREATE INDEX sharing_advisories_owner ON sharing_advisories (owner_org_id);

CREATE TABLE sharing_advisory_recipient_orgs (
    object_id BIGINT NOT NULL REFERENCES sharing_advisories(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    PRIMARY KEY (object_id, org_id)
);
CREATE INDEX sharing_advisory_recipient_orgs_org ON sharing_advisory_recipient_orgs (org_id, object_id);

CREATE TABLE sharing_advisory_recipient_users (
    object_id BIGINT NOT NULL REFERENCES sharing_advisories(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (object_id, user_id)
);
CREATE INDEX sharing_advisory_recipient_users_user ON sharing_advisory_recipient_users (user_id, object_id);

CREATE TABLE sharing_advisory_affected (
    advisory_id BIGINT NOT NULL REFERENCES sharing_advisories(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    PRIMARY KEY (advisory_id, org_id)
);

CREATE TABLE sharing_advisory_versions (
    advisory_id BIGINT NOT NULL REFERENCES sharing_advisories(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    severity TEXT NOT NULL,
    categories TEXT NOT NULL,
    author_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (advisory_id, version)
);

CREATE TABLE sharing_advisory_comments (
    id INTEGER PRIMARY KEY,
    advisory_id BIGINT NOT NULL REFERENCES sharing_advisories(id) ON DELETE CASCADE,
    tlp TEXT NOT NULL,
    body TEXT NOT NULL,
    author_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    author_org_id BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX sharing_advisory_comments_advisory ON sharing_advisory_comments (advisory_id, id);

CREATE TABLE sharing_indicators (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL CHECK (type IN ('ipv4','ipv6','cidr','domain','url','email','md5','sha1','sha256')),
    value TEXT NOT NULL,
    pattern TEXT NOT NULL,
    confidence INTEGER NOT NULL CHECK (confidence BETWEEN 0 AND 100),
    valid_from TIMESTAMP NOT NULL,
    valid_until TIMESTAMP,
    source_org_id BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    tags TEXT NOT NULL DEFAULT '', -- comma-separated
    tlp TEXT NOT NULL,
    owner_org_id BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    share_with_served BOOLEAN NOT NULL DEFAULT FALSE,
    author_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX sharing_indicators_type_value ON sharing_indicators (type, value);
CREATE INDEX sharing_indicators_valid_until ON sharing_indicators (valid_until);

CREATE TABLE sharing_indicator_recipient_orgs (
    object_id BIGINT NOT NULL REFERENCES sharing_indicators(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    PRIMARY KEY (object_id, org_id)
);
CREATE INDEX sharing_indicator_recipient_orgs_org ON sharing_indicator_recipient_orgs (org_id, object_id);

CREATE TABLE sharing_indicator_recipient_users (
    object_id BIGINT NOT NULL REFERENCES sharing_indicators(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (object_id, user_id)
);
CREATE INDEX sharing_indicator_recipient_users_user ON sharing_indicator_recipient_users (user_id, object_id);

-- Known-good values that suppress matches and warn on entry. The official
-- LEA domains are not copied here: they are read from the directory.
CREATE TABLE sharing_allow_list (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL CHECK (type IN ('ipv4','ipv6','cidr','domain','url','email','md5','sha1','sha256')),
    value TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX sharing_allow_list_value ON sharing_allow_list (type, value);
