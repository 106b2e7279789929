-- Schema version 7: the second API generation (api-v2.md section 4.2), served beside the first over
-- the same tables. The seed's tables keep their names and meanings; v2 names are mapped at the API
-- edge. New columns are nullable or have a default, so every seed-era row stays valid:
--   users_credentials.created_at        NULL for accounts that predate it
--   challenges.auto_eval                1: a completed upload is queued, as before
--   challenge_submissions.model_id      NULL: a seed-era submission (no model)
--   challenge_submissions.has_scores    the archive carries scores computed by the client
--   challenge_submissions.auto_eval     NULL: the challenge's value
--   challenge_submissions.evaluator_id  NULL: the challenge's evaluator
--   challenge_submissions.author_label  e.g. "Be et al."
--   challenge_submissions.leaderboard_file  the client's entry file, relative to input/
ALTER TABLE users_credentials ADD COLUMN created_at DATETIME;
ALTER TABLE challenges ADD COLUMN auto_eval BOOLEAN NOT NULL DEFAULT 1;
ALTER TABLE challenge_submissions ADD COLUMN model_id VARCHAR;
ALTER TABLE challenge_submissions ADD COLUMN has_scores BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE challenge_submissions ADD COLUMN auto_eval BOOLEAN;
ALTER TABLE challenge_submissions ADD COLUMN evaluator_id INTEGER;
ALTER TABLE challenge_submissions ADD COLUMN author_label VARCHAR;
ALTER TABLE challenge_submissions ADD COLUMN leaderboard_file VARCHAR;
-- Models (v2): a participant's system, named by a letters-only id (api-v2.md section 2.3) that is
-- never used as a path. Grouping submissions by model is a query, not a folder.
CREATE TABLE IF NOT EXISTS models (
	id VARCHAR NOT NULL, 
	user_id INTEGER NOT NULL, 
	created_at DATETIME, 
	description VARCHAR, 
	gpu_budget VARCHAR, 
	train_set VARCHAR, 
	authors VARCHAR, 
	institution VARCHAR, 
	team VARCHAR, 
	paper_url VARCHAR, 
	code_url VARCHAR, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES users_credentials (id)
);
CREATE INDEX IF NOT EXISTS ix_models_user_id ON models (user_id);
CREATE INDEX IF NOT EXISTS ix_challenge_submissions_model_id ON challenge_submissions (model_id);
