-- Schema version 4: evaluation jobs and the embedded message queue (tables we add, data.md).
-- evaluation_jobs is the service's record of every evaluation run, whatever the queue back-end:
-- a submission's current job is its latest row (created_at, then rowid).
CREATE TABLE IF NOT EXISTS evaluation_jobs (
	id VARCHAR NOT NULL, 
	submission_id VARCHAR NOT NULL, 
	evaluator_id INTEGER, 
	state VARCHAR NOT NULL, 
	attempts INTEGER NOT NULL DEFAULT 0, 
	worker VARCHAR, 
	host VARCHAR, 
	published BOOLEAN NOT NULL DEFAULT 0, 
	created_at DATETIME NOT NULL, 
	started_at DATETIME, 
	heartbeat_at DATETIME, 
	finished_at DATETIME, 
	exit_code INTEGER, 
	reason VARCHAR, 
	PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS ix_evaluation_jobs_submission_id ON evaluation_jobs (submission_id, created_at);
CREATE INDEX IF NOT EXISTS ix_evaluation_jobs_state ON evaluation_jobs (state);
-- The embedded queue back-end: one row per message not yet acknowledged. A message is ready when
-- lease_until is NULL or in the past (its consumer died); times are Unix milliseconds.
CREATE TABLE IF NOT EXISTS queue_messages (
	id INTEGER PRIMARY KEY AUTOINCREMENT, 
	queue VARCHAR NOT NULL, 
	body TEXT NOT NULL, 
	created_at INTEGER NOT NULL, 
	deliveries INTEGER NOT NULL DEFAULT 0, 
	lease_owner VARCHAR, 
	lease_until INTEGER
);
CREATE INDEX IF NOT EXISTS ix_queue_messages_ready ON queue_messages (queue, lease_until, id);
