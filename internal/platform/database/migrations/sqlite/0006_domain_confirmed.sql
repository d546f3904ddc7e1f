-- A domain from the .gov registry is only a suggestion until an administrator
-- confirms it is the authority's own; only confirmed domains are published.
ALTER TABLE organisations ADD COLUMN domain_confirmed BOOLEAN NOT NULL DEFAULT FALSE;
