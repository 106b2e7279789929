#pragma once
// Submission statuses (pipeline.md section 3) and the transitions the service may make.
//
// The service's legal moves (IsLegalTransition):
//   uploading  -> uploaded | invalid | failed
//   uploaded   -> on_queue | validating | invalid
//   validating -> on_queue | invalid
//   on_queue   -> evaluating | canceled
//   evaluating -> completed | failed | canceled
// completed, invalid, canceled and failed are final.
// Admins may force any status (zr submissions:set).
#include <optional>
#include <string_view>

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
    kFailed
};

std::string_view ToString(SubmissionStatus status);
std::optional<SubmissionStatus> ParseSubmissionStatus(std::string_view text);
// Whether the service (not an admin) may move a submission from `from` to `to`.
bool IsLegalTransition(SubmissionStatus from, SubmissionStatus to);

}  // namespace zr::domain
