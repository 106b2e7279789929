#include "domain/submission_status.hpp"

#include <algorithm>
#include <utility>

namespace zr::domain {
namespace {

using S = SubmissionStatus;
using J = JobState;

constexpr std::array<std::pair<S, std::string_view>, 12> kStatusNames{{
    {S::kUploading, "uploading"},
    {S::kUploaded, "uploaded"},
    {S::kOnQueue, "on_queue"},
    {S::kValidating, "validating"},
    {S::kInvalid, "invalid"},
    {S::kEvaluating, "evaluating"},
    {S::kCompleted, "completed"},
    {S::kCanceled, "canceled"},
    {S::kFailed, "failed"},
    {S::kNoEval, "no_eval"},
    {S::kNoAutoEval, "no_auto_eval"},
    {S::kExcluded, "excluded"},
}};

// The table of the header's comment, row by row.
constexpr std::array<std::pair<S, S>, 29> kStatusMoves{{
    {S::kUploading, S::kUploaded},   {S::kUploading, S::kInvalid},    {S::kUploading, S::kFailed},
    {S::kUploaded, S::kOnQueue},     {S::kUploaded, S::kValidating},  {S::kUploaded, S::kInvalid},
    {S::kValidating, S::kOnQueue},   {S::kValidating, S::kInvalid},   {S::kOnQueue, S::kEvaluating},
    {S::kOnQueue, S::kCompleted},    {S::kOnQueue, S::kFailed},       {S::kOnQueue, S::kCanceled},
    {S::kEvaluating, S::kCompleted}, {S::kEvaluating, S::kFailed},    {S::kEvaluating, S::kCanceled},
    {S::kCompleted, S::kOnQueue},    {S::kFailed, S::kOnQueue},       {S::kCanceled, S::kOnQueue},
    {S::kUploaded, S::kNoEval},      {S::kUploaded, S::kNoAutoEval},  {S::kCompleted, S::kExcluded},
    {S::kNoEval, S::kOnQueue},       {S::kNoEval, S::kCompleted},     {S::kNoEval, S::kExcluded},
    {S::kNoAutoEval, S::kOnQueue},   {S::kNoAutoEval, S::kCompleted}, {S::kNoAutoEval, S::kExcluded},
    {S::kExcluded, S::kCompleted},   {S::kExcluded, S::kOnQueue},
}};

constexpr std::array<std::pair<J, std::string_view>, 5> kJobStateNames{{
    {J::kQueued, "queued"},
    {J::kRunning, "running"},
    {J::kCompleted, "completed"},
    {J::kFailed, "failed"},
    {J::kCanceled, "canceled"},
}};

constexpr std::array<std::pair<J, J>, 8> kJobMoves{{
    {J::kQueued, J::kRunning},
    {J::kQueued, J::kCompleted},
    {J::kQueued, J::kFailed},
    {J::kQueued, J::kCanceled},
    {J::kRunning, J::kRunning},
    {J::kRunning, J::kCompleted},
    {J::kRunning, J::kFailed},
    {J::kRunning, J::kCanceled},
}};

template <class T, std::size_t N>
std::string_view NameOf(const std::array<std::pair<T, std::string_view>, N>& names, T value) {
    for (const auto& [item, name] : names) {
        if (item == value) return name;
    }
    return "unknown";
}

template <class T, std::size_t N>
std::optional<T> Parse(const std::array<std::pair<T, std::string_view>, N>& names, std::string_view text) {
    for (const auto& [item, name] : names) {
        if (name == text) return item;
    }
    return std::nullopt;
}

template <class T, std::size_t N>
bool Allowed(const std::array<std::pair<T, T>, N>& moves, T from, T to) {
    return std::find(moves.begin(), moves.end(), std::pair<T, T>{from, to}) != moves.end();
}

}  // namespace

std::string_view ToString(SubmissionStatus status) { return NameOf(kStatusNames, status); }

std::optional<SubmissionStatus> ParseSubmissionStatus(std::string_view text) { return Parse(kStatusNames, text); }

bool IsLegalTransition(SubmissionStatus from, SubmissionStatus to) { return Allowed(kStatusMoves, from, to); }

std::vector<SubmissionStatus> StatusesLeadingTo(SubmissionStatus to) {
    std::vector<SubmissionStatus> from;
    for (const auto& [a, b] : kStatusMoves) {
        if (b == to) from.push_back(a);
    }
    return from;
}

std::string_view ToString(JobState state) { return NameOf(kJobStateNames, state); }

std::optional<JobState> ParseJobState(std::string_view text) { return Parse(kJobStateNames, text); }

bool IsLegalTransition(JobState from, JobState to) { return Allowed(kJobMoves, from, to); }

bool IsFinal(JobState state) { return state == J::kCompleted || state == J::kFailed || state == J::kCanceled; }

}  // namespace zr::domain
