#pragma once
// GET /health (issue 8): is the service able to do its work right now?
//
// Four checks, each "ok" or "fail" with what it saw:
//   database  the file's schema version can be read and is the one this program migrates to;
//   queue     embedded: the database check; RabbitMQ: the update consumer's connection is up;
//   disk      the data folder's file system has at least ZR_HEALTH_MIN_FREE_DISK free;
//   workers   workers heard from within ZR_EVAL_LEASE; "fail" only when a job has waited longer
//             than one lease and no worker was heard from (evaluation is stalled). A set-up with
//             no evaluator and no worker is healthy.
// The answer is ok when every check is; otherwise `failing` names the failed checks. Every check
// reads an index, a tiny table or the file system's counters: no table scan. Nothing a client
// could misuse (paths, host names, error texts) is in the body; failures are logged.
// Thread-safety: thread-safe.
#include <functional>
#include <nlohmann/json.hpp>

#include "common/file_system.hpp"
#include "common/time.hpp"
#include "db/database.hpp"
#include "settings/settings.hpp"

namespace zr::monitoring {

struct HealthReport {
    bool ok = false;
    nlohmann::json body;  // {"status": "ok"|"fail", "failing": [...], "version", "checks": {...}}
};

class Health {
public:
    // `queue_connected` answers for the RabbitMQ back-end (EvaluationService::QueueConnected).
    Health(db::Database& db, FileSystem& fs, const settings::Settings& settings, const Clock& clock,
           std::function<bool()> queue_connected);
    HealthReport Check() const;

private:
    nlohmann::json CheckDatabase() const;
    nlohmann::json CheckQueue(bool database_ok) const;
    nlohmann::json CheckDisk() const;
    nlohmann::json CheckWorkers() const;

    db::Database& db_;
    FileSystem& fs_;
    const settings::Settings& settings_;
    const Clock& clock_;
    std::function<bool()> queue_connected_;
};

}  // namespace zr::monitoring
