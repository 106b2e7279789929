// E-mails, Mattermost messages and coalesced leaderboard rebuilds. None of them may fail an
// update: problems are logged.
#include <spdlog/spdlog.h>

#include "db/repositories.hpp"
#include "evaluation/internal.hpp"

namespace zr::evaluation {
namespace {

// The participant and the challenge a message about `submission` names (either may be gone).
std::pair<std::optional<domain::User>, std::optional<domain::Challenge>> OwnerAndChallenge(
    db::Database& db, const domain::Submission& submission) {
    auto conn = db.Acquire();
    return {db::UserRepository(*conn).FindById(submission.user_id),
            db::ChallengeRepository(*conn).Find(submission.track_id)};
}

}  // namespace

void EvaluationService::Impl::MailResult(const domain::Submission& submission, const db::EvaluationJobRow& job) {
    try {
        const auto [user, challenge] = OwnerAndChallenge(db, submission);
        if (!user) return;
        const bool completed = job.state == kCompleted;
        const bool platform = !completed && job.failure_kind == domain::ToString(domain::FailureKind::kPlatform);
        const nlohmann::json data = {{"username", user->username},
                                     {"submission_id", submission.id},
                                     {"challenge", challenge ? challenge->label : std::string()},
                                     {"completed", completed},
                                     {"platform_failure", platform},
                                     {"evaluator_failure", !completed && !platform},
                                     {"reason", job.reason},
                                     {"app_name", settings.app_name},
                                     {"admin_email", settings.admin_email}};
        const std::string subject =
            std::string("Zerospeech: evaluation ") + (completed ? "completed" : "failed") + " (" + submission.id + ")";
        notifiers.mail.Enqueue({user->email, subject, notifiers.templates.Render("emails/evaluation_result.txt", data),
                                notifiers.templates.Render("emails/evaluation_result.html", data)});
    } catch (const std::exception& e) {
        spdlog::error("submission {}: cannot send the evaluation e-mail: {}", submission.id, e.what());
    }
}

void EvaluationService::Impl::PostPlatformFailure(const domain::Submission& submission,
                                                  const db::EvaluationJobRow& job) {
    try {
        const auto [user, challenge] = OwnerAndChallenge(db, submission);
        const nlohmann::json data = {{"username", user ? user->username : std::string()},
                                     {"submission_id", submission.id},
                                     {"challenge", challenge ? challenge->label : std::string()},
                                     {"job_id", job.id},
                                     {"host", job.host.empty() ? std::string("an unknown host") : job.host},
                                     {"evaluator", job.evaluator_label},
                                     {"reason", job.reason}};
        spdlog::warn("submission {}: job {} failed because of the platform: {}", submission.id, job.id, job.reason);
        notifiers.mattermost.Post(notifiers.templates.Render("mattermost/platform_failure.md", data));
    } catch (const std::exception& e) {
        spdlog::error("submission {}: cannot post the platform-failure message: {}", submission.id, e.what());
    }
}

void EvaluationService::Impl::PostNewSubmission(const std::string& submission_id) {
    try {
        auto conn = db.Acquire();
        auto submission = db::SubmissionRepository(*conn).Find(submission_id);
        if (!submission) return;
        auto user = db::UserRepository(*conn).FindById(submission->user_id);
        auto challenge = db::ChallengeRepository(*conn).Find(submission->track_id);
        const nlohmann::json data = {{"username", user ? user->username : std::string()},
                                     {"submission_id", submission_id},
                                     {"challenge", challenge ? challenge->label : std::string()}};
        notifiers.mattermost.Post(notifiers.templates.Render("mattermost/new_submission.md", data));
    } catch (const std::exception& e) {
        spdlog::error("submission {}: cannot post the new-submission message: {}", submission_id, e.what());
    }
}

void EvaluationService::Impl::MarkDirty(domain::ChallengeId challenge_id) {
    std::lock_guard lock(mutex);
    if (dirty.empty()) dirty_since = std::chrono::steady_clock::now();
    dirty.insert(challenge_id);
}

void EvaluationService::Impl::RebuildDirty() {
    std::lock_guard rebuilding(rebuild_mutex);
    std::set<domain::ChallengeId> challenges;
    {
        std::lock_guard lock(mutex);
        challenges.swap(dirty);
        dirty_since.reset();
    }
    for (domain::ChallengeId challenge_id : challenges) {
        try {
            std::optional<domain::Challenge> challenge;
            {
                auto conn = db.Acquire();
                challenge = db::ChallengeRepository(*conn).Find(challenge_id);
            }
            for (const auto& built : leaderboards.BuildForChallenge(challenge_id)) {
                const nlohmann::json data = {{"leaderboard", built.label},
                                             {"challenge", challenge ? challenge->label : std::string()}};
                notifiers.mattermost.Post(notifiers.templates.Render("mattermost/leaderboard_update.md", data));
            }
        } catch (const std::exception& e) {
            spdlog::error("challenge {}: cannot rebuild its leaderboards: {}", challenge_id, e.what());
        }
    }
}

}  // namespace zr::evaluation
