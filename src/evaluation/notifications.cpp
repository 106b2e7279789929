// E-mails, Mattermost messages, and the publication of completed evaluations (coalesced
// leaderboard rebuilds, then the status). None of them may fail an update: problems are logged.
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
        const bool completed = job.state == domain::JobState::kCompleted;
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

void EvaluationService::Impl::AnnounceUpload(const domain::Submission& submission, const domain::Challenge& challenge,
                                             const std::optional<domain::User>& owner) {
    try {
        const nlohmann::json data = {{"username", owner ? owner->username : std::string()},
                                     {"submission_id", submission.id},
                                     {"challenge", challenge.label},
                                     {"app_name", settings.app_name},
                                     {"admin_email", settings.admin_email}};
        if (owner) {
            notifiers.mail.Enqueue({owner->email, "Zerospeech: new submission",
                                    notifiers.templates.Render("emails/new_submission.txt", data),
                                    notifiers.templates.Render("emails/new_submission.html", data)});
        }
        notifiers.mattermost.Post(notifiers.templates.Render("mattermost/new_submission.md", data));
    } catch (const std::exception& e) {
        spdlog::error("submission {}: cannot send the new-submission notices: {}", submission.id, e.what());
    }
}

// --- Publishing completed evaluations ------------------------------------------------------------

void EvaluationService::Impl::RebuildDue(bool drained, bool all) {
    std::lock_guard rebuilding(rebuild_mutex);
    for (auto& due : all ? publications.TakeAll() : publications.TakeDue(drained)) {
        std::optional<domain::Challenge> challenge;
        try {
            {
                auto conn = db.Acquire();
                challenge = db::ChallengeRepository(*conn).Find(due.challenge_id);
            }
            for (const auto& built : leaderboards.BuildForChallenge(due.challenge_id)) {
                const nlohmann::json data = {{"leaderboard", built.label},
                                             {"challenge", challenge ? challenge->label : std::string()}};
                notifiers.mattermost.Post(notifiers.templates.Render("mattermost/leaderboard_update.md", data));
            }
        } catch (const std::exception& e) {
            spdlog::error("challenge {}: cannot rebuild its leaderboards ({} completed submission(s) wait for it): {}",
                          due.challenge_id, due.awaiting.size(), e.what());
            publications.Failed(std::move(due));
            continue;
        }
        for (const auto& [submission_id, job] : due.awaiting)
            Publish(challenge ? &*challenge : nullptr, submission_id, job);
    }
}

void EvaluationService::Impl::Publish(const domain::Challenge* challenge, const std::string& submission_id,
                                      const db::EvaluationJobRow& job) {
    try {
        std::optional<domain::Submission> submission;
        {
            auto conn = db.Acquire();
            db::SubmissionRepository submissions(*conn);
            if (!submissions.Move(submission_id, domain::SubmissionStatus::kCompleted)) {
                spdlog::warn("submission {}: evaluation completed, but its status was changed meanwhile",
                             submission_id);
                return;
            }
            submission = submissions.Find(submission_id);
        }
        store.TryAppendLog(submission_id, clock.Now(),
                           std::string("scores published") +
                               (challenge ? " on the leaderboards of " + challenge->label : "") +
                               "; status changed to completed");
        if (submission) MailResult(*submission, job);
    } catch (const std::exception& e) {
        spdlog::error("submission {}: cannot publish its completed evaluation: {}", submission_id, e.what());
    }
}

void EvaluationService::Impl::RecoverPublications() {
    auto conn = db.Acquire();
    db::ReadTransaction snapshot(*conn);
    const auto waiting = db::EvaluationJobRepository(*conn).ListAwaitingPublication();
    db::SubmissionRepository submissions(*conn);
    for (const auto& job : waiting) {
        if (auto submission = submissions.Find(job.submission_id)) publications.Await(submission->track_id, job);
    }
    if (!waiting.empty()) spdlog::info("{} completed evaluation(s) to publish", waiting.size());
}

}  // namespace zr::evaluation
