#include "db/monitoring_repository.hpp"

#include "db/row_reader.hpp"

namespace zr::db {
namespace {

constexpr std::string_view kSchemaVersion = "PRAGMA user_version";
constexpr std::string_view kSubmissionsByStatus = "SELECT status, COUNT(*) FROM challenge_submissions GROUP BY status";
constexpr std::string_view kJobsByState = "SELECT state, COUNT(*) FROM evaluation_jobs GROUP BY state";
constexpr std::string_view kOldestQueuedJob = "SELECT MIN(created_at) FROM evaluation_jobs WHERE state = 'queued'";
constexpr std::string_view kQueueMessages = "SELECT queue, COUNT(*) FROM queue_messages GROUP BY queue";
constexpr std::string_view kWorkerSeen =
    "INSERT INTO workers (name, host, first_seen, last_seen, job_id) VALUES (?1, ?2, ?3, ?3, NULLIF(?4, '')) "
    "ON CONFLICT (name) DO UPDATE SET host = excluded.host, last_seen = MAX(last_seen, excluded.last_seen), "
    "job_id = excluded.job_id";
constexpr std::string_view kCountWorkersSince = "SELECT COUNT(*) FROM workers WHERE last_seen >= ?1";
constexpr std::string_view kLastSeenByHost = "SELECT host, MAX(last_seen) FROM workers GROUP BY host ORDER BY host";
constexpr std::string_view kListWorkers =
    "SELECT name, host, first_seen, last_seen, job_id FROM workers ORDER BY last_seen DESC, name";
constexpr std::string_view kForgetWorkers = "DELETE FROM workers WHERE last_seen < ?1";

}  // namespace

int MonitoringRepository::SchemaVersion() {
    auto stmt = conn_.Prepare(kSchemaVersion);
    return stmt.Step() ? static_cast<int>(stmt.Int(0)) : 0;
}

CountByKey MonitoringRepository::Counts(std::string_view sql) {
    auto stmt = conn_.Prepare(sql);
    CountByKey counts;
    while (stmt.Step()) counts.emplace_back(detail::ReadOptionalText(stmt, 0).value_or(""), stmt.Int(1));
    return counts;
}

CountByKey MonitoringRepository::CountSubmissionsByStatus() { return Counts(kSubmissionsByStatus); }

CountByKey MonitoringRepository::CountJobsByState() { return Counts(kJobsByState); }

CountByKey MonitoringRepository::CountQueueMessages() { return Counts(kQueueMessages); }

std::optional<TimePoint> MonitoringRepository::OldestQueuedJob() {
    auto stmt = conn_.Prepare(kOldestQueuedJob);
    if (!stmt.Step()) return std::nullopt;
    return detail::ReadOptionalDateTime(stmt, 0, {"evaluation_jobs", "created_at", "oldest queued"});
}

void MonitoringRepository::WorkerSeen(std::string_view worker, std::string_view host, std::int64_t now_ms,
                                      std::string_view job_id) {
    auto stmt = conn_.Prepare(kWorkerSeen);
    stmt.Bind(1, worker).Bind(2, host).Bind(3, now_ms).Bind(4, job_id);
    stmt.Run();
}

std::int64_t MonitoringRepository::CountWorkersSeenSince(std::int64_t since_ms) {
    auto stmt = conn_.Prepare(kCountWorkersSince);
    stmt.Bind(1, since_ms);
    return stmt.Step() ? stmt.Int(0) : 0;
}

std::vector<std::pair<std::string, std::int64_t>> MonitoringRepository::LastSeenByHost() {
    auto stmt = conn_.Prepare(kLastSeenByHost);
    std::vector<std::pair<std::string, std::int64_t>> hosts;
    while (stmt.Step()) hosts.emplace_back(stmt.Text(0), stmt.Int(1));
    return hosts;
}

std::vector<WorkerRow> MonitoringRepository::ListWorkers() {
    auto stmt = conn_.Prepare(kListWorkers);
    std::vector<WorkerRow> rows;
    while (stmt.Step()) {
        rows.push_back(WorkerRow{stmt.Text(0), stmt.Text(1), stmt.Int(2), stmt.Int(3),
                                 detail::ReadOptionalText(stmt, 4).value_or("")});
    }
    return rows;
}

int MonitoringRepository::ForgetWorkersBefore(std::int64_t before_ms) {
    auto stmt = conn_.Prepare(kForgetWorkers);
    stmt.Bind(1, before_ms);
    stmt.Run();
    return conn_.Changes();
}

}  // namespace zr::db
