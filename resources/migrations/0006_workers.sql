-- Schema version 6: evaluation workers as the service last heard of them (a table we add,
-- data.md). Every update a worker sends (job started, heartbeat, result) and its presence message
-- while idle (every third of ZR_EVAL_LEASE at most) refresh its row; /health and /metrics read it.
-- Times are Unix milliseconds.
CREATE TABLE IF NOT EXISTS workers (
	name VARCHAR NOT NULL, 
	host VARCHAR NOT NULL, 
	first_seen INTEGER NOT NULL, 
	last_seen INTEGER NOT NULL, 
	job_id VARCHAR, 
	PRIMARY KEY (name)
);
CREATE INDEX IF NOT EXISTS ix_workers_last_seen ON workers (last_seen);
-- /metrics counts submissions by status: one pass over this index instead of the table's rows.
CREATE INDEX IF NOT EXISTS ix_challenge_submissions_status ON challenge_submissions (status);
