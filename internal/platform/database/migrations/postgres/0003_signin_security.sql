-- Sign-in security: wrong second-factor codes are counted apart from wrong
-- passwords, so that a right password (which clears failed_logins) cannot
-- reset the count of guessed codes; earlier reset links of a user are found
-- by user.

ALTER TABLE users ADD COLUMN mfa_failed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX password_resets_user ON password_resets (user_id, used_at);
