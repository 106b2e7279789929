#pragma once
// The life cycles of a submission and of an evaluation job (pipeline.md section 3), each with the
// one table of moves that every writer goes through: the upload and its completion, the queuing
// (API, CLI, re-runs), the workers' updates, cancellation and the admin command. The tables are in
// submission_status.cpp; what they allow:
//
//   submission status   moves to                              on
//   uploading           uploaded | invalid | failed           completion: done | archive refused | server fault
//   uploaded            on_queue | validating | invalid       queued | checked before queuing | refused
//   validating          on_queue | invalid                    checked | refused
//   on_queue            evaluating                            a worker started it
//                       completed | failed                    its result came first (out of order) | not runnable
//                       canceled                              an administrator canceled it
//   evaluating          completed | failed | canceled         the worker's result, or a cancel
//   uploaded            no_eval | no_auto_eval                nothing to queue: no evaluator | auto_eval off
//   completed, failed,  on_queue                              queued again (zr submissions:evaluate, re-runs)
//   canceled
//   completed           excluded                              an organiser keeps it out of the leaderboards
//   no_eval,            on_queue                              an organiser queues it (zr submissions:evaluate)
//   no_auto_eval        completed                             an organiser publishes the client's scores
//                       excluded                              an organiser keeps it out of the leaderboards
//   excluded            completed | on_queue                  included again | evaluated again
//   invalid             (nothing: final)
//
//   job state           moves to
//   queued              running | completed | failed | canceled
//   running             running (a later delivery: one more attempt) | completed | failed | canceled
//   completed, failed, canceled: final (a re-run is a new job)
//
// An administrator may force any submission status (zr submissions:set --force); that is the one
// way around the table.
#include <array>
#include <optional>
#include <string_view>
#include <vector>

namespace zr::domain {

enum class SubmissionStatus {
    kUploading,
    kUploaded,
    kOnQueue,
    kValidating,
    kInvalid,
    kEvaluating,
    kCompleted,
    kCanceled,
    kFailed,
    // The second API generation's (api-v2.md section 2.5): nothing to queue because the challenge
    // has no evaluator, or because automatic evaluation is off; kept out of the leaderboards.
    kNoEval,
    kNoAutoEval,
    kExcluded
};
inline constexpr std::array<SubmissionStatus, 12> kAllSubmissionStatuses = {
    SubmissionStatus::kUploading,  SubmissionStatus::kUploaded,   SubmissionStatus::kOnQueue,
    SubmissionStatus::kValidating, SubmissionStatus::kInvalid,    SubmissionStatus::kEvaluating,
    SubmissionStatus::kCompleted,  SubmissionStatus::kCanceled,   SubmissionStatus::kFailed,
    SubmissionStatus::kNoEval,     SubmissionStatus::kNoAutoEval, SubmissionStatus::kExcluded};

// The stored word ("uploading", "on_queue", ...).
std::string_view ToString(SubmissionStatus status);
std::optional<SubmissionStatus> ParseSubmissionStatus(std::string_view text);
// Whether the table allows `from` -> `to` (never for from == to).
bool IsLegalTransition(SubmissionStatus from, SubmissionStatus to);
// The statuses from which the table allows a move to `to` (for a conditional UPDATE).
std::vector<SubmissionStatus> StatusesLeadingTo(SubmissionStatus to);

enum class JobState { kQueued, kRunning, kCompleted, kFailed, kCanceled };
inline constexpr std::array<JobState, 5> kAllJobStates = {JobState::kQueued, JobState::kRunning, JobState::kCompleted,
                                                          JobState::kFailed, JobState::kCanceled};

std::string_view ToString(JobState state);
std::optional<JobState> ParseJobState(std::string_view text);
// Whether the table allows `from` -> `to` (running -> running is a new attempt).
bool IsLegalTransition(JobState from, JobState to);
// completed, failed or canceled.
bool IsFinal(JobState state);

}  // namespace zr::domain
