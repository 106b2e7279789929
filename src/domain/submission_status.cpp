#include "domain/submission_status.hpp"

#include <array>
#include <utility>

namespace zr::domain {
namespace {

using S = SubmissionStatus;

constexpr std::array<std::pair<S, std::string_view>, 9> kNames{{
    {S::kUploading, "uploading"},
    {S::kUploaded, "uploaded"},
    {S::kOnQueue, "on_queue"},
    {S::kValidating, "validating"},
    {S::kInvalid, "invalid"},
    {S::kEvaluating, "evaluating"},
    {S::kCompleted, "completed"},
    {S::kCanceled, "canceled"},
    {S::kFailed, "failed"},
}};

// The service's moves (pipeline.md section 3). "validating" sits between uploaded and on_queue
// for challenges that check a submission before queuing it.
constexpr std::array<std::pair<S, S>, 13> kLegal{{
    {S::kUploading, S::kUploaded},
    {S::kUploading, S::kInvalid},
    {S::kUploading, S::kFailed},
    {S::kUploaded, S::kOnQueue},
    {S::kUploaded, S::kValidating},
    {S::kUploaded, S::kInvalid},
    {S::kValidating, S::kOnQueue},
    {S::kValidating, S::kInvalid},
    {S::kOnQueue, S::kEvaluating},
    {S::kOnQueue, S::kCanceled},
    {S::kEvaluating, S::kCompleted},
    {S::kEvaluating, S::kFailed},
    {S::kEvaluating, S::kCanceled},
}};

}  // namespace

std::string_view ToString(SubmissionStatus status) {
    for (const auto& [value, name] : kNames) {
        if (value == status) return name;
    }
    return "unknown";
}

std::optional<SubmissionStatus> ParseSubmissionStatus(std::string_view text) {
    for (const auto& [value, name] : kNames) {
        if (name == text) return value;
    }
    return std::nullopt;
}

bool IsLegalTransition(SubmissionStatus from, SubmissionStatus to) {
    for (const auto& [a, b] : kLegal) {
        if (a == from && b == to) return true;
    }
    return false;
}

}  // namespace zr::domain
