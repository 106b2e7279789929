#pragma once
// The scrape-time sources of `zr serve`'s /metrics (issue 8; README "Health and metrics" lists
// every metric): the database's counts (submissions by status, jobs by state, queue depth and
// oldest queued job, workers), the counters other modules keep (uploads, e-mail, Mattermost,
// SQLite busy waits, out-of-space events, login throttling, password hashes), the queue connection, the data folder's
// free space, build info and the process_* metrics. The referenced objects must outlive `metrics`' last Render().
#include "accounts/account_service.hpp"
#include "common/time.hpp"
#include "db/database.hpp"
#include "evaluation/evaluation_service.hpp"
#include "mail/mailer.hpp"
#include "metrics/metrics.hpp"
#include "notify/mattermost.hpp"
#include "notify/space_alarm.hpp"
#include "settings/settings.hpp"
#include "submissions/upload_service.hpp"

namespace zr::monitoring {

struct SourceDeps {
    db::Database& db;
    const settings::Settings& settings;
    const Clock& clock;
    const mail::MailQueue& mail;
    const notify::Mattermost& mattermost;
    const notify::SpaceAlarm& space_alarm;
    FileSystem& fs;
    const submissions::UploadService& uploads;
    const evaluation::EvaluationService& evaluation;
    const accounts::AccountService& accounts;
};

void AddServiceSources(metrics::Metrics& metrics, SourceDeps deps);

}  // namespace zr::monitoring
