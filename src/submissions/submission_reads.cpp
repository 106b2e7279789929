// The participant's reads: listings, details, status, out.log and scores.
#include "submissions/submission_reads.hpp"

#include <map>

#include "db/repositories.hpp"
#include "db/score_version_repository.hpp"
#include "submissions/internal.hpp"

namespace zr::submissions {
namespace {

using domain::SubmissionStatus;

std::map<domain::ChallengeId, domain::Challenge> ChallengesById(db::Connection& conn) {
    std::map<domain::ChallengeId, domain::Challenge> challenges;
    for (auto& challenge : db::ChallengeRepository(conn).List()) challenges.emplace(challenge.id, challenge);
    return challenges;
}

// The submission's challenge, or one with only the id set (its row is gone).
domain::Challenge ChallengeOfSubmission(db::Connection& conn, const domain::Submission& submission) {
    if (auto challenge = db::ChallengeRepository(conn).Find(submission.track_id)) return std::move(*challenge);
    domain::Challenge gone;
    gone.id = submission.track_id;
    return gone;
}

}  // namespace

SubmissionView SubmissionReads::Get(const domain::User& user, std::string_view submission_id) {
    SubmissionView view{
        records_.Locate(user, std::nullopt, submission_id), user.username, {}, std::nullopt, {}, std::nullopt};
    auto conn = records_.db().Acquire();
    db::ReadTransaction snapshot(*conn);
    view.challenge = ChallengeOfSubmission(*conn, view.submission);
    if (view.challenge.evaluator) view.evaluator = db::EvaluatorRepository(*conn).Find(*view.challenge.evaluator);
    view.leaderboards = db::LeaderboardRepository(*conn).ListByChallenge(view.submission.track_id);
    return view;
}

std::vector<SubmissionView> SubmissionReads::ListForUser(const domain::User& user,
                                                         std::optional<domain::ChallengeId> track_id) {
    auto conn = records_.db().Acquire();
    db::ReadTransaction snapshot(*conn);
    const auto challenges = ChallengesById(*conn);
    if (track_id && !challenges.contains(*track_id)) throw detail::UnknownChallenge(*track_id);
    std::vector<SubmissionView> views;
    for (auto& submission : db::SubmissionRepository(*conn).List(user.id, track_id, std::nullopt)) {
        const domain::ChallengeId challenge_id = submission.track_id;
        views.push_back({std::move(submission),
                         user.username,
                         detail::ChallengeOf(challenges, challenge_id),
                         std::nullopt,
                         {},
                         std::nullopt});
    }
    return views;
}

StatusDetails SubmissionReads::Details(const domain::User& user, std::string_view submission_id) {
    const domain::Submission submission = records_.Locate(user, std::nullopt, submission_id);
    StatusDetails details;
    details.status = submission.status;
    auto conn = records_.db().Acquire();
    db::ReadTransaction snapshot(*conn);
    db::EvaluationJobRepository jobs(*conn);
    const auto current = jobs.FindCurrent(submission.id);
    if (details.status == SubmissionStatus::kOnQueue && current)
        details.queue_position = jobs.QueuePosition(current->id);
    if (details.status == SubmissionStatus::kFailed) details.failure = detail::DescribeFailure(current);
    details.evaluations = jobs.CountForSubmission(submission.id);
    details.score_versions = static_cast<int>(db::ScoreVersionRepository(*conn).List(submission.id).size());
    return details;
}

std::vector<std::string> SubmissionReads::LogLines(const domain::User& user, std::string_view submission_id) {
    const domain::Submission submission = records_.Locate(user, std::nullopt, submission_id);
    return records_.store().ReadLog(submission.id);
}

nlohmann::json SubmissionReads::Scores(const domain::User& user, std::string_view submission_id) {
    return ScoresOfSubmission(records_.Locate(user, std::nullopt, submission_id));
}

nlohmann::json SubmissionReads::ScoresOf(const domain::User* user, std::string_view submission_id) {
    const domain::Submission submission = records_.Find(submission_id);
    const bool mine = user != nullptr && submission.user_id == user->id;
    if (!mine && submission.status != SubmissionStatus::kCompleted) throw detail::UnknownSubmission(submission_id);
    return ScoresOfSubmission(submission);
}

SubmissionView SubmissionReads::Find(std::string_view submission_id) {
    SubmissionView view{records_.Find(submission_id), {}, {}, std::nullopt, {}, std::nullopt};
    auto conn = records_.db().Acquire();
    db::ReadTransaction snapshot(*conn);
    view.challenge = ChallengeOfSubmission(*conn, view.submission);
    if (auto owner = db::UserRepository(*conn).FindById(view.submission.user_id)) view.username = owner->username;
    return view;
}

std::vector<SubmissionView> SubmissionReads::ListPublished() {
    auto conn = records_.db().Acquire();
    db::ReadTransaction snapshot(*conn);
    const auto challenges = ChallengesById(*conn);
    std::vector<SubmissionView> views;
    for (auto& submission :
         db::SubmissionRepository(*conn).List(std::nullopt, std::nullopt, SubmissionStatus::kCompleted)) {
        const domain::ChallengeId challenge_id = submission.track_id;
        views.push_back(
            {std::move(submission), {}, detail::ChallengeOf(challenges, challenge_id), std::nullopt, {}, std::nullopt});
    }
    return views;
}

nlohmann::json SubmissionReads::ScoresOfSubmission(const domain::Submission& submission) {
    const storage::SubmissionStore& store = records_.store();
    const std::string& id = submission.id;
    std::vector<domain::Leaderboard> leaderboards;
    std::optional<db::ScoreVersionRow> newest;
    std::optional<db::EvaluationJobRow> current_job;
    {
        auto conn = records_.db().Acquire();
        db::ReadTransaction snapshot(*conn);
        leaderboards = db::LeaderboardRepository(*conn).ListByChallenge(submission.track_id);
        newest = db::ScoreVersionRepository(*conn).Newest(id);
        current_job = db::EvaluationJobRepository(*conn).FindCurrent(id);
    }
    std::optional<domain::NewestScores> shown_newest;
    if (newest) {
        shown_newest = domain::NewestScores{newest->job_id, newest->history_name,
                                            store.HasScoresInHistory(id, newest->history_name)};
    }
    const bool archived = domain::WhichScoresShown(submission.status, shown_newest,
                                                   detail::AsCurrentJob(current_job)) == domain::ShownScores::kArchived;
    nlohmann::json scores = nlohmann::json::object();
    for (const auto& leaderboard : leaderboards) {
        if (leaderboard.entry_file.empty()) continue;
        auto entry = archived ? store.ReadJsonFileInHistory(id, newest->history_name, leaderboard.entry_file)
                              : store.ReadJsonFile(id, leaderboard.entry_file);
        if (entry) scores[leaderboard.label] = std::move(*entry);
    }
    return scores;
}

}  // namespace zr::submissions
