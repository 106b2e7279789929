#pragma once
// Internal to zr_evaluation: the state shared by the service's source files.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "db/evaluation_job_repository.hpp"
#include "domain/challenge.hpp"
#include "evaluation/evaluation_service.hpp"

namespace zr::evaluation {

inline constexpr std::string_view kQueued = "queued";
inline constexpr std::string_view kRunning = "running";
inline constexpr std::string_view kCompleted = "completed";
inline constexpr std::string_view kFailed = "failed";
inline constexpr std::string_view kCanceled = "canceled";

bool IsFinalJobState(std::string_view state);

struct EvaluationService::Impl {
    Impl(db::Database& database, const storage::SubmissionStore& submission_store,
         const settings::Settings& service_settings, leaderboards::LeaderboardService& boards, Notifiers notify,
         const Clock& service_clock)
        : db(database),
          store(submission_store),
          settings(service_settings),
          leaderboards(boards),
          notifiers(notify),
          clock(service_clock),
          embedded(service_settings.queue_backend != "rabbitmq") {}

    db::Database& db;
    const storage::SubmissionStore& store;
    const settings::Settings& settings;
    leaderboards::LeaderboardService& leaderboards;
    Notifiers notifiers;
    const Clock& clock;
    const bool embedded;  // embedded queue: jobs are published inside the queuing transaction

    // --- queuing (enqueue.cpp) ---
    // The job message of a queued submission (evaluator row, archive md5, time limit).
    Job MakeJob(db::Connection& conn, const domain::Submission& submission, const std::string& job_id);
    // RabbitMQ: publishes then marks the row published; false (logged) when the broker failed.
    bool PublishJob(const Job& job);
    // Publishes the unpublished rows created before `older_than` (all when nullopt).
    void RepublishUnpublished(std::optional<TimePoint> older_than);
    // Uploaded submissions whose challenge has an evaluator and that have no job (a crash between
    // upload and queuing).
    std::vector<std::string> ForgottenUploads();
    // A queue of this process for publishing and counting (opened on first use).
    queue::MessageQueue& Publisher();
    std::mutex publisher_mutex;
    std::unique_ptr<queue::MessageQueue> publisher;

    // --- score versions and re-runs (history.cpp) ---
    // Before a new job of `submission` is created (inside its transaction): records the scores in
    // scores/ as a version if no version describes them yet (only for a completed submission:
    // partial output of a failed run is no version), then moves them aside (KeepScoresAside).
    // Returns the history name moved, for RestoreScores when the transaction does not commit.
    std::optional<std::string> KeepScoresForRerun(db::Connection& conn, const domain::Submission& submission,
                                                  TimePoint now);
    // After a job completed (inside the update's transaction): its scores become the newest version.
    void RecordScores(db::Connection& conn, const db::EvaluationJobRow& job, TimePoint now);

    // --- updates (apply.cpp) ---
    // What an applied update calls for once its transaction committed.
    struct Effects {
        std::string log_line;
        std::optional<domain::ChallengeId> rebuild;
        bool mail = false;              // completion/failure e-mail to the participant
        bool platform_failure = false;  // Mattermost message to the organisers
        domain::Submission submission;
        db::EvaluationJobRow job;  // as written
    };
    std::optional<Effects> ApplyInTransaction(db::Connection& conn, const Update& update);
    bool ApplyUpdate(const Update& update);
    void MarkDirty(domain::ChallengeId challenge_id);

    // --- notifications (notifications.cpp) ---
    void MailResult(const domain::Submission& submission, const db::EvaluationJobRow& job);
    void PostPlatformFailure(const domain::Submission& submission, const db::EvaluationJobRow& job);
    void PostNewSubmission(const std::string& submission_id);
    void RebuildDirty();

    // --- the update consumer (evaluation_service.cpp) ---
    void ConsumeLoop();
    void HandleDelivery(queue::MessageQueue& queue, const queue::Delivery& delivery);
    void MaybeRebuild(bool drained);
    // Refreshes the sender's row of the workers table; failures are logged only.
    void RecordWorker(const Update& update);
    void ForgetOldWorkers();
    // The JobEvents of an applied update.
    void ReportJobEvent(UpdateType type, const db::EvaluationJobRow& job);
    JobEvents job_events;
    std::atomic<bool> queue_connected{false};

    std::mutex mutex;  // guards the fields below
    std::condition_variable cv;
    bool started = false;
    bool stopping = false;
    std::set<domain::ChallengeId> dirty;
    std::optional<std::chrono::steady_clock::time_point> dirty_since;
    std::uint64_t idle_generation = 0;  // incremented each time the consumer finds the queue drained
    std::thread consumer;
    std::mutex rebuild_mutex;  // one rebuild pass at a time (consumer or WaitIdle)
};

// A random RFC 4122 version 4 uuid.
std::string NewJobId();

}  // namespace zr::evaluation
