-- Schema version 5: submission history (issue 8, part 4). New columns of our evaluation_jobs and
-- a new table; the first implementation's tables are untouched.
--
-- evaluation_jobs: which evaluator ran the job and how it failed.
--   evaluator_label, executor  copied from the evaluators row when the job is queued
--   script_sha256              sha256 of the script file, computed by the worker before running it
--   evaluator_version          the entry's `version` in the host's index.yml, when it gives one
--   failure_kind               'platform' | 'evaluator' for a failed job, NULL otherwise
--   host (existing)            now also set when the job is queued: the host whose workers run it
ALTER TABLE evaluation_jobs ADD COLUMN evaluator_label VARCHAR;
ALTER TABLE evaluation_jobs ADD COLUMN executor VARCHAR;
ALTER TABLE evaluation_jobs ADD COLUMN script_sha256 VARCHAR;
ALTER TABLE evaluation_jobs ADD COLUMN evaluator_version VARCHAR;
ALTER TABLE evaluation_jobs ADD COLUMN failure_kind VARCHAR;
-- Jobs that failed before this version: an exit status other than 0 was the evaluator's verdict,
-- anything else (lost worker, refusal, time limit, scores not returned) the platform's.
UPDATE evaluation_jobs SET failure_kind = CASE WHEN exit_code IS NOT NULL AND exit_code <> 0
    THEN 'evaluator' ELSE 'platform' END WHERE state = 'failed';
-- Labels are stable (discovery updates rows in place by label).
UPDATE evaluation_jobs SET evaluator_label = (SELECT label FROM evaluators WHERE evaluators.id = evaluation_jobs.evaluator_id)
    WHERE evaluator_id IS NOT NULL;
-- Queue position: queued jobs of one host in creation order.
CREATE INDEX IF NOT EXISTS ix_evaluation_jobs_queue ON evaluation_jobs (state, host, created_at);

-- submission_scores: one row per completed evaluation's scores (a score version), kept when the
-- submission is evaluated again. The newest version's files are the submission's scores/ until a
-- later evaluation is queued; they are then moved (one rename) to scores_history/<history_name>/
-- inside the submission folder. job_id NULL: scores made before this record existed (first
-- implementation, or placed by hand), recorded when the submission is re-queued.
CREATE TABLE IF NOT EXISTS submission_scores (
	id INTEGER PRIMARY KEY AUTOINCREMENT, 
	submission_id VARCHAR NOT NULL, 
	version INTEGER NOT NULL, 
	job_id VARCHAR, 
	created_at DATETIME NOT NULL, 
	evaluator_label VARCHAR, 
	script_sha256 VARCHAR, 
	history_name VARCHAR NOT NULL, 
	UNIQUE (submission_id, version), 
	UNIQUE (job_id)
);
