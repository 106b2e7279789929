-- Schema version 3: indexes for the lookups the service makes by something other than a primary key.
-- Sessions and resets are found by token through their (token, user_id) primary keys; these cover
-- "everything of one user" and the case-insensitive e-mail login.
CREATE INDEX IF NOT EXISTS ix_logged_users_user_id ON logged_users (user_id);
CREATE INDEX IF NOT EXISTS ix_logged_users_expiration_date ON logged_users (expiration_date);
CREATE INDEX IF NOT EXISTS ix_password_reset_users_user_id ON password_reset_users (user_id);
CREATE INDEX IF NOT EXISTS ix_users_credentials_email_nocase ON users_credentials (email COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS ix_challenge_submissions_user_id ON challenge_submissions (user_id);
CREATE INDEX IF NOT EXISTS ix_challenge_submissions_track_id ON challenge_submissions (track_id);
CREATE INDEX IF NOT EXISTS ix_leaderboards_challenge_id ON leaderboards (challenge_id);
