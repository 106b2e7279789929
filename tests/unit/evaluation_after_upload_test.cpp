#include <gtest/gtest.h>

#include "evaluation/internal.hpp"

namespace zr::evaluation {
namespace {

domain::Challenge ChallengeWith(std::optional<domain::EvaluatorId> evaluator, bool auto_eval) {
    domain::Challenge challenge;
    challenge.evaluator = evaluator;
    challenge.auto_eval = auto_eval;
    return challenge;
}

domain::Submission V2Submission() {
    domain::Submission submission;
    submission.model_id = "Be26a";
    return submission;
}

TEST(AfterUploadTest, NoEvaluatorParksSecondGenerationSubmissionsOnly) {
    EXPECT_EQ(DecideAfterUpload(V2Submission(), ChallengeWith(std::nullopt, true)), AfterUpload::kNoEval);
    EXPECT_EQ(DecideAfterUpload(domain::Submission{}, ChallengeWith(std::nullopt, true)), AfterUpload::kStayUploaded);
    // No evaluator comes first: there is nothing an organiser could queue it on.
    EXPECT_EQ(DecideAfterUpload(V2Submission(), ChallengeWith(std::nullopt, false)), AfterUpload::kNoEval);
}

TEST(AfterUploadTest, AutoEvalOffWaitsForAnOrganiserInBothGenerations) {
    EXPECT_EQ(DecideAfterUpload(V2Submission(), ChallengeWith(3, false)), AfterUpload::kNoAutoEval);
    EXPECT_EQ(DecideAfterUpload(domain::Submission{}, ChallengeWith(3, false)), AfterUpload::kNoAutoEval);
    EXPECT_EQ(DecideAfterUpload(domain::Submission{}, ChallengeWith(3, true)), AfterUpload::kQueue);
}

TEST(AfterUploadTest, TheSubmissionsOwnValuesWinOverTheChallenges) {
    domain::Submission submission = V2Submission();
    submission.evaluator_id = 7;
    submission.auto_eval = true;
    EXPECT_EQ(DecideAfterUpload(submission, ChallengeWith(std::nullopt, false)), AfterUpload::kQueue);
    submission.auto_eval = false;
    EXPECT_EQ(DecideAfterUpload(submission, ChallengeWith(3, true)), AfterUpload::kNoAutoEval);
}

}  // namespace
}  // namespace zr::evaluation
