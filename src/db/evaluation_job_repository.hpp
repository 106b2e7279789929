#pragma once
// evaluation_jobs (migrations 0004, 0005): the record of every evaluation job. SQL lives in
// evaluation_job_repository.cpp. Same conventions as repositories.hpp; empty strings are stored
// as NULL.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.hpp"
#include "db/database.hpp"
#include "domain/submission_status.hpp"

namespace zr::db {

struct EvaluationJobRow {
    std::string id;
    std::string submission_id;
    std::optional<std::int64_t> evaluator_id;
    domain::JobState state = domain::JobState::kQueued;
    int attempts = 0;
    std::string worker;
    std::string host;
    bool published = false;
    TimePoint created_at;
    std::optional<TimePoint> started_at;
    std::optional<TimePoint> heartbeat_at;
    std::optional<TimePoint> finished_at;
    std::optional<int> exit_code;
    std::string reason;
    // Migration 0005: which evaluator ran it (label and executor when queued, script checksum and
    // index.yml version from the worker) and, for a failed job, "platform" or "evaluator".
    std::string evaluator_label;
    std::string executor;
    std::string script_sha256;
    std::string evaluator_version;
    std::string failure_kind;
};

// A running job: seconds since the service last heard from its run (heartbeat, else start);
// nullopt for any other state.
inline std::optional<double> QuietSeconds(const EvaluationJobRow& job, TimePoint now) {
    if (job.state != domain::JobState::kRunning) return std::nullopt;
    const auto heard = job.heartbeat_at ? job.heartbeat_at : job.started_at;
    if (!heard) return std::nullopt;
    return std::chrono::duration<double>(now - *heard).count();
}

class EvaluationJobRepository {
public:
    explicit EvaluationJobRepository(Connection& conn) : conn_(conn) {}
    void Create(const EvaluationJobRow& job);
    std::optional<EvaluationJobRow> Find(std::string_view id);
    // The submission's latest job.
    std::optional<EvaluationJobRow> FindCurrent(std::string_view submission_id);
    // Newest first; empty states = all.
    std::vector<EvaluationJobRow> List(const std::vector<domain::JobState>& states);
    std::vector<EvaluationJobRow> ListUnpublished();
    // Writes every mutable column of the row with job.id.
    void Update(const EvaluationJobRow& job);
    void SetPublished(std::string_view id);

    // 1 for the next queued job of its host to run: the number of queued jobs with the same host
    // created before it (created_at, then rowid), itself included. nullopt unless `job_id` is
    // queued. An index range scan (ix_evaluation_jobs_queue), no sort.
    std::optional<int> QueuePosition(std::string_view job_id);
    // How many jobs the submission has had.
    int CountForSubmission(std::string_view submission_id);
    // The current (latest) job of every submission whose current job is failed, by submission id.
    std::vector<EvaluationJobRow> ListCurrentFailed();
    // The completed current job of every submission still on_queue or evaluating: evaluations
    // whose scores are not published yet (domain::AwaitsPublication), by submission id.
    std::vector<EvaluationJobRow> ListAwaitingPublication();

private:
    Connection& conn_;
};

}  // namespace zr::db
