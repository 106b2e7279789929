// An organiser's moves that change what the leaderboards show (api-v2.md sections 2.5 and 4.6):
// publishing a submission's client-computed scores, excluding a submission, including it again.
#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "db/repositories.hpp"
#include "evaluation/internal.hpp"

namespace zr::evaluation {

using domain::SubmissionStatus;

std::vector<leaderboards::BuildResult> EvaluationService::Impl::MoveByOrganiser(
    const std::string& id, SubmissionStatus to, std::string_view what,
    const std::function<std::optional<std::string>(const domain::Submission&)>& check) {
    domain::ChallengeId challenge_id = 0;
    {
        auto conn = db.Acquire();
        db::Transaction tx(*conn);
        db::SubmissionRepository submissions(*conn);
        const auto submission = submissions.Find(id);
        if (!submission) {
            throw Error::Message(ErrorKind::kNotFound, "There is no submission with the following id: " + id);
        }
        const std::string refused = "Submission " + id + " cannot be " + std::string(what) + " in status " +
                                    std::string(domain::ToString(submission->status));
        if (!domain::IsLegalTransition(submission->status, to)) throw Error::Message(ErrorKind::kConflict, refused);
        if (auto why = check(*submission)) throw Error::Message(ErrorKind::kConflict, refused + ": " + *why);
        if (!submissions.Move(id, to)) throw Error::Message(ErrorKind::kConflict, refused + " (it just changed)");
        tx.Commit();
        challenge_id = submission->track_id;
    }
    store.TryAppendLog(
        id, clock.Now(),
        "status changed to " + std::string(domain::ToString(to)) + ": " + std::string(what) + " by an organiser");
    return leaderboards.BuildForChallenge(challenge_id);
}

std::vector<leaderboards::BuildResult> EvaluationService::Publish(std::string_view submission_id) {
    return impl_->MoveByOrganiser(
        std::string(submission_id), SubmissionStatus::kCompleted, "published",
        [](const domain::Submission& submission) -> std::optional<std::string> {
            if (submission.status != SubmissionStatus::kNoEval && submission.status != SubmissionStatus::kNoAutoEval) {
                return "only a submission that was not evaluated (no_eval, no_auto_eval) has client scores to publish";
            }
            if (!submission.has_scores || !submission.leaderboard_file || submission.leaderboard_file->empty()) {
                return "it carries no scores of its own (has_scores with a leaderboard file)";
            }
            return std::nullopt;
        });
}

std::vector<leaderboards::BuildResult> EvaluationService::Exclude(std::string_view submission_id) {
    return impl_->MoveByOrganiser(std::string(submission_id), SubmissionStatus::kExcluded, "excluded",
                                  [](const domain::Submission&) { return std::optional<std::string>(); });
}

std::vector<leaderboards::BuildResult> EvaluationService::Include(std::string_view submission_id) {
    return impl_->MoveByOrganiser(std::string(submission_id), SubmissionStatus::kCompleted, "included again",
                                  [](const domain::Submission& submission) -> std::optional<std::string> {
                                      if (submission.status != SubmissionStatus::kExcluded) {
                                          return "only an excluded submission can be included again";
                                      }
                                      return std::nullopt;
                                  });
}

}  // namespace zr::evaluation
