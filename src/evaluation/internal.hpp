#pragma once
// Internal to zr_evaluation: the state shared by the service's source files.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
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
#include "evaluation/publications.hpp"

namespace zr::evaluation {

// What follows a completed upload (api-v2.md section 4.6).
enum class AfterUpload {
    kQueue,
    kStayUploaded,  // a first-generation submission without evaluator waits in uploaded, as it always did
    kNoEval,        // a second-generation one (it has a model) says so in its status
    kNoAutoEval,    // automatic evaluation is off: an organiser queues or publishes it
};

inline AfterUpload DecideAfterUpload(const domain::Submission& submission, const domain::Challenge& challenge) {
    if (!submission.EffectiveEvaluator(challenge)) {
        return submission.model_id ? AfterUpload::kNoEval : AfterUpload::kStayUploaded;
    }
    return submission.EffectiveAutoEval(challenge) ? AfterUpload::kQueue : AfterUpload::kNoAutoEval;
}

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
    // Queues a submission: a job row, the status moved to on_queue (through the transition table:
    // 409 otherwise), earlier scores kept aside, and the job published. `loaded` holds its row and
    // its challenge when the caller has them (a completed upload), otherwise they are read in the
    // transaction. Returns the job id.
    std::string Queue(const std::string& submission_id,
                      const std::optional<std::pair<domain::Submission, domain::Challenge>>& loaded);
    // The job message of a queued submission (evaluator row, archive md5, time limit). 400 when the
    // challenge has no evaluator.
    Job MakeJob(db::Connection& conn, const domain::Submission& submission, const domain::Challenge& challenge,
                const std::string& job_id);
    // RabbitMQ: publishes then marks the row published; false (logged) when the broker failed.
    bool PublishJob(const Job& job);
    // Publishes the unpublished rows created before `older_than` (all when nullopt).
    void RepublishUnpublished(std::optional<TimePoint> older_than);
    // Uploaded submissions whose challenge has an evaluator and that have no job (a crash between
    // upload and queuing).
    std::vector<std::string> ForgottenUploads();
    // Moves an uploaded submission to no_eval / no_auto_eval through the table, with an out.log
    // line; false (nothing written) when its status changed meanwhile.
    bool Park(const std::string& submission_id, domain::SubmissionStatus to, std::string_view reason);
    // An organiser's move (publish, exclude, include): 404 unknown, 409 not allowed from its status
    // (or `check` says why not), then out.log and the challenge's leaderboards rebuilt.
    std::vector<leaderboards::BuildResult> MoveByOrganiser(
        const std::string& submission_id, domain::SubmissionStatus to, std::string_view what,
        const std::function<std::optional<std::string>(const domain::Submission&)>& check);
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
        bool publish = false;           // completed: rebuild the leaderboards, then report it completed
        bool mail = false;              // failure e-mail to the participant
        bool platform_failure = false;  // Mattermost message to the organisers
        domain::Submission submission;
        db::EvaluationJobRow job;  // as written
    };
    std::optional<Effects> ApplyInTransaction(db::Connection& conn, const Update& update);
    bool ApplyUpdate(const Update& update);

    // --- publishing completed evaluations (notifications.cpp) ---
    // Rebuilds the leaderboards of the challenges due (all of them with `all`), then moves their
    // waiting submissions to completed, writes out.log and mails the participants. A rebuild that
    // fails is tried again later, its submissions still waiting.
    void RebuildDue(bool drained, bool all = false);
    // Start-up: the completed evaluations a stop or a crash left unpublished.
    void RecoverPublications();
    void Publish(const domain::Challenge* challenge, const std::string& submission_id, const db::EvaluationJobRow& job);
    Publications publications;

    // --- notifications (notifications.cpp) ---
    void MailResult(const domain::Submission& submission, const db::EvaluationJobRow& job);
    void PostPlatformFailure(const domain::Submission& submission, const db::EvaluationJobRow& job);
    // The new-submission e-mail to the participant and Mattermost post to the organisers.
    void AnnounceUpload(const domain::Submission& submission, const domain::Challenge& challenge,
                        const std::optional<domain::User>& owner);

    // --- the update consumer (evaluation_service.cpp) ---
    void ConsumeLoop();
    void HandleDelivery(queue::MessageQueue& queue, const queue::Delivery& delivery);
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
    std::uint64_t idle_generation = 0;  // incremented each time the consumer finds the queue drained
    std::thread consumer;
    std::mutex rebuild_mutex;  // one rebuild pass at a time (consumer or WaitIdle)
};

// A random RFC 4122 version 4 uuid.
std::string NewJobId();

}  // namespace zr::evaluation
