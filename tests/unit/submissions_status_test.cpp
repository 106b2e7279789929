// Submission statuses: names and the service's legal transitions (pipeline.md section 3).
#include <gtest/gtest.h>

#include "domain/submission_status.hpp"

namespace zr::domain {
namespace {

using S = SubmissionStatus;
const S kAll[] = {S::kUploading,  S::kUploaded,  S::kOnQueue,  S::kValidating, S::kInvalid,
                  S::kEvaluating, S::kCompleted, S::kCanceled, S::kFailed};

TEST(SubmissionStatus, NamesRoundTrip) {
    for (S status : kAll) EXPECT_EQ(ParseSubmissionStatus(ToString(status)), status);
    EXPECT_EQ(ToString(S::kOnQueue), "on_queue");
    EXPECT_EQ(ToString(S::kUploading), "uploading");
    EXPECT_FALSE(ParseSubmissionStatus("Uploaded"));
    EXPECT_FALSE(ParseSubmissionStatus(""));
    EXPECT_FALSE(ParseSubmissionStatus("done"));
}

TEST(SubmissionStatus, LegalTransitions) {
    EXPECT_TRUE(IsLegalTransition(S::kUploading, S::kUploaded));
    EXPECT_TRUE(IsLegalTransition(S::kUploading, S::kInvalid));
    EXPECT_TRUE(IsLegalTransition(S::kUploading, S::kFailed));
    EXPECT_TRUE(IsLegalTransition(S::kUploaded, S::kOnQueue));
    EXPECT_TRUE(IsLegalTransition(S::kUploaded, S::kInvalid));
    EXPECT_TRUE(IsLegalTransition(S::kOnQueue, S::kEvaluating));
    EXPECT_TRUE(IsLegalTransition(S::kOnQueue, S::kCanceled));
    EXPECT_TRUE(IsLegalTransition(S::kEvaluating, S::kCompleted));
    EXPECT_TRUE(IsLegalTransition(S::kEvaluating, S::kFailed));
}

TEST(SubmissionStatus, IllegalTransitions) {
    EXPECT_FALSE(IsLegalTransition(S::kUploading, S::kCompleted));
    EXPECT_FALSE(IsLegalTransition(S::kUploaded, S::kUploading));
    EXPECT_FALSE(IsLegalTransition(S::kUploaded, S::kCompleted));
    EXPECT_FALSE(IsLegalTransition(S::kCompleted, S::kUploaded));
    EXPECT_FALSE(IsLegalTransition(S::kInvalid, S::kUploaded));
    EXPECT_FALSE(IsLegalTransition(S::kFailed, S::kCompleted));
    // final statuses go nowhere without an administrator
    for (S final_status : {S::kCompleted, S::kInvalid, S::kCanceled, S::kFailed}) {
        for (S to : kAll) EXPECT_FALSE(IsLegalTransition(final_status, to)) << ToString(final_status);
    }
    for (S status : kAll) EXPECT_FALSE(IsLegalTransition(status, status)) << ToString(status);
}

}  // namespace
}  // namespace zr::domain
