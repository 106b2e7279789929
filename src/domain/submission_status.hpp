#pragma once
// Submission statuses (pipeline.md section 3) and the transitions the service may make.
//
//   uploading -> uploaded -> on_queue -> evaluating -> completed
//        |           |          |             '-----> failed
//        |           |          '-> canceled
//        |           '-> invalid
//        '-> invalid | failed
// Admins may force any status (zr submissions:set).
#include <optional>
#include <string_view>

namespace zr::domain {

enum class SubmissionStatus { kUploading, kUploaded, kOnQueue, kValidating, kInvalid, kEvaluating, kCompleted, kCanceled, kFailed };

std::string_view ToString(SubmissionStatus status);
std::optional<SubmissionStatus> ParseSubmissionStatus(std::string_view text);
// Whether the service (not an admin) may move a submission from `from` to `to`.
bool IsLegalTransition(SubmissionStatus from, SubmissionStatus to);

}  // namespace zr::domain
