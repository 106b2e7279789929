#include "monitoring/health.hpp"

#include <spdlog/spdlog.h>

#include "common/time.hpp"
#include "db/monitoring_repository.hpp"

namespace zr::monitoring {
namespace {

using nlohmann::json;

json Ok() { return {{"status", "ok"}}; }

json Fail(std::string_view why) { return {{"status", "fail"}, {"detail", why}}; }

bool IsOk(const json& check) { return check.at("status") == "ok"; }

}  // namespace

Health::Health(db::Database& db, FileSystem& fs, const settings::Settings& settings, const Clock& clock,
               std::function<bool()> queue_connected)
    : db_(db), fs_(fs), settings_(settings), clock_(clock), queue_connected_(std::move(queue_connected)) {}

json Health::CheckDatabase() const {
    try {
        auto conn = db_.Acquire();
        const int version = db::MonitoringRepository(*conn).SchemaVersion();
        if (version != db::Database::LatestSchemaVersion()) {
            spdlog::error("health: database schema version {} (expected {})", version,
                          db::Database::LatestSchemaVersion());
            return Fail("unexpected schema version");
        }
        json check = Ok();
        check["schema_version"] = version;
        return check;
    } catch (const std::exception& e) {
        spdlog::error("health: database check failed: {}", e.what());
        return Fail("the database cannot be read");
    }
}

json Health::CheckQueue(bool database_ok) const {
    const bool embedded = settings_.queue_backend != "rabbitmq";
    json check = embedded ? (database_ok ? Ok() : Fail("the embedded queue lives in the database"))
                          : (queue_connected_ && queue_connected_() ? Ok() : Fail("RabbitMQ is unreachable"));
    check["backend"] = embedded ? "embedded" : "rabbitmq";
    return check;
}

json Health::CheckDisk() const {
    std::uint64_t free = 0;
    try {
        free = fs_.FreeBytes(settings_.data_folder);
    } catch (const std::exception& e) {
        spdlog::error("health: the data folder's free space is unknown: {}", e.what());
        return Fail("the data folder cannot be examined");
    }
    json check = free >= settings_.health_min_free_disk ? Ok() : Fail("low free space in the data folder");
    check["free_bytes"] = free;
    check["min_free_bytes"] = settings_.health_min_free_disk;
    return check;
}

json Health::CheckWorkers() const {
    try {
        const TimePoint now = clock_.Now();
        auto conn = db_.Acquire();
        db::MonitoringRepository repository(*conn);
        const std::int64_t seen = repository.CountWorkersSeenSince(UnixMillis(now - settings_.eval_lease));
        const auto oldest = repository.OldestQueuedJob();
        const double waiting = oldest ? std::chrono::duration<double>(now - *oldest).count() : 0.0;
        const bool stalled = seen == 0 && oldest && now - *oldest > settings_.eval_lease;
        json check = stalled ? Fail("jobs are waiting and no worker was heard from") : Ok();
        check["seen"] = seen;
        check["window_seconds"] = settings_.eval_lease.count();
        check["oldest_queued_job_seconds"] = oldest ? json(waiting) : json();
        return check;
    } catch (const std::exception& e) {
        spdlog::error("health: workers check failed: {}", e.what());
        return Fail("the workers cannot be counted");
    }
}

HealthReport Health::Check() const {
    json checks;
    checks["database"] = CheckDatabase();
    checks["queue"] = CheckQueue(IsOk(checks["database"]));
    checks["disk"] = CheckDisk();
    checks["workers"] = CheckWorkers();
    json failing = json::array();
    for (const auto& [name, check] : checks.items()) {
        if (!IsOk(check)) failing.push_back(name);
    }
    HealthReport report;
    report.ok = failing.empty();
    report.body = {{"status", report.ok ? "ok" : "fail"},
                   {"failing", failing},
                   {"version", settings_.version},
                   {"checks", checks}};
    return report;
}

}  // namespace zr::monitoring
