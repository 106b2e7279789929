#pragma once
// The objects of the service, built once from the settings and wired together; used by
// `zr serve` and by the admin commands so both see the same database, files and mail set-up.
//
// Construction prepares the data folder (creating sub-folders) and opens/migrates the database;
// it throws settings::SettingsError or db::DbError with a message for the operator.
// Destruction stops the submissions' background completion (joins it) and the evaluation
// service's update consumer, then flushes queued e-mails (bounded) before closing. The server calls
// submissions().ResumePending() then evaluation().Start() at start-up.
#include <memory>

#include "accounts/account_service.hpp"
#include "challenges/challenge_service.hpp"
#include "common/time.hpp"
#include "db/database.hpp"
#include "evaluation/evaluation_service.hpp"
#include "leaderboards/leaderboard_service.hpp"
#include "mail/mailer.hpp"
#include "notify/mattermost.hpp"
#include "settings/settings.hpp"
#include "storage/profiles.hpp"
#include "storage/submission_store.hpp"
#include "submissions/submission_service.hpp"
#include "templates/templates.hpp"
#include "transfer/transfer_service.hpp"

namespace zr::wiring {

class Services {
public:
    explicit Services(const settings::Settings& settings);
    ~Services();

    const settings::Settings& settings() const { return settings_; }
    db::Database& database() { return database_; }
    const templates::Engine& templates() const { return templates_; }
    mail::MailQueue& mail() { return mail_queue_; }
    notify::Mattermost& mattermost() { return mattermost_; }
    accounts::AccountService& accounts() { return accounts_; }
    challenges::ChallengeService& challenges() { return challenges_; }
    submissions::SubmissionService& submissions() { return submissions_; }
    // Queuing and the workers' updates; uploads are queued through submissions()' uploaded hook.
    // The server calls evaluation().Start() after ResumePending.
    evaluation::EvaluationService& evaluation() { return evaluation_; }
    leaderboards::LeaderboardService& leaderboards() { return leaderboards_; }
    transfer::TransferService& transfer() { return transfer_; }
    const Clock& clock() const { return clock_; }

private:
    settings::Settings settings_;
    Clock clock_;
    db::Database database_;
    storage::Profiles profiles_;
    templates::Engine templates_;
    mail::SmtpMailer mailer_;
    mail::MailQueue mail_queue_;
    notify::Mattermost mattermost_;
    accounts::AccountService accounts_;
    challenges::ChallengeService challenges_;
    storage::SubmissionStore submission_store_;
    leaderboards::LeaderboardService leaderboards_;
    submissions::SubmissionService submissions_;
    evaluation::EvaluationService evaluation_;
    transfer::TransferService transfer_;
};

}  // namespace zr::wiring
