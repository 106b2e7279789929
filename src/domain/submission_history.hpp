#pragma once
// What a submission's evaluation history means for its owner and for the leaderboards (issue 8,
// part 4). Header only: the rules are shared by submissions (limits, status details, scores),
// leaderboards (which scores are ranked) and evaluation (re-runs); the SQL that mirrors
// CountsTowardLimit lives in src/db (SubmissionRepository::CountTowardLimit) and is tested
// against it.
//
// Failure kinds (evaluation_jobs.failure_kind; statuses stay those of the first implementation):
//   platform   the service or its hosts failed the job: lost worker past ZR_EVAL_MAX_ATTEMPTS,
//              script refused / missing / outside the bin folder, evaluation not prepared
//              (checkout, download), scores not returned, the host's time limit, the executor
//              not runnable, a signal from outside (SIGKILL, SIGTERM...), the challenge's
//              evaluator gone before the job was published, or (no job at all) an upload that
//              could not be completed;
//   evaluator  the evaluator itself rejected the submission: it exited with a non-zero status or
//              died of a signal it raised itself (SIGSEGV, SIGABRT, SIGFPE, SIGBUS, SIGILL,
//              SIGTRAP, SIGSYS, SIGPIPE).
#include <optional>
#include <string>
#include <string_view>

#include "domain/submission_status.hpp"

namespace zr::domain {

enum class FailureKind { kPlatform, kEvaluator };

inline std::string_view ToString(FailureKind kind) { return kind == FailureKind::kPlatform ? "platform" : "evaluator"; }

// nullopt for anything but "platform" / "evaluator".
inline std::optional<FailureKind> ParseFailureKind(std::string_view text) {
    if (text == "platform") return FailureKind::kPlatform;
    if (text == "evaluator") return FailureKind::kEvaluator;
    return std::nullopt;
}

// The kind of a failure recorded without one (messages of older workers, jobs failed before the
// kind was recorded): a non-zero exit status is the evaluator's verdict; no exit status (lost
// worker, refusal, time limit) or 0 (scores not returned) the platform's.
inline FailureKind DeriveFailureKind(std::optional<int> exit_code) {
    return exit_code && *exit_code != 0 ? FailureKind::kEvaluator : FailureKind::kPlatform;
}

// A submission's current (latest) evaluation job, as far as these rules need it.
struct CurrentJob {
    std::string id;
    JobState state = JobState::kQueued;
    std::optional<FailureKind> failure_kind;
};

// Whether a submission counts toward ZR_MAX_SUBMISSIONS_PER_DAY / _TOTAL: not when invalid or
// canceled, nor when failed because of the platform (its current job failed with kind platform,
// or it has no job: the upload could not be completed). A failure the evaluator reported, or a
// status set to failed by an administrator over a job that did not fail, counts.
inline bool CountsTowardLimit(SubmissionStatus status, const std::optional<CurrentJob>& current) {
    if (status == SubmissionStatus::kInvalid || status == SubmissionStatus::kCanceled) return false;
    if (status != SubmissionStatus::kFailed) return true;
    if (!current) return false;
    return current->failure_kind != FailureKind::kPlatform;
}

// The newest recorded score version of a submission (submission_scores).
struct NewestScores {
    std::optional<std::string> job_id;  // nullopt: scores from before the record (or set by hand)
    std::string history_name;           // its folder under scores_history/ once kept aside
    bool archived = false;              // that folder exists (the caller looked)
};

// Which scores of a submission are its newest completed ones.
enum class ShownScores {
    kNone,      // none: the submission is not on the leaderboards
    kCurrent,   // the submission folder's scores/ (as the first implementation had it)
    kArchived,  // the newest version, kept under scores_history/ while a re-run is queued,
                // running, failed or canceled
};

// Its evaluation is over although its status does not say so yet: on_queue or evaluating with a
// completed current job. Its leaderboards are being rebuilt with its new scores; the status becomes
// completed right after (so that a participant who sees "completed" finds the entry).
inline bool AwaitsPublication(SubmissionStatus status, const std::optional<CurrentJob>& current) {
    const bool under_evaluation = status == SubmissionStatus::kOnQueue || status == SubmissionStatus::kEvaluating;
    return under_evaluation && current && current->state == JobState::kCompleted;
}

// A completed submission (or one awaiting publication) shows its scores/ (or, when the scores of
// its current job were kept aside by a re-queue that did not go through, that kept version). A
// submission re-queued after a completed evaluation (on_queue, evaluating, failed or canceled,
// with a current job other than the one that made its newest scores) keeps showing those newest
// scores: a challenge-wide re-run never blanks the leaderboards. Anything else (never evaluated,
// or a status set by hand over the job that made the scores) shows nothing.
inline ShownScores WhichScoresShown(SubmissionStatus status, const std::optional<NewestScores>& newest,
                                    const std::optional<CurrentJob>& current) {
    const std::optional<std::string> current_job_id = current ? std::optional<std::string>(current->id) : std::nullopt;
    if (status == SubmissionStatus::kCompleted || AwaitsPublication(status, current)) {
        const bool kept_aside = newest && newest->archived && newest->job_id == current_job_id;
        return kept_aside ? ShownScores::kArchived : ShownScores::kCurrent;
    }
    const bool rerun_status = status == SubmissionStatus::kOnQueue || status == SubmissionStatus::kEvaluating ||
                              status == SubmissionStatus::kFailed || status == SubmissionStatus::kCanceled;
    if (!rerun_status || !newest || !current_job_id) return ShownScores::kNone;
    return newest->job_id == current_job_id ? ShownScores::kNone : ShownScores::kArchived;
}

}  // namespace zr::domain
