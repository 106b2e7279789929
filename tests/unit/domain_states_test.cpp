// The submission and job life cycles: every pair of states against the table of
// domain/submission_status.hpp's comment, written out here a second time on purpose.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <utility>

#include "domain/submission_status.hpp"

namespace zr::domain {
namespace {

using S = SubmissionStatus;
using J = JobState;

// The header comment's submission table, row by row.
const std::set<std::pair<S, S>> kExpectedMoves = {
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
};

const std::set<std::pair<J, J>> kExpectedJobMoves = {
    {J::kQueued, J::kRunning},  {J::kQueued, J::kCompleted},  {J::kQueued, J::kFailed},  {J::kQueued, J::kCanceled},
    {J::kRunning, J::kRunning}, {J::kRunning, J::kCompleted}, {J::kRunning, J::kFailed}, {J::kRunning, J::kCanceled},
};

TEST(SubmissionStatusTable, EveryPairOfStatuses) {
    int allowed = 0;
    for (S from : kAllSubmissionStatuses) {
        for (S to : kAllSubmissionStatuses) {
            const bool expected = kExpectedMoves.contains({from, to});
            EXPECT_EQ(IsLegalTransition(from, to), expected) << ToString(from) << " -> " << ToString(to);
            allowed += expected ? 1 : 0;
        }
    }
    EXPECT_EQ(allowed, static_cast<int>(kExpectedMoves.size()));
}

TEST(SubmissionStatusTable, StatusesLeadingToAreTheTableReadBackwards) {
    for (S to : kAllSubmissionStatuses) {
        std::set<S> expected;
        for (const auto& [a, b] : kExpectedMoves) {
            if (b == to) expected.insert(a);
        }
        const auto from = StatusesLeadingTo(to);
        EXPECT_EQ(std::set<S>(from.begin(), from.end()), expected) << ToString(to);
    }
    EXPECT_TRUE(StatusesLeadingTo(S::kUploading).empty());  // nothing goes back to uploading
}

TEST(SubmissionStatusTable, InvalidIsFinalAndEvaluationsEndInReQueueableStatuses) {
    for (S to : kAllSubmissionStatuses) EXPECT_FALSE(IsLegalTransition(S::kInvalid, to)) << ToString(to);
    for (S end : {S::kFailed, S::kCanceled}) {
        for (S to : kAllSubmissionStatuses) {
            EXPECT_EQ(IsLegalTransition(end, to), to == S::kOnQueue) << ToString(end) << " -> " << ToString(to);
        }
    }
    for (S to : kAllSubmissionStatuses) {
        EXPECT_EQ(IsLegalTransition(S::kCompleted, to), to == S::kOnQueue || to == S::kExcluded) << ToString(to);
    }
    for (S status : kAllSubmissionStatuses) EXPECT_FALSE(IsLegalTransition(status, status)) << ToString(status);
}

TEST(SubmissionStatusTable, NamesRoundTrip) {
    std::set<std::string_view> names;
    for (S status : kAllSubmissionStatuses) {
        EXPECT_EQ(ParseSubmissionStatus(ToString(status)), status);
        names.insert(ToString(status));
    }
    EXPECT_EQ(names.size(), kAllSubmissionStatuses.size());
    EXPECT_EQ(ToString(S::kOnQueue), "on_queue");
    EXPECT_EQ(ToString(S::kNoAutoEval), "no_auto_eval");
    EXPECT_FALSE(ParseSubmissionStatus("Uploaded"));
    EXPECT_FALSE(ParseSubmissionStatus(""));
    EXPECT_FALSE(ParseSubmissionStatus("done"));
}

TEST(JobStateTable, EveryPairOfStates) {
    for (J from : kAllJobStates) {
        for (J to : kAllJobStates) {
            EXPECT_EQ(IsLegalTransition(from, to), kExpectedJobMoves.contains({from, to}))
                << ToString(from) << " -> " << ToString(to);
        }
    }
}

TEST(JobStateTable, FinalStatesHaveNoMoveOut) {
    for (J state : kAllJobStates) {
        const bool final_state = state == J::kCompleted || state == J::kFailed || state == J::kCanceled;
        EXPECT_EQ(IsFinal(state), final_state) << ToString(state);
        const bool has_move =
            std::any_of(kAllJobStates.begin(), kAllJobStates.end(), [&](J to) { return IsLegalTransition(state, to); });
        EXPECT_EQ(has_move, !final_state) << ToString(state);
        EXPECT_EQ(ParseJobState(ToString(state)), state);
    }
    EXPECT_FALSE(ParseJobState("done"));
}

}  // namespace
}  // namespace zr::domain
