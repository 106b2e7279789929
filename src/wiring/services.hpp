#pragma once
// The objects of the service, built once from the settings and wired together; used by
// `zr serve` and by the admin commands so both see the same database, files and mail set-up.
//
// Construction prepares the data folder (creating sub-folders, recording the installation time
// the first time) and opens/migrates the database;
// it throws settings::SettingsError or db::DbError with a message for the operator.
// Destruction stops the uploads' background completion (joins it) and the evaluation service's
// update consumer, then flushes queued e-mails (bounded) before closing. The server calls
// completion().RecoverPending() then evaluation().Start() at start-up.
#include <memory>

#include "accounts/account_service.hpp"
#include "challenges/challenge_service.hpp"
#include "common/file_system.hpp"
#include "common/time.hpp"
#include "db/database.hpp"
#include "evaluation/evaluation_service.hpp"
#include "leaderboards/leaderboard_service.hpp"
#include "mail/mailer.hpp"
#include "models/model_service.hpp"
#include "notify/mattermost.hpp"
#include "notify/space_alarm.hpp"
#include "settings/settings.hpp"
#include "storage/profiles.hpp"
#include "storage/site_state.hpp"
#include "storage/submission_store.hpp"
#include "submissions/completion_service.hpp"
#include "submissions/records.hpp"
#include "submissions/submission_admin.hpp"
#include "submissions/submission_reads.hpp"
#include "submissions/upload_service.hpp"
#include "templates/templates.hpp"
#include "transfer/transfer_service.hpp"

namespace zr::wiring {

class Services {
public:
    explicit Services(const settings::Settings& settings);
    ~Services();

    const settings::Settings& settings() const { return settings_; }
    db::Database& database() { return database_; }
    // Every write to the data folder goes through it; out-of-space events reach space_alarm().
    FileSystem& file_system() { return file_system_; }
    const templates::Engine& templates() const { return templates_; }
    mail::MailQueue& mail() { return mail_queue_; }
    notify::Mattermost& mattermost() { return mattermost_; }
    notify::SpaceAlarm& space_alarm() { return space_alarm_; }
    // Lock mode (readonly.lock) and the installation time of the data folder.
    const storage::SiteState& site() const { return site_; }  // installation recorded
    accounts::AccountService& accounts() { return accounts_; }
    challenges::ChallengeService& challenges() { return challenges_; }
    // Models of the second API generation and the public listings of models and benchmarks.
    models::ModelService& models() { return models_; }
    // Participants creating submissions and sending parts; completion schedules itself.
    submissions::UploadService& uploads() { return uploads_; }
    // Completing uploads in the background; its uploaded events go to evaluation().
    submissions::CompletionService& completion() { return completion_; }
    submissions::SubmissionReads& submission_reads() { return submission_reads_; }
    submissions::SubmissionAdmin& submission_admin() { return submission_admin_; }
    // Queuing and the workers' updates; completed uploads are queued through the uploaded event.
    // The server calls evaluation().Start() after completion().RecoverPending().
    evaluation::EvaluationService& evaluation() { return evaluation_; }
    leaderboards::LeaderboardService& leaderboards() { return leaderboards_; }
    transfer::TransferService& transfer() { return transfer_; }
    const Clock& clock() const { return clock_; }

private:
    settings::Settings settings_;
    Clock clock_;
    templates::Engine templates_;
    notify::Mattermost mattermost_;
    notify::SpaceAlarm space_alarm_;
    PosixFileSystem file_system_;
    db::Database database_;
    storage::Profiles profiles_;
    storage::SiteState site_;
    mail::SmtpMailer mailer_;
    mail::MailQueue mail_queue_;
    accounts::PasswordPolicy password_policy_;
    accounts::AccountService accounts_;
    challenges::ChallengeService challenges_;
    models::ModelService models_;
    storage::SubmissionStore submission_store_;
    leaderboards::LeaderboardService leaderboards_;
    submissions::Records records_;
    submissions::CompletionService completion_;
    submissions::UploadService uploads_;
    submissions::SubmissionReads submission_reads_;
    submissions::SubmissionAdmin submission_admin_;
    evaluation::EvaluationService evaluation_;
    transfer::TransferService transfer_;
};

}  // namespace zr::wiring
