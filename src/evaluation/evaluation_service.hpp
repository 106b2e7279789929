#pragma once
// The service side of evaluation (pipeline.md sections 3-4 and 6): queuing submissions, applying
// the workers' updates, rebuilding leaderboards and notifying.
//
// Every job has an evaluation_jobs row (the record, whatever the back-end); a submission's
// current job is its latest row. Queuing inserts the row (state queued) and sets the submission
// on_queue in one transaction, then publishes the job: with the embedded back-end in that same
// transaction; with RabbitMQ after the commit, the row's `published` flag set once the broker
// confirmed (Start() republishes rows left unpublished by a crash: an outbox).
//
// Updates are applied idempotently: only to the submission's current job, and never to a job
// already completed/failed/canceled, so duplicate or late updates change nothing.
//   started   -> job running (attempts, worker, host, started_at, script sha256 and index.yml
//                version), submission evaluating
//   heartbeat -> heartbeat_at
//   complete  -> job completed; its scores recorded as the submission's newest score version
//                (submission_scores); leaderboards of the challenge rebuilt (coalesced: one
//                rebuild per challenge for a burst of completions; retried later when it fails);
//                only then the submission completed (read-your-writes: whoever sees "completed"
//                finds its entry on the leaderboards), Mattermost "leaderboard updated" per
//                rebuilt board, e-mail to the participant
//   failed    -> job failed with reason, exit code and failure kind, submission failed (also when
//                a later delivery reports it without starting: attempts exhausted); e-mail
//                (a platform failure says so: it does not count toward the submission limits and
//                the organisers were told) and, for a platform failure, a Mattermost message
//   canceled  -> job canceled (submission already canceled by Cancel)
//   presence  -> (any update) the sending worker's row of the workers table refreshed
// Each change is also written to the submission's out.log.
//
// Score versions (domain/submission_history.hpp): queuing a submission whose scores/ holds the
// scores of a completed evaluation keeps them as an earlier version (moved to scores_history/ in
// the queuing transaction, moved back if it does not commit); the leaderboards and the
// participant's scores keep showing them until the new evaluation completes.
// Errors: zr::Error — 404 {"message"} unknown submission; 409 {"message"} a submission that cannot
// be (re-)queued or canceled in its status; 400 {"message"} its challenge has no evaluator.
// Thread-safety: thread-safe.
#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/time.hpp"
#include "db/database.hpp"
#include "db/evaluation_job_repository.hpp"
#include "db/monitoring_repository.hpp"
#include "db/score_version_repository.hpp"
#include "domain/user.hpp"
#include "evaluation/messages.hpp"
#include "leaderboards/leaderboard_service.hpp"
#include "mail/mailer.hpp"
#include "notify/mattermost.hpp"
#include "queue/message_queue.hpp"
#include "settings/settings.hpp"
#include "storage/submission_store.hpp"
#include "templates/templates.hpp"

namespace zr::evaluation {

// A job as evaluation_jobs records it.
using JobView = db::EvaluationJobRow;

// EnqueueChallenge's answer.
struct Rerun {
    std::string challenge_label;
    std::vector<std::pair<std::string, std::string>> queued;   // submission id, job id ("" on a dry run)
    std::vector<std::pair<std::string, std::string>> skipped;  // submission id, why
};

// One score version as `zr submissions:scores` shows it.
struct ScoreVersionView {
    db::ScoreVersionRow version;
    std::optional<db::EvaluationJobRow> job;  // the evaluation that made them, when recorded
    std::string location;                     // folder relative to the submission's ("" = files gone)
    bool shown = false;                       // the version the leaderboards rank
    nlohmann::json entries;                   // {<leaderboard label>: <entry JSON>} readable in it
};

struct ScoreHistory {
    domain::Submission submission;
    std::string challenge_label;
    // Oldest first. When scores/ of a completed submission holds scores no version describes
    // (first implementation, placed by hand), they come last with version 0.
    std::vector<ScoreVersionView> versions;
    std::optional<db::EvaluationJobRow> current_job;
};

struct Notifiers {
    mail::MailQueue& mail;
    notify::Mattermost& mattermost;
    const templates::Engine& templates;
};

// Told when an applied update started or ended a job (metrics), after its transaction committed,
// on the thread that applied it. Must be fast and must not throw. Either may be empty.
struct JobEvents {
    std::function<void(unsigned attempt)> started;
    // state: completed, failed or canceled; run_seconds from the run's start, when it had started.
    std::function<void(std::string_view state, std::optional<double> run_seconds)> finished;
};

class EvaluationService {
public:
    EvaluationService(db::Database& db, const storage::SubmissionStore& store, const settings::Settings& settings,
                      leaderboards::LeaderboardService& leaderboards, Notifiers notifiers, const Clock& clock);
    // Calls Stop().
    ~EvaluationService();

