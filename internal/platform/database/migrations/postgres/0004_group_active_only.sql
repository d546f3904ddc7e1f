-- Groups hold only active people unless told otherwise: a person switched
-- off leaves every such group without anyone editing it.
ALTER TABLE groups ADD COLUMN filter_active_only BOOLEAN NOT NULL DEFAULT TRUE;
-- Organisation members list the groups of their own organisation; for a
-- static group the column names the organisation its members come from.
CREATE INDEX groups_organisation ON groups (filter_organisation_id);
