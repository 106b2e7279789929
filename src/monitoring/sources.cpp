#include "monitoring/sources.hpp"

#include "common/time.hpp"
#include "crypto/crypto.hpp"
#include "db/monitoring_repository.hpp"
#include "db/repositories.hpp"

namespace zr::monitoring {
namespace {

double Seconds(std::int64_t unix_ms) { return static_cast<double>(unix_ms) / 1000.0; }

// One read snapshot of the database's counts.
void AddDatabaseCounts(metrics::Snapshot& out, const SourceDeps& deps) {
    auto conn = deps.db.Acquire();
    db::ReadTransaction snapshot(*conn);
    db::MonitoringRepository repository(*conn);
    const TimePoint now = deps.clock.Now();
    for (const auto& [status, count] : repository.CountSubmissionsByStatus()) {
        out.Gauge("zr_submissions", "Submissions by status", static_cast<double>(count), {{"status", status}});
    }
    double queued = 0;
    for (const auto& [state, count] : repository.CountJobsByState()) {
        out.Gauge("zr_evaluation_jobs", "Evaluation jobs by state (the record of every run)",
                  static_cast<double>(count), {{"state", state}});
        if (state == "queued") queued = static_cast<double>(count);
    }
    out.Gauge("zr_evaluation_queue_depth", "Evaluation jobs waiting for a worker", queued);
    const auto oldest = repository.OldestQueuedJob();
    out.Gauge("zr_evaluation_queue_oldest_job_age_seconds",
              "Age of the oldest evaluation job waiting for a worker (0 when none waits)",
              oldest ? std::chrono::duration<double>(now - *oldest).count() : 0.0);
    if (deps.settings.queue_backend != "rabbitmq") {
        for (const auto& [queue, count] : repository.CountQueueMessages()) {
            out.Gauge("zr_embedded_queue_messages", "Messages of the embedded queue not yet acknowledged",
                      static_cast<double>(count), {{"queue", queue}});
        }
    }
    out.Gauge("zr_workers_active", "Workers heard from within ZR_EVAL_LEASE",
              static_cast<double>(repository.CountWorkersSeenSince(UnixMillis(now - deps.settings.eval_lease))));
    for (const auto& [host, last_seen] : repository.LastSeenByHost()) {
        out.Gauge("zr_worker_last_seen_timestamp_seconds", "When a worker of the host was last heard from",
                  Seconds(last_seen), {{"host", host}});
    }
    db::LoginThrottleRepository throttle(*conn);
    out.Gauge("zr_login_throttle_entries", "Accounts, unknown logins and addresses with recent failed logins",
              static_cast<double>(throttle.Count()));
    out.Gauge("zr_login_throttle_blocked", "Of those, the ones blocked now (their logins answered 429)",
              static_cast<double>(throttle.CountBlocked(now)));
}

void AddCounters(metrics::Snapshot& out, const SourceDeps& deps) {
    const auto uploads = deps.uploads.upload_counts();
    out.Counter("zr_upload_parts_total", "Submission parts received, by result (rejected: md5 mismatch)",
                static_cast<double>(uploads.accepted_parts), {{"result", "accepted"}});
    out.Counter("zr_upload_parts_total", "", static_cast<double>(uploads.rejected_parts), {{"result", "rejected"}});
    out.Counter("zr_upload_bytes_total", "Bytes of accepted submission parts",
                static_cast<double>(uploads.accepted_bytes));
    const auto mail = deps.mail.counts();
    out.Counter("zr_mail_sent_total", "E-mails delivered to the SMTP server", static_cast<double>(mail.sent));
    out.Counter("zr_mail_send_failures_total", "E-mail sending attempts that failed (each retry counts)",
                static_cast<double>(mail.failed_attempts));
    out.Counter("zr_mail_dropped_total", "E-mails given up on", static_cast<double>(mail.dropped));
    const auto chat = deps.mattermost.counts();
    out.Counter("zr_mattermost_sent_total", "Mattermost messages posted", static_cast<double>(chat.sent));
    out.Counter("zr_mattermost_send_failures_total", "Mattermost posting attempts that failed (each retry counts)",
                static_cast<double>(chat.failed_attempts));
    out.Counter("zr_mattermost_dropped_total", "Mattermost messages given up on", static_cast<double>(chat.dropped));
    out.Counter("zr_out_of_space_events_total",
                "Writes to the data folder that failed for lack of space, and uploads refused because they would not "
                "fit (answered 507)",
                static_cast<double>(deps.space_alarm.count()));
    const auto logins = deps.accounts.ThrottleCounters();
    out.Counter("zr_login_failures_total", "Failed logins (wrong password or unknown login) of this process",
                static_cast<double>(logins.failures));
    out.Counter("zr_login_throttled_total", "Logins refused (429) without hashing, by the block that refused them",
                static_cast<double>(logins.refused_account), {{"scope", "account"}});
    out.Counter("zr_login_throttled_total", "", static_cast<double>(logins.refused_address), {{"scope", "address"}});
    out.Counter("zr_login_blocks_total", "Blocks started (past the failures allowed in a window)",
                static_cast<double>(logins.blocks_account), {{"scope", "account"}});
    out.Counter("zr_login_blocks_total", "", static_cast<double>(logins.blocks_address), {{"scope", "address"}});
    out.Counter("zr_password_hashes_total", "Password hashes (PBKDF2) computed by this process",
                static_cast<double>(crypto::Pbkdf2Count()));
    out.Counter("zr_sqlite_busy_waits_total", "Times an SQLite statement waited for another connection's lock",
                static_cast<double>(deps.db.BusyWaits()));
}

void AddServiceState(metrics::Snapshot& out, const SourceDeps& deps) {
    const bool rabbitmq = deps.settings.queue_backend == "rabbitmq";
    out.Gauge("zr_queue_connected", "1 when the update consumer reaches its queue back-end",
              !rabbitmq || deps.evaluation.QueueConnected() ? 1.0 : 0.0,
              {{"backend", rabbitmq ? "rabbitmq" : "embedded"}});
    try {
        out.Gauge("zr_data_folder_free_bytes", "Free space of the data folder's file system",
                  static_cast<double>(deps.fs.FreeBytes(deps.settings.data_folder)));
    } catch (const std::exception&) {
        // Unknown: no sample (the disk health check says why).
    }
    out.Gauge("zr_build_info", "Always 1; the labels tell the running version", 1.0,
              {{"version", deps.settings.version}});
}

}  // namespace

void AddServiceSources(metrics::Metrics& metrics, SourceDeps deps) {
    metrics.AddSource([deps](metrics::Snapshot& out) { AddDatabaseCounts(out, deps); });
    metrics.AddSource([deps](metrics::Snapshot& out) {
        AddCounters(out, deps);
        AddServiceState(out, deps);
    });
    metrics.AddSource(metrics::AddProcessMetrics);
}

}  // namespace zr::monitoring
