#pragma once
// What /health and /metrics read from the database (issue 8), and the workers table (migration
// 0006). Each query reads an index or a small table; none scans challenge_submissions' rows one
// by one except CountSubmissionsByStatus (one pass over the status index, for /metrics only).
// Times of the workers table are Unix milliseconds. Same conventions as repositories.hpp.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/time.hpp"
#include "db/database.hpp"

namespace zr::db {

struct WorkerRow {
    std::string name;  // "host:pid:n"
    std::string host;
    std::int64_t first_seen_ms = 0;
    std::int64_t last_seen_ms = 0;
    std::string job_id;  // the job of its last update; empty when idle
};

using CountByKey = std::vector<std::pair<std::string, std::int64_t>>;

class MonitoringRepository {
public:
    explicit MonitoringRepository(Connection& conn) : conn_(conn) {}

    // PRAGMA user_version: reads the file's header (fails when the file is unreadable).
    int SchemaVersion();
    // (status, count) for every status present.
    CountByKey CountSubmissionsByStatus();
    // (state, count) of evaluation_jobs for every state present.
    CountByKey CountJobsByState();
    // created_at of the oldest job in state "queued".
    std::optional<TimePoint> OldestQueuedJob();
    // Embedded queue: (queue, messages not yet acknowledged).
    CountByKey CountQueueMessages();

    // Records that `worker` of `host` was heard from at now_ms (inserted or refreshed); `job_id`
    // empty when it is idle.
    void WorkerSeen(std::string_view worker, std::string_view host, std::int64_t now_ms, std::string_view job_id);
    // Workers heard from at or after since_ms.
    std::int64_t CountWorkersSeenSince(std::int64_t since_ms);
    // (host, newest last_seen of its workers) per host.
    std::vector<std::pair<std::string, std::int64_t>> LastSeenByHost();
    // Every worker row, most recently seen first.
    std::vector<WorkerRow> ListWorkers();
    // Forgets workers not heard from since before_ms (processes that ended long ago).
    int ForgetWorkersBefore(std::int64_t before_ms);

private:
    CountByKey Counts(std::string_view sql);
    Connection& conn_;
};

}  // namespace zr::db