    // Queues (or re-queues) a submission: allowed from uploaded, completed, failed, canceled,
    // no_eval, no_auto_eval, excluded (409 from uploading, invalid, on_queue, evaluating); 400 when
    // it has no evaluator (its own, else its challenge's). Returns the job id.
    std::string Enqueue(std::string_view submission_id);
    // After an upload completed (the completion's uploaded event, with the rows it read once):
    // the "new submission" e-mail to the participant and Mattermost post to the organisers, then,
    // without reading the rows again (api-v2.md section 4.6): no evaluator (the submission's, else
    // its challenge's) -> a second-generation submission (one with a model) moves to no_eval, a
    // first-generation one stays uploaded as it always did; automatic evaluation off (the
    // submission's auto_eval, else its challenge's) -> no_auto_eval; otherwise queued. Each with
    // an out.log line. Never throws (logs).
    void OnUploaded(const domain::Submission& submission, const domain::Challenge& challenge,
                    const std::optional<domain::User>& owner);
    // An organiser's moves, each through the transition table, written to out.log, then the
    // challenge's leaderboards rebuilt (returned). 404 unknown submission, 409 not allowed.
    // Publish: no_eval/no_auto_eval -> completed for a has_scores submission with a leaderboard
    // file: its client entry (input/<leaderboard_file>) is ranked.
    std::vector<leaderboards::BuildResult> Publish(std::string_view submission_id);
    // Exclude: completed/no_eval/no_auto_eval -> excluded: left out of every leaderboard.
    std::vector<leaderboards::BuildResult> Exclude(std::string_view submission_id);
    // Include: excluded -> completed (Enqueue evaluates it again instead).
    std::vector<leaderboards::BuildResult> Include(std::string_view submission_id);
    // Cancels a queued or running evaluation: submission canceled, job canceled; a worker running
    // it sees the state and kills the run. 409 in any other status.
    void Cancel(std::string_view submission_id);
    // Re-queues every completed submission of the challenge, oldest first, one Enqueue (one
    // transaction) each: their scores become an earlier version and stay on the leaderboards until
    // the new evaluation completes. A submission whose status changed meanwhile is skipped (409
    // reason). dry_run: lists what would be queued, changes nothing. 404 {"message"} unknown
    // challenge; 400 {"message"} a challenge without evaluator (nothing queued).
    Rerun EnqueueChallenge(domain::ChallengeId challenge_id, bool dry_run);
    // The submission's score versions (`zr submissions:scores`). 404 unknown submission.
    ScoreHistory History(std::string_view submission_id);
    // Newest first; `states` empty = all.
    std::vector<JobView> ListJobs(const std::vector<domain::JobState>& states);
    // The workers heard from (any update or presence message), most recently seen first.
    std::vector<db::WorkerRow> ListWorkers();
    // Applies one update (see above). Returns true when it changed something.
    bool Apply(const Update& update);

    // Server only: republishes unpublished jobs, queues uploaded submissions that OnUploaded would
    // queue (an evaluator, automatic evaluation on) and that have no job yet (a crash between upload and queueing),
    // schedules the publication of completed evaluations a stop or crash left unpublished, and starts the thread that
    // consumes update_queue (one MessageQueue of its own). Idempotent.
    void Start();
    // Stops the consumer (the update being applied is finished; unacknowledged ones stay queued).
    void Stop();
    // Blocks until update_queue is empty and no update or rebuild is in progress, and every
    // completed evaluation applied so far is published (tests, bench).
    void WaitIdle();
    // Call before Start().
    void SetJobEvents(JobEvents events);
    // Whether the update consumer reaches its queue back-end: false while RabbitMQ is unreachable
    // (or before Start()); true for the embedded back-end once started.
    bool QueueConnected() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace zr::evaluation
