#pragma once
// What a worker needs from the service for one job: the job's state (to skip finished or canceled
// jobs and to stop a canceled run), a folder holding the submission's input/ and scores/, the
// submission's out.log, and the way back for scores.
//
// Two links: LocalLink when the worker sees the data folder (inside `zr serve`, or `zr worker`
// with ZR_WORKER_TRANSFER=shared: same host or shared file system, database included), HttpLink
// when it only reaches the service over HTTP (ZR_WORKER_TRANSFER=http, ZR_WORKER_API_URL,
// ZR_WORKER_TOKEN), with md5-checked transfers (see api worker routes).
// Errors: std::runtime_error naming what failed. Thread-safety: one link per worker thread.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/time.hpp"
#include "db/database.hpp"
#include "evaluation/messages.hpp"
#include "settings/settings.hpp"
#include "storage/submission_store.hpp"

namespace zr::worker {

// A job as the service records it.
struct JobStatus {
    // "queued", "running", "completed", "failed", "canceled", or "" when the service does not know
    // the job.
    std::string state;
    // Running: seconds since the service last heard from the run (its start or last heartbeat).
    std::optional<double> quiet_seconds;
};

class WorkerLink {
public:
    virtual ~WorkerLink() = default;
    virtual JobStatus JobState(const std::string& job_id) = 0;
    // The folder the evaluator runs on (holding input/ and an empty or existing scores/). Local:
    // the submission folder itself. HTTP: input.zip is downloaded, its md5 checked against
    // job.archive_md5, and unzipped safely into this process's scratch space (worker/scratch.hpp).
    // A failed Checkout leaves nothing behind.
    virtual std::filesystem::path Checkout(const evaluation::Job& job) = 0;
    // Appends evaluator output to the submission's out.log as it is produced (HTTP: buffered and
    // sent at least every few seconds and on Flush).
    virtual void AppendLog(const evaluation::Job& job, std::string_view text) = 0;
    virtual void Flush(const evaluation::Job& job) = 0;
    // After a successful run: makes the scores the service's (local: nothing to do; HTTP: scores/
    // zipped and uploaded with its md5, verified by the service). Throws on failure.
    virtual void ReturnScores(const evaluation::Job& job, const std::filesystem::path& folder) = 0;
    // Removes what Checkout made for `job` (HTTP), whether Checkout succeeded or not, and drops
    // output Flush could not send; nothing locally.
    virtual void Cleanup(const evaluation::Job& job) = 0;
    // While on, transfers in progress and to come end at once with an error (HTTP): the worker
    // gives the job up (stopping, or its delivery was lost). Thread-safe.
    virtual void SetInterrupted(bool /*on*/) {}
};

// Reads job states from the evaluation_jobs table and writes into the submission folders.
std::unique_ptr<WorkerLink> MakeLocalLink(db::Database& db, const storage::SubmissionStore& store, const Clock& clock);
// Talks to settings.worker_api_url with settings.worker_token; copies under settings.worker_dir.
std::unique_ptr<WorkerLink> MakeHttpLink(const settings::Settings& settings);

}  // namespace zr::worker
