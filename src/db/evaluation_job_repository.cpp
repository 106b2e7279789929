#include "db/evaluation_job_repository.hpp"

#include <string>

#include "db/row_reader.hpp"

namespace zr::db {
namespace {

#define ZR_JOB_COLUMNS                                                                                            \
    "id, submission_id, evaluator_id, state, attempts, worker, host, published, created_at, started_at, "         \
    "heartbeat_at, finished_at, exit_code, reason, evaluator_label, executor, script_sha256, evaluator_version, " \
    "failure_kind"

constexpr std::string_view kSelectJobById = "SELECT " ZR_JOB_COLUMNS " FROM evaluation_jobs WHERE id = ?1";
constexpr std::string_view kSelectCurrentJob = "SELECT " ZR_JOB_COLUMNS
                                               " FROM evaluation_jobs WHERE submission_id = ?1 "
                                               "ORDER BY created_at DESC, rowid DESC LIMIT 1";
constexpr std::string_view kSelectJobsPrefix = "SELECT " ZR_JOB_COLUMNS " FROM evaluation_jobs";
constexpr std::string_view kSelectJobsOrder = " ORDER BY created_at DESC, rowid DESC";
constexpr std::string_view kSelectUnpublishedJobs =
    "SELECT " ZR_JOB_COLUMNS " FROM evaluation_jobs WHERE published = 0 ORDER BY created_at, rowid";
constexpr std::string_view kInsertJob =
    "INSERT INTO evaluation_jobs (" ZR_JOB_COLUMNS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";
constexpr std::string_view kUpdateJob =
    "UPDATE evaluation_jobs SET submission_id = ?2, evaluator_id = ?3, state = ?4, attempts = ?5, "
    "worker = ?6, host = ?7, published = ?8, created_at = ?9, started_at = ?10, heartbeat_at = ?11, "
    "finished_at = ?12, exit_code = ?13, reason = ?14, evaluator_label = ?15, executor = ?16, script_sha256 = ?17, "
    "evaluator_version = ?18, failure_kind = ?19 WHERE id = ?1";
constexpr std::string_view kSetJobPublished = "UPDATE evaluation_jobs SET published = 1 WHERE id = ?1";
// Counted over ix_evaluation_jobs_queue (state, host, created_at): the jobs ahead, then itself.
constexpr std::string_view kQueuePosition =
    "SELECT COUNT(*) FROM evaluation_jobs AS other, evaluation_jobs AS job "
    "WHERE job.id = ?1 AND job.state = 'queued' AND other.state = 'queued' AND other.host IS job.host "
    "AND other.created_at <= job.created_at AND (other.created_at < job.created_at OR other.rowid <= job.rowid)";
constexpr std::string_view kIsQueued = "SELECT 1 FROM evaluation_jobs WHERE id = ?1 AND state = 'queued'";
constexpr std::string_view kCountForSubmission = "SELECT COUNT(*) FROM evaluation_jobs WHERE submission_id = ?1";
constexpr std::string_view kSelectCurrentFailed =
    "SELECT " ZR_JOB_COLUMNS
    " FROM evaluation_jobs AS job WHERE state = 'failed' AND rowid = (SELECT latest.rowid FROM evaluation_jobs AS "
    "latest WHERE latest.submission_id = job.submission_id ORDER BY latest.created_at DESC, latest.rowid DESC LIMIT 1) "
    "ORDER BY submission_id";
// Over ix_challenge_submissions_status: the few submissions under evaluation.
constexpr std::string_view kSelectAwaitingPublication =
    "SELECT " ZR_JOB_COLUMNS
    " FROM evaluation_jobs AS job WHERE state = 'completed' AND submission_id IN (SELECT s.id FROM "
    "challenge_submissions AS s WHERE s.status IN ('on_queue', 'evaluating')) AND rowid = (SELECT latest.rowid "
    "FROM evaluation_jobs AS latest WHERE latest.submission_id = job.submission_id ORDER BY latest.created_at DESC, "
    "latest.rowid DESC LIMIT 1) ORDER BY submission_id";

#undef ZR_JOB_COLUMNS

EvaluationJobRow ReadJob(const Statement& stmt) {
    EvaluationJobRow job;
    job.id = stmt.Text(0);
    const std::string row = "id=" + job.id;
    job.submission_id = stmt.Text(1);
    job.evaluator_id = detail::ReadOptionalInt(stmt, 2);
    const std::string state = stmt.Text(3);
    const auto parsed = domain::ParseJobState(state);
    if (!parsed) throw DbError("evaluation_jobs.state: unknown state '" + state + "' (" + row + ")");
    job.state = *parsed;
    job.attempts = static_cast<int>(stmt.Int(4));
    job.worker = detail::ReadOptionalText(stmt, 5).value_or("");
    job.host = detail::ReadOptionalText(stmt, 6).value_or("");
    job.published = detail::ReadBool(stmt, 7);
    job.created_at = detail::ReadDateTime(stmt, 8, {"evaluation_jobs", "created_at", row});
    job.started_at = detail::ReadOptionalDateTime(stmt, 9, {"evaluation_jobs", "started_at", row});
    job.heartbeat_at = detail::ReadOptionalDateTime(stmt, 10, {"evaluation_jobs", "heartbeat_at", row});
    job.finished_at = detail::ReadOptionalDateTime(stmt, 11, {"evaluation_jobs", "finished_at", row});
    if (auto code = detail::ReadOptionalInt(stmt, 12)) job.exit_code = static_cast<int>(*code);
    job.reason = detail::ReadOptionalText(stmt, 13).value_or("");
    job.evaluator_label = detail::ReadOptionalText(stmt, 14).value_or("");
    job.executor = detail::ReadOptionalText(stmt, 15).value_or("");
    job.script_sha256 = detail::ReadOptionalText(stmt, 16).value_or("");
    job.evaluator_version = detail::ReadOptionalText(stmt, 17).value_or("");
    job.failure_kind = detail::ReadOptionalText(stmt, 18).value_or("");
    return job;
}

void BindOptionalDateTime(Statement& stmt, int index, const std::optional<TimePoint>& time) {
    if (time) {
        detail::BindDateTime(stmt, index, *time);
    } else {
        stmt.BindNull(index);
    }
}

// Empty text is stored as NULL (worker, host and reason are unknown until set).
void BindOptionalText(Statement& stmt, int index, std::string_view text) {
    if (text.empty()) {
        stmt.BindNull(index);
    } else {
        stmt.Bind(index, text);
    }
}

// Binds every column of the job at 1..19, in ZR_JOB_COLUMNS order.
void BindJob(Statement& stmt, const EvaluationJobRow& job) {
    stmt.Bind(1, job.id).Bind(2, job.submission_id);
    detail::BindOptionalInt(stmt, 3, job.evaluator_id);
    stmt.Bind(4, domain::ToString(job.state)).Bind(5, std::int64_t{job.attempts});
    BindOptionalText(stmt, 6, job.worker);
    BindOptionalText(stmt, 7, job.host);
    detail::BindBool(stmt, 8, job.published);
    detail::BindDateTime(stmt, 9, job.created_at);
    BindOptionalDateTime(stmt, 10, job.started_at);
    BindOptionalDateTime(stmt, 11, job.heartbeat_at);
    BindOptionalDateTime(stmt, 12, job.finished_at);
    if (job.exit_code) {
        stmt.Bind(13, std::int64_t{*job.exit_code});
    } else {
        stmt.BindNull(13);
    }
    BindOptionalText(stmt, 14, job.reason);
    BindOptionalText(stmt, 15, job.evaluator_label);
    BindOptionalText(stmt, 16, job.executor);
    BindOptionalText(stmt, 17, job.script_sha256);
    BindOptionalText(stmt, 18, job.evaluator_version);
    BindOptionalText(stmt, 19, job.failure_kind);
}

std::vector<EvaluationJobRow> ReadJobs(Statement& stmt) {
    std::vector<EvaluationJobRow> jobs;
    while (stmt.Step()) jobs.push_back(ReadJob(stmt));
    return jobs;
}

}  // namespace

void EvaluationJobRepository::Create(const EvaluationJobRow& job) {
    auto stmt = conn_.Prepare(kInsertJob);
    BindJob(stmt, job);
    stmt.Run();
}

std::optional<EvaluationJobRow> EvaluationJobRepository::Find(std::string_view id) {
    auto stmt = conn_.Prepare(kSelectJobById);
    stmt.Bind(1, id);
    if (!stmt.Step()) return std::nullopt;
    return ReadJob(stmt);
}

std::optional<EvaluationJobRow> EvaluationJobRepository::FindCurrent(std::string_view submission_id) {
    auto stmt = conn_.Prepare(kSelectCurrentJob);
    stmt.Bind(1, submission_id);
    if (!stmt.Step()) return std::nullopt;
    return ReadJob(stmt);
}

std::vector<EvaluationJobRow> EvaluationJobRepository::List(const std::vector<domain::JobState>& states) {
    std::string sql(kSelectJobsPrefix);
    if (!states.empty()) {
        sql += " WHERE state IN (";
        for (std::size_t i = 0; i < states.size(); ++i) sql += (i ? ", ?" : "?") + std::to_string(i + 1);
        sql += ")";
    }
    sql += kSelectJobsOrder;
    auto stmt = conn_.Prepare(sql);
    for (std::size_t i = 0; i < states.size(); ++i) stmt.Bind(static_cast<int>(i + 1), domain::ToString(states[i]));
    return ReadJobs(stmt);
}

std::vector<EvaluationJobRow> EvaluationJobRepository::ListUnpublished() {
    auto stmt = conn_.Prepare(kSelectUnpublishedJobs);
    return ReadJobs(stmt);
}

void EvaluationJobRepository::Update(const EvaluationJobRow& job) {
    auto stmt = conn_.Prepare(kUpdateJob);
    BindJob(stmt, job);
    stmt.Run();
}

void EvaluationJobRepository::SetPublished(std::string_view id) { conn_.Prepare(kSetJobPublished).Bind(1, id).Run(); }

std::optional<int> EvaluationJobRepository::QueuePosition(std::string_view job_id) {
    {
        auto queued = conn_.Prepare(kIsQueued);
        queued.Bind(1, job_id);
        if (!queued.Step()) return std::nullopt;
    }
    auto stmt = conn_.Prepare(kQueuePosition);
    stmt.Bind(1, job_id);
    stmt.Step();
    return static_cast<int>(stmt.Int(0));
}

int EvaluationJobRepository::CountForSubmission(std::string_view submission_id) {
    auto stmt = conn_.Prepare(kCountForSubmission);
    stmt.Bind(1, submission_id);
    stmt.Step();
    return static_cast<int>(stmt.Int(0));
}

std::vector<EvaluationJobRow> EvaluationJobRepository::ListAwaitingPublication() {
    auto stmt = conn_.Prepare(kSelectAwaitingPublication);
    return ReadJobs(stmt);
}

std::vector<EvaluationJobRow> EvaluationJobRepository::ListCurrentFailed() {
    auto stmt = conn_.Prepare(kSelectCurrentFailed);
    return ReadJobs(stmt);
}

}  // namespace zr::db
